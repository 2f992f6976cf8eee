"""docs/data_dictionary.md describes every column of every table, and nothing else."""

import re
from pathlib import Path

import pyarrow as pa

from horror_lake_tests.conftest import PARTITION, BuiltLake
from horror_lake_tests.lake_reading import read_table

DICTIONARY = Path(__file__).resolve().parents[1] / "docs" / "data_dictionary.md"


def documented_tables() -> dict[str, list[tuple[str, str]]]:
    tables: dict[str, list[tuple[str, str]]] = {}
    current = None
    for line in DICTIONARY.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^### (\w+/\w+)$", line)
        if heading:
            current = heading.group(1)
            tables[current] = []
            continue
        if line.startswith("#"):
            current = None  # another section (views, the dashboard): not a table
            continue
        row = re.match(r"^\| (\w+) \| ([^|]+) \|", line)
        if current and row and row.group(1) != "column":
            tables[current].append((row.group(1), row.group(2).strip()))
    return tables


def test_dictionary_matches_the_written_tables(built: BuiltLake) -> None:
    documented = documented_tables()
    on_disk = {
        f"{zone.name}/{table.name}"
        for zone in built.path.iterdir()
        if zone.name != "dashboards"  # HTML pages, described in their own section
        for table in zone.iterdir()
    }
    assert set(documented) == on_disk
    for name, columns in documented.items():
        zone, table = name.split("/")
        schema = read_table(built.path, zone, table, PARTITION).schema
        written = [(field.name, arrow_type(field.type)) for field in schema]
        assert written == columns, name


def arrow_type(type_: pa.DataType) -> str:
    """Arrow's spelling, with list item names (item/element) left out as the page writes them."""
    return re.sub(r"list<\w+: ", "list<", str(type_))
