"""`horror-lake sql` and the analytic views over a real lake built from the sample."""

import csv
import hashlib
import io
import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import sqlglot

from horror_lake.engines.lake_sql import QueryError, open_lake, run_query
from horror_lake.lake.location import lake_location
from horror_lake.modeling.project import lake_project
from horror_lake.settings import Settings, view_parameters
from horror_lake_tests.conftest import PARTITION, BuiltLake
from horror_lake_tests.lake_reading import read_table

CLI = str(Path(sys.executable).parent / "horror-lake")
LATER = "2024-04-01"


@pytest.fixture(scope="module")
def two_dates(built: BuiltLake, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built lake plus a copy of every partition under a later date."""
    lake = tmp_path_factory.mktemp("two_dates") / "lake"
    shutil.copytree(built.path, lake)
    for partition in lake.glob(f"*/*/ingestion_date={PARTITION}"):
        shutil.copytree(partition, partition.with_name(f"ingestion_date={LATER}"))
    return lake


VIEW_PARAMETERS = view_parameters(Settings())


def query(lake: Path, sql: str) -> list[tuple]:
    return run_query(
        open_lake(lake_location(str(lake)), lake_project().views, VIEW_PARAMETERS), sql
    )[1]


def test_every_table_is_a_view_with_its_partitions(two_dates: Path, built: BuiltLake) -> None:
    for folder in sorted(
        p for zone in ("raw", "trusted", "refined") for p in (built.path / zone).glob("*")
    ):
        zone, table = folder.parent.name, folder.name
        rows = read_table(built.path, zone, table, PARTITION).num_rows
        counts = query(
            two_dates,
            f"select cast(ingestion_date as varchar), count(*) from {table} group by 1 order by 1",
        )
        assert counts == ([(PARTITION, rows), (LATER, rows)] if rows else []), table
        latest = query(two_dates, f"select distinct ingestion_date::varchar from {table}_latest")
        assert latest == ([(LATER,)] if rows else []), table


def test_the_analytic_views_match_an_independent_count(built: BuiltLake) -> None:
    dim = read_table(built.path, "refined", "dim_filme", PARTITION).to_pylist()
    by_decade = Counter(
        (r["release_decade"], r["title_type"]) for r in dim if r["release_decade"] is not None
    )
    rows = query(
        built.path, "select release_decade, title_type, horror_titles from horror_by_decade"
    )
    assert {(d, t): n for d, t, n in rows} == by_decade
    co_genres = Counter(g for r in dim for g in r["genres"] if g != "Horror")
    rows = query(built.path, "select genre_name, horror_titles from subgenre_preferences")
    assert dict(rows) == co_genres
    lost = query(built.path, "select sum(titles_that_lost_money) from subgenre_money")[0][0]
    facts = read_table(built.path, "refined", "fato_filme_subgenero", PARTITION).to_pylist()
    assert lost == sum(1 for r in facts if r["profit_usd"] is not None and r["profit_usd"] < 0)


def test_views_become_athena_ddl_that_parses() -> None:
    views = lake_project().views
    assert {v.name for v in views} >= {"subgenre_preferences", "horror_by_decade", "subgenre_money"}
    for view in views:
        ddl = view.athena_ddl("horror", VIEW_PARAMETERS)
        assert ddl.startswith(f"CREATE OR REPLACE VIEW horror.{view.name} AS")
        tree = sqlglot.parse_one(ddl, read="athena")
        assert tree.key == "create"


def test_writes_are_refused_and_errors_are_duckdbs(built: BuiltLake) -> None:
    con = open_lake(lake_location(str(built.path)), lake_project().views, VIEW_PARAMETERS)
    for sql in ("copy (select 1) to 'x.csv'", "create table t as select 1", "attach 'x.db'"):
        with pytest.raises(QueryError, match="only SELECT"):
            run_query(con, sql)
    with pytest.raises(QueryError, match='column "nope" not found'):
        run_query(con, "select nope from dim_filme")


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=120)


def lake_fingerprint(lake: Path) -> dict[str, str]:
    return {
        str(p.relative_to(lake)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(lake.rglob("*"))
        if p.is_file()
    }


def test_the_cli_prints_table_csv_and_json_and_never_touches_the_lake(built: BuiltLake) -> None:
    before = lake_fingerprint(built.path)
    sql = "select title_type, count(*) as titles from dim_filme group by 1 order by 1"
    outputs = {}
    for format in ("table", "csv", "json"):
        done = cli("sql", sql, "--root", str(built.path), "--format", format)
        assert done.returncode == 0, done.stderr
        outputs[format] = done.stdout
    dim = read_table(built.path, "refined", "dim_filme", PARTITION)
    expected = Counter(dim["title_type"].to_pylist())
    assert {
        r["title_type"]: int(r["titles"]) for r in csv.DictReader(io.StringIO(outputs["csv"]))
    } == expected
    assert {r["title_type"]: r["titles"] for r in json.loads(outputs["json"])} == expected
    table = outputs["table"].splitlines()
    assert table[0].split() == ["title_type", "|", "titles"] and table[-1] == "(2 rows)"

    script = built.path.parent / "titles.sql"
    script.write_text("-- titles per type\n" + sql + ";\n")
    from_file = cli("sql", "-f", str(script), "--root", str(built.path), "--format", "csv")
    assert from_file.returncode == 0 and from_file.stdout == outputs["csv"]
    script.unlink()

    failed = cli("sql", "delete from dim_filme", "--root", str(built.path))
    assert failed.returncode == 1 and "only SELECT" in failed.stderr
    broken = cli("sql", "select * from no_such_table", "--root", str(built.path))
    assert broken.returncode == 1 and "no_such_table" in broken.stderr
    assert lake_fingerprint(built.path) == before
