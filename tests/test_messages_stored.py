"""Messages kept as JSON (a recognition case's reasons) are said again in another language."""

from __future__ import annotations

import json

from app.messages import and_join, coded, join, msg, restored, stored


def _french(text: str) -> str:
    return {"the target requires: %(required)s": "la cible exige : %(required)s",
            "Supervised": "Surveillé", "Exam": "Examen", "and": "et"}.get(text, text)


def test_a_stored_message_with_message_parameters_translates_like_the_original() -> None:
    original = msg("the target requires: %(required)s",
                   required=join(", ", [coded("supervised", "Supervised"), msg("Exam")]))
    again = restored(json.loads(json.dumps(stored(original))))
    assert str(again) == str(original) == "the target requires: supervised, Exam"
    assert again.translate(_french) == original.translate(_french) == \
        "la cible exige : Surveillé, Examen"


def test_a_listing_and_plain_text_survive_and_missing_data_falls_back_to_english() -> None:
    listing = and_join([msg("Exam"), "a URL"])
    again = restored(stored(listing))
    assert str(again) == "Exam and a URL"
    assert again.translate(_french, and_list=lambda words: " et ".join(words)) == \
        "Examen et a URL"
    assert restored(None, "as it was") == "as it was"
    assert restored({"nope": 1}, "as it was") == "as it was"
