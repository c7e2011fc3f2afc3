"""Reading the CSV files people really export: Excel's "CSV UTF-8" (with a BOM), its
"Unicode text" (UTF-16, tab-separated), a plain Windows-1252 file, semicolons where the decimal
separator is a comma (DE/FR/NL locales), and header names as people write them ("E-mail",
"Student ID"). Cells are kept as text, always: a cell such as ``=HYPERLINK(...)`` is data here,
and only flagged (``FORMULA_START``) so a page can warn before it reaches a spreadsheet."""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from app.errors import ProblemError

# Our column names (batch.CSV_COLUMNS) by their "squashed" header spelling (lower case, letters
# and digits only), with the aliases people use; "E-mail", "e_mail" and "EMAIL" all squash to
# "email".
ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "fullname", "learner", "learnername", "studentname", "participant"),
    "email": ("email", "emailaddress", "mail", "learneremail"),
    "student_id": ("studentid", "studentnumber", "studentno", "matriculationnumber",
                   "matrikelnummer", "matricule"),
    "national_id": ("nationalid", "personalcode", "personalidentificationcode"),
    "did": ("did", "learnerdid"),
    "include_email": ("includeemail", "emailinclear"),
    "awarded_on": ("awardedon", "awarded", "awarddate", "dateawarded", "date", "issuedon"),
    "grade": ("grade", "result", "mark"),
    "valid_until": ("validuntil", "expires", "expireson", "expirydate", "validto"),
    "idempotency_key": ("idempotencykey",),
    "evidence_url": ("evidenceurl", "evidence", "evidencelink"),
    "evidence_name": ("evidencename",),
    "evidence_narrative": ("evidencenarrative",),
    "notify": ("notify", "notifylearner", "sendemail", "emaillearner"),
    "language": ("language", "lang", "learnerlanguage"),
}
_BY_SQUASHED = {alias: column for column, aliases in ALIASES.items() for alias in aliases}
SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab"}
# What a spreadsheet treats as the start of a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SEP_LINE = re.compile(r"^sep=(.)\s*$")  # Excel's own "sep=;" first line


@dataclass
class CsvTable:
    """A decoded, split CSV file: ``records`` map our column names to the cells' text."""

    encoding: str  # "UTF-8", "UTF-16", "Windows-1252" or "Latin-1"
    separator: str  # ",", ";" or "\t"
    columns: dict[str, str]  # header as written → our column name
    unknown: list[str]  # header cells that name none of our columns (ignored)
    records: list[dict[str, str]] = field(default_factory=list)
    ragged: list[int] = field(default_factory=list)  # record indexes with more cells than columns

    @property
    def fallback(self) -> bool:
        """True when the file was not Unicode and was read as a Windows code page."""
        return self.encoding in ("Windows-1252", "Latin-1")


def _problem(status: int, kind: str, title: str, detail: str) -> ProblemError:
    return ProblemError(status, kind, title, detail)


def decode(data: bytes) -> tuple[str, str]:
    """The file's text and the encoding it was read in: a BOM decides (UTF-8, UTF-16); without
    one UTF-8 if it decodes, else Windows-1252 (Latin-1 for the five bytes it leaves
    undefined), since a file that is not UTF-8 almost always came from Excel on Windows."""
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = [("utf-8-sig", "UTF-8")]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = [("utf-16", "UTF-16")]
    else:
        candidates = [("utf-8", "UTF-8"), ("cp1252", "Windows-1252"), ("latin-1", "Latin-1")]
    for codec, name in candidates:
        try:
            return data.decode(codec), name
        except UnicodeDecodeError as exc:
            last = exc
    raise _problem(400, "unreadable-file", "Unreadable file",
                   f"the file is not valid {candidates[-1][1]}: {last.reason} at byte"
                   f" {last.start}") from None


def squash(header: str) -> str:
    return "".join(ch for ch in header.lower() if ch.isalnum())


def _sniff(line: str) -> str:
    """The separator of a header line: the most frequent of comma, semicolon and tab outside
    quotes (a tie goes to the comma). csv.Sniffer guesses from any character and misreads a
    one-column file."""
    outside = re.sub(r'"[^"]*"', "", line)
    counts = {sep: outside.count(sep) for sep in SEPARATORS}
    best = max(counts.values())
    return next(sep for sep in SEPARATORS if counts[sep] == best) if best else ","


_NOT_SPACE = re.compile(r"\S")


def _lines(text: str, start: int, end: str) -> Iterator[str]:
    """The text's lines from ``start``, each with its line end, cut one at a time."""
    while start < len(text):
        stop = text.find(end, start)
        if stop < 0:
            yield text[start:]
            return
        yield text[start:stop + 1]
        start = stop + 1


def read_table(data: bytes, max_rows: int) -> CsvTable:
    """Decode and split ``data``; raises a ProblemError (400/413) for an empty file, one without
    a header naming our columns, malformed quoting, or more than ``max_rows`` records (wholly
    blank lines, as spreadsheets leave at the end, are not records)."""
    text, encoding = decode(data)
    # Lines are cut from the decoded text as they are read: no list of lines, no copies (a
    # 50 MB file of blank lines took 2 GB when it was split up front).
    end = "\n" if "\n" in text or "\r" not in text else "\r"  # bare CR: old Mac exports
    start = 0
    first = next(_lines(text, 0, end), "")
    if (found := _SEP_LINE.match(first.strip("\r\n"))):
        separator, start = found.group(1), len(first)
    else:
        separator = _sniff(next((line for line in
                                 itertools.islice(_lines(text, 0, end), 2 * max_rows + 1000)
                                 if line.strip()), ""))
    if _NOT_SPACE.search(text, start) is None:
        raise _problem(400, "empty-file", "Empty file", "the file is empty: it has no header"
                       " and no rows")
    max_lines = 2 * max_rows + 1000  # blank lines count too, or a file of them never ends
    reader = csv.reader(_lines(text, start, end), delimiter=separator, strict=True)
    try:
        header = next(row for row in reader
                      if any(cell.strip() for cell in row) or reader.line_num > max_lines)
        if reader.line_num > max_lines:
            raise _problem(400, "no-csv-header", "No header line",
                           "the file starts with too many empty lines")
        columns: dict[str, str] = {}
        unknown: list[str] = []
        for cell in header:
            name = cell.strip().lstrip("\ufeff")
            column = _BY_SQUASHED.get(squash(name))
            if column is None or column in columns.values():
                if name:
                    unknown.append(name)
            else:
                columns[name] = column
        if not columns:
            raise _problem(400, "no-csv-header", "No header line",
                           "the first line must name the columns (for example name, email,"
                           " awarded_on); it names none of them")
        table = CsvTable(encoding, separator, columns, unknown)
        positions = [columns.get(cell.strip().lstrip("\ufeff")) for cell in header]
        for row in reader:
            if reader.line_num > max_lines:
                raise _problem(413, "too-many-rows", "Too many rows",
                               f"more than {max_lines:,} lines; at most {max_rows:,} rows per"
                               " file: split it into several files")
            if not any(cell.strip() for cell in row):
                continue
            if len(table.records) == max_rows:
                raise _problem(413, "too-many-rows", "Too many rows",
                               f"more than {max_rows:,} rows; at most {max_rows:,} per file:"
                               " split it into several files")
            # Spreadsheets pad rows with empty cells ("a;b;c;;"); only text beyond the
            # header is a row that lost its alignment.
            if any(cell.strip() for cell in row[len(positions):]):
                table.ragged.append(len(table.records))
            # Short rows (trailing cells left off) simply lack those cells.
            table.records.append({column: cell for column, cell in
                                  zip(positions, row, strict=False) if column is not None})
    except csv.Error as exc:
        raise _problem(400, "bad-csv", "Malformed CSV",
                       f"line {reader.line_num}: {exc}") from None
    except StopIteration:
        raise _problem(400, "empty-file", "Empty file", "the file has no header line") from None
    return table


def formula_like(value: object) -> bool:
    """A text a spreadsheet would run as a formula if it were opened there."""
    return isinstance(value, str) and value.startswith(FORMULA_START)


def spreadsheet_safe(value: object) -> str:
    """A cell for a CSV that people open in a spreadsheet: a text that would start a formula
    gets a leading apostrophe (OWASP's advice), so it shows as the text it is."""
    text = "" if value is None else str(value)
    return "'" + text if formula_like(text) else text
