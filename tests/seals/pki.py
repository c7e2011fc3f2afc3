"""A test PKI made on the spot (cryptography + asn1crypto): a root CA, e-seal certificates with
or without QC statements (EN 319 412-5), a TSA, CRLs, RFC 3161 tokens and JAdES seals, so the
seal checks run on real signatures and real certificate paths. Nothing here is mcred code."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as ax509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NOW = datetime.now(UTC).replace(microsecond=0)
CRL_URL = "http://crl.test-pki.example/root.crl"
QC_COMPLIANCE, QC_SSCD, QC_TYPE, QC_ESEAL = ("0.4.0.1862.1.1", "0.4.0.1862.1.4",
                                             "0.4.0.1862.1.6", "0.4.0.1862.1.6.2")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _name(cn: str, org: str | None = None, org_id: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "BE")]
    if org:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    if org_id:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, org_id))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


class _Statement(core.Sequence):
    _fields = [("id", core.ObjectIdentifier), ("info", core.Any, {"optional": True})]


class _Statements(core.SequenceOf):
    _child_spec = _Statement


class _Oids(core.SequenceOf):
    _child_spec = core.ObjectIdentifier


def qc_statements(compliance: bool = True, sscd: bool = True, eseal: bool = True) -> bytes:
    items = []
    if compliance:
        items.append(_Statement({"id": QC_COMPLIANCE}))
    if sscd:
        items.append(_Statement({"id": QC_SSCD}))
    if eseal:
        items.append(_Statement({"id": QC_TYPE, "info": _Oids([QC_ESEAL])}))
    return _Statements(items).dump()


@dataclass
class Issued:
    cert: x509.Certificate
    key: Any

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


@dataclass
class Pki:
    root: Issued
    tsa: Issued
    revoked: dict[int, datetime] = field(default_factory=dict)

    @classmethod
    def make(cls, root_cn: str = "mcred Test Root CA") -> Pki:
        key = ec.generate_private_key(ec.SECP256R1())
        name = _name(root_cn, "mcred Test Trust Services", "NTRBE-0000000097")
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(NOW - timedelta(days=365))
                .not_valid_after(NOW + timedelta(days=3650))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                             False), critical=True)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                               critical=False)
                .sign(key, hashes.SHA256()))
        root = Issued(cert, key)
        pki = cls(root, root)
        pki.tsa = pki.issue("mcred Test TSA", org="mcred Test Trust Services", tsa=True)
        return pki

    def issue(self, cn: str, org: str | None = None, org_id: str | None = None,
              qc: bytes | None = None, tsa: bool = False, rsa_key: bool = False,
              not_before: datetime | None = None, not_after: datetime | None = None,
              crl_pointer: bool = True) -> Issued:
        key = rsa.generate_private_key(65537, 2048) if rsa_key else \
            ec.generate_private_key(ec.SECP256R1())
        builder = (x509.CertificateBuilder().subject_name(_name(cn, org, org_id))
                   .issuer_name(self.root.cert.subject).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(not_before or NOW - timedelta(days=30))
                   .not_valid_after(not_after or NOW + timedelta(days=365))
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                       self.root.key.public_key()), critical=False))
        if crl_pointer:  # without one, no revocation data is needed to anchor the certificate
            builder = builder.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
                [x509.UniformResourceIdentifier(CRL_URL)], None, None, None)]), critical=False)
        if tsa:
            builder = builder.add_extension(x509.KeyUsage(True, False, False, False, False, False,
                                                          False, False, False), critical=True) \
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]),
                               critical=True)
        else:
            builder = builder.add_extension(x509.KeyUsage(True, True, False, False, False, False,
                                                          False, False, False), critical=True)
        if qc is not None:
            builder = builder.add_extension(x509.UnrecognizedExtension(
                x509.ObjectIdentifier("1.3.6.1.5.5.7.1.3"), qc), critical=False)
        return Issued(builder.sign(self.root.key, hashes.SHA256()), key)

    def crl(self, this_update: datetime | None = None) -> bytes:
        builder = (x509.CertificateRevocationListBuilder().issuer_name(self.root.cert.subject)
                   .last_update(this_update or NOW - timedelta(minutes=10))
                   .next_update(NOW + timedelta(days=7)))
        for serial, when in self.revoked.items():
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when)
                .build())
        return builder.sign(self.root.key, hashes.SHA256()).public_bytes(
            serialization.Encoding.DER)

    def timestamp(self, data: bytes, at: datetime) -> bytes:
        """An RFC 3161 token over SHA-256(``data``) at ``at``, signed by the TSA."""
        info = tsp.TSTInfo({
            "version": "v1", "policy": "1.3.6.1.4.1.99999.1",
            "message_imprint": {"hash_algorithm": {"algorithm": "sha256"},
                                "hashed_message": hashlib.sha256(data).digest()},
            "serial_number": x509.random_serial_number(), "gen_time": at})
        content = info.dump()
        tsa_cert = ax509.Certificate.load(self.tsa.der)
        attrs = cms.CMSAttributes([
            cms.CMSAttribute({"type": "content_type", "values": ["tst_info"]}),
            cms.CMSAttribute({"type": "message_digest",
                              "values": [hashlib.sha256(content).digest()]}),
            cms.CMSAttribute({"type": "signing_certificate_v2", "values": [{
                "certs": [{"cert_hash": hashlib.sha256(self.tsa.der).digest()}]}]}),
        ])
        signature = self.tsa.key.sign(attrs.dump(), ec.ECDSA(hashes.SHA256()))
        signer = cms.SignerInfo({
            "version": "v1",
            "sid": cms.SignerIdentifier({"issuer_and_serial_number": {
                "issuer": tsa_cert.issuer, "serial_number": tsa_cert.serial_number}}),
            "digest_algorithm": {"algorithm": "sha256"},
            "signed_attrs": attrs,
            "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}),
            "signature": signature})
        signed = cms.SignedData({
            "version": "v3", "digest_algorithms": [{"algorithm": "sha256"}],
            "encap_content_info": {"content_type": "tst_info",
                                   "content": core.ParsableOctetString(content)},
            "certificates": [tsa_cert], "signer_infos": [signer]})
        return cms.ContentInfo({"content_type": "signed_data", "content": signed}).dump()


def etsi(entry: dict[str, Any]) -> str:
    return b64url(json.dumps(entry).encode())


def _sign(key: Any, data: bytes) -> tuple[str, bytes]:
    if isinstance(key, rsa.RSAPrivateKey):
        return "RS256", key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    return "ES256", r.to_bytes(32, "big") + s.to_bytes(32, "big")


def seal(pki: Pki, signer: Issued, credential: dict[str, Any], signed_at: datetime,
         *, stamp: bool = True, sign_with: Any = None, crit_extra: list[str] | None = None,
         stamp_over: bytes | None = None, carried_crl: bytes | None = None,
         extra_protected: dict[str, Any] | None = None, carry_root: bool = True
         ) -> dict[str, Any]:
    """A JAdES B-LT-like seal (b64:false, x5c, sigT, sigTst, xVals, rVals) of ``credential``,
    as EDC issuers make them."""
    payload = json.dumps(credential, ensure_ascii=False, separators=(",", ":"))
    key = sign_with or signer.key
    alg = "RS256" if isinstance(key, rsa.RSAPrivateKey) else "ES256"
    protected: dict[str, Any] = {
        "alg": alg, "cty": "octet-stream", "typ": "jose+json",
        "x5t#S256": b64url(hashlib.sha256(signer.der).digest()),
        "x5c": [base64.b64encode(signer.der).decode()],
        "sigT": signed_at.strftime("%Y-%m-%dT%H:%M:%SZ"), "b64": False,
        "crit": ["b64", "sigT", *(crit_extra or [])]}
    protected.update(extra_protected or {})
    for name in crit_extra or []:
        protected.setdefault(name, "x")
    protected_b64 = b64url(json.dumps(protected).encode())
    _, signature = _sign(key, protected_b64.encode() + b"." + payload.encode())
    signature_b64 = b64url(signature)
    etsi_u = []
    if stamp:
        token = pki.timestamp(stamp_over if stamp_over is not None else signature_b64.encode(),
                              signed_at + timedelta(seconds=2))
        etsi_u.append(etsi({"sigTst": {"tstTokens": [{"val": base64.b64encode(token).decode()}]}}))
    if carry_root:
        etsi_u.append(etsi({"xVals": [{"x509Cert": {
            "val": base64.b64encode(pki.root.der).decode()}}]}))
    etsi_u.append(etsi({"rVals": {"crlVals": [{"val": base64.b64encode(
        carried_crl if carried_crl is not None else pki.crl()).decode()}]}}))
    return {"payload": payload, "signatures": [{"protected": protected_b64,
                                                "header": {"etsiU": etsi_u},
                                                "signature": signature_b64}]}
