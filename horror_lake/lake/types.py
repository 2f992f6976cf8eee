"""Column types as the lake's SQL (Spark, Hive, Glue, Athena) names them, and back to Arrow.

Sidecars declare column types in these names, the Glue catalog registers them, and unit-test
inputs are built from them, so there is one vocabulary for every reader of the lake.
"""

import re

import pyarrow as pa

_SIMPLE: dict[pa.DataType, str] = {
    pa.bool_(): "boolean",
    pa.int8(): "tinyint",
    pa.int16(): "smallint",
    pa.int32(): "int",
    pa.int64(): "bigint",
    pa.float32(): "float",
    pa.float64(): "double",
    pa.date32(): "date",
    pa.binary(): "binary",
}
_ARROW = {name: arrow for arrow, name in _SIMPLE.items()} | {
    "string": pa.string(),
    "timestamp": pa.timestamp("us", tz="UTC"),
}
_NESTED = re.compile(r"^(array|struct)<(.+)>$")


def sql_type(arrow_type: pa.DataType) -> str:
    """The SQL name of an Arrow type (``array<string>``, ``bigint``, ``timestamp`` ...)."""
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "string"
    if arrow_type in _SIMPLE:
        return _SIMPLE[arrow_type]
    if pa.types.is_timestamp(arrow_type):
        return "timestamp"
    if pa.types.is_decimal(arrow_type):
        return f"decimal({arrow_type.precision},{arrow_type.scale})"
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        return f"array<{sql_type(arrow_type.value_type)}>"
    if pa.types.is_struct(arrow_type):
        fields = ",".join(f"{f.name}:{sql_type(f.type)}" for f in arrow_type)
        return f"struct<{fields}>"
    raise ValueError(f"no SQL type for Arrow type {arrow_type}")


def arrow_type(name: str) -> pa.DataType:
    """The Arrow type the lake writes for a SQL type name (the inverse of ``sql_type``)."""
    text = name.strip().lower()
    if text in _ARROW:
        return _ARROW[text]
    nested = _NESTED.match(text)
    if nested and nested.group(1) == "array":
        return pa.list_(arrow_type(nested.group(2)))
    if nested:
        fields = []
        for part in _split_top_level(nested.group(2)):
            field_name, _, field_type = part.partition(":")
            fields.append(pa.field(field_name.strip(), arrow_type(field_type)))
        return pa.struct(fields)
    raise ValueError(
        f"unknown column type {name!r}; use one of {', '.join(sorted(_ARROW))}, array<...> "
        "or struct<name:type,...>"
    )


def _split_top_level(text: str) -> list[str]:
    """``a:int,b:array<struct<c:int,d:int>>`` split at the commas outside angle brackets."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += {"<": 1, ">": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts
