"""Reading CSV files as spreadsheets export them (app/credentials/csv_reader.py, used by
batch.parse_upload)."""

from __future__ import annotations

import pytest

from app.credentials import batch, csv_reader
from app.errors import ProblemError

ROWS = "name,email,awarded_on\nMari Maasikas,mari@example.ee,2026-06-30\n"


@pytest.mark.parametrize(("data", "encoding"), [
    (ROWS.encode(), "UTF-8"),
    (b"\xef\xbb\xbf" + ROWS.encode(), "UTF-8"),
    (ROWS.encode("utf-16"), "UTF-16"),
    (ROWS.encode("utf-16-be").join([b"\xfe\xff", b""]), "UTF-16"),
    (ROWS.replace("Mari Maasikas", "Jürgen Müller").encode("cp1252"), "Windows-1252"),
])
def test_encodings_are_told_apart(data: bytes, encoding: str) -> None:
    table = csv_reader.read_table(data, 10)
    assert table.encoding == encoding
    assert table.records[0]["email"] == "mari@example.ee"
    assert table.records[0]["name"] in ("Mari Maasikas", "Jürgen Müller")


def test_bytes_windows_1252_leaves_undefined_are_read_as_latin_1() -> None:
    table = csv_reader.read_table(b"name,awarded_on\nA\x81B,2026-06-30\n", 10)
    assert (table.encoding, table.records[0]["name"]) == ("Latin-1", "A\x81B")


def test_a_bom_survives_no_header_cell() -> None:
    table = csv_reader.read_table(b"\xef\xbb\xbfName,awarded_on\nX,2026-06-30\n", 10)
    assert table.columns == {"Name": "name", "awarded_on": "awarded_on"}


@pytest.mark.parametrize(("header", "separator"), [
    ("name,email,awarded_on", ","),
    ("name;email;awarded_on", ";"),
    ("name\temail\tawarded_on", "\t"),
    ('"name, full";email;awarded_on', ";"),  # a comma inside quotes is no separator
])
def test_the_separator_is_sniffed_from_the_header(header: str, separator: str) -> None:
    assert csv_reader.read_table(f"{header}\n".encode() + b"x", 10).separator == separator


def test_excels_sep_line_decides() -> None:
    table = csv_reader.read_table(b"sep=;\nname;awarded_on\nA, B;2026-06-30\n", 10)
    assert table.separator == ";" and table.records == [{"name": "A, B",
                                                         "awarded_on": "2026-06-30"}]


def test_header_aliases_and_unknown_columns() -> None:
    header = "Full Name;E-Mail;Student ID;Date awarded;RESULT;Expires;Faculty;Name\n"
    table = csv_reader.read_table(header.encode() + b"a;b;c;d;e;f;g;h\n", 10)
    assert list(table.columns.values()) == ["name", "email", "student_id", "awarded_on",
                                            "grade", "valid_until"]
    assert table.unknown == ["Faculty", "Name"]  # a second name column is not taken twice
    assert table.records[0] == {"name": "a", "email": "b", "student_id": "c",
                                "awarded_on": "d", "grade": "e", "valid_until": "f"}


def test_blank_lines_are_skipped_and_padding_is_not_ragged() -> None:
    data = b"name;awarded_on\r\nA;2026-06-30;;\r\n;;\r\n\r\nB;2026-06-30;extra\r\n"
    table = csv_reader.read_table(data, 10)
    assert [r["name"] for r in table.records] == ["A", "B"]
    assert table.ragged == [1]


@pytest.mark.parametrize(("data", "slug"), [
    (b"", "empty-file"),
    (b"\n\n  \n", "empty-file"),
    (b"Mari,mari@example.ee,2026-06-30\n", "no-csv-header"),
    (b'name,awarded_on\n"unclosed,2026\n', "bad-csv"),
    (b"\xff\xfe\x00\xd8a\x00", "unreadable-file"),
])
def test_files_refused_whole(data: bytes, slug: str) -> None:
    with pytest.raises(ProblemError) as caught:
        csv_reader.read_table(data, 10)
    assert caught.value.slug == slug


def test_the_row_limit_counts_rows_not_lines() -> None:
    data = b"name,awarded_on\n" + b"A,2026-06-30\n\n" * 3
    assert len(csv_reader.read_table(data, 3).records) == 3
    with pytest.raises(ProblemError) as caught:
        csv_reader.read_table(data + b"B,2026-06-30\n", 3)
    assert (caught.value.status, caught.value.slug) == (413, "too-many-rows")


@pytest.mark.parametrize(("cell", "safe"), [
    ("=1+1", "'=1+1"), ("+372 555", "'+372 555"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("Mari", "Mari"), ("", ""), (None, ""), (7, "7"),
    ("a=b", "a=b"),
])
def test_spreadsheet_safe_cells(cell: object, safe: str) -> None:
    assert csv_reader.spreadsheet_safe(cell) == safe


def test_formula_cells_reach_the_award_as_plain_text() -> None:
    upload = batch.parse_upload(b'name,awarded_on\n"=HYPERLINK(""x"")",2026-06-30\n', "csv")
    assert upload.rows[0]["learner"]["name"] == '=HYPERLINK("x")'


def test_the_api_still_refuses_unknown_columns_the_console_reports_them() -> None:
    data = b"name,awarded_on,faculty\nA,2026-06-30,Arts\n"
    assert batch.parse_upload(data, "csv").unknown == ["faculty"]
    with pytest.raises(ProblemError) as caught:
        batch.parse_rows(data, "csv")
    assert caught.value.slug == "bad-csv-header"
