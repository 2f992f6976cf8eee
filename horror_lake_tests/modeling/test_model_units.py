"""Every SQL model's unit tests (the ``unit_tests`` of its sidecar, jaffle-shop style): tiny
hand-written inputs written as real Parquet partitions, the model run by the real engine, and
the rows compared with the ones the sidecar expects. DuckDB here; Spark in the slow tier."""

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from horror_lake import settings
from horror_lake.engines.base import SqlEngine
from horror_lake.engines.resource import build_engine
from horror_lake.lake.location import lake_location
from horror_lake.lake.tables import LakeTable
from horror_lake.lake.types import arrow_type
from horror_lake.modeling.project import LakeProject, Table, lake_project
from horror_lake.modeling.sidecar import UnitTest

PARTITION = "2024-03-01"


def unit_tests() -> list[Any]:
    return [
        pytest.param(table, test, id=f"{table.name}: {test.name}")
        for table in lake_project().sql_tables()
        for test in (table.sidecar.unit_tests if table.sidecar else ())
    ]


def test_every_sql_model_has_unit_tests() -> None:
    tested = {table.name for table, _ in (p.values for p in unit_tests())}
    assert tested == {table.name for table in lake_project().sql_tables()}


@pytest.fixture(scope="module")
def duckdb() -> Iterator[SqlEngine]:
    engine = build_engine(settings.Settings(), "duckdb")
    yield engine
    engine.close()


@pytest.mark.parametrize(("table", "test"), unit_tests())
def test_model_on_duckdb(table: Table, test: UnitTest, duckdb: SqlEngine, tmp_path: Path) -> None:
    check_unit_test(lake_project(), table, test, duckdb, tmp_path)


@pytest.fixture(scope="module")
def spark() -> Iterator[SqlEngine]:
    engine = build_engine(settings.Settings(spark_master="local[1]"), "spark")
    yield engine
    engine.close()


@pytest.mark.slow
@pytest.mark.parametrize(("table", "test"), unit_tests())
def test_model_on_spark(table: Table, test: UnitTest, spark: SqlEngine, tmp_path: Path) -> None:
    check_unit_test(lake_project(), table, test, spark, tmp_path)


def check_unit_test(
    project: LakeProject, table: Table, test: UnitTest, engine: SqlEngine, tmp_path: Path
) -> None:
    statement = table.statement
    assert statement is not None
    location = lake_location(str(tmp_path / "lake"))
    unknown = set(test.given) - set(statement.inputs)
    assert not unknown, f"{table.label}: unit test {test.name!r} gives tables it doesn't read"
    inputs = {}
    for name, (zone, input_name) in statement.inputs.items():
        rows = test.given.get(name, [])
        lake_table = LakeTable(location, zone, input_name, PARTITION)
        lake_table.write(input_table(project.table(zone, input_name), rows))
        inputs[name] = lake_table
    result = engine.run_model(statement.spark_sql, statement.label, inputs)
    output = LakeTable(location, table.zone, table.name, PARTITION)
    if isinstance(result, pa.Table):
        output.write(result)
    else:
        result.write_to(output)
    actual = output.read().to_pylist()
    assert matches(actual, test.expect), f"{table.label}: {test.name}\ngot {actual}"


def matches(actual: list[dict[str, Any]], expected: list[dict[str, Any]]) -> bool:
    """Each expected row matches its own actual row on the columns it names, in any order."""
    unmatched = list(actual)
    for want in expected:
        found = next(
            (
                row
                for row in unmatched
                if all(_plain(row.get(k)) == _plain(v) for k, v in want.items())
            ),
            None,
        )
        if found is None:
            return False
        unmatched.remove(found)
    return not unmatched


def input_table(table: Table, rows: list[dict[str, Any]]) -> pa.Table:
    """Rows as the input table's sidecar types them; columns left out are null."""
    assert table.sidecar is not None, f"{table.label} has no sidecar to type test inputs"
    schema = pa.schema([(c.name, arrow_type(c.type or "string")) for c in table.sidecar.columns])
    for row in rows:
        unknown = set(row) - set(schema.names)
        assert not unknown, f"{table.label} has no columns {sorted(unknown)}"
    return pa.Table.from_pylist([{**dict.fromkeys(schema.names), **row} for row in rows], schema)


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_plain(v) for v in value)
    if isinstance(value, float) and not math.isnan(value):
        return round(value, 9)
    return value
