"""A Babel extractor for the scoring rubrics (app/verify/rubrics/*.json): each rule's
``reason`` is a msgid, so the pages show the built-in rubrics' reasons translated. A custom
rubric (MCRED_RUBRICS_DIR) is not in the catalogues: its reasons stay as written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any


def extract(fileobj: IO[bytes], keywords: Any, comment_tags: Any,
            options: Any) -> Iterator[tuple[int, str, str, list[str]]]:
    """(line, funcname, message, comments) for every rule reason of a rubric file."""
    text = fileobj.read().decode("utf-8")
    rubric = json.loads(text)
    lines = text.splitlines()
    for name, criterion in rubric.get("criteria", {}).items():
        for rule in criterion.get("rules", []):
            reason = rule["reason"]
            line = next((n for n, row in enumerate(lines, 1) if json.dumps(reason) in row), 0)
            yield line, "msg", reason, [f"rubric {rubric.get('name')}, criterion {name}"]
