"""What a seal certificate says about itself: its QC statements (ETSI EN 319 412-5) and the
sealing organisation's name and identifier (EN 319 412-1 organizationIdentifier)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from asn1crypto import core, x509

QC_STATEMENTS = "1.3.6.1.5.5.7.1.3"
QC_COMPLIANCE = "0.4.0.1862.1.1"
QC_SSCD = "0.4.0.1862.1.4"
QC_TYPE = "0.4.0.1862.1.6"
QC_TYPES = {"0.4.0.1862.1.6.1": "esign", "0.4.0.1862.1.6.2": "eseal", "0.4.0.1862.1.6.3": "web"}
ORGANIZATION_IDENTIFIER = "2.5.4.97"


class _Statement(core.Sequence):
    _fields = [("statement_id", core.ObjectIdentifier), ("statement_info", core.Any,
                                                         {"optional": True})]


class _Statements(core.SequenceOf):
    _child_spec = _Statement


class _Types(core.SequenceOf):
    _child_spec = core.ObjectIdentifier


@dataclass
class QcClaims:
    compliance: bool = False  # QcCompliance: an EU qualified certificate
    sscd: bool = False  # QcSSCD: the key is in a qualified signature/seal creation device
    types: list[str] = field(default_factory=list)  # esign | eseal | web
    malformed: bool = False

    @property
    def level(self) -> str:
        """qualified: a qualified certificate for seals whose key is in a QSCD (a qualified
        electronic seal, eIDAS art. 3(27)); advanced otherwise (an advanced seal, possibly
        based on a qualified certificate)."""
        return "qualified" if self.compliance and self.sscd and "eseal" in self.types \
            else "advanced"

    def to_json(self) -> dict[str, Any]:
        return {"qcCompliance": self.compliance, "qcSSCD": self.sscd, "qcTypes": self.types}


def qc_claims(cert: x509.Certificate) -> QcClaims:
    claims = QcClaims()
    for ext in cert["tbs_certificate"]["extensions"] or []:
        if ext["extn_id"].dotted != QC_STATEMENTS:
            continue
        try:
            statements = _Statements.load(ext["extn_value"].native if isinstance(
                ext["extn_value"].native, bytes) else ext["extn_value"].contents)
            for st in statements:
                oid = st["statement_id"].dotted
                if oid == QC_COMPLIANCE:
                    claims.compliance = True
                elif oid == QC_SSCD:
                    claims.sscd = True
                elif oid == QC_TYPE and st["statement_info"].native is not None:
                    types = _Types.load(st["statement_info"].dump())
                    claims.types = [QC_TYPES.get(t.dotted, t.dotted) for t in types]
        except (ValueError, TypeError):
            claims.malformed = True
    return claims


def _attribute(cert: x509.Certificate, *names: str) -> str | None:
    for rdn in cert.subject.chosen:
        for attr in rdn:
            if attr["type"].native in names or attr["type"].dotted in names:
                value = attr["value"].native
                return value if isinstance(value, str) else None
    return None


@dataclass
class Sealer:
    organisation: str | None
    identifier: str | None  # organizationIdentifier, e.g. VATES-A00000000
    common_name: str | None
    country: str | None

    @property
    def name(self) -> str:
        return self.organisation or self.common_name or "?"

    def to_json(self) -> dict[str, Any]:
        return {"organisation": self.organisation, "organisationIdentifier": self.identifier,
                "commonName": self.common_name, "country": self.country}


def sealer(cert: x509.Certificate) -> Sealer:
    return Sealer(_attribute(cert, "organization_name"),
                  _attribute(cert, "organization_identifier", ORGANIZATION_IDENTIFIER),
                  _attribute(cert, "common_name"), _attribute(cert, "country_name"))


def short_name(cert: x509.Certificate) -> str:
    return _attribute(cert, "common_name") or _attribute(cert, "organization_name") \
        or cert.subject.human_friendly


def issuer_name(cert: x509.Certificate) -> str:
    for rdn in cert.issuer.chosen:
        for attr in rdn:
            if attr["type"].native == "common_name" and isinstance(attr["value"].native, str):
                return attr["value"].native
    return cert.issuer.human_friendly
