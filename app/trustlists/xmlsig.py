"""The enveloped XAdES signature of a trusted list, checked with signxml against pinned
certificates only (never a certificate the document brings along)."""

from __future__ import annotations

import base64
import binascii

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from signxml.exceptions import InvalidInput, InvalidSignature
from signxml.xades import XAdESSignatureConfiguration, XAdESVerifier

from app.trustlists.parse import TSL, ListError, safe_parser

DS = "http://www.w3.org/2000/09/xmldsig#"


def _references(root: etree._Element) -> int:
    return len(root.findall(f"{{{DS}}}Signature/{{{DS}}}SignedInfo/{{{DS}}}Reference"))


def verify(data: bytes, root: etree._Element,
           pinned: list[x509.Certificate]) -> tuple[etree._Element, x509.Certificate]:
    """The signed TrustServiceStatusList (as signxml returns it: read only that) and the
    pinned certificate that signed it, or ListError ``signature-missing``/``signature-invalid``
    /``signer-not-trusted``."""
    if root.find(f"{{{DS}}}Signature") is None:
        raise ListError("signature-missing", "the list carries no enveloped ds:Signature")
    if not pinned:
        raise ListError("signer-not-trusted", "no certificate is trusted to sign this list")
    # TS 119 612 lists sign the whole document plus the XAdES SignedProperties (two
    # references); signxml's own XAdES output adds one for KeyInfo.
    count = _references(root)
    if count not in (2, 3):
        raise ListError("signature-invalid", f"the signature has {count} references, not 2 or 3")
    config = XAdESSignatureConfiguration(expect_references=count)
    last: Exception | None = None
    for cert in pinned:
        try:
            results = XAdESVerifier().verify(data, x509_cert=cert, expect_config=config,
                                             parser=safe_parser())
        except InvalidSignature as exc:
            last = exc  # another pinned certificate may be the signer
            continue
        except (InvalidInput, ValueError, KeyError, TypeError, AttributeError,
                etree.LxmlError) as exc:
            # signxml meets a hostile document first: whatever it trips on is a refusal
            raise ListError("signature-invalid", f"the signature cannot be checked: {exc}") \
                from None
        signed = next((r.signed_xml for r in results if r.signed_xml is not None
                       and r.signed_xml.tag == f"{{{TSL}}}TrustServiceStatusList"), None)
        if signed is None:
            raise ListError("signature-invalid", "the signature does not cover the whole list")
        return signed, cert
    reason = "signature-invalid" if _signed_by_pinned(root, pinned) else "signer-not-trusted"
    raise ListError(reason, "the signature does not verify with a trusted certificate"
                    + (f" ({last})" if reason == "signature-invalid" and last else ""))


def _signed_by_pinned(root: etree._Element, pinned: list[x509.Certificate]) -> bool:
    """Whether the certificate the signature names is one of ours: then a failure means the
    list was altered, otherwise that someone else signed it."""
    pinned_der = {c.public_bytes(Encoding.DER) for c in pinned}
    for node in root.iterfind(f"{{{DS}}}Signature/{{{DS}}}KeyInfo/{{{DS}}}X509Data/"
                              f"{{{DS}}}X509Certificate"):
        try:
            der = base64.b64decode("".join((node.text or "").split()), validate=True)
        except (binascii.Error, ValueError):
            continue
        if der in pinned_der:
            return True
    return False
