"""RFC 3161 time-stamp tokens (CMS SignedData over a TSTInfo, RFC 5652): the message imprint
against the data it should cover, the signed attributes and the TSA's signature. Done with
asn1crypto + cryptography rather than pyHanko's CMS validation, which is asynchronous and
PDF-minded, and would add a second certificate-validation configuration (docs/seals.md)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from asn1crypto import cms, tsp, x509
from cryptography import x509 as cx509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.x509.base import InvalidVersion

from app.messages import Message, msg

MAX_TOKEN_BYTES = 64 * 1024
_DIGESTS = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512,
            "sha224": hashes.SHA224}


class TokenError(ValueError):
    """A token that is not a usable RFC 3161 token; ``code`` is stable."""

    def __init__(self, code: str, message: Message) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Token:
    gen_time: datetime
    tsa: x509.Certificate
    certificates: list[x509.Certificate] = field(default_factory=list)
    serial: int = 0
    policy: str = ""

    @property
    def tsa_name(self) -> str:
        return self.tsa.subject.human_friendly


def _digest(name: str, data: bytes) -> bytes:
    if name not in _DIGESTS:
        raise TokenError("unsupported-algorithm",
                         msg("digest %(name)s is not supported", name=name))
    return hashlib.new(name, data).digest()


def check_token(der: bytes, covered: bytes) -> Token:
    """The token's TSTInfo imprint must be the digest of ``covered`` and its SignerInfo a
    valid signature by the certificate it names; TokenError otherwise."""
    if len(der) > MAX_TOKEN_BYTES:
        raise TokenError("token-too-large", msg("the time-stamp token is too large"))
    try:
        info_ci = cms.ContentInfo.load(der, strict=True)
        if info_ci["content_type"].native != "signed_data":
            raise TokenError("malformed-token", msg("the token is not CMS SignedData"))
        signed = info_ci["content"]
        encap = signed["encap_content_info"]
        if encap["content_type"].native != "tst_info":
            raise TokenError("malformed-token", msg("the token does not hold a TSTInfo"))
        content = encap["content"].contents  # the DER TSTInfo as signed
        info = tsp.TSTInfo.load(content)
        imprint = info["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        hashed = imprint["hashed_message"].native
        gen_time = info["gen_time"].native
        certs = [c.chosen for c in signed["certificates"] or []
                 if isinstance(c.chosen, x509.Certificate)]
        signers = list(signed["signer_infos"])
    except TokenError:
        raise
    except (ValueError, TypeError, KeyError):
        raise TokenError("malformed-token", msg("the time-stamp token is not valid DER")) from None
    if _digest(algorithm, covered) != hashed:
        raise TokenError("imprint-mismatch", msg("the time-stamp does not cover this signature"))
    if len(signers) != 1:
        raise TokenError("malformed-token", msg("a time-stamp token has exactly one signer"))
    tsa = _signer_certificate(signers[0], certs)
    _check_signer(signers[0], tsa, content)
    return Token(gen_time, tsa, certs, int(info["serial_number"].native),
                 info["policy"].native or "")


def _signer_certificate(signer: cms.SignerInfo, certs: list[x509.Certificate]) -> x509.Certificate:
    sid = signer["sid"]
    for cert in certs:
        if sid.name == "issuer_and_serial_number":
            if cert.issuer == sid.chosen["issuer"] and \
                    cert.serial_number == sid.chosen["serial_number"].native:
                return cert
        elif cert.key_identifier == sid.chosen.native:
            return cert
    raise TokenError("tsa-certificate-missing",
                     msg("the token does not carry the TSA's certificate"))


def _check_signer(signer: cms.SignerInfo, tsa: x509.Certificate, content: bytes) -> None:
    digest_name = signer["digest_algorithm"]["algorithm"].native
    attrs = signer["signed_attrs"]
    if not attrs:  # RFC 3161 §2.4.2 requires signed attributes (ESSCertID among them)
        raise TokenError("malformed-token", msg("the token has no signed attributes"))
    found = {a["type"].native: a["values"][0] for a in attrs}
    if found.get("content_type") is None or found["content_type"].native != "tst_info":
        raise TokenError("malformed-token", msg("the token's content-type attribute is wrong"))
    digest = found.get("message_digest")
    if digest is None or digest.native != _digest(digest_name, content):
        raise TokenError("token-signature-invalid", msg("the token's TSTInfo was altered"))
    # RFC 5652 §5.4: the signature is over the DER of the attributes as a SET OF (tag 0x31).
    signed_bytes = b"\x31" + attrs.dump()[1:]
    algo = signer["signature_algorithm"]
    sig = signer["signature"].native
    try:
        key = cx509.load_der_x509_certificate(tsa.dump()).public_key()
    except (ValueError, InvalidVersion, UnsupportedAlgorithm):
        raise TokenError("malformed-token",
                         msg("the TSA's certificate in the token is malformed")) from None
    hash_cls = _DIGESTS.get(digest_name)
    if hash_cls is None:
        raise TokenError("unsupported-algorithm",
                         msg("digest %(name)s is not supported", name=digest_name))
    try:
        kind = algo.signature_algo
        if kind == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPublicKey):
            key.verify(sig, signed_bytes, padding.PKCS1v15(), hash_cls())
        elif kind == "rsassa_pss" and isinstance(key, rsa.RSAPublicKey):
            params = algo["parameters"]
            pss_hash = _DIGESTS[params["hash_algorithm"]["algorithm"].native]()
            key.verify(sig, signed_bytes, padding.PSS(padding.MGF1(pss_hash),
                                                      params["salt_length"].native), pss_hash)
        elif kind == "ecdsa" and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(sig, signed_bytes, ec.ECDSA(hash_cls()))
        elif kind == "ed25519" and isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(sig, signed_bytes)
        else:
            raise TokenError("unsupported-algorithm",
                             msg("signature %(kind)s is not supported", kind=kind))
    except (InvalidSignature, ValueError, KeyError):
        raise TokenError("token-signature-invalid",
                         msg("the TSA's signature on the token does not verify")) from None
    usage = tsa.extended_key_usage_value
    if usage is None or "time_stamping" not in usage.native:
        raise TokenError("tsa-not-timestamping",
                         msg("the TSA certificate is not for time-stamping"))
