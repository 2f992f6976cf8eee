"""Partition storage on a real local filesystem: replace, never half-written, read back."""

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from horror_lake.lake.location import LakeLocation
from horror_lake.lake.tables import LakeTable, describe


def partition(tmp_path: Path) -> LakeTable:
    return LakeTable(LakeLocation(str(tmp_path)), "trusted", "trusted_movies", "2024-01-01")


def test_writes_hive_style_path_and_reads_back(tmp_path: Path) -> None:
    table = partition(tmp_path)
    table.write(pa.table({"title_id": ["tt1", "tt2"], "vote_count": [10, 20]}))
    path = tmp_path / "trusted" / "trusted_movies" / "ingestion_date=2024-01-01"
    assert [p.name for p in path.iterdir()] == ["part-00000.parquet"]
    assert pq.read_table(path / "part-00000.parquet")["vote_count"].to_pylist() == [10, 20]
    facts = describe(table)
    assert facts.row_count == 2
    assert facts.uri == str(path)
    assert facts.schema.names == ["title_id", "vote_count"]


def test_rewriting_replaces_rows_and_removes_strays(tmp_path: Path) -> None:
    table = partition(tmp_path)
    table.write(pa.table({"title_id": ["tt1", "tt2", "tt3"]}))
    stray = Path(table.directory) / "part-00001-from-another-writer.parquet"
    pq.write_table(pa.table({"title_id": ["tt9"]}), stray)
    table.write(pa.table({"title_id": ["tt4"]}))
    assert table.read()["title_id"].to_pylist() == ["tt4"]
    assert not stray.exists()


def test_a_failed_write_leaves_the_old_partition_whole(tmp_path: Path) -> None:
    table = partition(tmp_path)
    table.write(pa.table({"title_id": ["tt1", "tt2"]}))
    schema = pa.schema([("title_id", pa.string())])

    def batches() -> Iterator[pa.RecordBatch]:
        yield pa.record_batch([pa.array(["tt7"] * 1000)], schema=schema)
        raise OSError("disk went away")

    with pytest.raises(OSError, match="disk went away"):
        table.write(pa.RecordBatchReader.from_batches(schema, batches()))
    assert table.read()["title_id"].to_pylist() == ["tt1", "tt2"]
    assert not list(tmp_path.rglob(".*")), "what was written aside was left behind"


def test_empty_tables_keep_their_schema(tmp_path: Path) -> None:
    table = partition(tmp_path)
    table.write(pa.table({"title_id": pa.array([], pa.string())}))
    assert describe(table).row_count == 0
    assert table.read().schema.names == ["title_id"]


def test_missing_partition_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="materialize it first"):
        partition(tmp_path).read()
