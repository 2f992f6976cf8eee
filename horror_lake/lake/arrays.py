"""Arrow values from Python values and back, without pandas.

pyarrow imports pandas (0.15-0.25 s) the first time one of its converters of Python values runs:
``pa.array`` (of a list or a NumPy array alike), ``pa.scalar``, ``Table.from_pylist``, a Python
value in a ``pyarrow.compute`` expression, and ``to_pylist`` of a timestamp with a time zone. A
run needs nothing of pandas, so the few Arrow values the lake makes from Python values are built
here from their buffers, and timestamps are read back through their integers. A test runs the
job and checks that pandas stays out.
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EPOCH_DAY = dt.date(1970, 1, 1)
_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}


def array(values: Sequence[Any] | NDArray[Any], arrow_type: pa.DataType) -> pa.Array:
    """``pa.array(values, arrow_type)`` for the lake's types: strings, booleans, integers,
    floats, dates, timestamps, and lists and structs of them (a struct from a mapping; a key it
    lacks is null). None is null. A value of another type is a TypeError naming the Arrow type;
    so is a NumPy array that would not fit without loss."""
    count = len(values)
    if not isinstance(values, np.ndarray) or values.dtype == object:
        values = list(values)
    nulls = 0 if isinstance(values, np.ndarray) else values.count(None)
    valid = None
    if nulls:
        valid = np.fromiter((value is not None for value in values), np.bool_, count)
    validity = None if valid is None else _bits(valid)

    def filled(default: Any) -> Any:
        return values if valid is None else [default if v is None else v for v in values]

    if pa.types.is_list(arrow_type):
        items = filled(())
        child = array([item for value in items for item in value], arrow_type.value_type)
        offsets = _offsets([len(value) for value in items], np.int32)
        return pa.Array.from_buffers(
            arrow_type, count, [validity, offsets], nulls, children=[child]
        )
    if pa.types.is_struct(arrow_type):
        rows: Sequence[Mapping[str, Any]] = filled({})
        children = [
            array([row.get(field.name) for row in rows], field.type) for field in arrow_type
        ]
        return pa.Array.from_buffers(arrow_type, count, [validity], nulls, children=children)
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        texts = filled("")
        try:
            joined = "".join(texts)
        except TypeError:
            wrong = next(text for text in texts if not isinstance(text, str))
            raise TypeError(f"{wrong!r} is not a {arrow_type} value") from None
        utf8 = joined.encode()
        if len(utf8) == len(joined):  # all ASCII: a character is a byte
            lengths = np.fromiter(map(len, texts), np.int64, count)
        else:
            lengths = np.fromiter((len(text.encode()) for text in texts), np.int64, count)
        size = np.int64 if pa.types.is_large_string(arrow_type) else np.int32
        offsets = _offsets(lengths, size)
        return pa.Array.from_buffers(
            arrow_type, count, [validity, offsets, pa.py_buffer(utf8)], nulls
        )
    if isinstance(values, np.ndarray):
        if not np.can_cast(values.dtype, _numpy_type(arrow_type), "safe"):
            raise TypeError(f"a {values.dtype} array is not a {arrow_type} array without loss")
        data: Any = values
    elif pa.types.is_boolean(arrow_type):
        data = [_checked(value, (bool, np.bool_), arrow_type) for value in filled(False)]
    elif pa.types.is_integer(arrow_type):
        data = [_checked(value, (int, np.integer), arrow_type) for value in filled(0)]
    elif pa.types.is_floating(arrow_type):
        data = [_checked(value, (int, float, np.number), arrow_type) for value in filled(0.0)]
    elif pa.types.is_date32(arrow_type):
        data = [(_checked(v, (dt.date,), arrow_type) - _EPOCH_DAY).days for v in filled(_EPOCH_DAY)]
    elif pa.types.is_timestamp(arrow_type):
        data = [
            _ticks(_checked(value, (dt.datetime,), arrow_type), arrow_type)
            for value in filled(_EPOCH)
        ]
    else:
        raise TypeError(f"no {arrow_type} array is built from Python values here")
    if pa.types.is_boolean(arrow_type):
        return pa.Array.from_buffers(
            arrow_type, count, [validity, _bits(np.asarray(data, bool))], nulls
        )
    return pa.Array.from_buffers(
        arrow_type,
        count,
        [validity, pa.py_buffer(np.ascontiguousarray(data, _numpy_type(arrow_type)))],
        nulls,
    )


def scalar(value: Any, arrow_type: pa.DataType) -> pa.Scalar:
    """``pa.scalar(value, arrow_type)``, for :func:`array`'s types."""
    return array([value], arrow_type)[0]


def table(rows: Sequence[Mapping[str, Any]], schema: pa.Schema) -> pa.Table:
    """``pa.Table.from_pylist(rows, schema)``: a key a row lacks is null, other keys are left
    out."""
    columns = [array([row.get(field.name) for row in rows], field.type) for field in schema]
    return pa.Table.from_arrays(columns, schema=schema)


def to_python(data: pa.Table | pa.ChunkedArray | pa.Array) -> list[Any]:
    """``data.to_pylist()``, the same values (a timestamp with a time zone as a datetime in
    that zone); only top-level timestamps are read through their integers (the lake nests
    none)."""
    if isinstance(data, pa.Table):
        zoned = [field for field in data.schema if _zoned(field.type)]
        for field in zoned:
            index = data.schema.get_field_index(field.name)
            data = data.set_column(index, field.name, _naive(data.column(index)))
        rows = data.to_pylist()
        for field in zoned:
            zone = ZoneInfo(field.type.tz)
            for row in rows:
                row[field.name] = _in_zone(row[field.name], zone)
        return rows
    if not _zoned(data.type):
        return data.to_pylist()
    zone = ZoneInfo(data.type.tz)
    return [_in_zone(value, zone) for value in _naive(data).to_pylist()]


def where_equal(data: pa.Table, column: str, value: Any) -> pa.Table:
    """The rows of ``data`` whose ``column`` is ``value``: ``data.filter(pc.field(column) ==
    value)``, whose expression imports pandas to run."""
    wanted = scalar(value, data.schema.field(column).type)
    return data.filter(pc.equal(data.column(column), wanted))


def flags(data: pa.Array | pa.ChunkedArray) -> NDArray[np.bool_]:
    """``data.to_numpy()`` of booleans (null is False), read from their bits."""
    chunks = data.chunks if isinstance(data, pa.ChunkedArray) else [data]
    parts = [np.zeros(0, np.bool_)]
    for chunk in chunks:
        if chunk.null_count:
            chunk = pc.fill_null(chunk, scalar(False, pa.bool_()))
        bits = chunk.buffers()[1]
        if bits is not None:
            unpacked = np.unpackbits(np.frombuffer(bits, np.uint8), bitorder="little")
            parts.append(unpacked[chunk.offset : chunk.offset + len(chunk)].astype(np.bool_))
    return np.concatenate(parts)


def _zoned(arrow_type: pa.DataType) -> bool:
    return pa.types.is_timestamp(arrow_type) and arrow_type.tz is not None


def _naive(data: Any) -> Any:
    """The same instants as timestamps without a zone: their UTC wall time."""
    return data.cast(pa.timestamp(data.type.unit))


def _in_zone(value: dt.datetime | None, zone: ZoneInfo) -> dt.datetime | None:
    if value is None:
        return None
    if zone.key == "UTC":  # the lake's zone: its wall time is UTC's
        return value.replace(tzinfo=zone)
    return value.replace(tzinfo=dt.UTC).astimezone(zone)


def _bits(flags: NDArray[np.bool_]) -> pa.Buffer:
    return pa.py_buffer(np.packbits(flags, bitorder="little"))


def _offsets(lengths: Sequence[int] | NDArray[np.int64], size: Any) -> pa.Buffer:
    offsets = np.zeros(len(lengths) + 1, np.int64)
    np.cumsum(lengths, out=offsets[1:])
    if offsets[-1] > np.iinfo(size).max:
        raise OverflowError(f"{offsets[-1]} bytes or items are too many for one array")
    return pa.py_buffer(offsets.astype(size))


def _numpy_type(arrow_type: pa.DataType) -> Any:
    if pa.types.is_date32(arrow_type):
        return np.int32  # days since the epoch
    if pa.types.is_timestamp(arrow_type):
        return np.int64  # ticks of its unit since the epoch
    return arrow_type.to_pandas_dtype()  # a NumPy type; pandas is not imported for it


def _checked(value: Any, kinds: tuple[Any, ...], arrow_type: pa.DataType) -> Any:
    """``value`` if it is one of ``kinds``; a bool is not a number here, nor a datetime a date."""
    if (
        not isinstance(value, kinds)
        or (isinstance(value, (bool, np.bool_)) and bool not in kinds)
        or (isinstance(value, dt.datetime) and dt.datetime not in kinds)
    ):
        raise TypeError(f"{value!r} is not a {arrow_type} value")
    return value


def _ticks(value: dt.datetime, arrow_type: pa.DataType) -> int:
    """``value`` in ``arrow_type``'s unit since the epoch; a datetime without a zone is UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    micros = (value - _EPOCH) // dt.timedelta(microseconds=1)
    return micros * _PER_SECOND[arrow_type.unit] // 1_000_000
