"""Sample data: a full micro-credential definition and a learner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# The README's example definition: every mandatory and optional EU element.
FULL_SPEC: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[1] / "docs" / "examples" / "achievement.json").read_text())

LEARNER = {"name": "Mari Maasikas", "email": "Mari.Maasikas@example.ee", "studentId": "B123456"}


def award_body(achievement_id: str, **extra: Any) -> dict[str, Any]:
    return {"achievementId": achievement_id, "learner": dict(LEARNER),
            "awardedOn": "2026-06-30", "grade": "B", **extra}
