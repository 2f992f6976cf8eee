"""Test helpers that read the lake and the landing files the way a user would."""

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

TITLE_ID = re.compile(r"^tt[0-9]+$")
NULL = "\\N"


def read_table(lake: Path, zone: str, table: str, partition: str) -> pa.Table:
    path = lake / zone / table / f"ingestion_date={partition}" / "part-00000.parquet"
    return pq.read_table(path)


@dataclass(frozen=True)
class SourceLines:
    """A landing file parsed independently of the production parser (Python's csv module)."""

    header: list[str]
    rows: list[dict[str, str]]
    rejected: int
    blank: int


def read_source(path: Path) -> SourceLines:
    text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
    lines = text.splitlines()
    header = lines[0].split("|")
    rows, rejected, blank = [], 0, 0
    for line in lines[1:]:
        if not line.strip():
            blank += 1
            continue
        try:
            fields = next(csv.reader([line], delimiter="|", quotechar='"', strict=True))
        except csv.Error:
            rejected += 1
            continue
        if len(fields) != len(header):
            rejected += 1
            continue
        rows.append(dict(zip(header, fields, strict=True)))
    return SourceLines(header, rows, rejected, blank)


def value(raw: str) -> str | None:
    raw = raw.strip()
    return None if raw in (NULL, "") else raw


def as_int(raw: str) -> int | None:
    text = value(raw)
    return int(text) if text is not None and re.fullmatch(r"[+-]?[0-9]+", text) else None


def genres_of(raw: str) -> list[str]:
    text = value(raw)
    return sorted({g.strip() for g in text.split(",") if g.strip()}) if text else []


def titles(source: SourceLines) -> dict[str, dict[str, str]]:
    """First line per valid title id, as the trusted zone promises."""
    first: dict[str, dict[str, str]] = {}
    for row in source.rows:
        title_id = value(row["id"])
        if title_id and TITLE_ID.match(title_id) and title_id not in first:
            first[title_id] = row
    return first


def comparable(table: pa.Table) -> list[tuple]:
    """Rows in a fixed order, lists as tuples, without *_at columns (when a run happened)."""
    columns = [name for name in table.column_names if not name.endswith("_at")]

    def plain(value: object) -> object:
        return tuple(plain(v) for v in value) if isinstance(value, list) else value

    rows = [tuple(plain(v) for v in row.values()) for row in table.select(columns).to_pylist()]
    return sorted(rows, key=repr)


def same_type(duckdb_type: pa.DataType, spark_type: pa.DataType) -> bool:
    """Equal, ignoring list item names and nullability (Spark says `element: string not null`)."""
    if pa.types.is_list(duckdb_type) and pa.types.is_list(spark_type):
        return same_type(duckdb_type.value_type, spark_type.value_type)
    return duckdb_type == spark_type
