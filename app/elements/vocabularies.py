"""Controlled vocabularies for the EU micro-credential elements.

Every value is a :class:`Concept` with the published concept URI where one exists. The ELM
vocabularies live at ``http://data.europa.eu/snb/<name>/<id>`` with the scheme URI
``http://data.europa.eu/snb/<name>/25831c2`` (ELM v3, see /work/shared/elements-mapping.md §2).
Where no published concept fits, the value gets a URI in the mcred vocabulary
(``https://w3id.org/mcred/vocab#...``, the ``mcred:`` prefix of contexts/mcred-v1.jsonld); each
such fallback is marked in a comment. Sources are cited as ``repo:path`` of stored public copies.

Pure Python, no I/O: the tables are literals and countries come from ``pycountry``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pycountry


@dataclass(frozen=True)
class Concept:
    """One concept of a controlled vocabulary (a SKOS concept)."""

    key: str  # our short key, e.g. "online"
    uri: str  # the published concept URI
    label: str  # English preferred label
    scheme: str  # the concept scheme URI


SNB = "http://data.europa.eu/snb/"
MCRED_VOCAB = "https://w3id.org/mcred/vocab#"


def _snb_scheme(name: str) -> str:
    return f"{SNB}{name}/25831c2"


# Scheme URIs. Source: ild-thl/php-european-learning-model:src/Core/ElmVocabularySchemes.php,
# and the targetNamespace of each ELM controlled-vocabulary XSD cited below.
EQF_SCHEME = _snb_scheme("eqf")
ISCED_F_SCHEME = _snb_scheme("isced-f")
LEARNING_ASSESSMENT_SCHEME = _snb_scheme("learning-assessment")  # mode of learning & assessment
LEARNING_ACTIVITY_SCHEME = _snb_scheme("learning-activity")
ASSESSMENT_SCHEME = _snb_scheme("assessment")
SUPERVISION_SCHEME = _snb_scheme("supervision-verification")
ACCREDITATION_SCHEME = _snb_scheme("accreditation")
EDUCATION_CREDIT_SCHEME = _snb_scheme("education-credit")
COUNTRY_AUTHORITY = "http://publications.europa.eu/resource/authority/country"

# Schemes of our own fallback concepts (no published scheme exists for them).
MCRED_QF_EHEA_SCHEME = f"{MCRED_VOCAB}qf-ehea"
MCRED_ASSESSMENT_SCHEME = f"{MCRED_VOCAB}assessment"
MCRED_SUPERVISION_SCHEME = f"{MCRED_VOCAB}supervision"
MCRED_QA_SCHEME = f"{MCRED_VOCAB}qa"


def _table(*concepts: Concept) -> dict[str, Concept]:
    table = {c.key: c for c in concepts}
    if len(table) != len(concepts):
        raise ValueError("duplicate vocabulary key")
    return table


# --- EQF ------------------------------------------------------------------------------------
# Source: european-commission-empl/European-Learning-Model:xsd/ams/cv/eqf.xsd (/eqf/1../eqf/8,
# published prefLabel "Level <n>") and the Annex-I sample (eqfLevel .../eqf/6). Our label says
# "EQF level <n>" so it reads on its own (it is also the OBv3 alignment targetName).

_EQF: dict[int, Concept] = {
    n: Concept(str(n), f"{SNB}eqf/{n}", f"EQF level {n}", EQF_SCHEME) for n in range(1, 9)
}


def eqf_level(level: int) -> Concept:
    """The EQF level concept for 1..8; ValueError otherwise."""
    if isinstance(level, bool) or not isinstance(level, int) or level not in _EQF:
        raise ValueError(f"EQF level must be an integer 1..8, not {level!r}")
    return _EQF[level]


# --- QF-EHEA cycles -------------------------------------------------------------------------
# mcred fallback: ELM has no QF-EHEA vocabulary (no data.europa.eu/snb/qf-ehea scheme appears in
# ElmVocabularySchemes.php, the ELM XSDs or the Annex-I sample). DEQAR only uses the integers
# 0..3 (EQAR/deqar-docs:docs/report_data.md). Cycles correspond to EQF 5/6/7/8.

QF_EHEA_CYCLES: dict[str, Concept] = _table(*(
    Concept(key, f"{MCRED_VOCAB}qf-ehea-{key}", f"QF-EHEA {key} cycle", MCRED_QF_EHEA_SCHEME)
    for key in ("short", "first", "second", "third")
))


# --- Form of participation ------------------------------------------------------------------
# Mode of learning and assessment: european-commission-empl/European-Learning-Model:
# xsd/loq/cv/europass-modes.xsd (Workbased, Presential, Online, Blended) and
# EuropeanUniversityFoundation/elm_vocabularies_php:src/ModeOfLearningAndAssessment.php (built
# from the live vocabulary; adds c_3a90b26d Hybrid). "volunteering" is not a mode in ELM; it is a
# learning activity type: European-Learning-Model:xsd/loq/cv/europass-learning-activity-types.xsd
# and elm_vocabularies_php:src/LearningActivityType.php (59eaf34fab "volunteering"). In ELM it
# belongs in LearningActivity(Specification).dcType, not in mode.

PARTICIPATION_MODES: dict[str, Concept] = _table(
    Concept("online", f"{SNB}learning-assessment/920fbb3cbe", "Online",
            LEARNING_ASSESSMENT_SCHEME),
    Concept("onsite", f"{SNB}learning-assessment/9191af2ed9", "Presential",
            LEARNING_ASSESSMENT_SCHEME),
    Concept("blended", f"{SNB}learning-assessment/e92d221e4d", "Blended",
            LEARNING_ASSESSMENT_SCHEME),
    Concept("hybrid", f"{SNB}learning-assessment/c_3a90b26d", "Hybrid",
            LEARNING_ASSESSMENT_SCHEME),
    Concept("work-based", f"{SNB}learning-assessment/729f3bed4b", "Workbased",
            LEARNING_ASSESSMENT_SCHEME),
    Concept("volunteering", f"{SNB}learning-activity/59eaf34fab", "volunteering",
            LEARNING_ACTIVITY_SCHEME),
)


# --- Type of assessment ---------------------------------------------------------------------
# Keys follow the MICROBOL / Council Recommendation value list. ELM concepts: European-Learning-
# Model:xsd/loq/cv/europass-learning-assessment-types.xsd and elm_vocabularies_php:
# src/AssessmentType.php. "skill-application" -> "practical assessment" is our closest match.
# mcred fallbacks: "exam" (ELM only has the narrower 6e6cb2cc78 written examination,
# d30284d7df oral examination, b1b68f6735 quiz), "prior-learning" and "other" (no ELM concept).

ASSESSMENT_TYPES: dict[str, Concept] = _table(
    Concept("exam", f"{MCRED_VOCAB}assessment-exam", "Testing (examination)",
            MCRED_ASSESSMENT_SCHEME),
    Concept("skill-application", f"{SNB}assessment/6a4db9f11d", "practical assessment",
            ASSESSMENT_SCHEME),
    Concept("portfolio", f"{SNB}assessment/4f03b91c0e", "portfolio", ASSESSMENT_SCHEME),
    Concept("prior-learning", f"{MCRED_VOCAB}assessment-prior-learning",
            "Recognition of prior learning", MCRED_ASSESSMENT_SCHEME),
    Concept("project", f"{SNB}assessment/795dac4096", "project work", ASSESSMENT_SCHEME),
    Concept("other", f"{MCRED_VOCAB}assessment-other", "Other type of assessment",
            MCRED_ASSESSMENT_SCHEME),
)


# --- Supervision and identity verification --------------------------------------------------
# c598449d64 "Unsupervised without ID Verification": idVerification in european-commission-empl/
# European-Learning-Model:Credentials/JSON-LD Examples (ELM v3)/Sample-MC-Annex1-unsigned-
# uploadable.json. The other three keys are mcred fallbacks: their ELM concept ids could not be
# found in any stored source (a third-party model uses df2880c5cb "Unsupervised with ID
# verification", which matches none of our keys). Replace them once confirmed on
# https://op.europa.eu/en/web/eu-vocabularies (scheme .../supervision-verification/25831c2).

SUPERVISION: dict[str, Concept] = _table(
    Concept("unsupervised-no-id", f"{SNB}supervision-verification/c598449d64",
            "Unsupervised without ID Verification", SUPERVISION_SCHEME),
    Concept("supervised-no-id", f"{MCRED_VOCAB}supervision-supervised-no-id",
            "Supervised without ID verification", MCRED_SUPERVISION_SCHEME),
    Concept("supervised-online-id", f"{MCRED_VOCAB}supervision-supervised-online-id",
            "Supervised with online ID verification", MCRED_SUPERVISION_SCHEME),
    Concept("supervised-onsite-id", f"{MCRED_VOCAB}supervision-supervised-onsite-id",
            "Supervised with onsite ID verification", MCRED_SUPERVISION_SCHEME),
)


# What each supervision concept says, for scoring: (supervised, identity verified).
SUPERVISION_MEANING: dict[str, tuple[bool, bool]] = {
    "unsupervised-no-id": (False, False),
    "supervised-no-id": (True, False),
    "supervised-online-id": (True, True),
    "supervised-onsite-id": (True, True),
}
EXTERNAL_QA_KEYS = ("external-institutional", "external-programme")


# --- Type of quality assurance --------------------------------------------------------------
# Our proposal (elements-mapping.md §1 M11). External QA uses the ELM accreditation type
# vocabulary: european-commission-empl/European-Learning-Model:
# xsd/ams/cv/europass-accreditation-types.xsd (bb4618238e Institutional Quality Assurance,
# 820101cba6 Program Quality Assurance). "internal" and "alternative" are mcred fallbacks.

QA_TYPES: dict[str, Concept] = _table(
    Concept("internal", f"{MCRED_VOCAB}qa-internal", "Internal quality assurance",
            MCRED_QA_SCHEME),
    Concept("external-institutional", f"{SNB}accreditation/bb4618238e",
            "Institutional Quality Assurance", ACCREDITATION_SCHEME),
    Concept("external-programme", f"{SNB}accreditation/820101cba6",
            "Program Quality Assurance", ACCREDITATION_SCHEME),
    Concept("alternative", f"{MCRED_VOCAB}qa-alternative", "Alternative quality assurance",
            MCRED_QA_SCHEME),
)


# --- Credit system --------------------------------------------------------------------------
# Source: European-Learning-Model:xsd/loq/cv/credit-points.xsd and the Annex-I sample, both with
# the published prefLabel "European Credit Transfer System".

ECTS = Concept("ects", f"{SNB}education-credit/6fcec5c5af", "European Credit Transfer System",
               EDUCATION_CREDIT_SCHEME)


# --- ISCED-F 2013 fields of education and training ------------------------------------------
# Every code and English label of the ELM isced-f vocabulary: european-commission-empl/
# European-Learning-Model:xsd/ams/cv/isced-f.xsd (the UNESCO ISCED-F 2013 list: broad 2-digit,
# narrow 3-digit and detailed 4-digit fields, with the nfd/nec/inter-disciplinary codes).

_NFD = "not further defined"
_NEC = "not elsewhere classified"
_INTER = "Inter-disciplinary programmes and qualifications involving"

_ISCED_F_LABELS: dict[str, str] = {
    "00": "Generic programmes and qualifications",
    "000": f"Generic programmes and qualifications {_NFD}",
    "001": "Basic programmes and qualifications",
    "002": "Literacy and numeracy",
    "003": "Personal skills and development",
    "009": f"Generic programmes and qualifications {_NEC}",
    "0000": f"Generic programmes and qualifications {_NFD}",
    "0011": "Basic programmes and qualifications",
    "0021": "Literacy and numeracy",
    "0031": "Personal skills and development",
    "0099": f"Generic programmes and qualifications {_NEC}",
    "01": "Education",
    "011": "Education",
    "018": f"{_INTER} education",
    "0110": f"Education {_NFD}",
    "0111": "Education science",
    "0112": "Training for pre-school teachers",
    "0113": "Teacher training without subject specialisation",
    "0114": "Teacher training with subject specialisation",
    "0119": f"Education {_NEC}",
    "0188": f"{_INTER} education",
    "02": "Arts and humanities",
    "020": f"Arts and humanities {_NFD}",
    "021": "Arts",
    "022": "Humanities (except languages)",
    "023": "Languages",
    "028": f"{_INTER} arts and humanities",
    "029": f"Arts and humanities {_NEC}",
    "0200": f"Arts and humanities {_NFD}",
    "0210": f"Arts {_NFD}",
    "0211": "Audio-visual techniques and media production",
    "0212": "Fashion, interior and industrial design",
    "0213": "Fine arts",
    "0214": "Handicrafts",
    "0215": "Music and performing arts",
    "0219": f"Arts {_NEC}",
    "0220": f"Humanities (except languages) {_NFD}",
    "0221": "Religion and theology",
    "0222": "History and archaeology",
    "0223": "Philosophy and ethics",
    "0228": f"{_INTER} humanities",
    "0229": f"Humanities (except languages) {_NEC}",
    "0230": f"Languages {_NFD}",
    "0231": "Language acquisition",
    "0232": "Literature and linguistics",
    "0239": f"Languages {_NEC}",
    "0288": f"{_INTER} arts and humanities",
    "0299": f"Arts and humanities {_NEC}",
    "03": "Social sciences, journalism and information",
    "030": f"Social sciences, journalism and information {_NFD}",
    "031": "Social and behavioural sciences",
    "032": "Journalism and information",
    "038": f"{_INTER} social sciences, journalism and information",
    "039": f"Social sciences, journalism and information {_NEC}",
    "0300": f"Social sciences, journalism and information {_NFD}",
    "0310": f"Social and behavioural sciences {_NFD}",
    "0311": "Economics",
    "0312": "Political sciences and civics",
    "0313": "Psychology",
    "0314": "Sociology and cultural studies",
    "0319": f"Social and behavioural sciences {_NEC}",
    "0320": f"Journalism and information {_NFD}",
    "0321": "Journalism and reporting",
    "0322": "Library, information and archival studies",
    "0329": f"Journalism and information {_NEC}",
    "0388": f"{_INTER} social sciences, journalism and information",
    "0399": f"Social sciences, journalism and information {_NEC}",
    "04": "Business, administration and law",
    "040": f"Business, administration and law {_NFD}",
    "041": "Business and administration",
    "042": "Law",
    "048": f"{_INTER} business, administration and law",
    "049": f"Business, administration and law {_NEC}",
    "0400": f"Business, administration and law {_NFD}",
    "0410": f"Business and administration {_NFD}",
    "0411": "Accounting and taxation",
    "0412": "Finance, banking and insurance",
    "0413": "Management and administration",
    "0414": "Marketing and advertising",
    "0415": "Secretarial and office work",
    "0416": "Wholesale and retail sales",
    "0417": "Work skills",
    "0419": f"Business and administration {_NEC}",
    "0421": "Law",
    "0488": f"{_INTER} business, administration and law",
    "0499": f"Business, administration and law {_NEC}",
    "05": "Natural sciences, mathematics and statistics",
    "050": f"Natural sciences, mathematics and statistics {_NFD}",
    "051": "Biological and related sciences",
    "052": "Environment",
    "053": "Physical sciences",
    "054": "Mathematics and statistics",
    "058": f"{_INTER} natural sciences, mathematics and statistics",
    "059": f"Natural sciences, mathematics and statistics {_NEC}",
    "0500": f"Natural sciences, mathematics and statistics {_NFD}",
    "0510": f"Biological and related sciences {_NFD}",
    "0511": "Biology",
    "0512": "Biochemistry",
    "0519": f"Biological and related sciences {_NEC}",
    "0520": f"Environment {_NFD}",
    "0521": "Environmental sciences",
    "0522": "Natural environments and wildlife",
    "0529": f"Environment {_NEC}",
    "0530": f"Physical sciences {_NFD}",
    "0531": "Chemistry",
    "0532": "Earth sciences",
    "0533": "Physics",
    "0539": f"Physical sciences {_NEC}",
    "0540": f"Mathematics and statistics {_NFD}",
    "0541": "Mathematics",
    "0542": "Statistics",
    "0588": f"{_INTER} natural sciences, mathematics and statistics",
    "0599": f"Natural sciences, mathematics and statistics {_NEC}",
    "06": "Information and Communication Technologies (ICTs)",
    "061": "Information and Communication Technologies (ICTs)",
    "068": f"{_INTER} Information and Communication Technologies (ICTs)",
    "0610": f"Information and Communication Technologies (ICTs) {_NFD}",
    "0611": "Computer use",
    "0612": "Database and network design and administration",
    "0613": "Software and applications development and analysis",
    "0619": f"Information and communication technologies {_NEC}",
    "0688": f"{_INTER} Information and Communication Technologies (ICTs)",
    "07": "Engineering, manufacturing and construction",
    "070": f"Engineering, manufacturing and construction {_NFD}",
    "071": "Engineering and engineering trades",
    "072": "Manufacturing and processing",
    "073": "Architecture and construction",
    "078": f"{_INTER} engineering, manufacturing and construction",
    "079": f"Engineering, manufacturing and construction {_NEC}",
    "0700": f"Engineering, manufacturing and construction {_NFD}",
    "0710": f"Engineering and engineering trades {_NFD}",
    "0711": "Chemical engineering and processes",
    "0712": "Environmental protection technology",
    "0713": "Electricity and energy",
    "0714": "Electronics and automation",
    "0715": "Mechanics and metal trades",
    "0716": "Motor vehicles, ships and aircraft",
    "0719": f"Engineering and engineering trades {_NEC}",
    "0720": f"Manufacturing and processing {_NFD}",
    "0721": "Food processing",
    "0722": "Materials (glass, paper, plastic and wood)",
    "0723": "Textiles (clothes, footwear and leather)",
    "0724": "Mining and extraction",
    "0729": f"Manufacturing and processing {_NEC}",
    "0730": f"Architecture and construction {_NFD}",
    "0731": "Architecture and town planning",
    "0732": "Building and civil engineering",
    "0788": f"{_INTER} engineering, manufacturing and construction",
    "0799": f"Engineering, manufacturing and construction {_NEC}",
    "08": "Agriculture, forestry, fisheries and veterinary",
    "080": f"Agriculture, forestry, fisheries and veterinary {_NFD}",
    "081": "Agriculture",
    "082": "Forestry",
    "083": "Fisheries",
    "084": "Veterinary",
    "088": f"{_INTER} agriculture, forestry, fisheries and veterinary",
    "089": f"Agriculture, forestry, fisheries and veterinary {_NEC}",
    "0800": f"Agriculture, forestry, fisheries and veterinary {_NFD}",
    "0810": f"Agriculture {_NFD}",
    "0811": "Crop and livestock production",
    "0812": "Horticulture",
    "0819": f"Agriculture {_NEC}",
    "0821": "Forestry",
    "0831": "Fisheries",
    "0841": "Veterinary",
    "0888": f"{_INTER} agriculture, forestry, fisheries and veterinary",
    "0899": f"Agriculture, forestry, fisheries and veterinary {_NEC}",
    "09": "Health and welfare",
    "090": f"Health and welfare {_NFD}",
    "091": "Health",
    "092": "Welfare",
    "098": f"{_INTER} health and welfare",
    "099": f"Health and welfare {_NEC}",
    "0900": f"Health and welfare {_NFD}",
    "0910": f"Health {_NFD}",
    "0911": "Dental studies",
    "0912": "Medicine",
    "0913": "Nursing and midwifery",
    "0914": "Medical diagnostic and treatment technology",
    "0915": "Therapy and rehabilitation",
    "0916": "Pharmacy",
    "0917": "Traditional and complementary medicine and therapy",
    "0919": f"Health {_NEC}",
    "0920": f"Welfare {_NFD}",
    "0921": "Care of the elderly and of disabled adults",
    "0922": "Child care and youth services",
    "0923": "Social work and counselling",
    "0929": f"Welfare {_NEC}",
    "0988": f"{_INTER} health and welfare",
    "0999": f"Health and welfare {_NEC}",
    "10": "Services",
    "100": f"Services {_NFD}",
    "101": "Personal services",
    "102": "Hygiene and occupational health services",
    "103": "Security services",
    "104": "Transport services",
    "108": f"{_INTER} services",
    "109": f"Services {_NEC}",
    "1000": f"Services {_NFD}",
    "1010": f"Personal services {_NFD}",
    "1011": "Domestic services",
    "1012": "Hair and beauty services",
    "1013": "Hotel, restaurants and catering",
    "1014": "Sports",
    "1015": "Travel, tourism and leisure",
    "1019": f"Personal services {_NEC}",
    "1020": f"Hygiene and occupational health services {_NFD}",
    "1021": "Community sanitation",
    "1022": "Occupational health and safety",
    "1029": f"Hygiene and occupational health services {_NEC}",
    "1030": f"Security services {_NFD}",
    "1031": "Military and defence",
    "1032": "Protection of persons and property",
    "1039": f"Security services {_NEC}",
    "1041": "Transport services",
    "1088": f"{_INTER} services",
    "1099": f"Services {_NEC}",
    "99": "Field unknown",
    "999": "Field unknown",
    "9999": "Field unknown",
}

ISCED_F: dict[str, Concept] = {
    code: Concept(code, f"{SNB}isced-f/{code}", label, ISCED_F_SCHEME)
    for code, label in _ISCED_F_LABELS.items()
}


def isced_f(code: str) -> Concept:
    """The ISCED-F 2013 concept for a 2-, 3- or 4-digit code; ValueError if unknown."""
    concept = ISCED_F.get(code.strip()) if isinstance(code, str) else None
    if concept is None:
        raise ValueError(f"'{code}' is not an ISCED-F 2013 field code")
    return concept


# --- Countries ------------------------------------------------------------------------------
# OBv3 addressCountryCode is ISO 3166-1 alpha-2; ELM uses the EU authority table, whose ids are
# ISO 3166-1 alpha-3 (e.g. .../authority/country/IRL in the Annex-I sample).

def country(alpha2: str) -> tuple[str, str, str]:
    """(ALPHA-2, ALPHA-3, EU authority URI) for an ISO 3166-1 alpha-2 code, any case."""
    code = alpha2.strip().upper() if isinstance(alpha2, str) else ""
    found = pycountry.countries.get(alpha_2=code) if len(code) == 2 and code.isalpha() else None
    if found is None:
        raise ValueError(f"'{alpha2}' is not an ISO 3166-1 alpha-2 country code")
    return found.alpha_2, found.alpha_3, f"{COUNTRY_AUTHORITY}/{found.alpha_3}"


# --- Reverse lookup -------------------------------------------------------------------------

def _all_concepts() -> list[Concept]:
    concepts = [*_EQF.values(), ECTS]
    for table in (QF_EHEA_CYCLES, PARTICIPATION_MODES, ASSESSMENT_TYPES, SUPERVISION, QA_TYPES,
                  ISCED_F):
        concepts.extend(table.values())
    return concepts


_BY_URI: dict[str, Concept] = {c.uri: c for c in _all_concepts()}
if len(_BY_URI) != len(_all_concepts()):
    raise ValueError("two vocabulary concepts share a URI")


def concept_by_uri(uri: str) -> Concept | None:
    """The concept with this URI from any vocabulary above, or None."""
    return _BY_URI.get(uri)
