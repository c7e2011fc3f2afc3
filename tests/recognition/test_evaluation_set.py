"""The hand-labelled evaluation set for outcome matching (#19): well-formed, big and mixed
enough, and every decision consistent with its stated rule, given its hand-labelled coverage."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, get_args

import jsonschema
import pytest

from app.elements.model import AssessmentKey, SupervisionKey

DATA = Path(__file__).parent / "data"
SET: dict[str, Any] = json.loads((DATA / "evaluation.json").read_text("utf-8"))
CASES: list[dict[str, Any]] = SET["cases"]
# weakest to strongest: an item meets a requirement when it stands at or after it
IDENTIFICATION_ORDER = ("unsupervised-no-id", "supervised-no-id", "supervised-online-id",
                        "supervised-onsite-id")


def _used_items(case: dict[str, Any]) -> set[int]:
    return {pair[0] for row in case["expected"]["coverage"] for pair in row["by"]}


def _rule_decision(case: dict[str, Any]) -> str:
    """The decision the stated labelling rule gives for the case's hand-labelled coverage."""
    target, items = case["target"], case["credential"]["items"]
    rows = case["expected"]["coverage"]
    covered = sum(1 for row in rows if row["by"])
    used = [items[i] for i in sorted(_used_items(case))]
    ects = sum(item["ects"] for item in items)
    needed = target["ects"] if case["purpose"] == "admission" else 0.8 * target["ects"]
    required_id = target["requiredIdentification"]
    met = (covered == len(rows)
           and all(item["eqfLevel"] >= target["eqfLevel"] for item in used)
           and ects >= needed
           and all(not target["requiredAssessment"]
                   or item["assessment"] in target["requiredAssessment"] for item in used)
           and all(required_id is None
                   or IDENTIFICATION_ORDER.index(item["identification"])
                   >= IDENTIFICATION_ORDER.index(required_id) for item in used))
    if met:
        return "recognise"
    return "partial" if 2 * covered >= len(rows) else "not-recognise"


def test_set_matches_its_schema() -> None:
    schema = json.loads((DATA / "evaluation.schema.json").read_text("utf-8"))
    jsonschema.validate(SET, schema)
    assert len({case["id"] for case in CASES}) == len(CASES)


def test_assessment_and_identification_use_the_models_keys() -> None:
    assessments, supervisions = set(get_args(AssessmentKey)), set(get_args(SupervisionKey))
    assert set(IDENTIFICATION_ORDER) == supervisions
    for case in CASES:
        target = case["target"]
        assert set(target["requiredAssessment"]) <= assessments, case["id"]
        assert target["requiredIdentification"] in supervisions | {None}, case["id"]
        for item in case["credential"]["items"]:
            assert item["assessment"] in assessments, case["id"]
            assert item["identification"] in supervisions, case["id"]


def test_coverage_has_one_row_per_target_outcome_pointing_at_real_outcomes() -> None:
    for case in CASES:
        items, rows = case["credential"]["items"], case["expected"]["coverage"]
        assert [row["target"] for row in rows] == list(range(len(case["target"]["outcomes"])))
        for row in rows:
            for item, outcome in row["by"]:
                assert outcome < len(items[item]["outcomes"]), (case["id"], row)


def test_set_is_big_and_mixed_enough() -> None:
    rows = sum(len(case["target"]["outcomes"]) for case in CASES)
    languages = {item["language"] for case in CASES for item in case["credential"]["items"]}
    cross = [case for case in CASES if "cross-lingual" in case["tags"]]
    tagged = {tag: sum(tag in case["tags"] for case in CASES)
              for tag in ("hard-negative", "stacked", "esco-shared", "esco-differ", "paraphrase")}
    decisions = {case["expected"]["decision"] for case in CASES}
    assert len(CASES) >= 48 and rows >= 180
    assert len(languages - {"en"}) >= 3
    assert 2 * len(cross) >= len(CASES)
    assert tagged["hard-negative"] >= 12
    assert min(tagged.values()) >= 1, tagged
    assert decisions == {"recognise", "partial", "not-recognise"}
    assert {case["purpose"] for case in CASES} == {"exemption", "credit", "admission"}


def test_cross_lingual_tag_says_what_the_languages_say() -> None:
    for case in CASES:
        differs = any(item["language"] != case["target"]["language"]
                      for item in case["credential"]["items"])
        assert differs == ("cross-lingual" in case["tags"]), case["id"]


def test_stacked_cases_need_more_than_one_item() -> None:
    for case in CASES:
        if "stacked" in case["tags"]:
            assert len(_used_items(case)) >= 2, case["id"]


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_decision_follows_the_labelling_rule(case: dict[str, Any]) -> None:
    assert case["expected"]["decision"] == _rule_decision(case)


def test_hank_and_betty_cases_use_the_seed_targets_outcomes() -> None:
    seeds = {name: json.loads((DATA / name).read_text("utf-8"))
             for name in ("hank_nutrition_and_health.json", "betty_sustainable_food_systems.json")}
    used = set()
    for case in CASES:
        source = case["target"].get("source")
        if source is None:
            continue
        seed = seeds[Path(source).name]
        texts = {o["text"] for o in seed["learningOutcomes"]}
        assert {o["text"] for o in case["target"]["outcomes"]} <= texts, case["id"]
        assert case["target"]["requiredAssessment"] == seed["requiredAssessment"]
        assert case["target"]["requiredIdentification"] == seed["requiredIdentification"]
        used.add(Path(source).name)
    assert used == set(seeds)
