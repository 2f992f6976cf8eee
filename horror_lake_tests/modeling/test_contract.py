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


def text(result: dg.AssetCheckResult, rule: str) -> str:
    value = result.metadata[rule]
    return str(value.value if isinstance(value, dg.MetadataValue) else value)


def test_a_good_partition_passes_every_rule_with_one_query(
    tmp_path: Path, lake: LakeResource
) -> None:
    results = evaluate(tmp_path, lake, GOOD)
    assert set(results) == {"not_empty", "contract", "contract_warnings"}
    assert all(r.passed for r in results.values())
    assert set(results["contract"].metadata) == {
        "primary_key",
        "title_id_in_dim_t",
        "not_null",
        "accepted_values",
        "columns",
    }
    assert set(results["contract_warnings"].metadata) == {"value_ranges", "row_count_drop"}
    assert text(results["contract"], "primary_key").startswith("passed: 0 duplicate")
    assert results["not_empty"].metadata["row_count"].value == 3
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
    contract = results["contract"]
    assert not contract.passed and contract.severity == dg.AssetCheckSeverity.ERROR
    assert text(contract, "primary_key") == ("FAILED: 1 duplicate and 1 null keys; e.g. (tt1, 1)")
    assert text(contract, "title_id_in_dim_t") == "FAILED: 1 keys not found; e.g. tt9"
    assert text(contract, "not_null").startswith("FAILED: 1 rows break it on title_type")
    assert text(contract, "accepted_values").endswith("e.g. title_type: film")
    assert text(contract, "columns").startswith("passed")
    warnings = results["contract_warnings"]
    assert not warnings.passed and warnings.severity == dg.AssetCheckSeverity.WARN
    assert text(warnings, "value_ranges").endswith("e.g. rating: 11.0")
    failure = blocking_failure(list(results.values()))
    assert failure is not None
    message = failure.description or ""
    assert "refined/fato_t: rule primary_key 1 duplicate and 1 null keys; e.g. (tt1, 1)" in message
    assert "rule title_id_in_dim_t 1 keys not found; e.g. tt9" in message
    assert "value_ranges" not in message  # a warning does not block


def test_a_drop_against_the_previous_partition_warns(tmp_path: Path, lake: LakeResource) -> None:
    write(lake, "fato_t", {k: v * 4 for k, v in GOOD.items()}, "2024-03-01")
    warnings = evaluate(tmp_path, lake, GOOD)["contract_warnings"]
    assert not warnings.passed and warnings.severity == dg.AssetCheckSeverity.WARN
    assert text(warnings, "row_count_drop") == "FAILED: 3 rows against 12 in 2024-03-01"


def test_columns_must_be_the_documented_ones_with_their_types(
    tmp_path: Path, lake: LakeResource
) -> None:
    rows = {**GOOD, "genre_id": ["1", "2", "1"], "extra": [1, 2, 3]}
    columns = text(evaluate(tmp_path, lake, rows)["contract"], "columns")
    assert "undocumented columns ['extra']" in columns
    assert "genre_id: string (documented bigint)" in columns


def test_every_packaged_contract_measures_in_one_statement() -> None:
    for sidecar in sorted(PACKAGE_DIR.glob("*/models/*.yml")):
        rules = rules_of(read_sidecar(sidecar))
        measured = measure_sql(rules)
        assert measured is None or measured[0].count("select * from") == 1, sidecar
