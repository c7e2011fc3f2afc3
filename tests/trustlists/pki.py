"""A test PKI and TS 119 612 lists signed with signxml (XAdES-BES, enveloped), as a scheme
operator signs them: an EU LOTL operator, a national operator, a qualified CA, an e-seal."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import SignatureMethod
from signxml.xades import XAdESSigner

from app.trustlists.parse import CA_QC, FOR_ESEALS, GRANTED, LOTL_TYPE

WITHDRAWN = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/withdrawn"
GENERIC = "http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUgeneric"
ORG_ID = x509.ObjectIdentifier("2.5.4.97")
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


@dataclass
class Identity:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(Encoding.PEM)

    @property
    def b64(self) -> str:
        return base64.b64encode(self.cert.public_bytes(Encoding.DER)).decode()


def identity(name: str, issuer: Identity | None = None, ca: bool = False,
             org_identifier: str | None = None, policies: tuple[str, ...] = ()) -> Identity:
    key = ec.generate_private_key(ec.SECP256R1())
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, name),
                  x509.NameAttribute(NameOID.COUNTRY_NAME, "ES")]
    if org_identifier:
        attributes.append(x509.NameAttribute(ORG_ID, org_identifier))
    subject = x509.Name(attributes)
    signer_key = issuer.key if issuer else key
    builder = (x509.CertificateBuilder().subject_name(subject)
               .issuer_name(issuer.cert.subject if issuer else subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(NOW - dt.timedelta(days=3650))
               .not_valid_after(NOW + dt.timedelta(days=3650))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                              critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                   signer_key.public_key()), critical=False))
    if policies:
        builder = builder.add_extension(x509.CertificatePolicies([
            x509.PolicyInformation(x509.ObjectIdentifier(p), None) for p in policies]),
            critical=False)
    return Identity(key, builder.sign(signer_key, hashes.SHA256()))


@dataclass
class Pki:
    lotl_operator: Identity = field(default_factory=lambda: identity("EU LOTL operator"))
    national_operator: Identity = field(default_factory=lambda: identity("ES TL operator"))
    stranger: Identity = field(default_factory=lambda: identity("Someone else"))
    ca: Identity = field(default_factory=lambda: identity("Qualified seal CA", ca=True))
    other_ca: Identity = field(default_factory=lambda: identity("Unlisted CA", ca=True))

    def seal(self, ca: Identity | None = None, policies: tuple[str, ...] = ()) -> Identity:
        return identity("Universitat de Barcelona seal", issuer=ca or self.ca,
                        org_identifier="VATES-Q0818001J", policies=policies)


def _xml(text: str) -> etree._Element:
    return etree.fromstring(text.encode())


def _scheme(tsl_type: str, territory: str, sequence: int, pointers: str = "") -> str:
    return f"""<tsl:SchemeInformation>
  <tsl:TSLVersionIdentifier>5</tsl:TSLVersionIdentifier>
  <tsl:TSLSequenceNumber>{sequence}</tsl:TSLSequenceNumber>
  <tsl:TSLType>{tsl_type}</tsl:TSLType>
  <tsl:SchemeOperatorName><tsl:Name xml:lang="en">Operator of {territory}</tsl:Name>
  </tsl:SchemeOperatorName>
  <tsl:SchemeTerritory>{territory}</tsl:SchemeTerritory>
  {pointers}
  <tsl:ListIssueDateTime>{NOW.isoformat().replace("+00:00", "Z")}</tsl:ListIssueDateTime>
  <tsl:NextUpdate><tsl:dateTime>{(NOW + dt.timedelta(days=180)).isoformat()}</tsl:dateTime>
  </tsl:NextUpdate>
</tsl:SchemeInformation>"""


HEAD = ('<tsl:TrustServiceStatusList xmlns:tsl="http://uri.etsi.org/02231/v2#"'
        ' xmlns:tslx="http://uri.etsi.org/02231/v2/additionaltypes#"'
        ' Id="tsl" TSLTag="http://uri.etsi.org/19612/TSLTag">')


def lotl_xml(pki: Pki, sequence: int = 1, national_signer: Identity | None = None) -> str:
    signer = national_signer or pki.national_operator
    pointer = f"""<tsl:PointersToOtherTSL><tsl:OtherTSLPointer>
  <tsl:ServiceDigitalIdentities><tsl:ServiceDigitalIdentity><tsl:DigitalId>
    <tsl:X509Certificate>{signer.b64}</tsl:X509Certificate>
  </tsl:DigitalId></tsl:ServiceDigitalIdentity></tsl:ServiceDigitalIdentities>
  <tsl:TSLLocation>https://tl.example.es/tsl.xml</tsl:TSLLocation>
  <tsl:AdditionalInformation>
    <tsl:OtherInformation><tsl:TSLType>{GENERIC}</tsl:TSLType></tsl:OtherInformation>
    <tsl:OtherInformation><tsl:SchemeTerritory>ES</tsl:SchemeTerritory></tsl:OtherInformation>
    <tsl:OtherInformation><tslx:MimeType>application/vnd.etsi.tsl+xml</tslx:MimeType>
    </tsl:OtherInformation>
  </tsl:AdditionalInformation>
</tsl:OtherTSLPointer></tsl:PointersToOtherTSL>"""
    return f"{HEAD}{_scheme(LOTL_TYPE, 'EU', sequence, pointer)}</tsl:TrustServiceStatusList>"


def _when(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


QUALIFIER = "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/"


def qualification(qualifiers: list[str], criteria: str, assertion: str = "atLeastOne") -> str:
    """A TS 119 612 §5.5.9.2 QualificationElement; ``criteria`` is the CriteriaList's XML."""
    names = "".join(f'<ecc:Qualifier uri="{QUALIFIER}{q}"/>' for q in qualifiers)
    return (f"<ecc:QualificationElement><ecc:Qualifiers>{names}</ecc:Qualifiers>"
            f'<ecc:CriteriaList assert="{assertion}">{criteria}</ecc:CriteriaList>'
            f"</ecc:QualificationElement>")


def policy_set(*oids: str) -> str:
    return "<ecc:PolicySet>" + "".join(
        f"<ecc:PolicyIdentifier><xades:Identifier>{oid}</xades:Identifier>"
        f"</ecc:PolicyIdentifier>" for oid in oids) + "</ecc:PolicySet>"


def _status(status: str, start: dt.datetime, for_eseals: bool,
            qualifications: tuple[str, ...] = ()) -> str:
    uses = (f"""<tsl:Extension Critical="false">
  <tsl:AdditionalServiceInformation><tsl:URI xml:lang="en">{FOR_ESEALS}</tsl:URI>
  </tsl:AdditionalServiceInformation></tsl:Extension>""" if for_eseals else "")
    qualified = ('<tsl:Extension Critical="true"><ecc:Qualifications'
                 ' xmlns:ecc="http://uri.etsi.org/TrstSvc/SvcInfoExt/eSigDir-1999-93-EC-'
                 'TrustedList/#" xmlns:xades="http://uri.etsi.org/01903/v1.3.2#">'
                 + "".join(qualifications) + "</ecc:Qualifications></tsl:Extension>"
                 if qualifications else "")
    extensions = (f"<tsl:ServiceInformationExtensions>{uses}{qualified}"
                  f"</tsl:ServiceInformationExtensions>" if uses or qualified else "")
    return (f"<tsl:ServiceStatus>{status}</tsl:ServiceStatus>"
            f"<tsl:StatusStartingTime>{_when(start)}</tsl:StatusStartingTime>{extensions}")


def national_xml(pki: Pki, granted_from: dt.datetime, withdrawn_at: dt.datetime | None = None,
                 sequence: int = 1, for_eseals: bool = True,
                 qualifications: tuple[str, ...] = ()) -> str:
    """ES list: one CA/QC service of the test CA, granted from ``granted_from`` and, when
    ``withdrawn_at`` is given, withdrawn then (the grant moves to ServiceHistory)."""
    names = """<tsl:ServiceTypeIdentifier>{t}</tsl:ServiceTypeIdentifier>
  <tsl:ServiceName><tsl:Name xml:lang="en">Qualified seal CA</tsl:Name></tsl:ServiceName>"""
    identity_xml = f"""<tsl:ServiceDigitalIdentity><tsl:DigitalId>
    <tsl:X509Certificate>{pki.ca.b64}</tsl:X509Certificate></tsl:DigitalId>
  </tsl:ServiceDigitalIdentity>"""
    granted = _status(GRANTED, granted_from, for_eseals, qualifications)
    if withdrawn_at is None:
        current, history = granted, ""
    else:
        current = _status(WITHDRAWN, withdrawn_at, for_eseals)
        history = (f"<tsl:ServiceHistory><tsl:ServiceHistoryInstance>{names.format(t=CA_QC)}"
                   f"{identity_xml}{granted}</tsl:ServiceHistoryInstance></tsl:ServiceHistory>")
    service = (f"<tsl:TSPService><tsl:ServiceInformation>{names.format(t=CA_QC)}{identity_xml}"
               f"{current}</tsl:ServiceInformation>{history}</tsl:TSPService>")
    tsp = f"""<tsl:TrustServiceProviderList><tsl:TrustServiceProvider>
  <tsl:TSPInformation><tsl:TSPName><tsl:Name xml:lang="en">Test TSP, S.A.</tsl:Name>
  </tsl:TSPName></tsl:TSPInformation>
  <tsl:TSPServices>{service}</tsl:TSPServices>
</tsl:TrustServiceProvider></tsl:TrustServiceProviderList>"""
    return f"{HEAD}{_scheme(GENERIC, 'ES', sequence)}{tsp}</tsl:TrustServiceStatusList>"


def sign(xml: str, signer: Identity) -> bytes:
    """The list with an enveloped XAdES-BES signature by ``signer``."""
    signed = XAdESSigner(signature_algorithm=SignatureMethod.ECDSA_SHA256).sign(
        _xml(xml), key=signer.key, cert=[signer.pem.decode()])
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")
