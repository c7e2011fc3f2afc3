"""ETSI TS 119 612 (v2.x) trusted list XML → plain data: the scheme, the pointers to other
lists (LOTL) and the trust services with their status history. Parsing only, no trust."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lxml import etree

TSL = "http://uri.etsi.org/02231/v2#"
TSLX = "http://uri.etsi.org/02231/v2/additionaltypes#"
ECC = "http://uri.etsi.org/TrstSvc/SvcInfoExt/eSigDir-1999-93-EC-TrustedList/#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
NS = {"tsl": TSL, "tslx": TSLX, "ecc": ECC, "xades": XADES}

CA_QC = "http://uri.etsi.org/TrstSvc/Svctype/CA/QC"
GRANTED = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted"
FOR_ESEALS = "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/ForeSeals"
NOT_QUALIFIED = "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/NotQualified"
LOTL_TYPE = "http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUlistofthelists"


class ListError(ValueError):
    """A trusted list refused; ``reason`` is a stable code (docs/trusted-lists.md)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def safe_parser() -> etree.XMLParser:
    # No entities, no DTD, no network, no huge trees: a trusted list is plain data.
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                           load_dtd=False, dtd_validation=False, remove_comments=False)


def parse_xml(data: bytes, max_bytes: int) -> etree._Element:
    """The document's root element, or ListError (too large, malformed, with a DTD)."""
    if len(data) > max_bytes:
        raise ListError("too-large", f"the list is {len(data)} bytes, over {max_bytes}")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        # refused before parsing: a DTD is never part of a trusted list, and entity
        # declarations (billion laughs) must not reach any parser
        raise ListError("dtd-forbidden", "the document carries a DTD or entity declaration")
    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as exc:
        raise ListError("malformed-xml", f"not well-formed XML: {exc.msg}") from None
    if root.getroottree().docinfo.doctype:
        raise ListError("dtd-forbidden", "the document carries a DTD")
    if root.tag != f"{{{TSL}}}TrustServiceStatusList":
        raise ListError("not-a-trusted-list",
                        "the root element is not a TS 119 612 TrustServiceStatusList")
    return root


@dataclass(frozen=True)
class Pointer:
    """A LOTL's pointer to a national list: where it is and who may sign it."""

    territory: str
    location: str
    certificates: list[bytes]  # DER


@dataclass(frozen=True)
class Status:
    """One status of a service, from ``start`` until the next (newer) one."""

    start: datetime
    status: str
    service_type: str
    for_eseals: bool
    for_any_use_given: bool  # some ForeSignatures/ForeSeals/ForWebSiteAuthentication given
    # Qualifications extension: [{qualifiers, assert, policy_sets, other_criteria}]
    qualifications: list[dict[str, Any]]


@dataclass(frozen=True)
class Service:
    tsp_name: str
    service_name: str
    service_type: str
    certificates: list[bytes]  # DER
    skis: list[bytes]
    history: list[Status]  # newest first (the current status, then ServiceHistory)


@dataclass(frozen=True)
class TrustedList:
    territory: str
    lotl: bool
    sequence_number: int
    issued_at: datetime
    next_update: datetime | None
    operator: str
    pointers: list[Pointer] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)


def _text(node: etree._Element | None, path: str) -> str:
    found = node.find(path, NS) if node is not None else None
    return (found.text or "").strip() if found is not None else ""


def _name(node: etree._Element | None, path: str) -> str:
    """The English name of a multilingual list (else the first), at most 500 characters."""
    names = node.findall(path + "/tsl:Name", NS) if node is not None else []
    chosen = next((n for n in names if n.get("{http://www.w3.org/XML/1998/namespace}lang")
                   == "en"), names[0] if names else None)
    return (chosen.text or "").strip()[:500] if chosen is not None else ""


def _time(value: str, what: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ListError("bad-content", f"{what} is not a date-time: {value[:40]!r}") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _b64(value: str, what: str) -> bytes:
    try:
        return base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        raise ListError("bad-content", f"{what} is not base64") from None


def _identities(node: etree._Element | None) -> tuple[list[bytes], list[bytes]]:
    if node is None:
        return [], []
    certs = [_b64(c.text or "", "X509Certificate")
             for c in node.findall("tsl:DigitalId/tsl:X509Certificate", NS)]
    skis = [_b64(s.text or "", "X509SKI") for s in node.findall("tsl:DigitalId/tsl:X509SKI", NS)]
    return certs, skis


def _status(node: etree._Element, current_type: str) -> Status:
    uses = [(u.text or "").strip() for u in node.findall(
        "tsl:ServiceInformationExtensions/tsl:Extension/tsl:AdditionalServiceInformation/tsl:URI",
        NS)]
    qualifications = []
    for element in node.iterfind(".//ecc:QualificationElement", NS):
        criteria = element.find("ecc:CriteriaList", NS)
        kinds = {etree.QName(c).localname for c in criteria if isinstance(c.tag, str)} \
            if criteria is not None else set()
        qualifications.append({
            "qualifiers": [q.get("uri", "")[:200] for q in element.findall(
                "ecc:Qualifiers/ecc:Qualifier", NS)],
            "assert": criteria.get("assert", "all") if criteria is not None else "all",
            "policy_sets": [[(i.text or "").strip()[:100] for i in policy_set.iterfind(
                "ecc:PolicyIdentifier/xades:Identifier", NS)]
                for policy_set in (criteria.findall("ecc:PolicySet", NS)
                                   if criteria is not None else [])],
            # KeyUsage, CriteriaList nested, otherCriteriaList: not evaluated (yet)
            "other_criteria": sorted(kinds - {"PolicySet", "Description"})})
    return Status(
        start=_time(_text(node, "tsl:StatusStartingTime"), "StatusStartingTime"),
        status=_text(node, "tsl:ServiceStatus"),
        service_type=_text(node, "tsl:ServiceTypeIdentifier") or current_type,
        for_eseals=FOR_ESEALS in uses,
        for_any_use_given=any(u.rsplit("/", 1)[-1].startswith("For") for u in uses),
        qualifications=qualifications)


def _service(tsp_name: str, node: etree._Element) -> Service:
    info = node.find("tsl:ServiceInformation", NS)
    if info is None:
        raise ListError("bad-content", "a TSPService has no ServiceInformation")
    service_type = _text(info, "tsl:ServiceTypeIdentifier")
    certs, skis = _identities(info.find("tsl:ServiceDigitalIdentity", NS))
    history = [_status(info, service_type)]
    for old in node.findall("tsl:ServiceHistory/tsl:ServiceHistoryInstance", NS):
        history.append(_status(old, service_type))
        more_certs, more_skis = _identities(old.find("tsl:ServiceDigitalIdentity", NS))
        certs += [c for c in more_certs if c not in certs]
        skis += [s for s in more_skis if s not in skis]
    history.sort(key=lambda s: s.start, reverse=True)
    return Service(tsp_name=tsp_name, service_name=_name(info, "tsl:ServiceName"),
                   service_type=service_type, certificates=certs, skis=skis, history=history)


def _pointer(node: etree._Element) -> Pointer:
    territory = ""
    for other in node.findall("tsl:AdditionalInformation/tsl:OtherInformation", NS):
        territory = territory or _text(other, "tsl:SchemeTerritory")
    certs = [_b64(c.text or "", "X509Certificate") for c in node.findall(
        "tsl:ServiceDigitalIdentities/tsl:ServiceDigitalIdentity/tsl:DigitalId/"
        "tsl:X509Certificate", NS)]
    return Pointer(territory=territory.upper()[:8], location=_text(node, "tsl:TSLLocation")[:2048],
                   certificates=certs)


def read_list(root: etree._Element) -> TrustedList:
    """The content of a (signature-checked) TrustServiceStatusList element."""
    scheme = root.find("tsl:SchemeInformation", NS)
    if scheme is None:
        raise ListError("bad-content", "no SchemeInformation")
    territory = _text(scheme, "tsl:SchemeTerritory").upper()
    if not (2 <= len(territory) <= 8 and territory.isalpha()):
        raise ListError("bad-content", f"SchemeTerritory {territory[:20]!r} is not a territory")
    try:
        sequence = int(_text(scheme, "tsl:TSLSequenceNumber") or "0")
    except ValueError:
        raise ListError("bad-content", "TSLSequenceNumber is not a number") from None
    next_update = _text(scheme, "tsl:NextUpdate/tsl:dateTime")
    lotl = _text(scheme, "tsl:TSLType") == LOTL_TYPE
    services = [_service(_name(tsp, "tsl:TSPInformation/tsl:TSPName"), service)
                for tsp in root.findall(
                    "tsl:TrustServiceProviderList/tsl:TrustServiceProvider", NS)
                for service in tsp.findall("tsl:TSPServices/tsl:TSPService", NS)]
    return TrustedList(
        territory=territory, lotl=lotl, sequence_number=sequence,
        issued_at=_time(_text(scheme, "tsl:ListIssueDateTime"), "ListIssueDateTime"),
        next_update=_time(next_update, "NextUpdate") if next_update else None,
        operator=_name(scheme, "tsl:SchemeOperatorName"),
        pointers=[_pointer(p) for p in scheme.findall(
            "tsl:PointersToOtherTSL/tsl:OtherTSLPointer", NS)],
        services=services)
