"""Page texts in English and German, chosen by Accept-Language (or ?lang=)."""

from __future__ import annotations

LANGUAGES = ("en", "de")

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "headline.verified": "Verified", "headline.failed": "Not verified",
        "headline.untrusted": "Genuine, but the issuer is not in the trusted registry",
        "awarded_to": "Awarded to", "issued_by": "Issued by", "on": "on",
        "checks": "Verification", "check.format": "Credential format",
        "check.proof": "Signature", "check.registry": "Trusted issuer registry",
        "check.status": "Revocation status", "check.validity": "Validity dates",
        "check.completeness": "EU standard elements", "check.score": "Recognition",
        "check.reading": "How it was read",
        "status.passed": "passed", "status.failed": "failed", "status.warning": "attention",
        "status.skipped": "not applicable",
        "recognition": "Recognition (e-VALUATE traffic light)", "criterion": "Criterion",
        "robustness": "Robustness", "reason": "Reason",
        "crit.qualityAssurance": "Quality assurance", "crit.verification": "Verification",
        "crit.level": "Level", "crit.learningOutcomes": "Learning outcomes",
        "crit.workload": "Workload", "crit.assessment": "Assessment",
        "crit.identification": "Identification of the learner",
        "details": "What this micro-credential certifies", "el.title": "Title",
        "el.awardingBody": "Awarding body", "el.country": "Country of the issuer",
        "el.learner": "Learner", "el.dateOfIssuing": "Date awarded",
        "el.learningOutcomes": "Learning outcomes", "el.workload": "Notional workload",
        "el.level": "Level", "el.assessmentType": "Type of assessment",
        "el.participationForm": "Form of participation",
        "el.qualityAssurance": "Quality assurance", "el.grade": "Grade",
        "el.prerequisites": "Prerequisites",
        "el.supervisionAndIdentityVerification": "Supervision and identity verification",
        "el.integrationStackability": "Integration / stackability",
        "el.furtherInformation": "Further information", "ects": "ECTS credits",
        "hours": "hours", "credits": "credits (credit system not stated)",
        "eqf": "EQF level", "nqf": "national framework level",
        "share": "Share and download",
        "link": "Share link", "copy": "Copy link", "copied": "Copied",
        "download_ob3": "Open Badges 3.0 (for badge wallets and LinkedIn), JSON",
        "download_elm": "Europass / European Learning Model, JSON",
        "download_png": "Badge image with the credential inside (PNG)",
        "download_svg": "Badge with the credential inside (SVG)",
        "manage.title": "For the learner: search engines",
        "manage.refused": "Search engines are asked not to list this page.",
        "manage.allowed": "Search engines may list this page: the learner allowed it.",
        "manage.key": "Your manage key (you got it with this link)",
        "manage.allow": "Let search engines list this page",
        "manage.refuse": "Keep this page out of search engines",
        "linkedin": "Add to LinkedIn profile", "qr": "QR code of the share link",
        "verify_title": "Verify a micro-credential",
        "verify_intro": "Paste a credential, give its address, or upload a badge image. "
                        "Nothing you submit is stored.",
        "paste": "Credential (JSON)", "url": "Address of the credential (https)",
        "upload": "Badge image or JSON file", "verify_button": "Verify",
        "completeness": "EU standard elements", "element": "Element",
        "where": "Where found / why missing", "mandatory_note":
            "* mandatory under the EU Council Recommendation on micro-credentials (2022)",
        "present": "present", "missing": "missing", "malformed": "malformed",
        "rubric": "rubric", "error": "Could not verify", "skip": "Skip to content",
        "outcome.recognisable": "Recognisable",
        "outcome.context-dependent": "Context-dependent",
        "outcome.not-recognisable": "Not recognisable",
        "verdict.altered": "Altered after signing — do not rely on it",
        "verdict.unverifiable": "The signature could not be checked — do not rely on it",
        "og.description": "Verified micro-credential awarded by {issuer} to {learner}",
        "holder.title": "Check the holder's e-mail address",
        "holder.label": "E-mail address the holder gives you",
        "holder.help": "It is compared with the salted hash in the credential; it is not"
                       " stored or sent anywhere.",
        "holder.button": "Check e-mail",
        "holder.match": "Matches: the credential was issued to this e-mail address",
        "holder.no-match": "Does not match the e-mail address the credential was issued to",
        "holder.none": "The credential names no e-mail address to compare with",
        "verdict.malformed": "Not a valid credential — do not rely on it",
        "verdict.open-badges-2": "An Open Badges 2.0 badge, not a verifiable credential —"
                                 " ask the issuer for its Open Badges 3.0 version",
        "verdict.revoked": "Revoked by the issuer — no longer valid",
        "verdict.suspended": "Suspended by the issuer — not valid at the moment",
        "verdict.revoked_on": "Revoked on {date} — no longer valid",
        "verdict.suspended_on": "Suspended since {date} — not valid at the moment",
        "verdict.status-unknown": "Whether it was revoked could not be checked",
        "verdict.expired": "Expired on {date}",
        "verdict.not-yet-valid": "Not yet valid: valid from {date}",
        "verdict.bad-dates": "Its validity dates are not usable",
        "verdict.failed": "Could not be verified",
        "verdict.advice": "This credential fails a check that decides whether it can be"
                          " trusted. Ask the learner or the issuer for a valid one.",
        "technical": "Technical details",
        "technical_intro": "How each check went, where each EU element was found, and the"
                           " scoring rule used.",
        "rating.3": "Strong", "rating.2": "Sufficient", "rating.1": "Weak",
        "rating.0": "Missing", "rating.none": "Does not apply",
        "rating": "Rating",
        "legend": "What the colours mean",
        "legend.green": "Green — recognisable in line with the Lisbon Recognition Convention:"
                        " it can be recognised like comparable learning.",
        "legend.orange": "Orange — recognition depends on the purpose: look at the criteria"
                         " rated weak or missing, and consider recognition of prior learning.",
        "legend.red": "Red — not recognisable as it stands: refer to recognition of prior"
                      " learning or a further assessment.",
        "advice.green": "Recognisable in line with the Lisbon Recognition Convention: you"
                        " can recognise it like comparable learning.",
        "advice.orange": "What to do: check the criteria rated weak or missing below against"
                         " what you need; ask the issuer for details or use recognition of"
                         " prior learning.",
        "advice.red": "What to do: do not recognise it as it stands; ask for a further"
                      " assessment or recognition of prior learning.",
        "scoring_rule": "Scoring rule", "verify_another": "Verify another credential",
        "checked_at": "Checked just now, on {time}, against the issuer's signature and"
                      " revocation list.",
        "source": "Fetched from", "issuer_did": "Issuer identifier",
        "concept.onsite": "On site", "concept.online": "Online", "concept.blended": "Blended",
        "concept.hybrid": "Hybrid", "concept.work-based": "Work-based",
        "concept.volunteering": "Volunteering",
        "badge_alt": "Badge",
        "el.description": "What it is about",
        "el.learningOutcomeAlignments": "Skills (ESCO)",
        "el.criteria": "Criteria for the award",
        "el.assessmentDescription": "How it was assessed", "el.language": "Language",
        "el.fieldOfStudy": "Field of study",
        "el.components": "Made up of", "el.validUntil": "Valid until",
        "home.title": "mcred — verifiable micro-credentials",
        "home.intro": "mcred issues and verifies micro-credentials as W3C Verifiable"
                      " Credentials and Open Badges 3.0, with the elements of the EU"
                      " Council Recommendation on micro-credentials.",
        "home.universities": "Universities issue signed micro-credentials for their courses.",
        "home.learners": "Learners keep them, share a link, or add them to their profile.",
        "home.employers": "Employers check in seconds that a credential is genuine,"
                          " unchanged and issued by a trusted institution.",
        "home.verify": "Verify a credential", "home.verify_page": "More ways to verify:"
                       " paste JSON or upload a badge image",
        "home.api": "For developers", "home.docs": "API documentation",
        "home.registry": "Trusted issuer registry (JSON)",
    },
    "de": {
        "headline.verified": "Verifiziert", "headline.failed": "Nicht verifiziert",
        "headline.untrusted": "Echt, aber der Aussteller steht nicht im Register"
                              " vertrauenswürdiger Aussteller",
        "awarded_to": "Verliehen an", "issued_by": "Ausgestellt von", "on": "am",
        "checks": "Prüfung", "check.format": "Format des Nachweises",
        "check.proof": "Signatur", "check.registry": "Register vertrauenswürdiger Aussteller",
        "check.status": "Widerrufsstatus", "check.validity": "Gültigkeitszeitraum",
        "check.completeness": "EU-Standardelemente", "check.score": "Anerkennung",
        "check.reading": "Wie er gelesen wurde",
        "status.passed": "bestanden", "status.failed": "nicht bestanden",
        "status.warning": "Hinweis", "status.skipped": "entfällt",
        "recognition": "Anerkennung (e-VALUATE-Ampel)", "criterion": "Kriterium",
        "robustness": "Belastbarkeit", "reason": "Begründung",
        "crit.qualityAssurance": "Qualitätssicherung", "crit.verification": "Verifizierung",
        "crit.level": "Niveau", "crit.learningOutcomes": "Lernergebnisse",
        "crit.workload": "Arbeitsaufwand", "crit.assessment": "Prüfungsform",
        "crit.identification": "Identifizierung der lernenden Person",
        "details": "Was dieser Micro-Credential bescheinigt", "el.title": "Titel",
        "el.awardingBody": "Verleihende Stelle", "el.country": "Land des Ausstellers",
        "el.learner": "Lernende Person", "el.dateOfIssuing": "Verleihungsdatum",
        "el.learningOutcomes": "Lernergebnisse", "el.workload": "Arbeitsaufwand",
        "el.level": "Niveau", "el.assessmentType": "Art der Prüfung",
        "el.participationForm": "Form der Teilnahme",
        "el.qualityAssurance": "Qualitätssicherung", "el.grade": "Note",
        "el.prerequisites": "Zugangsvoraussetzungen",
        "el.supervisionAndIdentityVerification": "Aufsicht und Identitätsprüfung",
        "el.integrationStackability": "Integration / Kombinierbarkeit",
        "el.furtherInformation": "Weitere Informationen", "ects": "ECTS-Punkte",
        "hours": "Stunden", "credits": "Credits (Leistungspunktesystem nicht angegeben)",
        "eqf": "EQR-Niveau",
        "nqf": "Niveau des nationalen Qualifikationsrahmens",
        "share": "Teilen und herunterladen",
        "link": "Link zum Teilen", "copy": "Link kopieren", "copied": "Kopiert",
        "download_ob3": "Open Badges 3.0 (für Badge-Wallets und LinkedIn), JSON",
        "download_elm": "Europass / Europäisches Lernmodell (ELM), JSON",
        "download_png": "Badge-Bild mit dem Nachweis darin (PNG)",
        "download_svg": "Badge mit dem Nachweis darin (SVG)",
        "manage.title": "Für die Lernenden: Suchmaschinen",
        "manage.refused": "Suchmaschinen werden gebeten, diese Seite nicht aufzunehmen.",
        "manage.allowed": "Suchmaschinen dürfen diese Seite aufnehmen: die Lernenden haben"
                          " es erlaubt.",
        "manage.key": "Ihr Verwaltungsschlüssel (Sie haben ihn mit diesem Link erhalten)",
        "manage.allow": "Suchmaschinen erlauben, diese Seite aufzunehmen",
        "manage.refuse": "Diese Seite aus Suchmaschinen heraushalten",
        "linkedin": "Zum LinkedIn-Profil hinzufügen", "qr": "QR-Code des Links",
        "verify_title": "Einen Micro-Credential prüfen",
        "verify_intro": "Fügen Sie einen Nachweis ein, geben Sie seine Adresse an oder laden "
                        "Sie ein Badge-Bild hoch. Nichts davon wird gespeichert.",
        "paste": "Nachweis (JSON)", "url": "Adresse des Nachweises (https)",
        "upload": "Badge-Bild oder JSON-Datei", "verify_button": "Prüfen",
        "completeness": "EU-Standardelemente", "element": "Element",
        "where": "Fundstelle / warum fehlend", "mandatory_note":
            "* verpflichtend nach der Empfehlung des Rates zu Micro-Credentials (2022)",
        "present": "vorhanden", "missing": "fehlt", "malformed": "fehlerhaft",
        "rubric": "Bewertungsschema", "error": "Prüfung nicht möglich",
        "skip": "Zum Inhalt springen",
        "outcome.recognisable": "Anerkennbar",
        "outcome.context-dependent": "Vom Kontext abhängig",
        "outcome.not-recognisable": "Nicht anerkennbar",
        "verdict.altered": "Nach dem Signieren verändert — verlassen Sie sich nicht darauf",
        "verdict.unverifiable": "Die Signatur ließ sich nicht prüfen — verlassen Sie sich"
                                " nicht darauf",
        "og.description": "Verifizierter Micro-Credential-Nachweis von {issuer} für {learner}",
        "holder.title": "E-Mail-Adresse der Inhaberin oder des Inhabers prüfen",
        "holder.label": "E-Mail-Adresse, die Ihnen genannt wurde",
        "holder.help": "Sie wird mit dem gesalzenen Hash im Nachweis verglichen, weder"
                       " gespeichert noch weitergegeben.",
        "holder.button": "E-Mail prüfen",
        "holder.match": "Stimmt überein: der Nachweis wurde für diese E-Mail-Adresse ausgestellt",
        "holder.no-match": "Stimmt nicht mit der E-Mail-Adresse überein, für die der Nachweis"
                           " ausgestellt wurde",
        "holder.none": "Der Nachweis nennt keine E-Mail-Adresse zum Vergleichen",
        "verdict.malformed": "Kein gültiger Nachweis — verlassen Sie sich nicht darauf",
        "verdict.open-badges-2": "Ein Open-Badges-2.0-Abzeichen, kein verifizierbarer Nachweis"
                                 " — bitten Sie den Aussteller um die Open-Badges-3.0-Fassung",
        "verdict.revoked": "Vom Aussteller widerrufen — nicht mehr gültig",
        "verdict.suspended": "Vom Aussteller ausgesetzt — derzeit nicht gültig",
        "verdict.revoked_on": "Am {date} widerrufen — nicht mehr gültig",
        "verdict.suspended_on": "Seit {date} ausgesetzt — derzeit nicht gültig",
        "verdict.status-unknown": "Ob er widerrufen wurde, ließ sich nicht prüfen",
        "verdict.expired": "Abgelaufen am {date}",
        "verdict.not-yet-valid": "Noch nicht gültig: gültig ab {date}",
        "verdict.bad-dates": "Seine Gültigkeitsdaten sind nicht verwendbar",
        "verdict.failed": "Konnte nicht verifiziert werden",
        "verdict.advice": "Dieser Nachweis besteht eine Prüfung nicht, die über seine"
                          " Vertrauenswürdigkeit entscheidet. Bitten Sie die lernende Person"
                          " oder den Aussteller um einen gültigen.",
        "technical": "Technische Details",
        "technical_intro": "Wie jede Prüfung ausging, wo jedes EU-Element gefunden wurde und"
                           " welches Bewertungsschema galt.",
        "rating.3": "Stark", "rating.2": "Ausreichend", "rating.1": "Schwach",
        "rating.0": "Fehlt", "rating.none": "Entfällt",
        "rating": "Bewertung",
        "legend": "Was die Farben bedeuten",
        "legend.green": "Grün — anerkennbar im Sinne der Lissabon-Konvention: wie"
                        " vergleichbares Lernen anzuerkennen.",
        "legend.orange": "Orange — die Anerkennung hängt vom Zweck ab: sehen Sie sich die als"
                         " schwach oder fehlend bewerteten Kriterien an und erwägen Sie die"
                         " Anerkennung früheren Lernens.",
        "legend.red": "Rot — so nicht anerkennbar: verweisen Sie auf die Anerkennung früheren"
                      " Lernens oder eine weitere Prüfung.",
        "advice.green": "Anerkennbar im Sinne der Lissabon-Konvention: Sie können ihn wie"
                        " vergleichbares Lernen anerkennen.",
        "advice.orange": "Was tun: Prüfen Sie die als schwach oder fehlend bewerteten Kriterien"
                         " unten gegen Ihren Bedarf; fragen Sie beim Aussteller nach oder nutzen"
                         " Sie die Anerkennung früheren Lernens.",
        "advice.red": "Was tun: So nicht anerkennen; verlangen Sie eine weitere Prüfung oder"
                      " die Anerkennung früheren Lernens.",
        "scoring_rule": "Bewertungsschema", "verify_another": "Einen weiteren Nachweis prüfen",
        "checked_at": "Soeben geprüft, am {time}, gegen die Signatur und die"
                      " Widerrufsliste des Ausstellers.",
        "source": "Abgerufen von", "issuer_did": "Kennung des Ausstellers",
        "concept.onsite": "Vor Ort", "concept.online": "Online", "concept.blended": "Gemischt",
        "concept.hybrid": "Hybrid", "concept.work-based": "Arbeitsbasiert",
        "concept.volunteering": "Ehrenamt",
        "badge_alt": "Badge",
        "el.description": "Worum es geht",
        "el.learningOutcomeAlignments": "Kompetenzen (ESCO)",
        "el.criteria": "Kriterien für die Verleihung",
        "el.assessmentDescription": "Wie geprüft wurde", "el.language": "Sprache",
        "el.fieldOfStudy": "Studienfeld",
        "el.components": "Besteht aus", "el.validUntil": "Gültig bis",
        "home.title": "mcred — überprüfbare Micro-Credentials",
        "home.intro": "mcred stellt Micro-Credentials als W3C Verifiable Credentials und"
                      " Open Badges 3.0 aus und prüft sie, mit den Elementen der"
                      " EU-Ratsempfehlung zu Micro-Credentials.",
        "home.universities": "Hochschulen stellen signierte Micro-Credentials für ihre"
                             " Kurse aus.",
        "home.learners": "Lernende bewahren sie auf, teilen einen Link oder fügen sie"
                         " ihrem Profil hinzu.",
        "home.employers": "Arbeitgeber prüfen in Sekunden, ob ein Nachweis echt,"
                          " unverändert und von einer vertrauenswürdigen Einrichtung"
                          " ausgestellt ist.",
        "home.verify": "Nachweis prüfen", "home.verify_page": "Weitere Prüfwege: JSON"
                       " einfügen oder ein Badge-Bild hochladen",
        "home.api": "Für Entwickler", "home.docs": "API-Dokumentation",
        "home.registry": "Register vertrauenswürdiger Aussteller (JSON)",
    },
}


def pick_language(accept_language: str | None, override: str | None = None) -> str:
    """The best of our languages for an Accept-Language header (q-values honoured)."""
    if override in LANGUAGES:
        return override  # type: ignore[return-value]
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, position, primary))
    return sorted(ranked)[0][2] if ranked else "en"


def reader_locale(accept_language: str | None, language: str) -> str:
    """The reader's locale for dates (e.g. ``en_US``, ``en_GB``, ``de_AT``): the first
    Accept-Language tag of the page's language that Babel knows; else the language itself."""
    from babel import Locale, UnknownLocaleError

    for part in (accept_language or "").split(","):
        tag = part.strip().partition(";")[0].strip()
        if tag.lower().split("-")[0] != language or "-" not in tag:
            continue
        try:
            return str(Locale.parse(tag, sep="-"))
        except (ValueError, UnknownLocaleError):
            continue
    return {"en": "en_GB", "de": "de_DE"}.get(language, language)


def translator(language: str):  # type: ignore[no-untyped-def]
    table = TEXTS[language]
    return lambda key: table.get(key, TEXTS["en"].get(key, key))
