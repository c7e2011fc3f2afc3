"""A Babel extractor for texts in our JSON data files: the values of the keys named by the
``keys`` option (babel.cfg), wherever they occur. The built-in rubrics' ``reason``s and the
encodings' ``shortLabel``s and ``problem``s are shown on pages, so they are msgids; a custom
rubric (MCRED_RUBRICS_DIR) is not in the catalogues: its reasons stay as written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any


def _texts(value: Any, keys: set[str]) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in keys and isinstance(item, str):
                yield item
            else:
                yield from _texts(item, keys)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item, keys)


def extract(fileobj: IO[bytes], keywords: Any, comment_tags: Any,
            options: dict[str, str]) -> Iterator[tuple[int, str, str, list[str]]]:
    """(line, funcname, message, comments) for every text under one of ``options["keys"]``."""
    text = fileobj.read().decode("utf-8")
    lines = text.splitlines()
    for message in dict.fromkeys(_texts(json.loads(text), set(options["keys"].split()))):
        line = next((n for n, row in enumerate(lines, 1) if json.dumps(message) in row), 0)
        yield line, "msg", message, []
