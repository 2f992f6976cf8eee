"""Parse a pipe-delimited IMDb-style export into raw rows and rejected lines, losing nothing.

Rules (one physical line is one record, so a broken line can never swallow the next ones):
- UTF-8, with or without a BOM; LF, CRLF or lone CR line endings.
- The first line is the header and must list the source's columns, in order, separated by
  ``|`` (whitespace around a name is ignored).
- Blank lines are skipped and counted. Every other line is a data line and ends up either as a
  raw row (all values kept as strings, exactly as received) or as a rejected line, kept verbatim
  (without its line ending) with its line number and the reason.
- A line that isn't valid UTF-8 is rejected as ``not valid UTF-8 (byte at column N)``; it is kept
  with the bytes that don't decode written as ``\\xNN``.
- A field that starts with ``"`` is quoted: it ends at the next lone ``"``, which must be followed
  by ``|`` or the end of the line; ``""`` inside it is a literal quote. A ``"`` anywhere else is
  an ordinary character.

How it streams, so memory stays a few blocks whatever the file size:
- The file is read ``block_size`` bytes at a time and cut just after the last line ending read so
  far; the partial line after it starts the next block. A CR in the last byte read waits for the
  next read, so a CRLF split between two reads stays one line ending. Blocks therefore hold
  whole lines: they are parsed independently in a thread pool (Arrow's kernels release the GIL)
  and tied back together in file order, each block's line numbers following on from the last.
- In a block, Arrow's CSV reader splits every line with the right number of ``|`` into columns;
  every other line comes back through its invalid-row handler with its line number. Empty lines
  come out as rows of empty strings; their numbers are found from the line endings.
- Only lines with a field that starts with a quote, lines with the wrong number of ``|`` and
  lines that aren't UTF-8 go through the Python tokenizer. Not-UTF-8 lines are emptied before
  Arrow sees the block (their line endings stay, so the numbering holds). Only ``|``, CR and LF
  mean anything to Arrow's reader, so no other control character can trip it; a block it
  refuses all the same is settled line by line.
- Batches come block by block, in file order; in a block, the rows settled one by one come after
  Arrow's. Every row carries its line number.
"""

import functools
import io
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
from numpy.typing import NDArray

from horror_lake.lake import arrays

DELIMITER = "|"
QUOTE = '"'
BOM = b"\xef\xbb\xbf"
# Measured on the full-size movies.csv, streamed into a ParquetWriter: peak memory is about
# 220 MB + 18 x the block size (a few blocks in flight, each as bytes, columns and copies), while
# the time per byte barely moves from 2 MB to 32 MB blocks. 8 MB: ~360 MB, batches of ~55k rows.
BLOCK_SIZE = 8 << 20
_LF, _CR = 0x0A, 0x0D
_FIRST_DATA_LINE = 2  # line 1 is the header
# Blocks parsed at once. More would mostly cost memory: one thread writes what they produce.
_WORKERS = min(os.cpu_count() or 1, 4)
_MAX_RUNS = 256  # kept rows in more runs than this: a filter is cheaper than the slices
_NO_STRINGS = arrays.array([], pa.string())
REJECT_SCHEMA = pa.schema(
    [
        ("source_file", pa.string()),
        ("line_number", pa.int64()),
        ("reason", pa.string()),
        ("line", pa.string()),
    ]
)

Lines = NDArray[np.int64]


class SourceFileError(ValueError):
    """The file as a whole can't be ingested (wrong header, empty, not text)."""

    def __init__(self, source_file: str, problem: str) -> None:
        super().__init__(f"{source_file}: {problem}")
        self.source_file = source_file
        self.problem = problem


class QuoteError(ValueError):
    """One line can't be split into fields; the message is the reject reason."""


class BinaryStream(Protocol):
    """What ``stream_source`` reads from: a pyarrow NativeFile or a Python binary file."""

    def read(self, size: int, /) -> bytes: ...


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


def parse_source(
    data: bytes, header: tuple[str, ...], source_file: str, block_size: int = BLOCK_SIZE
) -> ParsedSource:
    """A whole file in memory, parsed as a stream and collected into one table of rows."""
    stream = stream_source(io.BytesIO(data), header, source_file, block_size)
    rows = pa.Table.from_batches(list(stream), schema=stream.schema)
    return ParsedSource(
        rows=rows,
        rejects=stream.rejects,
        data_lines=stream.data_lines,
        blank_lines=stream.blank_lines,
    )


def stream_source(
    stream: BinaryStream,
    header: tuple[str, ...],
    source_file: str,
    block_size: int = BLOCK_SIZE,
) -> "SourceStream":
    """Check the header now (raising ``SourceFileError``); parse the rest as it is iterated.

    ``source_file`` goes into every row and reject and into error messages.
    """
    if block_size < 1:
        raise ValueError(f"block_size must be at least 1 byte, not {block_size}")
    reader = _BlockReader(stream, block_size)
    _check_first_line(reader.first_line(), header, source_file)
    return SourceStream(reader, header, source_file)


@dataclass
class _Totals:
    rejects: list[pa.RecordBatch]
    data_lines: int = 0
    blank_lines: int = 0
    rejected_lines: int = 0
    parsed_rows: int = 0


class SourceStream:
    """One file's rows, parsed block by block while they are iterated (once).

    ``schema`` is the header's columns (strings), then ``source_file`` and ``line_number``. The
    rejects and the line counts are known once every batch has been read.
    """

    def __init__(self, reader: "_BlockReader", header: tuple[str, ...], source_file: str) -> None:
        self.header = header
        self.source_file = source_file
        self.schema = pa.schema(
            [
                *((name, pa.string()) for name in header),
                ("source_file", pa.string()),
                ("line_number", pa.int64()),
            ]
        )
        self._reader = reader
        self._started = False
        self._totals: _Totals | None = None

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        if self._started:
            raise RuntimeError(f"{self.source_file}: the rows of a SourceStream can be read once")
        self._started = True
        return self._batches()

    @property
    def rejects(self) -> pa.Table:
        return pa.Table.from_batches(self._finished().rejects, schema=REJECT_SCHEMA)

    @property
    def data_lines(self) -> int:
        return self._finished().data_lines

    @property
    def blank_lines(self) -> int:
        return self._finished().blank_lines

    @property
    def rejected_lines(self) -> int:
        return self._finished().rejected_lines

    @property
    def parsed_rows(self) -> int:
        return self._finished().parsed_rows

    def _finished(self) -> _Totals:
        if self._totals is None:
            raise RuntimeError(
                f"{self.source_file}: rejects and line counts are known only once every batch "
                "of rows has been read"
            )
        return self._totals

    def _batches(self) -> Iterator[pa.RecordBatch]:
        workers = _WORKERS
        totals = _Totals(rejects=[])
        first_line = _FIRST_DATA_LINE
        pending: deque[Future[_Block]] = deque()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            try:
                blocks = self._reader.blocks()
                while True:
                    # Keep one block queued beyond those being parsed, and no more: memory stays
                    # a few blocks however fast the file is read.
                    while len(pending) <= workers and (block := next(blocks, None)) is not None:
                        pending.append(pool.submit(_parse_block, block, self.header))
                    if not pending:
                        break
                    parsed = pending.popleft().result()
                    batch = self._tie(parsed, first_line, totals)
                    first_line += parsed.lines
                    if batch is not None:
                        yield batch
            finally:
                for future in pending:
                    future.cancel()
        if totals.data_lines != totals.parsed_rows + totals.rejected_lines:
            raise AssertionError(f"{self.source_file}: rows and rejects don't add up to the lines")
        self._totals = totals

    def _tie(self, parsed: "_Block", first_line: int, totals: _Totals) -> pa.RecordBatch | None:
        """Number one block's rows and rejects from ``first_line`` on and add up its counts."""
        totals.data_lines += parsed.lines - parsed.blank_lines
        totals.blank_lines += parsed.blank_lines
        totals.rejected_lines += len(parsed.rejects)
        totals.parsed_rows += len(parsed.numbers)
        if parsed.rejects:
            numbers, reasons, lines = zip(*parsed.rejects, strict=True)
            totals.rejects.append(
                pa.RecordBatch.from_arrays(
                    [
                        pa.repeat(arrays.scalar(self.source_file, pa.string()), len(numbers)),
                        arrays.array(np.array(numbers, np.int64) + first_line, pa.int64()),
                        arrays.array(reasons, pa.string()),
                        arrays.array(lines, pa.string()),
                    ],
                    schema=REJECT_SCHEMA,
                )
            )
        if len(parsed.numbers) == 0:
            return None
        return pa.RecordBatch.from_arrays(
            [
                *parsed.columns,
                pa.repeat(arrays.scalar(self.source_file, pa.string()), len(parsed.numbers)),
                arrays.array(parsed.numbers + first_line, pa.int64()),
            ],
            schema=self.schema,
        )


# --- cutting the stream into blocks of whole lines -----------------------------------------------


class _BlockReader:
    """Reads a binary stream ``block_size`` bytes at a time and hands out whole lines."""

    def __init__(self, stream: BinaryStream, block_size: int) -> None:
        self._stream = stream
        self._block_size = block_size
        self._eof = False
        self._rest = b""  # read past the header, not handed out yet

    def _read(self) -> bytes:
        chunk = b"" if self._eof else self._stream.read(self._block_size)
        if not chunk:
            self._eof = True
            return b""
        return bytes(chunk)

    def first_line(self) -> bytes:
        """The header line, without BOM or line ending (empty for an empty file)."""
        data = bytearray()
        searched = 0
        while (found := _first_line_end(data, searched, self._eof)) is None:
            # Nothing before the last byte was a line ending (the last may be a CR of a CRLF).
            searched = max(0, len(data) - 1)
            data += self._read()
        text_end, next_line = found
        self._rest = bytes(data[next_line:])
        return bytes(data[len(BOM) if data.startswith(BOM) else 0 : text_end])

    def blocks(self) -> Iterator[bytes]:
        """The rest of the stream: blocks that end just after a line ending (the last may not)."""
        tail: list[bytes] = []  # a line begun but not ended yet
        for chunk in self._chunks():
            cut = _last_line_end(chunk)
            if cut == 0:  # a line longer than a read: keep reading
                tail.append(chunk)
                continue
            if not tail and cut == len(chunk):
                yield chunk
            else:
                yield b"".join([*tail, memoryview(chunk)[:cut]])
            tail = [chunk[cut:]]
        last = b"".join(tail)
        if last:
            yield last

    def _chunks(self) -> Iterator[bytes]:
        if self._rest:
            yield self._rest
            self._rest = b""
        while chunk := self._read():
            yield chunk


def _first_line_end(data: bytearray, searched: int, eof: bool) -> tuple[int, int] | None:
    """Where the first line's text ends and the next line starts; None while that isn't known.

    There is no line ending before ``searched``.
    """
    lf = data.find(b"\n", searched)
    cr = data.find(b"\r", searched, len(data) if lf == -1 else lf)
    if cr == -1 and lf == -1:
        return (len(data), len(data)) if eof else None
    if cr == -1:
        return lf, lf + 1
    if cr + 1 < len(data):
        return cr, cr + 2 if data[cr + 1] == _LF else cr + 1
    return (cr, cr + 1) if eof else None


def _last_line_end(chunk: bytes) -> int:
    """Just after the last line ending in ``chunk``, or 0 if there is none.

    A CR in the last byte doesn't count: the LF of its CRLF may start the next chunk.
    """
    lf = chunk.rfind(b"\n")
    cr = chunk.rfind(b"\r", lf + 1, len(chunk) - 1)
    return max(lf, cr) + 1


# --- one block -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Block:
    """One parsed block; line numbers are counted from the block's first line (0)."""

    columns: list[pa.Array]  # the header's columns
    numbers: Lines  # the line of each row
    rejects: list[tuple[int, str, str]]  # (line, reason, text)
    blank_lines: int
    lines: int


def _parse_block(block: bytes, header: tuple[str, ...]) -> _Block:
    """Rows, rejects and blank lines of a block of whole lines."""
    starts, ends = _line_bounds(block)
    lines = len(starts)
    not_utf8 = np.zeros(0, dtype=np.int64)
    text = block
    if not _is_utf8(block):
        not_utf8 = _not_utf8_lines(block, starts, ends)
        text = _empty_lines_out(block, starts[not_utf8], ends[not_utf8])
        if not _is_utf8(text):  # Arrow and Python disagree on what is UTF-8: let Python decide
            return _parse_block_line_by_line(block, starts, ends, header)
    try:
        table, odd = _read_columns(text, header)
    except pa.ArrowInvalid:
        # Arrow refused the block for a reason not foreseen here: settle it line by line.
        return _parse_block_line_by_line(block, starts, ends, header)
    if table.num_rows + len(odd) != lines:
        raise AssertionError("the columnar reader and the line endings disagree")

    emptied = np.zeros(lines, dtype=bool)
    emptied[not_utf8] = True
    is_row = np.ones(lines, dtype=bool)
    is_row[[number for number, _ in odd]] = False
    row_lines = np.flatnonzero(is_row)  # the line of each of Arrow's rows
    # Empty lines and the emptied not-UTF-8 lines came out as rows of empty strings.
    empty_rows = (ends == starts) & is_row
    keep = ~(empty_rows | emptied)[row_lines]
    quoted = _starts_with_quote(table, text)
    if quoted is not None:
        keep &= ~quoted

    # Settled one by one, in line order: the odd lines, the not-UTF-8 ones and the quoted rows.
    to_settle: list[tuple[int, str | bytes]] = [
        (number, line) for number, line in odd if not emptied[number]
    ]
    to_settle += [(int(number), block[starts[number] : ends[number]]) for number in not_utf8]
    if quoted is not None and quoted.any():
        quoted_rows = table.filter(arrays.array(quoted, pa.bool_()))
        texts = zip(*(column.to_pylist() for column in quoted_rows.columns), strict=True)
        # No quoting in Arrow's reader: the values joined back by "|" are the line as written.
        to_settle += zip(row_lines[quoted].tolist(), map(DELIMITER.join, texts), strict=True)
    to_settle.sort(key=lambda line: line[0])
    settled = _parse_lines(to_settle, len(header))

    return _Block(
        columns=_columns(table, keep, settled.values, len(header)),
        numbers=np.concatenate([row_lines[keep], np.array(settled.numbers, dtype=np.int64)]),
        rejects=settled.rejects,
        blank_lines=int(np.count_nonzero(empty_rows)) + settled.blank_lines,
        lines=lines,
    )


def _line_bounds(block: bytes) -> tuple[Lines, Lines]:
    """Where each physical line starts and where its text ends (before the line ending).

    Line endings are LF, CRLF or a lone CR, the same as for Arrow's reader (and for
    ``bytes.splitlines``).
    """
    data = np.frombuffer(block, dtype=np.uint8)
    if block.find(b"\r") == -1:  # LF only, the usual case
        ends = np.flatnonzero(data == _LF)
        after = ends + 1
    else:
        either = np.flatnonzero((data == _LF) | (data == _CR))
        second_of_crlf = (data[either] == _LF) & (either > 0) & (data[either - 1] == _CR)
        ends = either[~second_of_crlf]
        next_byte = data[np.minimum(ends + 1, len(data) - 1)]
        crlf = (data[ends] == _CR) & (ends + 1 < len(data)) & (next_byte == _LF)
        after = ends + 1 + crlf
    starts = np.concatenate([np.zeros(1, dtype=np.int64), after])
    if starts[-1] == len(block):
        return starts[:-1], ends.astype(np.int64, copy=False)
    # The last line of the file may have no line ending.
    return starts, np.append(ends, len(block)).astype(np.int64, copy=False)


def _not_utf8_lines(block: bytes, starts: Lines, ends: Lines) -> Lines:
    """The lines of ``block`` that Python can't decode as UTF-8.

    Only a line with a byte above 0x7F can fail, so only those are decoded, one by one: a decode
    error copies all the input it was given, so decoding the block as a whole and starting again
    after each bad line would cost the square of the block when most lines are bad.
    """
    high = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) >= 0x80)
    candidates = np.unique(np.searchsorted(starts, high, side="right") - 1).tolist()
    return np.array(
        [line for line in candidates if not _decodes(block[starts[line] : ends[line]])],
        dtype=np.int64,
    )


def _decodes(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _is_utf8(block: bytes) -> bool:
    """Arrow's UTF-8 check over the whole block as one string: about 1 ms for 8 MB."""
    offsets = pa.py_buffer(np.array([0, len(block)], dtype=np.int64))
    text = pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(block)])
    try:
        text.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _empty_lines_out(block: bytes, starts: Lines, ends: Lines) -> bytes:
    """``block`` with the text of the given lines removed; their line endings stay."""
    view = memoryview(block)
    pieces = []
    position = 0
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        pieces.append(view[position:start])
        position = end
    pieces.append(view[position:])
    return b"".join(pieces)


def _read_columns(text: bytes, header: tuple[str, ...]) -> tuple[pa.Table, list[tuple[int, str]]]:
    """Lines with exactly ``len(header)`` fields as string columns, in order, and every other
    line as (line, text): Arrow's invalid-row handler sees each of them with its number.

    ``text`` must be valid UTF-8 (already checked as a whole, which is cheaper than per value).
    """
    odd: list[tuple[int, str]] = []

    def set_aside(row: pcsv.InvalidRow) -> str:
        odd.append((row.number - 1, row.text))
        return "skip"

    table = pcsv.read_csv(
        pa.BufferReader(text),
        read_options=pcsv.ReadOptions(
            column_names=list(header),
            # One thread per block (blocks run in parallel), which also keeps row numbers known;
            # one Arrow block per block, so the columns come out in one chunk.
            use_threads=False,
            block_size=min(len(text) + 1, 1 << 30),
        ),
        parse_options=pcsv.ParseOptions(
            delimiter=DELIMITER,
            quote_char=False,
            escape_char=False,
            ignore_empty_lines=False,  # an empty line stays a row, so the numbering holds
            invalid_row_handler=set_aside,
        ),
        convert_options=pcsv.ConvertOptions(
            column_types={name: pa.string() for name in header},
            strings_can_be_null=False,
            check_utf8=False,
        ),
    )
    return table, odd


def _starts_with_quote(table: pa.Table, text: bytes) -> NDArray[np.bool_] | None:
    """Which rows have a field that starts with a quote (None: no quote in the block at all)."""
    if table.num_rows == 0 or QUOTE.encode() not in text:
        return None
    masks = [pc.starts_with(column, QUOTE) for column in table.columns]
    return arrays.flags(functools.reduce(pc.or_, masks))


def _parse_block_line_by_line(
    block: bytes, starts: Lines, ends: Lines, header: tuple[str, ...]
) -> _Block:
    """The slow, forgiving path for a whole block: every line through the Python tokenizer."""
    lines = ((i, block[start:end]) for i, (start, end) in enumerate(zip(starts, ends, strict=True)))
    settled = _parse_lines(lines, len(header))
    return _Block(
        columns=_columns(None, None, settled.values, len(header)),
        numbers=np.array(settled.numbers, dtype=np.int64),
        rejects=settled.rejects,
        blank_lines=settled.blank_lines,
        lines=len(starts),
    )


def _columns(
    table: pa.Table | None,
    keep: NDArray[np.bool_] | None,
    values: list[list[str]],
    width: int,
) -> list[pa.Array]:
    """The block's rows as one array per column: Arrow's rows where ``keep``, then the
    tokenized ``values``."""
    parts: list[list[pa.Array]] = [[] for _ in range(width)]
    if table is not None and keep is not None:
        # The few rows dropped split the kept ones into runs; copying the runs as slices is
        # several times cheaper than a filter (which goes value by value).
        edges = np.flatnonzero(np.diff(np.concatenate([[False], keep, [False]]).astype(np.int8)))
        runs = list(zip(edges[0::2].tolist(), edges[1::2].tolist(), strict=True))
        if len(runs) > _MAX_RUNS:
            table, runs = (
                table.filter(arrays.array(keep, pa.bool_())),
                [(0, int(np.count_nonzero(keep)))],
            )
        for i, column in enumerate(table.columns):
            whole = column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
            parts[i] += [whole.slice(start, end - start) for start, end in runs]
    for i, column in enumerate(zip(*values, strict=True) if values else ()):
        parts[i].append(arrays.array(column, pa.string()))
    # One copy at most; none when Arrow's rows are all kept and nothing was tokenized.
    return [
        column[0] if len(column) == 1 else pa.concat_arrays(column) if column else _NO_STRINGS
        for column in parts
    ]


# --- line by line --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Settled:
    values: list[list[str]]
    numbers: list[int]
    rejects: list[tuple[int, str, str]]  # (line, reason, text)
    blank_lines: int


def _parse_lines(lines: Iterable[tuple[int, str | bytes]], width: int) -> _Settled:
    """Tokenize lines one by one: each becomes a row, a rejected line, or a counted blank."""
    values: list[list[str]] = []
    numbers: list[int] = []
    rejects: list[tuple[int, str, str]] = []
    blank_lines = 0
    for number, raw in lines:
        if isinstance(raw, bytes):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as problem:
                reason = f"not valid UTF-8 (byte at column {problem.start + 1})"
                rejects.append((number, reason, raw.decode("utf-8", errors="backslashreplace")))
                continue
        else:
            line = raw
        if not line.strip():
            blank_lines += 1
            continue
        try:
            fields = split_line(line)
            if len(fields) != width:
                raise QuoteError(f"expected {width} fields, found {len(fields)}")
        except QuoteError as problem:
            rejects.append((number, str(problem), line))
            continue
        values.append(fields)
        numbers.append(number)
    return _Settled(values=values, numbers=numbers, rejects=rejects, blank_lines=blank_lines)


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


# --- header --------------------------------------------------------------------------------------


def _check_first_line(raw: bytes, expected: tuple[str, ...], source_file: str) -> None:
    if not raw.strip():
        raise SourceFileError(source_file, "the file is empty; expected a header line first")
    try:
        found = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SourceFileError(
            source_file, "the header line is not UTF-8; save the file as UTF-8"
        ) from None
    if not found.strip():  # only Unicode whitespace
        raise SourceFileError(source_file, "the file is empty; expected a header line first")
    _check_header(found, expected, source_file)


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
