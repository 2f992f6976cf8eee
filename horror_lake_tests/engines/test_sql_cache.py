"""The SQL cache: a second process parses no SQL, yet an edited model, macro or view is always
read fresh, a damaged entry or an unwritable folder costs only time, and an older code version's
folder goes. Real files and real processes."""

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from horror_lake.engines import sql_cache
from horror_lake.engines.sql import (
    PARTITION_PARAMETER,
    filled,
    for_duckdb,
    one_partition,
)
from horror_lake.sample.generator import SampleSummary
from horror_lake_tests.lake_reading import comparable
from horror_lake_tests.modeling.test_project import load, package


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A cache folder of this test's own (the folder is chosen once per process)."""
    root = tmp_path / "sql-cache"
    monkeypatch.setenv("HORROR_LAKE_SQL_CACHE", str(root))
    sql_cache.cache_folder.cache_clear()
    yield root
    sql_cache.cache_folder.cache_clear()


def entries(root: Path) -> list[Path]:
    return sorted(root.glob("*/*.json"))


def test_an_edited_model_or_macro_is_resolved_again(cache: Path, tmp_path: Path) -> None:
    root = package(tmp_path, {"refined/models/report.sql": "select shout(id) as n from raw_movies"})
    macros = root / "macros.sql"
    real_macros = macros.read_text()
    macros.write_text(real_macros + "\nmacro shout(x) as upper(x);\n")
    first = load(root).table("refined", "report").statement
    assert first is not None and "UPPER(id)" in first.spark_sql and entries(cache)
    assert load(root).table("refined", "report").statement == first  # read back from disk

    macros.write_text(real_macros + "\nmacro shout(x) as lower(x);\n")
    edited = load(root).table("refined", "report").statement
    assert edited is not None and "LOWER(id)" in edited.spark_sql

    (root / "refined/models/report.sql").write_text("select genero as n from raw_movies")
    edited = load(root).table("refined", "report").statement
    assert edited is not None and "genero" in edited.spark_sql and "id" not in edited.spark_sql


def test_a_damaged_entry_or_an_unwritable_folder_costs_only_time(
    cache: Path, tmp_path: Path
) -> None:
    root = package(tmp_path, {"refined/models/report.sql": "select id as n from raw_movies"})
    expected = load(root).table("refined", "report").statement
    for entry in entries(cache):
        entry.write_text('{"half an entr')
    assert load(root).table("refined", "report").statement == expected
    assert all(json.loads(entry.read_text()) for entry in entries(cache))  # written again

    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HORROR_LAKE_SQL_CACHE", str(blocked / "sql"))
        sql_cache.cache_folder.cache_clear()
        assert sql_cache.cache_folder() is None
        assert load(root).table("refined", "report").statement == expected


def test_a_new_code_version_keeps_only_the_newest_older_folders(cache: Path) -> None:
    """Another checkout's folder survives (no two checkouts remove each other's), the oldest
    beyond KEPT_VERSIONS do not."""
    older = [cache / f"{i:016x}" for i in range(sql_cache.KEPT_VERSIONS + 2)]
    for age, folder in enumerate(older):  # older[0] the newest
        folder.mkdir(parents=True)
        (folder / "entry.json").write_text("{}")
        os.utime(folder, (1_000_000 - age, 1_000_000 - age))
    current = sql_cache.cache_folder()
    assert current is not None and current.is_dir()
    kept = [p.name for p in older if p.exists()]
    assert kept == [p.name for p in older[: sql_cache.KEPT_VERSIONS - 1]]
    assert sorted(p.name for p in cache.iterdir()) == sorted([*kept, current.name])


def test_off_means_no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HORROR_LAKE_SQL_CACHE", "off")
    sql_cache.cache_folder.cache_clear()
    try:
        assert sql_cache.cache_folder() is None
    finally:
        sql_cache.cache_folder.cache_clear()


RUN = """
import json, sys
from horror_lake_tests.conftest import run_job
assert run_job(sys.argv[1], sys.argv[2]).success
print(json.dumps({"sqlglot": "sqlglot" in sys.modules}))
"""


@pytest.mark.slow
def test_a_second_process_runs_the_job_without_parsing_sql(
    tmp_path: Path, sample: SampleSummary
) -> None:
    """The whole job twice, each in a new process, over a cold then a warm cache: the second
    never imports sqlglot, and both write the same rows in every table (but when each was
    written) and the same page (but when it was made)."""
    env = {**os.environ, "HORROR_LAKE_SQL_CACHE": str(tmp_path / "cache")}
    landing = str(sample.movies.path.parent)
    imported = []
    for run in ("cold", "warm"):
        done = subprocess.run(
            [sys.executable, "-c", RUN, str(tmp_path / run), landing],
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        imported.append(json.loads(done.stdout.strip().splitlines()[-1])["sqlglot"])
    assert imported == [True, False]
    cold, warm = tmp_path / "cold", tmp_path / "warm"
    files = sorted(p.relative_to(cold) for p in cold.rglob("*.parquet"))
    assert len(files) >= 15
    assert files == sorted(p.relative_to(warm) for p in warm.rglob("*.parquet"))
    for file in files:
        assert comparable(pq.read_table(cold / file)) == comparable(pq.read_table(warm / file))
    page = next(cold.rglob("index.html")).relative_to(cold)
    assert same_page((cold / page).read_text()) == same_page((warm / page).read_text())


def same_page(html: str) -> str:
    return re.sub(r'"generated_at": "[^"]*"', "", html)


VALIDATION = "select count(*) as n, count(*) = 0 as failing from dim_filme"


def test_dates_are_never_part_of_a_key(cache: Path) -> None:
    """A validation run for date after date, on DuckDB (bound) and for Athena (written in):
    the entries made for the first date serve every other."""
    tables = {"dim_filme": "horror.dim_filme"}
    made = []
    for date in ("2024-03-01", "2024-03-02", "2024-03-03"):
        template = one_partition(VALIDATION, "v.sql", tables, "ingestion_date")
        duckdb_sql, values = for_duckdb(template, {PARTITION_PARAMETER: date}, "v.sql")
        assert values == {PARTITION_PARAMETER: date}
        athena_sql = filled(template, {PARTITION_PARAMETER: date}, "v.sql", "athena")
        assert f"'{date}'" in athena_sql and date not in duckdb_sql
        made.append(len(entries(cache)))
    assert made[0] > 0 and made == [made[0]] * 3
