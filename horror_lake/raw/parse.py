"""Parse a pipe-delimited IMDb-style export into raw rows and rejected lines, losing nothing.

Rules (one physical line is one record, so a broken line can never swallow the next ones):
- UTF-8, with or without a BOM; LF or CRLF line endings.
- The first line is the header and must list the source's columns, in order, separated by
  ``|`` (whitespace around a name is ignored).
- Blank lines are skipped and counted. Every other line is a data line and ends up either as a
  raw row (all values kept as strings, exactly as received) or as a rejected line, kept verbatim
  with its line number and the reason.
- A field that starts with ``"`` is quoted: it ends at the next lone ``"``, which must be followed
  by ``|`` or the end of the line; ``""`` inside it is a literal quote. A ``"`` anywhere else is
  an ordinary character.

The common case (no field starts with a quote) is split by Arrow kernels; only lines with quoted
fields go through the Python tokenizer.
"""

import functools
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

DELIMITER = "|"
QUOTE = '"'
BOM = b"\xef\xbb\xbf"
BLOCK_SIZE = 16 << 20
_UNUSED = "\x1f"  # a separator that doesn't occur, so the line reader sees one column
REJECT_SCHEMA = pa.schema(
    [
        ("source_file", pa.string()),
        ("line_number", pa.int64()),
        ("reason", pa.string()),
        ("line", pa.string()),
    ]
)


class SourceFileError(ValueError):
    """The file as a whole can't be ingested (wrong header, empty, not text)."""

    def __init__(self, source_file: str, problem: str) -> None:
        super().__init__(f"{source_file}: {problem}")
        self.source_file = source_file
        self.problem = problem


class QuoteError(ValueError):
    """One line can't be split into fields; the message is the reject reason."""


@dataclass(frozen=True)
class ParsedSource:
    """What one file held: parsed rows, rejected lines and the line counts that tie them."""

    rows: pa.Table
    rejects: pa.Table
    data_lines: int
    blank_lines: int

    @property
    def rejected_lines(self) -> int:
        return self.rejects.num_rows


def parse_source(data: bytes, header: tuple[str, ...], source_file: str) -> ParsedSource:
    """Split a whole file into rows (``header``'s columns plus lineage) and rejected lines."""
    body = pa.py_buffer(data)[len(BOM) :] if data.startswith(BOM) else pa.py_buffer(data)
    try:
        lines = _read_lines(body)
    except pa.ArrowInvalid:
        # Not UTF-8, or a control character the fast reader splits on: go line by line.
        return _parse_line_by_line(body.to_pybytes(), header, source_file)
    if len(lines) == 0 or lines[0].as_py().strip() == "":
        raise SourceFileError(source_file, "the file is empty; expected a header line first")
    _check_header(lines[0].as_py(), header, source_file)
    lines = lines.slice(1)
    if len(lines) == 0:
        return _parse_line_by_line(body.to_pybytes(), header, source_file)

    # A line with exactly len(header) - 1 pipes is a row for the columnar reader; the others,
    # and rows where a field starts with a quote, are settled one by one.
    pipe_counts = pa.chunked_array(_in_threads(lambda c: pc.count_substring(c, DELIMITER), lines))
    row_lines = np.flatnonzero(pc.equal(pipe_counts, len(header) - 1).to_numpy())
    rows = _read_rows(body, header)
    if rows.num_rows != len(row_lines):
        raise AssertionError(f"{source_file}: the columnar and line readers disagree")
    rows = rows.append_column("source_file", pa.repeat(pa.scalar(source_file), rows.num_rows))
    rows = rows.append_column("line_number", pa.array(row_lines + 2, pa.int64()))
    quoted = _starts_with_quote(rows, header)

    settle = np.ones(len(lines), dtype=bool)
    settle[row_lines] = quoted.to_numpy()
    settled = _parse_lines(
        lines.filter(pa.array(settle)).to_pylist(),
        (np.flatnonzero(settle) + 2).tolist(),
        header,
        source_file,
    )
    # Rows are in file order, except that lines settled one by one (quoted fields) come last:
    # re-sorting a million rows costs more than it is worth, and line_number is on every row.
    rows = pa.concat_tables([rows.filter(pc.invert(quoted)), settled.rows])
    return ParsedSource(
        rows=rows,
        rejects=settled.rejects,
        data_lines=len(lines) - settled.blank_lines,
        blank_lines=settled.blank_lines,
    )


def _read_lines(body: pa.Buffer) -> pa.ChunkedArray:
    """Every physical line (LF, CRLF or CR ended), blank ones included, as UTF-8 strings."""
    table = pcsv.read_csv(
        pa.BufferReader(body),
        read_options=pcsv.ReadOptions(column_names=["line"], block_size=BLOCK_SIZE),
        parse_options=pcsv.ParseOptions(
            delimiter=_UNUSED, quote_char=False, escape_char=False, ignore_empty_lines=False
        ),
        convert_options=pcsv.ConvertOptions(column_types={"line": pa.string()}),
    )
    return table.column("line")


def _read_rows(body: pa.Buffer, header: tuple[str, ...]) -> pa.Table:
    """Lines with exactly ``len(header)`` pipe-separated fields, as string columns, in order."""
    return pcsv.read_csv(
        pa.BufferReader(body),
        read_options=pcsv.ReadOptions(
            column_names=list(header), skip_rows=1, block_size=BLOCK_SIZE
        ),
        parse_options=pcsv.ParseOptions(
            delimiter=DELIMITER,
            quote_char=False,
            escape_char=False,
            ignore_empty_lines=True,
            invalid_row_handler=lambda _row: "skip",
        ),
        convert_options=pcsv.ConvertOptions(
            column_types={name: pa.string() for name in header}, strings_can_be_null=False
        ),
    )


def _starts_with_quote(rows: pa.Table, header: tuple[str, ...]) -> pa.ChunkedArray:
    masks = [pc.starts_with(rows.column(name), QUOTE) for name in header]
    return functools.reduce(pc.or_, masks)


def _parse_line_by_line(body: bytes, header: tuple[str, ...], source_file: str) -> ParsedSource:
    """The slow, forgiving path: decode and tokenize each line in Python."""
    raw_lines = body.splitlines()
    if not raw_lines or not raw_lines[0].strip():
        raise SourceFileError(source_file, "the file is empty; expected a header line first")
    try:
        found_header = raw_lines[0].decode("utf-8")
    except UnicodeDecodeError:
        raise SourceFileError(
            source_file, "the header line is not UTF-8; save the file as UTF-8"
        ) from None
    _check_header(found_header, header, source_file)
    settled = _parse_lines(raw_lines[1:], list(range(2, len(raw_lines) + 1)), header, source_file)
    return ParsedSource(
        rows=settled.rows,
        rejects=settled.rejects,
        data_lines=len(raw_lines) - 1 - settled.blank_lines,
        blank_lines=settled.blank_lines,
    )


@dataclass(frozen=True)
class _Settled:
    rows: pa.Table
    rejects: pa.Table
    blank_lines: int


def _parse_lines(
    lines: Sequence[str | bytes], numbers: list[int], header: tuple[str, ...], source_file: str
) -> _Settled:
    """Tokenize lines one by one: each becomes a row, a rejected line, or a counted blank."""
    values: list[list[str]] = []
    good_numbers: list[int] = []
    rejects: dict[str, list[object]] = {"line_number": [], "reason": [], "line": []}
    blank_lines = 0
    for number, raw in zip(numbers, lines, strict=True):
        if isinstance(raw, bytes):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as problem:
                rejects["line_number"].append(number)
                rejects["reason"].append(f"not valid UTF-8 (byte at column {problem.start + 1})")
                rejects["line"].append(raw.decode("utf-8", errors="backslashreplace"))
                continue
        else:
            line = raw
        if not line.strip():
            blank_lines += 1
            continue
        try:
            fields = split_line(line)
            if len(fields) != len(header):
                raise QuoteError(f"expected {len(header)} fields, found {len(fields)}")
        except QuoteError as problem:
            rejects["line_number"].append(number)
            rejects["reason"].append(str(problem))
            rejects["line"].append(line)
            continue
        values.append(fields)
        good_numbers.append(number)
    columns = {
        name: pa.array([row[i] for row in values], pa.string()) for i, name in enumerate(header)
    }
    columns["source_file"] = pa.array([source_file] * len(values), pa.string())
    columns["line_number"] = pa.array(good_numbers, pa.int64())
    rejects["source_file"] = [source_file] * len(rejects["line"])
    return _Settled(
        rows=pa.table(columns),
        rejects=pa.table(rejects, schema=REJECT_SCHEMA),
        blank_lines=blank_lines,
    )


def _in_threads(
    function: Callable[[pa.Array], pa.Array], chunked: pa.ChunkedArray
) -> list[pa.Array]:
    """Run a single-threaded Arrow kernel over the chunks in parallel (kernels drop the GIL)."""
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return list(pool.map(function, chunked.chunks))


def split_line(line: str) -> list[str]:
    """Split one line on ``|``, honouring fields that start with a quote."""
    fields: list[str] = []
    i, n = 0, len(line)
    while True:
        if i < n and line[i] == QUOTE:
            value, i = _quoted_field(line, i, len(fields) + 1)
            fields.append(value)
            if i == n:
                return fields
            if line[i] != DELIMITER:
                raise QuoteError(
                    f"broken quoting in field {len(fields)}: text after the closing quote"
                )
            i += 1
        else:
            end = line.find(DELIMITER, i)
            if end == -1:
                fields.append(line[i:])
                return fields
            fields.append(line[i:end])
            i = end + 1


def _quoted_field(line: str, start: int, field_number: int) -> tuple[str, int]:
    parts = []
    i = start + 1
    while True:
        close = line.find(QUOTE, i)
        if close == -1:
            raise QuoteError(f"broken quoting in field {field_number}: quote never closed")
        if line.startswith(QUOTE * 2, close):
            parts.append(line[i : close + 1])
            i = close + 2
            continue
        parts.append(line[i:close])
        return "".join(parts), close + 1


def _check_header(found: str, expected: tuple[str, ...], source_file: str) -> None:
    columns = [c.strip() for c in found.split(DELIMITER)]
    if tuple(columns) == expected:
        return
    if len(columns) == 1:
        raise SourceFileError(
            source_file,
            f"the header has no '{DELIMITER}' separators; expected a pipe-delimited file "
            f"whose first line is: {DELIMITER.join(expected)}",
        )
    missing = [c for c in expected if c not in columns]
    unexpected = [c for c in columns if c not in expected]
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    detail = []
    if missing:
        detail.append(f"missing columns {missing}")
    if unexpected:
        detail.append(f"unexpected columns {unexpected}")
    if repeated:
        detail.append(f"repeated columns {repeated}")
    if not detail:
        detail.append("columns out of order")
    raise SourceFileError(
        source_file,
        f"the header does not match ({'; '.join(detail)}). "
        f"Expected: {DELIMITER.join(expected)} / found: {found}",
    )
