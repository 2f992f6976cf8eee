"""The DuckDB engine's bounds: its memory limit and spill folder come from the settings, and a
model bigger than the limit spills and finishes; models read S3 inputs as pyarrow datasets; a
query sees the inputs it is given and no others."""

import os
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from horror_lake import settings
from horror_lake.engines.base import ModelError
from horror_lake.engines.resource import build_engine
from horror_lake.lake.location import LakeLocation
from horror_lake.lake.resources import LakeResource
from horror_lake.lake.tables import LakeTable
from horror_lake_tests.servers import new_bucket

PARTITION = "2024-01-01"


def test_a_model_bigger_than_the_memory_limit_spills_to_the_folder_set_and_finishes(
    tmp_path: Path,
) -> None:
    spill = tmp_path / "spill"
    now = settings.current(
        {
            "HORROR_LAKE_DUCKDB_MEMORY_LIMIT": "100MB",
            "HORROR_LAKE_DUCKDB_TEMP_DIRECTORY": str(spill),
        }
    )
    engine = build_engine(now, "duckdb")
    try:
        limit, folder = engine.query(
            "select current_setting('memory_limit'), current_setting('temp_directory')", {}
        )[0]
        assert limit in ("95.3 MiB", "100.0 MB"), limit
        assert Path(folder) == spill
        # ~5 M rows of 60-byte strings, sorted: about three times the limit.
        model = (
            "select id, repeat(cast(id % 7919 as string), 12) as text "
            "from range(5000000) as t(id) order by text, id desc"
        )
        target = LakeTable(LakeLocation(str(tmp_path / "lake")), "trusted", "big", PARTITION)
        engine.run_model(model, "trusted/big", {}).write_to(target)
    finally:
        engine.close()
    assert pq.ParquetFile(target.data_path).metadata.num_rows == 5_000_000
    assert not spill.exists()  # DuckDB removes its spill folder when the run's engine closes


def test_by_default_duckdb_is_held_to_a_gigabyte_and_spills_in_a_folder_of_its_own() -> None:
    engine = build_engine(settings.current({}), "duckdb")
    try:
        limit, folder = engine.query(
            "select current_setting('memory_limit'), current_setting('temp_directory')", {}
        )[0]
    finally:
        engine.close()
    assert limit in ("953.6 MiB", "1000.0 MB"), limit
    assert Path(folder).parent == Path(tempfile.gettempdir())
    assert str(os.getpid()) in Path(folder).name


def test_a_model_reads_its_inputs_from_s3(s3_endpoint: str) -> None:
    bucket = new_bucket(s3_endpoint)
    location = LakeResource(root=f"s3://{bucket}/lake").location()
    titles = LakeTable(location, "trusted", "titles", PARTITION)
    titles.write(
        pa.table({"title_id": [f"tt{i:07d}" for i in range(1000)], "year": list(range(1000))})
    )
    engine = build_engine(settings.current(), "duckdb")
    try:
        target = LakeTable(location, "refined", "late", PARTITION)
        engine.run_model(
            "select title_id from titles where year >= 990", "refined/late", {"titles": titles}
        ).write_to(target)
        assert engine.query("select count(*) from titles", {"titles": titles}) == [(1000,)]
    finally:
        engine.close()
    assert target.read()["title_id"].to_pylist() == [f"tt{i:07d}" for i in range(990, 1000)]


def test_a_query_sees_only_the_inputs_it_is_given(tmp_path: Path) -> None:
    """A model that forgets to name an input fails, instead of reading whatever partition an
    earlier query of the run bound under that name."""
    titles = LakeTable(LakeLocation(str(tmp_path / "lake")), "trusted", "titles", PARTITION)
    titles.write(pa.table({"title_id": ["tt1", "tt2"]}))
    engine = build_engine(settings.current({}), "duckdb")
    try:
        assert engine.query("select count(*) from titles", {"titles": titles}) == [(2,)]
        with pytest.raises(ModelError, match="titles"):
            engine.query("select count(*) from titles", {})
    finally:
        engine.close()
