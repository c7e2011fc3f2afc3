"""Pages in German, French and Dutch: chosen by Accept-Language or ?lang=, a switcher on
every page, the pipeline's check messages, reasons, vocabulary labels, country names and
dates all in the page's language, and the issuer's texts marked with their own language."""

from __future__ import annotations

import copy
import json
import re
from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.web.i18n import pick_language

HTML = {"Accept": "text/html"}
CHECK_MESSAGE = re.compile(r'data-check="(\w+)".*?data-testid="check-message">(.*?)</span></td>',
                           re.S)
# Said in each language on the share page of the sample award (every check passes).
EXPECTED = {
    "de": ["Verifiziert", "Anerkennbar", "Lernergebnisse", "Estland", "30. Juni 2026",
           "EQR-Niveau 6", "ein Nachweis nach dem VC-Datenmodell 2.0",
           "die Signatur ist gültig (eddsa-rdfc-2022), mit einem Schlüssel von",
           "weder widerrufen noch ausgesetzt",
           "alle 11 verpflichtenden EU-Elemente vorhanden und korrekt",
           "University of Tartu ist vertrauenswürdig, mit am 30. Juni 2026 gültiger"
           " Qualitätssicherung", "anerkennbar: jedes zutreffende Kriterium wurde mit 2 oder"
           " mehr bewertet", "Signatur gültig, Aussteller vertrauenswürdig, Status geprüft",
           "Prüfung mit Art, Note und Aufsicht", "Verifizierung"],
    "fr": ["Vérifiée", "Reconnaissable", "Acquis d'apprentissage", "Estonie", "30 juin 2026",
           "niveau 6 du CEC", "une attestation conforme au modèle de données VC 2.0",
           "la signature est valide (eddsa-rdfc-2022), avec une clé de",
           "ni révoquée ni suspendue", "les 11 éléments obligatoires de l'UE sont présents",
           "reconnaissable : chaque critère applicable a obtenu 2 ou plus",
           "signature valide, émetteur de confiance, statut vérifié et sans problème",
           "évaluation typée, notée et surveillée", "Ce que certifie cette microcertification"],
    "nl": ["Geverifieerd", "Erkenbaar", "Leerresultaten", "Estland", "30 juni 2026",
           "EQF-niveau 6", "een bewijs volgens het VC-gegevensmodel 2.0",
           "de handtekening klopt (eddsa-rdfc-2022), met een sleutel van",
           "niet ingetrokken of opgeschort", "alle 11 verplichte EU-elementen aanwezig en correct",
           "erkenbaar: elk toepasselijk criterium scoorde 2 of meer",
           "handtekening klopt, uitgever vertrouwd, status gecontroleerd en in orde",
           "beoordeling met soort, cijfer en toezicht", "Wat deze microcredential bevestigt"],
}


def _messages(html: str) -> dict[str, str]:
    """Each check's message as the page shows it (tags removed)."""
    return {name: unescape(re.sub(r"<[^>]+>", "", text)).strip()
            for name, text in CHECK_MESSAGE.findall(html)}


def _english_messages(client: TestClient, credential: dict[str, Any]) -> dict[str, str]:
    report = client.post("/credentials/verify", json={"verifiableCredential": credential})
    return {c["name"]: c["message"] for c in report.json()["report"]["checks"]}


def test_language_negotiation() -> None:
    assert pick_language("fr-BE,fr;q=0.9,en;q=0.5") == "fr"
    assert pick_language("nl-NL") == "nl"
    assert pick_language("es, de;q=0.7, fr;q=0.8") == "fr"  # q-values honoured
    assert pick_language("de;q=0, nl") == "nl"
    assert pick_language("es-ES") == "en" and pick_language(None) == "en"
    assert pick_language("de", override="fr") == "fr"
    assert pick_language("de", override="xx") == "de"  # an unknown ?lang= is ignored


@pytest.mark.parametrize("lang", ["de", "fr", "nl"])
def test_share_page_says_everything_in_the_language(client: TestClient, shared: dict,
                                                    lang: str) -> None:
    english = _english_messages(client, shared["credential"])
    page = client.get(shared["path"], headers={**HTML, "Accept-Language": lang})
    assert page.status_code == 200 and page.headers["content-language"] == lang
    html = page.text
    assert f'<html lang="{lang}">' in html
    text = unescape(html)
    for said in EXPECTED[lang]:
        assert said in text, said
    shown = _messages(html)
    assert set(shown) == set(english) == {"format", "reading", "proof", "registry", "status",
                                          "validity", "completeness", "score"}
    for name, message in shown.items():
        assert message != english[name], f"{name} is in English: {message}"
    # Nothing the service says is left in English: a text no catalogue knows would be a
    # <span lang="en"> (the issuer's own texts carry lang on their element, tested below).
    assert '<span lang="en">' not in html


@pytest.mark.parametrize("lang", ["de", "fr", "nl"])
def test_verify_page_of_an_altered_credential(client: TestClient, shared: dict,
                                              lang: str) -> None:
    tampered = {**copy.deepcopy(shared["credential"]), "name": "Forged"}
    english = _english_messages(client, tampered)
    page = client.post(f"/verify?lang={lang}", data={"credential": json.dumps(tampered)},
                       headers=HTML)
    assert page.status_code == 422 and f'<html lang="{lang}">' in page.text
    shown = _messages(page.text)
    banner = {"de": "Nach dem Signieren verändert", "fr": "Modifiée après la signature",
              "nl": "Gewijzigd na ondertekening"}[lang]
    plain = {"de": "die Signatur passt nicht zum Inhalt",
             "fr": "la signature ne correspond pas au contenu",
             "nl": "de handtekening past niet bij de inhoud"}[lang]
    assert banner in unescape(page.text)
    # The plain words first; the library's own English after them, marked as English.
    assert shown["proof"].startswith(plain) and english["proof"] in shown["proof"]
    assert f'(<span lang="en">{english["proof"]}</span>)' in unescape(page.text)
    for name in ("format", "registry", "completeness", "score"):
        assert shown[name] != english[name], name


def test_english_page_keeps_the_api_wording(client: TestClient, shared: dict) -> None:
    english = _english_messages(client, shared["credential"])
    shown = _messages(client.get(shared["path"], headers={**HTML, "Accept-Language": "en"}).text)
    for name in ("format", "proof", "status", "completeness", "score"):  # validity: the time
        assert shown[name] == english[name]


def test_api_json_stays_english(client: TestClient, shared: dict) -> None:
    report = client.post("/credentials/verify", json={"verifiableCredential": shared["credential"]},
                         headers={"Accept-Language": "de"}).json()
    messages = {c["name"]: c["message"] for c in report["report"]["checks"]}
    assert messages["completeness"] == "all 11 mandatory EU elements present and well formed"
    assert messages["status"] == "not revoked or suspended"
    assert report["report"]["score"]["criteria"][1]["reason"] == \
        "signature verifies, issuer trusted, status checked and clear"


def test_switcher_on_every_page(client: TestClient, shared: dict) -> None:
    for path in ("/", "/verify", shared["path"], "/verify?url=https%3A%2F%2Fx.test%2Fc"):
        html = client.get(path, headers={**HTML, "Accept-Language": "de"}).text
        nav = html[html.index('data-testid="languages"'):html.index("</nav>")]
        links = re.findall(r'<a href="([^"]+)" lang="(\w+)" hreflang="\w+"( aria-current="true")?'
                           r'>([^<]+)</a>', unescape(nav))
        assert [(lang, name) for _, lang, _, name in links] == [
            ("en", "English"), ("de", "Deutsch"), ("fr", "Français"), ("nl", "Nederlands")]
        assert [lang for _, lang, current, _ in links if current] == ["de"]
        base = path.split("?")[0]
        for href, lang, _, _ in links:
            assert href.startswith(base + "?") and href.endswith(f"lang={lang}")
        if "url=" in path:  # the page's own query is kept
            assert all("url=https%3A%2F%2Fx.test%2Fc" in href for href, *_ in links)


def test_lang_query_wins_and_stays_in_forms(client: TestClient, shared: dict) -> None:
    html = client.get("/verify?lang=nl", headers={**HTML, "Accept-Language": "de"}).text
    assert '<html lang="nl">' in html and "Een microcredential controleren" in html
    assert 'action="/verify?lang=nl"' in html  # the POST form keeps the language
    assert '<input type="hidden" name="lang" value="nl">' in html  # and the GET form
    share = client.get(shared["path"] + "?lang=fr", headers=HTML).text
    assert f'action="https://mcred.test{shared["path"]}?lang=fr"' in share  # e-mail check


def test_issuer_texts_carry_their_language(client: TestClient, shared: dict) -> None:
    """The sample says inLanguage "en": its title and outcomes are marked English on a German
    page (screen readers switch voice), mcred's own rows are not."""
    html = client.get(shared["path"], headers={**HTML, "Accept-Language": "de"}).text
    assert '<h1 data-testid="title" lang="en">Data Literacy for Public Administration</h1>' in html
    rows = dict(re.findall(r'<tr data-element="(\w+)"><th scope="row">[^<]*</th><td( lang="en")?>',
                           html))
    assert rows["learningOutcomes"] == ' lang="en"' and rows["description"] == ' lang="en"'
    assert rows["workload"] == "" and rows["level"] == "" and rows["participationForm"] == ""


def test_error_page_in_the_language(client: TestClient) -> None:
    page = client.get("/c/no-such-token?lang=fr", headers=HTML)
    assert page.status_code == 404 and '<html lang="fr">' in page.text
    assert "<h1 id=\"error-h\">Introuvable</h1>" in page.text
    assert "Aller à la page de vérification" in page.text
    assert 'href="/verify?lang=fr"' in page.text


@pytest.mark.parametrize(("lang", "field", "assessment", "supervision"), [
    ("de", "0688 Interdisziplinäre Programme und Qualifikationen mit Schwerpunkt"
           " Informations- und Kommunikationstechnologien (IKT) (ISCED-F 2013)",
     "Projektarbeit", "Mit Aufsicht und Identitätsprüfung vor Ort"),
    ("fr", "0688 Programmes et certifications interdisciplinaires comprenant Technologies de"
           " l'information et de la communication (TIC) (ISCED-F 2013)",
     "travail de projet", "Surveillée, avec vérification d'identité sur place"),
    ("nl", "0613 Ontwikkeling en analyse van software en applicaties (ISCED-F 2013)",
     "projectwerk", "Met toezicht en identiteitscontrole ter plaatse"),
])
def test_vocabulary_labels_in_the_language(lang: str, field: str, assessment: str,
                                           supervision: str) -> None:
    from app.elements import vocabularies as vocab
    from app.elements.extract import Found
    from app.web.i18n import translator
    from app.web.present import rows

    code = field.split()[0]
    found = {"fieldOfStudy": Found(code, "x"),
             "assessmentType": Found(vocab.ASSESSMENT_TYPES["project"].uri, "x"),
             "supervisionAndIdentityVerification": Found(
                 vocab.SUPERVISION["supervised-onsite-id"].uri, "x")}
    shown = {key: value for key, value, _ in rows(found, translator(lang))}
    assert shown == {"fieldOfStudy": field, "assessmentType": assessment,
                     "supervisionAndIdentityVerification": supervision}


def test_a_language_tagged_title_is_marked_with_its_language(shared: dict) -> None:
    """A JSON-LD language tag (an ELM language map, an ``@language`` value) beats the
    credential's ``inLanguage``: the title below is Estonian, whatever else is English."""
    from app.elements.extract import read_elements
    from app.web.i18n import translator
    from app.web.present import rows, summary

    document = copy.deepcopy(shared["credential"])
    achievement = document["credentialSubject"]["achievement"]
    achievement["name"] = {"@value": "Andmekirjaoskus avalikus halduses", "@language": "et"}
    _, found = read_elements(document)
    top = summary(found, translator("de"), "de_DE")
    assert top["title"] == "Andmekirjaoskus avalikus halduses" and top["titleLang"] == "et"
    languages = {key: lang for key, _, lang in rows(found, translator("de"), "de_DE")}
    assert languages["description"] == "en"  # untagged: the credential's inLanguage
    assert languages["language"] is None  # "Englisch" is mcred's word, in the page's language


def test_pasted_text_that_is_not_json(client: TestClient) -> None:
    page = client.post("/verify?lang=de", data={"credential": "{not json"}, headers=HTML)
    assert page.status_code == 400
    error = unescape(page.text[page.text.index('data-testid="error"'):])
    error = error[:error.index("</p>")]
    assert "Prüfung nicht möglich:</strong> das ist kein gültiges JSON: fügen Sie den ganzen" \
        " Nachweis ein (<span lang=\"en\">Expecting property name" in error


def test_a_text_no_catalogue_knows_is_marked_english() -> None:
    """A custom rubric's reason (MCRED_RUBRICS_DIR) is not in the catalogues: a German page
    shows it as written, marked lang="en"; a known text beside it is still translated."""
    from app.messages import join, msg
    from app.web.i18n import Reader
    from app.web.render import _said

    german = Reader("de", "de_DE")
    custom = msg("assessed by our own panel")
    assert str(_said(custom, german)) == '<span lang="en">assessed by our own panel</span>'
    assert str(_said(msg("no workload"), german)) == "kein Arbeitsaufwand"
    mixed = join("; ", [msg("no workload"), custom])
    assert str(_said(mixed, german)) == \
        'kein Arbeitsaufwand; <span lang="en">assessed by our own panel</span>'
    assert str(_said(custom, Reader("en", "en_GB"))) == "assessed by our own panel"
