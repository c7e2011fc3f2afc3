"""The gettext catalogues are complete: every text the code and templates say (messages.pot,
as `make i18n` extracts it) has a reviewed translation in German, French and Dutch, with the
same placeholders; and messages.pot is up to date with the code."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from app.web.i18n import LANGUAGES, LOCALES

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
TRANSLATED = [lang for lang in LANGUAGES if lang != "en"]


def _ids(path: Path) -> set[tuple[str | None, str]]:
    with path.open("rb") as file:
        return {(m.context, m.id) for m in read_po(file) if m.id}


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_text_is_translated(lang: str) -> None:
    with (LOCALES / lang / "LC_MESSAGES" / "messages.po").open("rb") as file:
        catalogue = read_po(file, locale=lang)
    entries = {(m.context, m.id): m for m in catalogue if m.id}
    template = _ids(LOCALES / "messages.pot")
    assert len(template) > 400  # labels, check messages, reasons, ISCED-F fields…
    assert template - set(entries) == set(), "not merged: run `make i18n`"
    for key in template:
        entry = entries[key]
        assert "fuzzy" not in entry.flags, f"{lang}: fuzzy (needs review): {key}"
        if isinstance(entry.id, tuple):
            # A plural: every form of the language translated, each using only placeholders
            # the English forms have (a singular may say "one" instead of %(num)s).
            forms = entry.string if isinstance(entry.string, tuple) else (entry.string,)
            english = set(PLACEHOLDER.findall(" ".join(entry.id)))
            assert forms and all(f and f.strip() for f in forms), f"{lang}: no translation of {key}"
            for form in forms:
                assert set(PLACEHOLDER.findall(form)) <= english, \
                    f"{lang}: placeholders differ in {key}"
            continue
        assert entry.string and entry.string.strip(), f"{lang}: no translation of {key}"
        assert sorted(PLACEHOLDER.findall(entry.id)) == sorted(
            PLACEHOLDER.findall(entry.string)), f"{lang}: placeholders differ in {key}"


def test_the_template_is_what_the_code_says(tmp_path: Path) -> None:
    """A text added in code or a template without `make i18n` fails here, not on a page."""
    fresh = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "--quiet", "extract",
                    "-F", "babel.cfg", "-k", "msg", "-k", "N_", "-k", "NP_:1c,2",
                    "-o", str(fresh), "app"], cwd=ROOT, check=True,
                   env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert _ids(fresh) == _ids(LOCALES / "messages.pot")


def test_a_translation_says_more_than_the_english() -> None:
    """Spot checks that the catalogues hold real translations, not copies of the msgids."""
    from app.web.i18n import translator

    assert translator("de")("Verified") == "Verifiziert"
    assert translator("fr")("Verified") == "Vérifiée"
    assert translator("nl")("Verified") == "Geverifieerd"
    assert translator("fr")("Expired on %(date)s", date="1 mars 2026") == \
        "Expirée le 1 mars 2026"
    for lang in TRANSLATED:
        with (LOCALES / lang / "LC_MESSAGES" / "messages.po").open("rb") as file:
            catalogue = [m for m in read_po(file) if m.id]
        copies = sum(m.string == m.id for m in catalogue)
        # Names and codes that read the same ("Online", "Badge", "%(field)s: %(problem)s").
        assert copies < len(catalogue) / 10, lang
