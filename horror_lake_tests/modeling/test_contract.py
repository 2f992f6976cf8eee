"""A table's contract, evaluated for real: Parquet partitions on disk, DuckDB measuring every rule
in one query, and the failures a user would read."""

from pathlib import Path

import dagster as dg
import pyarrow as pa
import pytest

from horror_lake.engines.resource import EngineResource
from horror_lake.lake.resources import LakeResource
from horror_lake.modeling.checks import blocking_failure, evaluate_contract
from horror_lake.modeling.contract import measure_sql, rules_of
from horror_lake.modeling.project import PACKAGE_DIR, Table
from horror_lake.modeling.sidecar import read_sidecar

PARTITION = "2024-03-02"
SIDECAR = """description: Facts.
grain: one row per title x genre
primary_key: [title_id, genre_id]
row_count_drop: {max_share: 0.5}
columns:
  - {name: title_id, type: string, description: t, references: refined.dim_t.title_id}
  - {name: genre_id, type: bigint, description: g}
  - name: title_type
    type: string
    description: k
    not_null: true
    accepted_values: [movie, series]
  - {name: rating, type: double, description: r, range: {min: 0, max: 10, severity: warn}}
"""


class CountingEngine(EngineResource):
    """The real DuckDB engine, counting the queries it runs (one per table is the promise)."""

    def query(self, spark_sql: str, inputs: object) -> list[tuple[object, ...]]:  # type: ignore[override]
        QUERIES.append(spark_sql)
        return super().query(spark_sql, inputs)  # type: ignore[arg-type]


QUERIES: list[str] = []


@pytest.fixture
def lake(tmp_path: Path) -> LakeResource:
    return LakeResource(root=str(tmp_path / "lake"))


def facts_table(tmp_path: Path) -> Table:
    path = tmp_path / "fato_t.yml"
    path.write_text(SIDECAR, encoding="utf-8")
    return Table("refined", "fato_t", None, path, read_sidecar(path), tmp_path)


def write(lake: LakeResource, name: str, rows: dict[str, list[object]], partition: str) -> None:
    lake.table(dg.AssetKey(["refined", name]), partition).write(pa.table(rows))


def evaluate(tmp_path: Path, lake: LakeResource, rows: dict[str, list[object]]) -> dict:
    write(lake, "dim_t", {"title_id": ["tt1", "tt2"]}, PARTITION)
    write(lake, "fato_t", rows, PARTITION)
    QUERIES.clear()
    table = facts_table(tmp_path)
    written = lake.table(dg.AssetKey(["refined", "fato_t"]), PARTITION)
    results = evaluate_contract(table, written, lake, CountingEngine())
    return {r.check_name: r for r in results}


GOOD = {
    "title_id": ["tt1", "tt1", "tt2"],
    "genre_id": [1, 2, 1],
    "title_type": ["movie", "movie", "series"],
    "rating": [7.5, 7.5, 0.0],
}


def test_a_good_partition_passes_every_rule_with_one_query(
    tmp_path: Path, lake: LakeResource
) -> None:
    results = evaluate(tmp_path, lake, GOOD)
    assert set(results) == {
        "not_empty",
        "primary_key",
        "title_id_in_dim_t",
        "not_null",
        "accepted_values",
        "value_ranges",
        "row_count_drop",
        "columns",
    }
    assert all(r.passed for r in results.values())
    assert len(QUERIES) == 1  # every rule measured at once
    assert blocking_failure(list(results.values())) is None


def test_broken_rules_fail_with_counts_and_offending_keys(
    tmp_path: Path, lake: LakeResource
) -> None:
    bad = {
        "title_id": ["tt1", "tt1", "tt9", None],
        "genre_id": [1, 1, 1, 2],
        "title_type": ["movie", "movie", "film", None],
        "rating": [7.5, 7.5, 11.0, 3.0],
    }
    results = evaluate(tmp_path, lake, bad)
    failed = {name for name, r in results.items() if not r.passed}
    assert failed == {
        "primary_key",
        "title_id_in_dim_t",
        "not_null",
        "accepted_values",
        "value_ranges",
    }
    pk = results["primary_key"].metadata
    assert (pk["duplicate_keys"].value, pk["null_keys"].value) == (1, 1)
    assert pk["examples"].value == "(tt1, 1)"
    assert results["title_id_in_dim_t"].metadata["examples"].value == "tt9"
    assert results["accepted_values"].metadata["examples"].value == "title_type: film"
    assert results["value_ranges"].severity == dg.AssetCheckSeverity.WARN
    failure = blocking_failure(list(results.values()))
    assert failure is not None
    text = failure.description or ""
    assert "refined/fato_t: rule primary_key failed" in text and "(tt1, 1)" in text
    assert "rule title_id_in_dim_t failed" in text and "examples tt9" in text
    assert "value_ranges" not in text  # a warning does not block


def test_a_drop_against_the_previous_partition_warns(tmp_path: Path, lake: LakeResource) -> None:
    write(lake, "fato_t", {k: v * 4 for k, v in GOOD.items()}, "2024-03-01")
    results = evaluate(tmp_path, lake, GOOD)
    drop = results["row_count_drop"]
    assert not drop.passed and drop.severity == dg.AssetCheckSeverity.WARN
    assert drop.metadata["previous_row_count"].value == 12
    assert drop.metadata["previous_partition"].value == "2024-03-01"


def test_columns_must_be_the_documented_ones_with_their_types(
    tmp_path: Path, lake: LakeResource
) -> None:
    rows = {**GOOD, "genre_id": ["1", "2", "1"], "extra": [1, 2, 3]}
    result = evaluate(tmp_path, lake, rows)["columns"]
    assert not result.passed
    problems = result.metadata["problems"].value
    assert "undocumented columns ['extra']" in problems
    assert "genre_id: string (documented bigint)" in problems


def test_every_packaged_contract_measures_in_one_statement() -> None:
    for sidecar in sorted(PACKAGE_DIR.glob("*/models/*.yml")):
        rules = rules_of(read_sidecar(sidecar))
        measured = measure_sql(rules)
        assert measured is None or measured[0].count("select * from") == 1, sidecar
