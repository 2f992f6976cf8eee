"""Reading the lake from pandas, as an analyst would in a notebook: no Dagster loaded."""

import subprocess
import sys
from pathlib import Path

import pytest

from horror_lake import read_table
from horror_lake_tests.conftest import PARTITION, BuiltLake
from horror_lake_tests.lake_reading import read_table as read_parquet


def test_the_newest_partition_or_a_given_date(built: BuiltLake, tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    folder = built.path / "refined" / "dim_genero" / f"ingestion_date={PARTITION}"
    later = lake / "refined" / "dim_genero" / "ingestion_date=2024-03-09"
    later.mkdir(parents=True)
    (later / "part-00000.parquet").write_bytes((folder / "part-00000.parquet").read_bytes())
    genres = read_parquet(built.path, "refined", "dim_genero", PARTITION)
    frame = read_table("dim_genero", root=str(lake))
    assert type(frame).__name__ == "DataFrame"
    assert sorted(frame["genre_name"]) == sorted(genres["genre_name"].to_pylist())
    films = read_table("refined/dim_filme", date=PARTITION, root=str(built.path))
    assert len(films) == read_parquet(built.path, "refined", "dim_filme", PARTITION).num_rows
    with pytest.raises(
        LookupError, match=r"no partition 2024-03-01 .* \(it has 2024-03-09 to 2024-03-09\)"
    ):
        read_table("dim_genero", date="2024-03-01", root=str(lake))
    with pytest.raises(LookupError, match="no table 'dim_nothing'"):
        read_table("dim_nothing", root=str(built.path))


def test_it_reads_with_the_settings_and_without_dagster(built: BuiltLake) -> None:
    script = (
        "import sys\n"
        "from horror_lake import read_table\n"
        "frame = read_table('fato_filme')\n"
        "print(len(frame), 'dagster' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        env={"HORROR_LAKE_ROOT": str(built.path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    rows = read_parquet(built.path, "refined", "fato_filme", PARTITION).num_rows
    assert done.stdout.split() == [str(rows), "False"]
