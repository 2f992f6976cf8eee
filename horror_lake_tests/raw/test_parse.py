"""The raw parser checked the way a user of the lake would: file bytes in, rows and rejects out.

Each test builds a file in memory and asserts exact values, line numbers and reasons, so a change
in what lands in ``raw_movies`` / ``raw_series`` (or in their ``*_rejects`` tables) fails here.
"""

from __future__ import annotations

import io
import os
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs
import pytest

from horror_lake.raw.parse import (
    BLOCK_SIZE,
    ParsedSource,
    QuoteError,
    SourceFileError,
    _Block,
    _line_bounds,
    _parse_block,
    _parse_block_line_by_line,
    parse_source,
    split_line,
    stream_source,
)
from horror_lake.raw.sources import MOVIES_HEADER, SERIES_HEADER

BOM = b"\xef\xbb\xbf"
FILE = "landing/2024-03-01/movies.csv"
Header = tuple[str, ...]
Row = tuple[int, list[str]]
Reject = tuple[int, str, str]


# --- helpers -------------------------------------------------------------------------------------


def values(n: int, header: Header = MOVIES_HEADER) -> list[str]:
    """Distinct, recognisable values for the row written on physical line ``n``."""
    return [f"{column}-{n}" for column in header]


def joined(fields: Sequence[str]) -> str:
    """One data line: the fields joined by ``|``."""
    return "|".join(fields)


def source(
    lines: Sequence[str],
    header: Header = MOVIES_HEADER,
    eol: str = "\n",
    final_eol: bool = True,
    bom: bool = False,
) -> bytes:
    """A UTF-8 file: the header line, then ``lines``, all ended by ``eol``."""
    text = eol.join([joined(header), *lines]) + (eol if final_eol else "")
    return (BOM if bom else b"") + text.encode()


def parse(data: bytes, header: Header = MOVIES_HEADER, source_file: str = FILE) -> ParsedSource:
    """parse_source, plus the invariants every result must satisfy whatever the input."""
    parsed = parse_source(data, header, source_file)
    assert parsed.data_lines == parsed.rows.num_rows + parsed.rejected_lines
    assert parsed.rows.column_names == [*header, "source_file", "line_number"]
    assert parsed.rejects.column_names == ["source_file", "line_number", "reason", "line"]
    assert set(parsed.rows.column("source_file").to_pylist()) <= {source_file}
    assert set(parsed.rejects.column("source_file").to_pylist()) <= {source_file}
    return parsed


def rows_of(parsed: ParsedSource, header: Header = MOVIES_HEADER) -> list[Row]:
    """(line_number, values in header order) for every row, sorted by line number."""
    rows = [
        (row["line_number"], [row[column] for column in header]) for row in parsed.rows.to_pylist()
    ]
    return sorted(rows, key=lambda row: row[0])


def rejects_of(parsed: ParsedSource) -> list[Reject]:
    """(line_number, reason, line) for every rejected line, sorted by line number."""
    rejects = [(r["line_number"], r["reason"], r["line"]) for r in parsed.rejects.to_pylist()]
    return sorted(rejects, key=lambda reject: reject[0])


def quoted(value: str) -> str:
    """``value`` written as a quoted field (inner quotes doubled)."""
    return '"' + value.replace('"', '""') + '"'


def header_problem(data: bytes, header: Header = MOVIES_HEADER) -> SourceFileError:
    """The SourceFileError the file raises; also checks that it names the file."""
    with pytest.raises(SourceFileError) as raised:
        parse_source(data, header, FILE)
    error = raised.value
    assert error.source_file == FILE
    assert str(error).startswith(f"{FILE}: ")
    assert error.problem in str(error)
    return error


# --- header --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "ending"),
    [
        (MOVIES_HEADER, "\n"),
        (MOVIES_HEADER, "\r\n"),
        (SERIES_HEADER, "\n"),
        (SERIES_HEADER, "\r\n"),
    ],
    ids=["movies-lf", "movies-crlf", "series-lf", "series-crlf"],
)
def test_header_only_file_has_no_data(header: Header, ending: str) -> None:
    """A file holding just the right header (LF or CRLF) loads as an empty table, not an error."""
    parsed = parse(joined(header).encode() + ending.encode(), header)
    assert (parsed.rows.num_rows, parsed.rejected_lines) == (0, 0)
    assert (parsed.data_lines, parsed.blank_lines) == (0, 0)


@pytest.mark.parametrize("bom", [False, True], ids=["plain", "bom"])
def test_header_only_file_without_final_newline_has_no_data(bom: bool) -> None:
    """The header as the only line, with no newline after it, still counts as a header."""
    parsed = parse(source([], final_eol=False, bom=bom))
    assert (parsed.rows.num_rows, parsed.rejected_lines, parsed.data_lines) == (0, 0, 0)


@pytest.mark.parametrize(
    ("first_line", "header", "fragments"),
    [
        pytest.param(
            joined(c for c in MOVIES_HEADER if c != "notaMedia"),
            MOVIES_HEADER,
            ("missing", "'notaMedia'"),
            id="missing-column",
        ),
        pytest.param(
            joined([*MOVIES_HEADER, "orcamento"]),
            MOVIES_HEADER,
            ("unexpected", "'orcamento'"),
            id="unexpected-column",
        ),
        pytest.param(
            joined([MOVIES_HEADER[0], "tituloPrincipal", *MOVIES_HEADER[2:]]),
            MOVIES_HEADER,
            ("missing", "'tituloPincipal'", "unexpected", "'tituloPrincipal'"),
            id="misspelling-fixed",
        ),
        pytest.param(
            joined([MOVIES_HEADER[1], MOVIES_HEADER[0], *MOVIES_HEADER[2:]]),
            MOVIES_HEADER,
            ("order",),
            id="out-of-order",
        ),
        pytest.param(",".join(MOVIES_HEADER), MOVIES_HEADER, ("'|'", "pipe"), id="comma-separated"),
        pytest.param("\t".join(MOVIES_HEADER), MOVIES_HEADER, ("'|'", "pipe"), id="tab-separated"),
        pytest.param(
            joined(SERIES_HEADER),
            MOVIES_HEADER,
            ("unexpected", "'anoTermino'"),
            id="series-file-as-movies",
        ),
        pytest.param(
            joined(MOVIES_HEADER),
            SERIES_HEADER,
            ("missing", "'anoTermino'"),
            id="movies-file-as-series",
        ),
        pytest.param(
            joined([*MOVIES_HEADER, ""]), MOVIES_HEADER, ("unexpected",), id="trailing-pipe"
        ),
        pytest.param(
            joined(MOVIES_HEADER).upper(), MOVIES_HEADER, ("missing", "'id'"), id="upper-case"
        ),
    ],
)
def test_wrong_header_is_a_file_error(
    first_line: str, header: Header, fragments: tuple[str, ...]
) -> None:
    """A header that isn't exactly the expected columns stops the file, saying what's wrong."""
    row = joined(values(2, header))
    error = header_problem(f"{first_line}\n{row}\n".encode(), header)
    for fragment in fragments:
        assert fragment in error.problem


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(BOM, id="bom-only"),
        pytest.param(b"\n", id="newline-only"),
        pytest.param(b"\r\n\r\n", id="crlf-only"),
        pytest.param(b"\n" + source([joined(values(3))]), id="blank-first-line"),
        pytest.param(b"   \t\n" + source([joined(values(3))]), id="whitespace-first-line"),
        pytest.param(BOM + b"\r\n" + source([joined(values(3))]), id="bom-then-blank"),
        pytest.param(b"\n\xe9\n", id="blank-first-line-not-utf8"),
    ],
)
def test_empty_file_or_blank_first_line_is_a_file_error(data: bytes) -> None:
    """With nothing on the first line there is no header: the error says the file is empty."""
    assert "empty" in header_problem(data).problem


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(joined(MOVIES_HEADER).encode() + b"\xe9\n", id="latin1-byte"),
        pytest.param(joined(MOVIES_HEADER).encode("utf-16"), id="utf16"),
        pytest.param(
            b"id|t\xedtulo|"
            + joined(MOVIES_HEADER[2:]).encode()
            + b"\r\n"
            + joined(values(2)).encode(),
            id="latin1-header-utf8-data",
        ),
    ],
)
def test_header_not_utf8_is_a_file_error(data: bytes) -> None:
    """A header that can't be decoded as UTF-8 stops the file and says so."""
    assert "UTF-8" in header_problem(data).problem


def test_header_with_trailing_cr_is_accepted() -> None:
    """A CRLF header (the CR before LF) is fine, even when the data lines end in plain LF."""
    data = (joined(MOVIES_HEADER) + "\r\n" + joined(values(2)) + "\n").encode()
    assert rows_of(parse(data)) == [(2, values(2))]


@pytest.mark.parametrize(
    "first_line",
    [
        pytest.param(" | ".join(MOVIES_HEADER), id="spaces-around-pipes"),
        pytest.param(joined(MOVIES_HEADER) + " ", id="trailing-space"),
        pytest.param(joined(MOVIES_HEADER) + "\t", id="trailing-tab"),
        pytest.param(" " + joined(MOVIES_HEADER), id="leading-space"),
    ],
)
def test_header_with_padded_column_names_is_accepted(first_line: str) -> None:
    """Whitespace around header names is forgiven (the names themselves must be exact)."""
    parsed = parse(f"{first_line}\n{joined(values(2))}\n".encode())
    assert parsed.rows.num_rows == 1
    assert parsed.rows.column_names[: len(MOVIES_HEADER)] == list(MOVIES_HEADER)


def test_header_with_a_repeated_column_names_it() -> None:
    """A repeated column is reported as an extra column, not as an ordering problem."""
    error = header_problem(f"{joined([*MOVIES_HEADER, 'id'])}\n".encode())
    assert "out of order" not in error.problem
    assert "'id'" in error.problem.split("Expected")[0]


# --- encodings and line endings ------------------------------------------------------------------


@pytest.mark.parametrize("slow", [False, True], ids=["utf8-file", "file-with-a-latin1-line"])
def test_bom_is_ignored(slow: bool) -> None:
    """A UTF-8 BOM doesn't stick to the first column name or value."""
    data = source([joined(values(2))], bom=True) + (b"caf\xe9\n" if slow else b"")
    parsed = parse(data)
    assert rows_of(parsed) == [(2, values(2))]
    assert parsed.rows.column_names[0] == "id"
    assert [r[0] for r in rejects_of(parsed)] == ([3] if slow else [])


@pytest.mark.parametrize("final_eol", [True, False], ids=["final-eol", "no-final-eol"])
@pytest.mark.parametrize(
    "endings",
    [("\n",), ("\r\n",), ("\r\n", "\n"), ("\n", "\r\n", "\r\n")],
    ids=["lf", "crlf", "crlf-lf", "mixed"],
)
def test_line_endings(endings: tuple[str, ...], final_eol: bool) -> None:
    """LF, CRLF and a mix in one file give the same rows; no CR is left on the last value."""
    lines = [joined(values(n)) for n in range(2, 8)]
    text = joined(MOVIES_HEADER)
    for i, data_line in enumerate(lines):
        text += endings[i % len(endings)] + data_line
    if final_eol:
        text += endings[-1]
    parsed = parse(text.encode())
    assert rows_of(parsed) == [(n, values(n)) for n in range(2, 8)]
    assert (parsed.data_lines, parsed.blank_lines, parsed.rejected_lines) == (6, 0, 0)


@pytest.mark.parametrize("eol", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_last_line_without_newline_counts_on_every_path(eol: str) -> None:
    """The final line is a row, a rejected line or a quoted row even without a newline."""
    for last, expect_row in [
        (joined(values(3)), True),
        (joined([quoted("A | B"), *values(3)[1:]]), True),
        ("short|line", False),
        ('"never closed|' + joined(values(3)[1:]), False),
    ]:
        parsed = parse(source([joined(values(2)), last], eol=eol, final_eol=False))
        assert parsed.data_lines == 2
        assert [n for n, _ in rows_of(parsed)] == ([2, 3] if expect_row else [2])
        assert [n for n, *_ in rejects_of(parsed)] == ([] if expect_row else [3])


def test_crlf_rejected_line_is_stored_without_line_ending() -> None:
    """A rejected CRLF line is kept verbatim, but without its CR."""
    parsed = parse(source(["too|few|fields", joined(values(3))], eol="\r\n"))
    assert rejects_of(parsed) == [(2, "expected 15 fields, found 3", "too|few|fields")]
    assert rows_of(parsed) == [(3, values(3))]


def test_invalid_utf8_line_is_rejected_and_the_rest_parses() -> None:
    """A Latin-1 line is rejected (\\xNN escapes), everything around it still lands intact."""
    latin = joined(["tt0000003", "Caf\xe9 Macabre", *values(3)[2:]]).encode("latin-1")
    lines = [
        joined(values(2)).encode(),
        latin,
        b"",
        joined([values(5)[0], quoted('O "Grito" | parte 2'), *values(5)[2:]]).encode(),
        "short|lin\u00e9".encode(),
        joined(["tt0000007", "Olá, Pânico", *values(7)[2:]]).encode(),
    ]
    data = BOM + b"\r\n".join([joined(MOVIES_HEADER).encode(), *lines])
    parsed = parse(data)
    assert rows_of(parsed) == [
        (2, values(2)),
        (5, [values(5)[0], 'O "Grito" | parte 2', *values(5)[2:]]),
        (7, ["tt0000007", "Olá, Pânico", *values(7)[2:]]),
    ]
    rejects = rejects_of(parsed)
    assert [(n, line) for n, _, line in rejects] == [
        (3, joined(["tt0000003", "Caf\\xe9 Macabre", *values(3)[2:]])),
        (6, "short|lin\u00e9"),
    ]
    assert "UTF-8" in rejects[0][1]
    assert rejects[1][1] == "expected 15 fields, found 2"
    assert parsed.rows.column("line_number").to_pylist() == [2, 5, 7]
    assert (parsed.data_lines, parsed.blank_lines) == (5, 1)


# --- blank lines, values, ordering ---------------------------------------------------------------


@pytest.mark.parametrize("eol", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_blank_lines_are_skipped_counted_and_still_numbered(eol: str) -> None:
    """Empty and whitespace-only lines are not data, but they keep the physical numbering."""
    lines = ["", joined(values(3)), "   ", "\t", " \t ", joined(values(7)), "", "  "]
    parsed = parse(source(lines, eol=eol, final_eol=False))
    assert rows_of(parsed) == [(3, values(3)), (7, values(7))]
    assert (parsed.blank_lines, parsed.data_lines, parsed.rejected_lines) == (6, 2, 0)


def test_values_are_kept_exactly_as_received() -> None:
    """No trimming, no null conversion, no unquoting of mid-field quotes: strings as written."""
    fields = [
        " tt0000002 ",
        'The "Thing" Returns',
        "\\N",
        "",
        "  ",
        "Noite dos Mortos-Vivos ☠",
        "NULL",
        "nan",
        "7,5",
        "a\tb",
        'ends with "',
        "'single'",
        "\\",
        "\\N\\N",
        "trailing space ",
    ]
    parsed = parse(source([joined(fields)]))
    assert rows_of(parsed) == [(2, fields)]
    assert parsed.rows.to_pylist()[0]["source_file"] == FILE


def test_control_characters_in_values_are_kept() -> None:
    """Unusual control characters (unit separator, NUL, VT, FF) stay inside their value."""
    odd = "a\x1fb\x00c\x0bd\x0ce"
    fields = [odd, *values(2)[1:]]
    parsed = parse(source([joined(values(2)), joined(fields), joined(values(4))]))
    assert rows_of(parsed) == [(2, values(2)), (3, fields), (4, values(4))]


def test_exact_duplicate_lines_are_all_kept() -> None:
    """Raw keeps everything: the same line three times gives three rows with their own numbers."""
    same = joined(values(2))
    parsed = parse(source([same, same, joined(values(4)), same]))
    assert rows_of(parsed) == [(2, values(2)), (3, values(2)), (4, values(4)), (5, values(2))]


def test_rows_and_rejects_come_out_ordered_by_line_number() -> None:
    """Unquoted rows interleaved with rejects and blanks come out in file order."""
    lines = [joined(values(2)), "bad", joined(values(4)), "", joined(values(6)), "bad|too"]
    parsed = parse(source(lines))
    assert parsed.rows.column("line_number").to_pylist() == [2, 4, 6]
    assert parsed.rejects.column("line_number").to_pylist() == [3, 7]


def test_rows_with_quoted_fields_come_after_the_others() -> None:
    """Rows keep file order except lines with quoted fields, which come last, each still
    carrying its own line_number."""
    lines = [
        joined([values(2)[0], quoted("Saw | Jigsaw"), *values(2)[2:]]),
        joined(values(3)),
        joined(values(4)),
    ]
    parsed = parse(source(lines))
    assert parsed.rows.column("line_number").to_pylist() == [3, 4, 2]
    assert parsed.rows.column("tituloPincipal").to_pylist()[-1] == "Saw | Jigsaw"


# --- field counts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "bad_line", "reason"),
    [
        (MOVIES_HEADER, joined(values(3)[:14]), "expected 15 fields, found 14"),
        (MOVIES_HEADER, joined([*values(3), "extra"]), "expected 15 fields, found 16"),
        (MOVIES_HEADER, joined(values(3)) + "|", "expected 15 fields, found 16"),
        (MOVIES_HEADER, "garbage", "expected 15 fields, found 1"),
        (MOVIES_HEADER, "  two|fields \t", "expected 15 fields, found 2"),
        (MOVIES_HEADER, "|" * 30, "expected 15 fields, found 31"),
        (MOVIES_HEADER, joined(values(3, SERIES_HEADER)), "expected 15 fields, found 16"),
        (SERIES_HEADER, joined(values(3, MOVIES_HEADER)), "expected 16 fields, found 15"),
        (SERIES_HEADER, " ", None),
    ],
    ids=[
        "short",
        "long",
        "trailing-pipe",
        "one",
        "padded",
        "many",
        "series-line",
        "movie-line",
        "blank",
    ],
)
def test_wrong_field_count_is_rejected_verbatim(
    header: Header, bad_line: str, reason: str | None
) -> None:
    """A line with the wrong number of fields is rejected with its text, number and reason."""
    lines = [joined(values(2, header)), bad_line, joined(values(4, header))]
    parsed = parse(source(lines, header=header), header)
    assert rows_of(parsed, header) == [(2, values(2, header)), (4, values(4, header))]
    if reason is None:
        assert rejects_of(parsed) == []
        assert parsed.blank_lines == 1
    else:
        assert rejects_of(parsed) == [(3, reason, bad_line)]
        assert parsed.rejects.column("source_file").to_pylist() == [FILE]


def test_all_empty_fields_line_is_a_row_not_a_blank() -> None:
    """A line of only pipes (the right number) is a row of empty strings, not a blank line."""
    parsed = parse(source(["|" * 14]))
    assert rows_of(parsed) == [(2, [""] * 15)]
    assert parsed.blank_lines == 0


# --- quoting -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ("a|b|c", ["a", "b", "c"]),
        ("a||", ["a", "", ""]),
        ("", [""]),
        ('"Saw | Jigsaw"|2004', ["Saw | Jigsaw", "2004"]),
        ('x|"Saw | Jigsaw"', ["x", "Saw | Jigsaw"]),
        ('"a""b"|c', ['a"b', "c"]),
        ('""|a', ["", "a"]),
        ('""""|a', ['"', "a"]),
        ('"a"""|b', ['a"', "b"]),
        ('"""a"|b', ['"a', "b"]),
        ('"a"|"b"', ["a", "b"]),
        ('"|"|"||"', ["|", "||"]),
        ('The "Thing" Returns|x', ['The "Thing" Returns', "x"]),
        ('a"|"b"', ['a"', "b"]),
        ('ends with "|x', ['ends with "', "x"]),
        (' "lead space"|x', [' "lead space"', "x"]),
    ],
)
def test_split_line(text: str, fields: list[str]) -> None:
    """Only a field that starts with a quote is quoted; inside it ``""`` is one quote."""
    assert split_line(text) == fields


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('"abc|x', "never closed"),
        ('x|"abc', "never closed"),
        ('"', "never closed"),
        ('"abc""|x', "never closed"),
        ('"abc"def|x', "after the closing quote"),
        ('"abc" |x', "after the closing quote"),
        ('x|"abc"d', "after the closing quote"),
        ('"a""b""|c', "never closed"),
    ],
)
def test_split_line_broken_quoting(text: str, fragment: str) -> None:
    """A quote that never closes, or text after the closing quote, is a QuoteError."""
    with pytest.raises(QuoteError) as raised:
        split_line(text)
    assert "broken quoting" in str(raised.value)
    assert fragment in str(raised.value)


def test_quoted_fields_are_unquoted_in_rows() -> None:
    """Quoted values land unquoted, pipes inside them don't split, and the count is right."""
    tricky = [
        "Saw | Jigsaw",
        'Say "Cheese"',
        "",
        '"',
        "|",
        "plain",
        "Ça | é | 日本",
    ]
    fields = [values(2)[0], *(quoted(v) for v in tricky), *values(2)[8:]]
    parsed = parse(source([joined(fields), joined(values(3))]))
    assert rows_of(parsed) == [
        (2, [values(2)[0], *tricky, *values(2)[8:]]),
        (3, values(3)),
    ]


def test_quoted_last_field_with_crlf() -> None:
    """A quoted last field ends at its quote; the CRLF after it doesn't break the quoting."""
    fields = [*values(2)[:14], quoted("Alien | Aliens")]
    parsed = parse(source([joined(fields)], eol="\r\n"))
    assert rows_of(parsed) == [(2, [*values(2)[:14], "Alien | Aliens"])]


@pytest.mark.parametrize(
    ("bad_field", "fragments"),
    [
        ('"abc', ("broken quoting", "never closed")),
        ('"abc"def', ("broken quoting",)),
        ('"abc" ', ("broken quoting",)),
        ('"a""', ("broken quoting", "never closed")),
    ],
)
def test_broken_quoting_is_rejected(bad_field: str, fragments: tuple[str, ...]) -> None:
    """Broken quoting rejects just that line, verbatim; the lines around it still land."""
    bad = joined([values(3)[0], bad_field, *values(3)[2:]])
    parsed = parse(source([joined(values(2)), bad, joined(values(4))]))
    assert rows_of(parsed) == [(2, values(2)), (4, values(4))]
    [(number, reason, line)] = rejects_of(parsed)
    assert (number, line) == (3, bad)
    for fragment in fragments:
        assert fragment in reason


def test_quoted_pipe_that_makes_the_pipe_count_look_right_is_still_rejected() -> None:
    """Fourteen pipes but one inside quotes is 14 fields, and must not sneak in as a row."""
    bad = joined([quoted("A | B"), *values(3)[2:]])
    assert bad.count("|") == 14
    parsed = parse(source([joined(values(2)), bad]))
    assert rows_of(parsed) == [(2, values(2))]
    assert rejects_of(parsed) == [(3, "expected 15 fields, found 14", bad)]


def test_mid_field_quote_is_an_ordinary_character_on_the_quoted_path() -> None:
    """On a line that also has a quoted field, a quote inside another field is still literal."""
    fields = [quoted("A | B"), 'The "Thing" Returns', 'x"', *values(2)[3:]]
    parsed = parse(source([joined(fields)]))
    assert rows_of(parsed) == [(2, ["A | B", 'The "Thing" Returns', 'x"', *values(2)[3:]])]


# --- schema and both headers ---------------------------------------------------------------------


def expected_schema(header: Header) -> pa.Schema:
    """Every source column a string, plus source_file string and line_number int64."""
    return pa.schema(
        [*((name, pa.string()) for name in header), ("source_file", pa.string())]
        + [("line_number", pa.int64())]
    )


REJECT_SCHEMA = pa.schema(
    [
        ("source_file", pa.string()),
        ("line_number", pa.int64()),
        ("reason", pa.string()),
        ("line", pa.string()),
    ]
)


@pytest.mark.parametrize("header", [MOVIES_HEADER, SERIES_HEADER], ids=["movies", "series"])
@pytest.mark.parametrize(
    "body",
    [
        pytest.param([], id="header-only"),
        pytest.param(["2020|1999"], id="only-rejects"),
        pytest.param(["ROW", "QUOTED", "bad"], id="fast-and-quoted"),
        pytest.param(["ROW", "LATIN1"], id="not-utf8-path"),
        pytest.param(["1999|2001"] * 2 + ["", "ROW"], id="numbers-look-like-numbers"),
    ],
)
def test_schema_is_the_same_whatever_the_content(header: Header, body: list[str]) -> None:
    """Values stay strings (even numeric-looking ones) and both tables keep a stable schema."""
    numeric = ["1999"] * len(header)
    expand = {
        "ROW": joined(numeric),
        "QUOTED": joined([quoted("7 | 8"), *numeric[1:]]),
        "LATIN1": "caf\udce9",
    }
    text = "\n".join([joined(header), *(expand.get(line, line) for line in body)]) + "\n"
    parsed = parse(text.encode("utf-8", "surrogateescape"), header)
    assert parsed.rows.schema.equals(expected_schema(header))
    assert parsed.rejects.schema.equals(REJECT_SCHEMA)
    if "ROW" in body:
        assert rows_of(parsed, header)[0][1] == numeric


def test_series_file_parses_with_ano_termino_in_place() -> None:
    """A series file (16 columns, anoTermino after anoLancamento) lands with every column."""
    row = [
        "tt0000002",
        "Stranger Things",
        "Stranger Things",
        "2016",
        "2025",
        "51",
        "Drama,Fantasy,Horror",
        "8.7",
        "1300000",
        "F",
        "Eleven",
        "Millie Bobby Brown",
        "2004",
        "\\N",
        "actress",
        "tt4574334",
    ]
    ended = [*row[:4], "\\N", *row[5:]]
    parsed = parse(source([joined(row), joined(ended)], header=SERIES_HEADER), SERIES_HEADER)
    got = parsed.rows.to_pylist()
    assert [r["anoTermino"] for r in got] == ["2025", "\\N"]
    assert [r["tempoMinutos"] for r in got] == ["51", "51"]
    assert rows_of(parsed, SERIES_HEADER) == [(2, row), (3, ended)]


# --- property: the line accounting always balances -----------------------------------------------


@dataclass
class Expected:
    """What a generated file must parse into."""

    rows: list[Row] = field(default_factory=list)
    rejects: list[tuple[int, tuple[str, ...], str]] = field(default_factory=list)
    blank_lines: int = 0


UNQUOTED_VALUES = [
    "",
    " ",
    "\\N",
    "tt0123456",
    'O "Grito"',
    "Ça Mord",
    "  padded  ",
    "日本のホラー",
    "7.5",
    "a\tb",
    "x" * 40,
]
QUOTED_VALUES = ["Saw | Jigsaw", 'Say "Cheese"', "", "|", '""', "A | B | C", 'end"', "plain"]


def dirty_file(rng: random.Random, header: Header) -> tuple[bytes, Expected]:
    """A random file mixing rows, quoted rows, rejects, blanks, duplicates and line endings."""
    n = len(header)
    expected = Expected()
    lines: list[bytes] = []
    last_row: tuple[bytes, list[str]] | None = None
    kinds = ["row"] * 5 + ["quoted", "count", "unclosed", "after", "blank", "dup"]
    if rng.random() < 0.3:  # a Latin-1 line sends the whole file down the line-by-line path
        kinds.append("latin1")
    for _ in range(rng.randint(1, 40)):
        number = len(lines) + 2
        kind = rng.choice(kinds)
        if kind == "dup" and last_row is not None:
            lines.append(last_row[0])
            expected.rows.append((number, last_row[1]))
            continue
        if kind == "blank":
            lines.append(rng.choice(["", " ", "\t", " \t  "]).encode())
            expected.blank_lines += 1
            continue
        fields = [rng.choice(UNQUOTED_VALUES) for _ in range(n)]
        if kind in ("row", "dup"):
            raw = joined(fields).encode()
            expected.rows.append((number, fields))
            last_row = (raw, fields)
        elif kind == "quoted":
            written = list(fields)
            for i in rng.sample(range(n), rng.randint(1, 3)):
                fields[i] = rng.choice(QUOTED_VALUES)
                written[i] = quoted(fields[i])
            raw = joined(written).encode()
            expected.rows.append((number, fields))
            last_row = (raw, fields)
        elif kind == "count":
            m = rng.choice([m for m in range(1, n + 4) if m != n])
            pad = rng.choice(["", " ", "\t "])
            text = pad + joined(f"v{i}" for i in range(m)) + pad[::-1]
            raw = text.encode()
            expected.rejects.append((number, (f"expected {n} fields, found {m}",), text))
        elif kind in ("unclosed", "after"):
            fields = [f"v{i}" for i in range(n)]
            at = rng.randrange(n)
            fields[at] = '"abc' if kind == "unclosed" else '"abc"def'
            text = joined(fields)
            raw = text.encode()
            fragment = "never closed" if kind == "unclosed" else "broken quoting"
            expected.rejects.append((number, ("broken quoting", fragment), text))
        else:  # latin1: an ASCII line with one Latin-1 "é" in it
            fields = [f"v{i}" for i in range(n)]
            fields[rng.randrange(n)] = "Café"
            text = joined(fields)
            raw = text.encode("latin-1")
            expected.rejects.append((number, ("UTF-8",), text.replace("é", "\\xe9")))
        lines.append(raw)
    data = BOM if rng.random() < 0.3 else b""
    data += joined(header).encode()
    for raw in lines:
        data += rng.choice([b"\n", b"\r\n"]) + raw
    if lines[-1] == b"" or rng.random() < 0.7:
        data += rng.choice([b"\n", b"\r\n"])
    return data, expected


@pytest.mark.parametrize("header", [MOVIES_HEADER, SERIES_HEADER], ids=["movies", "series"])
def test_dirty_files_parse_into_exactly_the_expected_rows_and_rejects(header: Header) -> None:
    """Over many random dirty files, every data line is exactly one row or one reject."""
    rng = random.Random(20240301)
    for attempt in range(150):
        data, expected = dirty_file(rng, header)
        parsed = parse(data, header)
        context = f"attempt {attempt}: {data!r}"
        assert rows_of(parsed, header) == expected.rows, context
        got_rejects = rejects_of(parsed)
        assert [(n, line) for n, _, line in got_rejects] == [
            (n, line) for n, _, line in expected.rejects
        ], context
        for (_, reason, _), (_, fragments, _) in zip(got_rejects, expected.rejects, strict=True):
            assert all(fragment in reason for fragment in fragments), (reason, context)
        assert parsed.blank_lines == expected.blank_lines, context
        assert parsed.data_lines == len(expected.rows) + len(expected.rejects), context


# --- scale: the columnar path and the line-by-line path in one big file --------------------------


BIG_LINES = 200_000
QUOTED_AT = (5, 6, 99_999, 150_001)
REJECTED_AT = {
    7: "broken quoting",
    1_000: "expected 15 fields, found 14",
    170_000: "expected 15 fields, found 16",
    BIG_LINES + 1: "never closed",
}
BLANK_AT = (3, 50_000, 180_000)


def big_line(n: int) -> str:
    """Data line ``n`` of the big file; its id encodes its own line number."""
    if n in BLANK_AT:
        return "   " if n % 2 else ""
    title = f"Title {n}"
    if n in QUOTED_AT:
        title = quoted(f"Saw | Part {n}")
    elif n == 7:
        title = '"Saw" 7'
    elif n == 1_000:
        return f"tt{n:07d}|only|fourteen" + "|x" * 11
    elif n == 170_000:
        title = f"Title {n}|extra"
    elif n == BIG_LINES + 1:
        title = '"never closed'
    return (
        f"tt{n:07d}|{title}|Original {n}|1999|90|Horror|7.1|1234|M|\\N|Name {n}|1970|\\N"
        f"|actor|tt0000001"
    )


@pytest.fixture(scope="module")
def big() -> ParsedSource:
    """A ~21 MB movies file (several Arrow blocks) with a few dirty lines scattered in it."""
    body = "\n".join(big_line(n) for n in range(2, BIG_LINES + 2))
    return parse(f"{joined(MOVIES_HEADER)}\n{body}\n".encode())


def test_big_file_counts_are_exact(big: ParsedSource) -> None:
    """200k lines: every line is accounted for as a row, a reject or a blank."""
    assert big.data_lines == BIG_LINES - len(BLANK_AT)
    assert big.blank_lines == len(BLANK_AT)
    assert big.rejected_lines == len(REJECTED_AT)
    assert big.rows.num_rows == BIG_LINES - len(BLANK_AT) - len(REJECTED_AT)


def test_big_file_rejects_have_the_right_line_numbers(big: ParsedSource) -> None:
    """Rejected lines far into the file carry their own physical line number and text."""
    rejects = rejects_of(big)
    assert [n for n, *_ in rejects] == sorted(REJECTED_AT)
    for number, reason, line in rejects:
        assert REJECTED_AT[number] in reason
        assert line == big_line(number)


def test_big_file_every_row_has_its_own_line_number(big: ParsedSource) -> None:
    """Each row's id encodes the line it came from, so line_number must match it everywhere."""
    numbers = big.rows.column("line_number")
    ids = big.rows.column("id")
    assert pc.all(
        pc.equal(
            ids,
            pc.binary_join_element_wise(
                "tt", pc.utf8_lpad(pc.cast(numbers, pa.string()), 7, "0"), ""
            ),
        )
    ).as_py()
    expected = sorted(set(range(2, BIG_LINES + 2)) - set(BLANK_AT) - set(REJECTED_AT))
    assert sorted(numbers.to_pylist()) == expected


def test_big_file_quoted_rows_keep_their_values(big: ParsedSource) -> None:
    """Quoted rows (slow path) and the rows right after them land with exact values."""
    after_quoted = {n for q in QUOTED_AT for n in (q, q + 1)} - set(REJECTED_AT)
    wanted = after_quoted | {8, 1_001, 170_001}
    mask = pc.is_in(big.rows.column("line_number"), pa.array(sorted(wanted), pa.int64()))
    got = {
        row["line_number"]: (row["tituloPincipal"], row["nomeArtista"])
        for row in big.rows.filter(mask).to_pylist()
    }
    assert got == {
        n: (f"Saw | Part {n}" if n in QUOTED_AT else f"Title {n}", f"Name {n}") for n in wanted
    }


# --- streaming: blocks cut anywhere give the same result as the whole file -----------------------


def stream(
    data: bytes, header: Header = MOVIES_HEADER, block_size: int = BLOCK_SIZE
) -> ParsedSource:
    """stream_source over an in-memory binary file, collected, plus the stream's invariants."""
    streamed = stream_source(io.BytesIO(data), header, FILE, block_size)
    batches = list(streamed)
    assert all(batch.schema.equals(streamed.schema) for batch in batches)
    assert streamed.schema.equals(expected_schema(header))
    rows = pa.Table.from_batches(batches, schema=streamed.schema)
    assert streamed.parsed_rows == rows.num_rows
    assert streamed.rejected_lines == streamed.rejects.num_rows
    parsed = ParsedSource(rows, streamed.rejects, streamed.data_lines, streamed.blank_lines)
    assert parsed.data_lines == parsed.rows.num_rows + parsed.rejected_lines
    assert parsed.rejects.schema.equals(REJECT_SCHEMA)
    assert set(parsed.rows.column("source_file").to_pylist()) <= {FILE}
    assert set(parsed.rejects.column("source_file").to_pylist()) <= {FILE}
    return parsed


def reference(data: bytes, header: Header) -> tuple[list[Row], list[Reject], int]:
    """The rules applied the slow, obvious way: ``bytes.splitlines``, then line by line."""
    body = data[len(BOM) :] if data.startswith(BOM) else data
    rows: list[Row] = []
    rejects: list[Reject] = []
    blank_lines = 0
    for number, raw in enumerate(body.splitlines()[1:], start=2):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as problem:
            reason = f"not valid UTF-8 (byte at column {problem.start + 1})"
            rejects.append((number, reason, raw.decode("utf-8", "backslashreplace")))
            continue
        if not line.strip():
            blank_lines += 1
            continue
        try:
            fields = split_line(line)
        except QuoteError as problem:
            rejects.append((number, str(problem), line))
            continue
        if len(fields) != len(header):
            rejects.append((number, f"expected {len(header)} fields, found {len(fields)}", line))
            continue
        rows.append((number, fields))
    return rows, rejects, blank_lines


def assert_follows_the_rules(parsed: ParsedSource, data: bytes, header: Header) -> None:
    """Exactly the reference's rows, rejects (with reasons) and counts, whatever the order."""
    rows, rejects, blank_lines = reference(data, header)
    assert rows_of(parsed, header) == rows
    assert rejects_of(parsed) == rejects
    assert parsed.blank_lines == blank_lines
    assert parsed.data_lines == len(rows) + len(rejects)


TINY: Header = ("a", "b", "c")

# Every hard case in a few bytes, so that with block sizes 1, 2, 3, ... every byte of the file,
# every CRLF pair, every multi-byte character and the BOM get split between two reads.
BOUNDARY_LINES: list[tuple[bytes, bytes]] = [  # (line, its ending)
    (b"x|y|z", b"\n"),
    (b"", b"\r\n"),  # empty, CRLF
    (b'"p|q"|"r""s"|t', b"\r"),  # quoted, lone CR after it
    (b"  \t", b"\n"),  # whitespace only
    ("caf\xe9|b|c".encode("latin-1"), b"\r\n"),  # not UTF-8
    ("日本|ホラー|☠".encode(), b"\r"),
    (b"", b"\r"),  # empty between two lone CRs
    (b"", b"\r\n"),  # CR then CRLF: two empty lines
    (b"1|2", b"\n"),  # too few fields
    (b'"never|closed|x', b"\n"),
    (b"\xe9", b"\n"),
    (b"\xf0\x9f\x98", b"\r\n"),  # a 4-byte character cut short
    ("a\x1fb|\x00|\x0b\x0cé".encode(), b"\n"),  # control characters inside values
    (b"||", b"\n"),  # three empty values: a row, not a blank line
    (b'"|"|a|b', b"\n"),  # a quoted pipe: four fields for Arrow, three by the rules
    (b'"a|b"|c', b"\n"),  # three fields for Arrow, two by the rules
    ('"Ça | mord"|""|"""x"""'.encode(), b"\r\n"),
    (b'x|"y"z|w', b"\n"),  # text after the closing quote
    (b"", b"\n"),
    (b"last|line|\xc3\xa9", b""),  # no line ending at the end of the file
]


def boundary_file(bom: bool = True) -> bytes:
    body = b"".join(line + ending for line, ending in BOUNDARY_LINES)
    return (BOM if bom else b"") + b"a|b|c\r\n" + body


def test_boundary_file_reference_is_what_the_rules_say() -> None:
    """The reference (and so every test below) holds the expected values, spelled out here."""
    rows, rejects, blank_lines = reference(boundary_file(), TINY)
    assert rows == [
        (2, ["x", "y", "z"]),
        (4, ["p|q", 'r"s', "t"]),
        (7, ["日本", "ホラー", "☠"]),
        (14, ["a\x1fb", "\x00", "\x0b\x0cé"]),
        (15, ["", "", ""]),
        (16, ["|", "a", "b"]),
        (18, ["Ça | mord", "", '"x"']),
        (21, ["last", "line", "é"]),
    ]
    assert [(number, reason) for number, reason, _ in rejects] == [
        (6, "not valid UTF-8 (byte at column 4)"),
        (10, "expected 3 fields, found 2"),
        (11, "broken quoting in field 1: quote never closed"),
        (12, "not valid UTF-8 (byte at column 1)"),
        (13, "not valid UTF-8 (byte at column 1)"),
        (17, "expected 3 fields, found 2"),
        (19, "broken quoting in field 2: text after the closing quote"),
    ]
    assert rejects[0][2] == "caf\\xe9|b|c"
    assert [line for _, _, line in rejects[3:5]] == ["\\xe9", "\\xf0\\x9f\\x98"]
    assert blank_lines == 5


@pytest.mark.parametrize("bom", [True, False], ids=["bom", "no-bom"])
def test_stream_gives_the_same_result_at_every_block_size(bom: bool) -> None:
    """Reads of 1, 2, 3, ... bytes split lines, CRLF pairs, characters, quoted fields and the BOM
    everywhere; the rows, rejects and counts never change."""
    data = boundary_file(bom)
    whole = parse_source(data, TINY, FILE)
    assert_follows_the_rules(whole, data, TINY)
    for block_size in range(1, len(data) + 2):
        parsed = stream(data, TINY, block_size)
        assert_follows_the_rules(parsed, data, TINY)
        assert parsed.rejects.equals(whole.rejects), block_size


def test_crlf_split_between_two_reads_is_one_line_ending() -> None:
    """When a read ends between the CR and the LF of a line ending, no blank line appears."""
    lines = [joined(values(n)) for n in range(2, 9)]
    data = source(lines, eol="\r\n")
    for cr in (i for i, byte in enumerate(data) if byte == 0x0D):
        parsed = stream(data, block_size=cr + 1)  # the first read ends just after this CR
        assert rows_of(parsed) == [(n, values(n)) for n in range(2, 9)], cr
        assert (parsed.blank_lines, parsed.rejected_lines) == (0, 0), cr


def test_lone_cr_line_endings() -> None:
    """Old Mac files: a CR alone ends a line, and CR CR is an empty line between two."""
    data = source([joined(values(2)), "", joined(values(4)), "short"], eol="\r", final_eol=False)
    for block_size in (BLOCK_SIZE, 1, 7, 300):
        parsed = stream(data, block_size=block_size)
        assert rows_of(parsed) == [(2, values(2)), (4, values(4))]
        assert rejects_of(parsed) == [(5, "expected 15 fields, found 1", "short")]
        assert parsed.blank_lines == 1


@pytest.mark.parametrize("header", [MOVIES_HEADER, SERIES_HEADER], ids=["movies", "series"])
def test_dirty_files_stream_the_same_at_many_block_sizes(header: Header) -> None:
    """Random dirty files, each read with tiny and random block sizes: always exactly the rows,
    rejects and blank lines the file was written with."""
    rng = random.Random(20240302)
    for attempt in range(40):
        data, expected = dirty_file(rng, header)
        whole = parse(data, header)
        for block_size in (1, rng.randint(2, 40), rng.randint(41, len(data) + 1)):
            parsed = stream(data, header, block_size)
            context = f"attempt {attempt}, block size {block_size}: {data!r}"
            assert rows_of(parsed, header) == expected.rows, context
            assert rejects_of(parsed) == rejects_of(whole), context
            assert [(n, line) for n, _, line in rejects_of(parsed)] == [
                (n, line) for n, _, line in expected.rejects
            ], context
            assert parsed.blank_lines == expected.blank_lines, context


def test_every_control_character_stays_inside_its_value() -> None:
    """No ASCII control character (other than CR and LF) or DEL splits a row or sends a block
    down another path: each line lands as a row with its value intact."""
    specials = [chr(c) for c in [*range(0x20), 0x7F] if chr(c) not in "\r\n"]
    lines = [joined([f"a{char}b", *values(n + 2)[1:]]) for n, char in enumerate(specials)]
    data = source(lines)
    expected = [(n + 2, [f"a{char}b", *values(n + 2)[1:]]) for n, char in enumerate(specials)]
    for block_size in (BLOCK_SIZE, 50, 333):
        parsed = stream(data, block_size=block_size)
        assert rows_of(parsed) == expected
        assert (parsed.rejected_lines, parsed.blank_lines) == (0, 0)


@pytest.mark.parametrize(
    ("bad", "column"),
    [
        pytest.param(b"caf\xe9", 4, id="latin1"),
        pytest.param(b"ab\xc3", 3, id="cut-short-at-end-of-line"),
        pytest.param(b"\x80abc", 1, id="lone-continuation-byte"),
        pytest.param(b"x\xc0\xafy", 2, id="overlong"),
        pytest.param(b"x\xed\xa0\x80y", 2, id="surrogate"),
        pytest.param(b"x\xf4\x90\x80\x80y", 2, id="above-u10ffff"),
        pytest.param(b"\xff\xfe", 1, id="utf16-bom"),
    ],
)
def test_not_utf8_sequences_are_rejected_with_their_column(bad: bytes, column: int) -> None:
    """Whatever makes a line invalid UTF-8, that line alone is rejected, pointing at the byte."""
    line = bad + b"|" + joined(values(3)[1:]).encode()
    data = source([joined(values(2))]).rstrip(b"\n") + b"\n" + line + b"\n"
    data += joined(values(4)).encode()
    for block_size in (BLOCK_SIZE, 3, 64):
        parsed = stream(data, block_size=block_size)
        assert rows_of(parsed) == [(2, values(2)), (4, values(4))]
        [(number, reason, text)] = rejects_of(parsed)
        assert (number, reason) == (3, f"not valid UTF-8 (byte at column {column})")
        assert text == line.decode("utf-8", "backslashreplace")


def test_mostly_latin1_file_rejects_exactly_its_accented_lines() -> None:
    """A file saved as Latin-1: every line with an accent is rejected, the others land, in blocks
    that each hold many bad lines."""
    rng = random.Random(7)
    lines = []
    for n in range(2, 402):
        name = rng.choice(["Zé do Caixão", "Olá", "Mojica", "Noite"])
        lines.append(joined([f"tt{n:07d}", name, *values(n)[2:]]))
    data = "\n".join([joined(MOVIES_HEADER), *lines]).encode("latin-1")
    for block_size in (BLOCK_SIZE, 1000, 4096):
        parsed = stream(data, block_size=block_size)
        assert_follows_the_rules(parsed, data, MOVIES_HEADER)
        accented = [n for n, line in enumerate(lines, start=2) if not line.isascii()]
        assert [n for n, *_ in rejects_of(parsed)] == accented
        assert parsed.rows.num_rows == 400 - len(accented) > 0


def test_block_of_mostly_quoted_rows_keeps_every_row() -> None:
    """Quoted rows, empty lines and plain rows taking turns in one block: each plain row once,
    in file order, then the quoted ones."""
    lines = []
    for n in range(2, 1202):
        if n % 3 == 0:
            lines.append(joined([values(n)[0], quoted(f"Saw {n}"), *values(n)[2:]]))
        else:
            lines.append("" if n % 3 == 1 else joined(values(n)))
    data = source(lines)
    parsed = stream(data)
    assert_follows_the_rules(parsed, data, MOVIES_HEADER)
    plain = [n for n in range(2, 1202) if n % 3 == 2]
    quoted_rows = [n for n in range(2, 1202) if n % 3 == 0]
    assert parsed.rows.column("line_number").to_pylist() == plain + quoted_rows


def test_block_without_arrow_gives_the_same_result() -> None:
    """The line-by-line path a block falls back to if Arrow refuses it parses a block exactly
    like the columnar path."""
    body = boundary_file(bom=False).split(b"\r\n", 1)[1]
    fast = _parse_block(body, TINY)
    starts, ends = _line_bounds(body)
    slow = _parse_block_line_by_line(body, starts, ends, TINY)

    def rows(block: _Block) -> list[tuple[int, list[str]]]:
        values = zip(*(column.to_pylist() for column in block.columns), strict=True)
        return sorted(zip(block.numbers.tolist(), map(list, values), strict=True))

    assert rows(fast) == rows(slow) != []
    assert sorted(fast.rejects) == sorted(slow.rejects) != []
    assert (fast.blank_lines, fast.lines) == (slow.blank_lines, slow.lines) == (5, 20)


# --- streaming: the API around the batches -------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(BOM + b"\r\n" + source([joined(values(3))]), id="blank-first-line"),
        pytest.param(b"id|t\xedtulo\n" + joined(values(2)).encode(), id="not-utf8"),
        pytest.param(joined(SERIES_HEADER).encode() + b"\r\n", id="wrong-columns"),
    ],
)
@pytest.mark.parametrize("block_size", [BLOCK_SIZE, 1, 2], ids=["whole", "1-byte", "2-byte"])
def test_header_problems_raise_when_the_stream_is_opened(data: bytes, block_size: int) -> None:
    """A bad header stops the file as soon as stream_source is called, before any row."""
    with pytest.raises(SourceFileError) as raised:
        stream_source(io.BytesIO(data), MOVIES_HEADER, FILE, block_size)
    assert raised.value.problem == header_problem(data).problem


def test_header_of_only_unicode_whitespace_is_an_empty_file() -> None:
    """A first line of non-ASCII whitespace (no-break and ideographic spaces) is no header."""
    data = "\u00a0\u3000\n".encode() + joined(values(2)).encode()
    assert "empty" in header_problem(data).problem


def test_counts_and_rejects_are_known_once_the_rows_are_read() -> None:
    """Reading the counts early is an error that says why, and the rows can be read only once."""
    data = source([joined(values(2)), "bad", joined(values(4))] * 3)
    streamed = stream_source(io.BytesIO(data), MOVIES_HEADER, FILE, block_size=64)
    with pytest.raises(RuntimeError, match="once every batch"):
        _ = streamed.data_lines
    batches = iter(streamed)
    next(batches)
    for count in ("rejects", "data_lines", "blank_lines", "rejected_lines", "parsed_rows"):
        with pytest.raises(RuntimeError, match="once every batch"):
            getattr(streamed, count)
    rest = list(batches)
    assert len(rest) >= 1
    assert (streamed.data_lines, streamed.parsed_rows, streamed.rejected_lines) == (9, 6, 3)
    with pytest.raises(RuntimeError, match="once"):
        iter(streamed)


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ~21 MB big file (see ``big_line``), written to disk."""
    body = "\n".join(big_line(n) for n in range(2, BIG_LINES + 2))
    path = tmp_path_factory.mktemp("landing") / "movies.csv"
    path.write_bytes(f"{joined(MOVIES_HEADER)}\n{body}\n".encode())
    return path


def test_big_file_streams_from_disk_in_bounded_batches(big_file: Path, big: ParsedSource) -> None:
    """A pyarrow input stream of a real file, in 256 KB blocks: many small batches, none bigger
    than a few blocks, and together exactly what the whole-file parse gives."""
    block_size = 256 << 10
    with pafs.LocalFileSystem().open_input_stream(str(big_file)) as file:
        streamed = stream_source(file, MOVIES_HEADER, FILE, block_size)
        batches = list(streamed)
    assert len(batches) >= big_file.stat().st_size // block_size
    assert max(batch.nbytes for batch in batches) < 3 * block_size
    rows = pa.Table.from_batches(batches)
    assert rows.sort_by("line_number").equals(big.rows.sort_by("line_number"))
    assert streamed.rejects.equals(big.rejects)
    assert (streamed.data_lines, streamed.blank_lines) == (big.data_lines, big.blank_lines)


def test_first_batch_comes_before_the_file_is_read_to_the_end(big_file: Path) -> None:
    """Rows come while the file is still being read: only a few blocks are read ahead."""
    block_size = 64 << 10
    with big_file.open("rb") as file:
        batches = iter(stream_source(file, MOVIES_HEADER, FILE, block_size))
        first = next(batches)
        read_ahead = file.tell()
        assert first.num_rows > 0
        assert read_ahead <= ((os.cpu_count() or 1) + 3) * block_size
        assert read_ahead < big_file.stat().st_size // 4
        assert sum(batch.num_rows for batch in batches) + first.num_rows == big_file_rows()
        assert file.tell() == big_file.stat().st_size


def big_file_rows() -> int:
    return BIG_LINES - len(BLANK_AT) - len(REJECTED_AT)
