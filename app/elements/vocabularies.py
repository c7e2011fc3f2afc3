"""Controlled vocabularies for the EU micro-credential elements.

Every value is a :class:`Concept` with the published concept URI where one exists. The ELM
vocabularies live at ``http://data.europa.eu/snb/<name>/<id>`` with the scheme URI
``http://data.europa.eu/snb/<name>/25831c2`` (ELM v3, see docs/elements-mapping.md §2).
Where no published concept fits, the value gets a URI in the mcred vocabulary
(``https://w3id.org/mcred/vocab#...``, the ``mcred:`` prefix of contexts/mcred-v1.jsonld); each
such fallback is marked in a comment. Sources are cited as ``repo:path`` of stored public copies.

Pure Python, no I/O: the tables are literals and countries come from ``pycountry``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pycountry

from app.messages import Message, msg


@dataclass(frozen=True)
class Concept:
    """One concept of a controlled vocabulary (a SKOS concept)."""

    key: str  # our short key, e.g. "online"
    uri: str  # the published concept URI
    label: str  # English preferred label (a Message: pages translate it)
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
    n: Concept(str(n), f"{SNB}eqf/{n}", msg("EQF level %(n)s", n=n), EQF_SCHEME)
    for n in range(1, 9)
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
    Concept(key, f"{MCRED_VOCAB}qf-ehea-{key}", label, MCRED_QF_EHEA_SCHEME)
    for key, label in (("short", msg("QF-EHEA short cycle")),
                       ("first", msg("QF-EHEA first cycle")),
                       ("second", msg("QF-EHEA second cycle")),
                       ("third", msg("QF-EHEA third cycle")))
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
    Concept("online", f"{SNB}learning-assessment/920fbb3cbe", msg("Online"),
            LEARNING_ASSESSMENT_SCHEME),
    Concept("onsite", f"{SNB}learning-assessment/9191af2ed9", msg("Presential"),
            LEARNING_ASSESSMENT_SCHEME),
    Concept("blended", f"{SNB}learning-assessment/e92d221e4d", msg("Blended"),
            LEARNING_ASSESSMENT_SCHEME),
    Concept("hybrid", f"{SNB}learning-assessment/c_3a90b26d", msg("Hybrid"),
            LEARNING_ASSESSMENT_SCHEME),
    Concept("work-based", f"{SNB}learning-assessment/729f3bed4b", msg("Workbased"),
            LEARNING_ASSESSMENT_SCHEME),
    Concept("volunteering", f"{SNB}learning-activity/59eaf34fab", msg("volunteering"),
            LEARNING_ACTIVITY_SCHEME),
)


# --- Type of assessment ---------------------------------------------------------------------
# Keys follow the MICROBOL / Council Recommendation value list. ELM concepts: European-Learning-
# Model:xsd/loq/cv/europass-learning-assessment-types.xsd and elm_vocabularies_php:
# src/AssessmentType.php. "skill-application" -> "practical assessment" is our closest match.
# mcred fallbacks: "exam" (ELM only has the narrower 6e6cb2cc78 written examination,
# d30284d7df oral examination, b1b68f6735 quiz), "prior-learning" and "other" (no ELM concept).

ASSESSMENT_TYPES: dict[str, Concept] = _table(
    Concept("exam", f"{MCRED_VOCAB}assessment-exam", msg("Testing (examination)"),
            MCRED_ASSESSMENT_SCHEME),
    Concept("skill-application", f"{SNB}assessment/6a4db9f11d", msg("practical assessment"),
            ASSESSMENT_SCHEME),
    Concept("portfolio", f"{SNB}assessment/4f03b91c0e", msg("portfolio"), ASSESSMENT_SCHEME),
    Concept("prior-learning", f"{MCRED_VOCAB}assessment-prior-learning",
            msg("Recognition of prior learning"), MCRED_ASSESSMENT_SCHEME),
    Concept("project", f"{SNB}assessment/795dac4096", msg("project work"), ASSESSMENT_SCHEME),
    Concept("other", f"{MCRED_VOCAB}assessment-other", msg("Other type of assessment"),
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
            msg("Unsupervised without ID Verification"), SUPERVISION_SCHEME),
    Concept("supervised-no-id", f"{MCRED_VOCAB}supervision-supervised-no-id",
            msg("Supervised without ID verification"), MCRED_SUPERVISION_SCHEME),
    Concept("supervised-online-id", f"{MCRED_VOCAB}supervision-supervised-online-id",
            msg("Supervised with online ID verification"), MCRED_SUPERVISION_SCHEME),
    Concept("supervised-onsite-id", f"{MCRED_VOCAB}supervision-supervised-onsite-id",
            msg("Supervised with onsite ID verification"), MCRED_SUPERVISION_SCHEME),
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
    Concept("internal", f"{MCRED_VOCAB}qa-internal", msg("Internal quality assurance"),
            MCRED_QA_SCHEME),
    Concept("external-institutional", f"{SNB}accreditation/bb4618238e",
            msg("Institutional Quality Assurance"), ACCREDITATION_SCHEME),
    Concept("external-programme", f"{SNB}accreditation/820101cba6",
            msg("Program Quality Assurance"), ACCREDITATION_SCHEME),
    Concept("alternative", f"{MCRED_VOCAB}qa-alternative", msg("Alternative quality assurance"),
            MCRED_QA_SCHEME),
)


# --- Credit system --------------------------------------------------------------------------
# Source: European-Learning-Model:xsd/loq/cv/credit-points.xsd and the Annex-I sample, both with
# the published prefLabel "European Credit Transfer System".

ECTS = Concept("ects", f"{SNB}education-credit/6fcec5c5af", msg("European Credit Transfer System"),
               EDUCATION_CREDIT_SCHEME)


# --- ISCED-F 2013 fields of education and training ------------------------------------------
# Every code and English label of the ELM isced-f vocabulary: european-commission-empl/
# European-Learning-Model:xsd/ams/cv/isced-f.xsd (the UNESCO ISCED-F 2013 list: broad 2-digit,
# narrow 3-digit and detailed 4-digit fields, with the nfd/nec/inter-disciplinary codes).

# Labels are messages (app.messages), so pages show them in the reader's language: the
# composed ones ("… not further defined") are translated as a pattern around the field's name.

def _nfd(field: Message) -> Message:
    return msg("%(field)s not further defined", field=field)


def _nec(field: Message) -> Message:
    return msg("%(field)s not elsewhere classified", field=field)


def _inter(field: Message) -> Message:
    return msg("Inter-disciplinary programmes and qualifications involving %(field)s",
               field=field)


_ISCED_F_LABELS: dict[str, Message] = {
    "00": msg("Generic programmes and qualifications"),
    "000": _nfd(msg("Generic programmes and qualifications")),
    "001": msg("Basic programmes and qualifications"),
    "002": msg("Literacy and numeracy"),
    "003": msg("Personal skills and development"),
    "009": _nec(msg("Generic programmes and qualifications")),
    "0000": _nfd(msg("Generic programmes and qualifications")),
    "0011": msg("Basic programmes and qualifications"),
    "0021": msg("Literacy and numeracy"),
    "0031": msg("Personal skills and development"),
    "0099": _nec(msg("Generic programmes and qualifications")),
    "01": msg("Education"),
    "011": msg("Education"),
    "018": _inter(msg("education")),
    "0110": _nfd(msg("Education")),
    "0111": msg("Education science"),
    "0112": msg("Training for pre-school teachers"),
    "0113": msg("Teacher training without subject specialisation"),
    "0114": msg("Teacher training with subject specialisation"),
    "0119": _nec(msg("Education")),
    "0188": _inter(msg("education")),
    "02": msg("Arts and humanities"),
    "020": _nfd(msg("Arts and humanities")),
    "021": msg("Arts"),
    "022": msg("Humanities (except languages)"),
    "023": msg("Languages"),
    "028": _inter(msg("arts and humanities")),
    "029": _nec(msg("Arts and humanities")),
    "0200": _nfd(msg("Arts and humanities")),
    "0210": _nfd(msg("Arts")),
    "0211": msg("Audio-visual techniques and media production"),
    "0212": msg("Fashion, interior and industrial design"),
    "0213": msg("Fine arts"),
    "0214": msg("Handicrafts"),
    "0215": msg("Music and performing arts"),
    "0219": _nec(msg("Arts")),
    "0220": _nfd(msg("Humanities (except languages)")),
    "0221": msg("Religion and theology"),
    "0222": msg("History and archaeology"),
    "0223": msg("Philosophy and ethics"),
    "0228": _inter(msg("humanities")),
    "0229": _nec(msg("Humanities (except languages)")),
    "0230": _nfd(msg("Languages")),
    "0231": msg("Language acquisition"),
    "0232": msg("Literature and linguistics"),
    "0239": _nec(msg("Languages")),
    "0288": _inter(msg("arts and humanities")),
    "0299": _nec(msg("Arts and humanities")),
    "03": msg("Social sciences, journalism and information"),
    "030": _nfd(msg("Social sciences, journalism and information")),
    "031": msg("Social and behavioural sciences"),
    "032": msg("Journalism and information"),
    "038": _inter(msg("social sciences, journalism and information")),
    "039": _nec(msg("Social sciences, journalism and information")),
    "0300": _nfd(msg("Social sciences, journalism and information")),
    "0310": _nfd(msg("Social and behavioural sciences")),
    "0311": msg("Economics"),
    "0312": msg("Political sciences and civics"),
    "0313": msg("Psychology"),
    "0314": msg("Sociology and cultural studies"),
    "0319": _nec(msg("Social and behavioural sciences")),
    "0320": _nfd(msg("Journalism and information")),
    "0321": msg("Journalism and reporting"),
    "0322": msg("Library, information and archival studies"),
    "0329": _nec(msg("Journalism and information")),
    "0388": _inter(msg("social sciences, journalism and information")),
    "0399": _nec(msg("Social sciences, journalism and information")),
    "04": msg("Business, administration and law"),
    "040": _nfd(msg("Business, administration and law")),
    "041": msg("Business and administration"),
    "042": msg("Law"),
    "048": _inter(msg("business, administration and law")),
    "049": _nec(msg("Business, administration and law")),
    "0400": _nfd(msg("Business, administration and law")),
    "0410": _nfd(msg("Business and administration")),
    "0411": msg("Accounting and taxation"),
    "0412": msg("Finance, banking and insurance"),
    "0413": msg("Management and administration"),
    "0414": msg("Marketing and advertising"),
    "0415": msg("Secretarial and office work"),
    "0416": msg("Wholesale and retail sales"),
    "0417": msg("Work skills"),
    "0419": _nec(msg("Business and administration")),
    "0421": msg("Law"),
    "0488": _inter(msg("business, administration and law")),
    "0499": _nec(msg("Business, administration and law")),
    "05": msg("Natural sciences, mathematics and statistics"),
    "050": _nfd(msg("Natural sciences, mathematics and statistics")),
    "051": msg("Biological and related sciences"),
    "052": msg("Environment"),
    "053": msg("Physical sciences"),
    "054": msg("Mathematics and statistics"),
    "058": _inter(msg("natural sciences, mathematics and statistics")),
    "059": _nec(msg("Natural sciences, mathematics and statistics")),
    "0500": _nfd(msg("Natural sciences, mathematics and statistics")),
    "0510": _nfd(msg("Biological and related sciences")),
    "0511": msg("Biology"),
    "0512": msg("Biochemistry"),
    "0519": _nec(msg("Biological and related sciences")),
    "0520": _nfd(msg("Environment")),
    "0521": msg("Environmental sciences"),
    "0522": msg("Natural environments and wildlife"),
    "0529": _nec(msg("Environment")),
    "0530": _nfd(msg("Physical sciences")),
    "0531": msg("Chemistry"),
    "0532": msg("Earth sciences"),
    "0533": msg("Physics"),
    "0539": _nec(msg("Physical sciences")),
    "0540": _nfd(msg("Mathematics and statistics")),
    "0541": msg("Mathematics"),
    "0542": msg("Statistics"),
    "0588": _inter(msg("natural sciences, mathematics and statistics")),
    "0599": _nec(msg("Natural sciences, mathematics and statistics")),
    "06": msg("Information and Communication Technologies (ICTs)"),
    "061": msg("Information and Communication Technologies (ICTs)"),
    "068": _inter(msg("Information and Communication Technologies (ICTs)")),
    "0610": _nfd(msg("Information and Communication Technologies (ICTs)")),
    "0611": msg("Computer use"),
    "0612": msg("Database and network design and administration"),
    "0613": msg("Software and applications development and analysis"),
    "0619": _nec(msg("Information and communication technologies")),
    "0688": _inter(msg("Information and Communication Technologies (ICTs)")),
    "07": msg("Engineering, manufacturing and construction"),
    "070": _nfd(msg("Engineering, manufacturing and construction")),
    "071": msg("Engineering and engineering trades"),
    "072": msg("Manufacturing and processing"),
    "073": msg("Architecture and construction"),
    "078": _inter(msg("engineering, manufacturing and construction")),
    "079": _nec(msg("Engineering, manufacturing and construction")),
    "0700": _nfd(msg("Engineering, manufacturing and construction")),
    "0710": _nfd(msg("Engineering and engineering trades")),
    "0711": msg("Chemical engineering and processes"),
    "0712": msg("Environmental protection technology"),
    "0713": msg("Electricity and energy"),
    "0714": msg("Electronics and automation"),
    "0715": msg("Mechanics and metal trades"),
    "0716": msg("Motor vehicles, ships and aircraft"),
    "0719": _nec(msg("Engineering and engineering trades")),
    "0720": _nfd(msg("Manufacturing and processing")),
    "0721": msg("Food processing"),
    "0722": msg("Materials (glass, paper, plastic and wood)"),
    "0723": msg("Textiles (clothes, footwear and leather)"),
    "0724": msg("Mining and extraction"),
    "0729": _nec(msg("Manufacturing and processing")),
    "0730": _nfd(msg("Architecture and construction")),
    "0731": msg("Architecture and town planning"),
    "0732": msg("Building and civil engineering"),
    "0788": _inter(msg("engineering, manufacturing and construction")),
    "0799": _nec(msg("Engineering, manufacturing and construction")),
    "08": msg("Agriculture, forestry, fisheries and veterinary"),
    "080": _nfd(msg("Agriculture, forestry, fisheries and veterinary")),
    "081": msg("Agriculture"),
    "082": msg("Forestry"),
    "083": msg("Fisheries"),
    "084": msg("Veterinary"),
    "088": _inter(msg("agriculture, forestry, fisheries and veterinary")),
    "089": _nec(msg("Agriculture, forestry, fisheries and veterinary")),
    "0800": _nfd(msg("Agriculture, forestry, fisheries and veterinary")),
    "0810": _nfd(msg("Agriculture")),
    "0811": msg("Crop and livestock production"),
    "0812": msg("Horticulture"),
    "0819": _nec(msg("Agriculture")),
    "0821": msg("Forestry"),
    "0831": msg("Fisheries"),
    "0841": msg("Veterinary"),
    "0888": _inter(msg("agriculture, forestry, fisheries and veterinary")),
    "0899": _nec(msg("Agriculture, forestry, fisheries and veterinary")),
    "09": msg("Health and welfare"),
    "090": _nfd(msg("Health and welfare")),
    "091": msg("Health"),
    "092": msg("Welfare"),
    "098": _inter(msg("health and welfare")),
    "099": _nec(msg("Health and welfare")),
    "0900": _nfd(msg("Health and welfare")),
    "0910": _nfd(msg("Health")),
    "0911": msg("Dental studies"),
    "0912": msg("Medicine"),
    "0913": msg("Nursing and midwifery"),
    "0914": msg("Medical diagnostic and treatment technology"),
    "0915": msg("Therapy and rehabilitation"),
    "0916": msg("Pharmacy"),
    "0917": msg("Traditional and complementary medicine and therapy"),
    "0919": _nec(msg("Health")),
    "0920": _nfd(msg("Welfare")),
    "0921": msg("Care of the elderly and of disabled adults"),
    "0922": msg("Child care and youth services"),
    "0923": msg("Social work and counselling"),
    "0929": _nec(msg("Welfare")),
    "0988": _inter(msg("health and welfare")),
    "0999": _nec(msg("Health and welfare")),
    "10": msg("Services"),
    "100": _nfd(msg("Services")),
    "101": msg("Personal services"),
    "102": msg("Hygiene and occupational health services"),
    "103": msg("Security services"),
    "104": msg("Transport services"),
    "108": _inter(msg("services")),
    "109": _nec(msg("Services")),
    "1000": _nfd(msg("Services")),
    "1010": _nfd(msg("Personal services")),
    "1011": msg("Domestic services"),
    "1012": msg("Hair and beauty services"),
    "1013": msg("Hotel, restaurants and catering"),
    "1014": msg("Sports"),
    "1015": msg("Travel, tourism and leisure"),
    "1019": _nec(msg("Personal services")),
    "1020": _nfd(msg("Hygiene and occupational health services")),
    "1021": msg("Community sanitation"),
    "1022": msg("Occupational health and safety"),
    "1029": _nec(msg("Hygiene and occupational health services")),
    "1030": _nfd(msg("Security services")),
    "1031": msg("Military and defence"),
    "1032": msg("Protection of persons and property"),
    "1039": _nec(msg("Security services")),
    "1041": msg("Transport services"),
    "1088": _inter(msg("services")),
    "1099": _nec(msg("Services")),
    "99": msg("Field unknown"),
    "999": msg("Field unknown"),
    "9999": msg("Field unknown"),
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
