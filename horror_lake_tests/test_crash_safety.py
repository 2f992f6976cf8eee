"""A run killed at any point (SIGKILL of a real `dagster job execute`) and started again ends
with exactly the tables an uninterrupted run writes. The moment to kill is read from real
signals: a file being written aside or a partition appearing on disk, or the run's own step
events on stderr."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from horror_lake.sample.generator import write_sample
from horror_lake.sample.tmdb_snapshot import write_tmdb_snapshot
from horror_lake_tests.conftest import PARTITION

pytestmark = pytest.mark.slow  # kills real dagster processes on a 38,000-title sample

DAGSTER = str(Path(sys.executable).parent / "dagster")
JOB = [DAGSTER, "job", "execute", "-m", "horror_lake", "-j", "horror_lake_job"]
TAGS = ["--tags", f'{{"dagster/partition": "{PARTITION}"}}']


@pytest.fixture(scope="module")
def big_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Big enough that writing raw_movies takes long enough to be caught in the act."""
    landing = tmp_path_factory.mktemp("crash_landing")
    write_sample(landing, movies=30_000, series=8_000, seed=3)
    write_tmdb_snapshot(landing, seed=3)
    return landing


def environment(lake: Path, landing: Path, home: Path) -> dict[str, str]:
    home.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "HORROR_LAKE_ROOT": str(lake),
        "HORROR_LAKE_LANDING": str(landing),
        "DAGSTER_HOME": str(home),
    }
    for name in ("TMDB_API_TOKEN", "TMDB_API_KEY", "HORROR_LAKE_ENGINE"):
        env.pop(name, None)
    return env


def run_to_the_end(env: dict[str, str]) -> None:
    done = subprocess.run(JOB + TAGS, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]


def run_and_kill(env: dict[str, str], moment: Callable[[list[str]], bool]) -> None:
    """Start the job; SIGKILL it the moment ``moment(stderr lines so far)`` is true."""
    process = subprocess.Popen(
        JOB + TAGS, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    lines: list[str] = []
    assert process.stderr is not None
    reader = threading.Thread(target=lambda: lines.extend(process.stderr or []), daemon=True)
    reader.start()
    deadline = time.monotonic() + 300
    while not moment(lines):
        assert process.poll() is None, "the run finished before the moment to kill it"
        assert time.monotonic() < deadline
        time.sleep(0.001)
    process.send_signal(signal.SIGKILL)
    process.wait()


def step_event(event: str, step: str) -> Callable[[list[str]], bool]:
    marker = f"{event} - " + ("Started" if event == "STEP_START" else "Finished")
    return lambda lines: any(marker in line and f'step "{step}"' in line for line in lines)


def written_aside(lake: Path, zone: str, table: str) -> Callable[[list[str]], bool]:
    """The partition is being written: its hidden file beside the final one exists."""
    folder = lake / zone / table / f"ingestion_date={PARTITION}"

    def present(lines: list[str]) -> bool:
        try:
            return any(entry.name.startswith(".part-00000") for entry in os.scandir(folder))
        except FileNotFoundError:
            return False

    return present


def partition_written(lake: Path, zone: str, table: str) -> Callable[[list[str]], bool]:
    """The partition is in place, and its step is checking the contract."""
    data = lake / zone / table / f"ingestion_date={PARTITION}" / "part-00000.parquet"
    return lambda lines: data.exists()


def tables(lake: Path) -> dict[str, list[tuple]]:
    """Every partition's rows (order-insensitive), without *_at columns (run times)."""
    found = {}
    for folder in sorted(lake.glob(f"*/*/ingestion_date={PARTITION}")):
        files = [p.name for p in folder.iterdir() if not p.name.startswith(".")]
        if not files:
            continue  # a partition being written for the first time: only its hidden file
        assert files == ["part-00000.parquet"], (folder, files)  # never half a partition
        table = pq.read_table(folder / "part-00000.parquet")
        columns = [c for c in table.column_names if not c.endswith("_at")]
        rows = [
            tuple(tuple(v) if isinstance(v, list) else v for v in row.values())
            for row in table.select(columns).to_pylist()
        ]
        found[f"{folder.parent.parent.name}/{folder.parent.name}"] = sorted(rows, key=repr)
    return found


@pytest.fixture(scope="module")
def uninterrupted(big_landing: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("uninterrupted")
    run_to_the_end(environment(folder / "lake", big_landing, folder / "home"))
    return tables(folder / "lake")


@pytest.mark.parametrize(
    "kill_point",
    [
        "while writing raw_movies",
        "during trusted_artists' contract",
        "between dim_filme and fato_filme",
    ],
)
def test_a_killed_run_rerun_writes_what_an_uninterrupted_run_writes(
    kill_point: str, big_landing: Path, tmp_path: Path, uninterrupted: dict
) -> None:
    lake = tmp_path / "lake"
    env = environment(lake, big_landing, tmp_path / "home")
    moments = {
        "while writing raw_movies": written_aside(lake, "raw", "raw_movies"),
        "during trusted_artists' contract": partition_written(lake, "trusted", "trusted_artists"),
        "between dim_filme and fato_filme": step_event("STEP_SUCCESS", "refined__dim_filme"),
    }
    run_and_kill(env, moments[kill_point])
    half_done = tables(lake)  # whatever is there is whole
    assert len(half_done) < len(uninterrupted)
    run_to_the_end(env)
    assert tables(lake) == uninterrupted
    assert not list(lake.rglob(".*")), "what was written aside was left behind"
    assert not list(lake.rglob("_*")), "progress folders were left behind"
