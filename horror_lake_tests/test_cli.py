"""The lake built the way a user builds it: `dagster job execute` and `dagster asset
materialize` in a subprocess, then the Parquet files read back."""

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from horror_lake.sample.generator import SampleSummary
from horror_lake_tests.lake_reading import read_table

BIN = Path(sys.executable).parent


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True, timeout=300
    )


@pytest.mark.slow
def test_job_execute_without_flags_builds_today(tmp_path: Path, sample: SampleSummary) -> None:
    env = {
        "HORROR_LAKE_LANDING": str(sample.movies.path.parent),
        "HORROR_LAKE_ROOT": "my_lake",
        "DAGSTER_HOME": str(tmp_path / "home"),
    }
    (tmp_path / "home").mkdir()
    done = run(
        [str(BIN / "dagster"), "job", "execute", "-m", "horror_lake", "-j", "horror_lake_job"],
        tmp_path,
        env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    today = dt.datetime.now(dt.UTC).date().isoformat()
    fato = read_table(tmp_path / "my_lake", "refined", "fato_filme", today)
    dim = read_table(tmp_path / "my_lake", "refined", "dim_filme", today)
    assert fato.num_rows > dim.num_rows > 0
    assert set(fato["title_id"].to_pylist()) == set(dim["title_id"].to_pylist())


@pytest.mark.slow
def test_tags_and_asset_materialize_pick_the_partition(
    tmp_path: Path, sample: SampleSummary
) -> None:
    env = {
        "HORROR_LAKE_LANDING": str(sample.movies.path.parent),
        "HORROR_LAKE_ROOT": str(tmp_path / "lake"),
        "DAGSTER_HOME": str(tmp_path / "home"),
    }
    (tmp_path / "home").mkdir()
    tags = json.dumps({"dagster/partition": "2023-05-04"})
    done = run(
        [
            str(BIN / "dagster"),
            "job",
            "execute",
            "-m",
            "horror_lake",
            "-j",
            "horror_lake_job",
            "--tags",
            tags,
        ],
        tmp_path,
        env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert read_table(tmp_path / "lake", "refined", "dim_genero", "2023-05-04").num_rows > 0

    done = run(
        [
            str(BIN / "dagster"),
            "asset",
            "materialize",
            "-m",
            "horror_lake",
            "--select",
            "raw/raw_series",
            "--partition",
            "2023-05-05",
        ],
        tmp_path,
        env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert read_table(tmp_path / "lake", "raw", "raw_series", "2023-05-05").num_rows == (
        read_table(tmp_path / "lake", "raw", "raw_series", "2023-05-04").num_rows
    )
    for unselected in ("raw/raw_series_rejects", "trusted/trusted_series"):
        assert not (tmp_path / "lake" / unselected / "ingestion_date=2023-05-05").exists()


@pytest.mark.slow
def test_dg_launch_runs_the_job_for_a_partition(tmp_path: Path, sample: SampleSummary) -> None:
    """`dg launch` (what `dagster job execute` now points to) from the project folder."""
    repo = Path(__file__).resolve().parents[1]
    env = {
        "HORROR_LAKE_LANDING": str(sample.movies.path.parent),
        "HORROR_LAKE_ROOT": str(tmp_path / "lake"),
        "DAGSTER_HOME": str(tmp_path / "home"),
    }
    (tmp_path / "home").mkdir()
    launch = [str(BIN / "dg"), "launch", "--job", "horror_lake_job", "--partition", "2023-06-07"]
    done = run(launch, repo, env)
    assert done.returncode == 0, done.stderr[-3000:]
    fato = read_table(tmp_path / "lake", "refined", "fato_filme", "2023-06-07")
    assert fato.num_rows > 0
    execute = [str(BIN / "dagster"), "job", "execute", "-m", "horror_lake", "-j", "horror_lake_job"]
    warned = run([*execute, "--tags", '{"dagster/partition": "2023-06-08"}'], tmp_path, env)
    assert warned.returncode == 0
    assert "dg launch" in warned.stderr  # the supersession warning points users to dg launch
