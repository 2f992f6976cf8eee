"""The landing sensor, the daily schedule and retries: real files, the real sensor function,
the real `dagster-daemon` for the end-to-end test."""

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from horror_lake.automation import SCHEDULE_NAME, SENSOR_NAME
from horror_lake.definitions import defs
from horror_lake.raw.landing import LandingResource
from horror_lake.sample.generator import SampleSummary
from horror_lake.sample.tmdb_server import ServerSettings, TmdbTestServer
from horror_lake_tests.conftest import PARTITION, run_job
from horror_lake_tests.lake_reading import read_table
from horror_lake_tests.servers import dagster_daemon

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def tick(landing: Path, cursor: str | None) -> dg.SensorResult:
    sensor = defs().resolve_sensor_def(SENSOR_NAME)
    context = dg.build_sensor_context(
        cursor=cursor, resources={"landing": LandingResource(path=str(landing))}
    )
    result = sensor(context)
    assert isinstance(result, dg.SensorResult)
    return result


def test_the_sensor_runs_once_per_content_and_waits_for_copies(
    tmp_path: Path, sample: SampleSummary
) -> None:
    landing = tmp_path / "landing"
    dated = landing / PARTITION
    dated.mkdir(parents=True)
    movies = dated / "movies.csv"
    shutil.copy(sample.series.path, dated / "series.csv")
    movies.write_bytes(sample.movies.path.read_bytes()[:1000])  # a copy in progress

    first = tick(landing, None)
    assert not first.run_requests  # sizes seen once: wait for them to settle
    movies.write_bytes(sample.movies.path.read_bytes())  # the copy goes on
    second = tick(landing, first.cursor)
    assert not second.run_requests  # movies.csv changed size since the last tick
    third = tick(landing, second.cursor)
    assert [r.partition_key for r in third.run_requests] == [PARTITION]
    run_key = third.run_requests[0].run_key

    os.utime(movies, (time.time() + 60, time.time() + 60))  # touched, same bytes
    quiet = tick(landing, tick(landing, third.cursor).cursor)
    assert not quiet.run_requests and "nothing new" in str(quiet.skip_reason)

    text = movies.read_bytes()
    movies.write_bytes(text.replace(b"Horror", b"Horrar", 1))  # same size, new content
    changed = tick(landing, tick(landing, quiet.cursor).cursor)
    assert [r.partition_key for r in changed.run_requests] == [PARTITION]
    assert changed.run_requests[0].run_key != run_key
    assert json.loads(str(changed.cursor))["files"]


def test_root_files_run_for_todays_date(tmp_path: Path, sample: SampleSummary) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    shutil.copy(sample.movies.path, landing)
    result = tick(landing, tick(landing, None).cursor)
    today = dg.DailyPartitionsDefinition(start_date="2020-01-01", end_offset=1)
    assert [r.partition_key for r in result.run_requests] == [today.get_last_partition_key()]


def test_sensor_and_schedule_are_off_by_default() -> None:
    definitions = defs()
    sensor = definitions.resolve_sensor_def(SENSOR_NAME)
    schedule = definitions.resolve_schedule_def(SCHEDULE_NAME)
    assert sensor.default_status == dg.DefaultSensorStatus.STOPPED
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    assert schedule.cron_schedule == "0 6 * * *"


@pytest.mark.slow
def test_a_transient_tmdb_failure_is_retried_and_a_lasting_one_fails_plainly(
    tmp_path: Path, sample: SampleSummary
) -> None:
    """The step's retry policy, with backoff: a title whose requests keep failing fails the
    step; the next attempt resumes from the journal and fetches only what is missing."""
    snapshot = (sample.movies.path.parent / "tmdb_snapshot.jsonl").read_text().splitlines()
    title = json.loads(next(line for line in snapshot if '"/find/' in line))["path"]
    key = f"{title}?external_source=imdb_id"
    settings = ServerSettings(token="t0ken-for-retries", faults={key: ["502"] * 2})
    env = {
        "TMDB_API_TOKEN": "t0ken-for-retries",
        "TMDB_MAX_ATTEMPTS": "2",
        "TMDB_RATE_LIMIT": "200",
    }
    with TmdbTestServer(snapshot, settings) as server:
        env["TMDB_BASE_URL"] = server.base_url
        recovered = run_job(tmp_path / "lake", sample.movies.path.parent, settings=env)
        assert recovered.success
        retried = [e for e in recovered.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]
        assert [e.step_key for e in retried] == ["raw__raw_tmdb"]
        finds = [r.path for r in server.received if r.path.startswith("/find/")]
        assert finds.count(title) == 3  # two failures, then one answer; nothing else twice
        assert len(finds) == len(set(finds)) + 2

        settings.faults[key] = ["502"] * 100
        lasting = run_job(
            tmp_path / "lake2", sample.movies.path.parent, raise_on_error=False, settings=env
        )
    assert not lasting.success
    failures = [e for e in lasting.all_events if e.is_step_failure]
    final = failures[-1].step_failure_data
    assert "Exceeded max_retries of 3" in final.error.message
    # The last error, in plain words; each retry resumed and asked only for the missing title.
    assert (
        f"1 of 1 titles could not be fetched ({title.removeprefix('/find/')}: GET {title}: "
        "HTTP 502 after 2 attempts)" in final.user_failure_data.description
    )
    assert "t0ken-for-retries" not in repr(lasting.all_events)


@pytest.fixture
def daemon_home(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    home = tmp_path / "home"
    home.mkdir()
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    landing.mkdir()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "HORROR_LAKE_LANDING": str(landing),
        "HORROR_LAKE_ROOT": str(lake),
        "HORROR_LAKE_SENSOR_INTERVAL_SECONDS": "1",
    }
    for name in ("TMDB_API_TOKEN", "TMDB_API_KEY", "HORROR_LAKE_ENGINE"):
        env.pop(name, None)
    with dagster_daemon(env):
        yield tmp_path, env


def sensor_ticks(home: Path) -> int:
    """How many times the landing sensor has ticked, from the instance's own records."""
    with dg.DagsterInstance.from_config(str(home)) as instance:
        states = instance.all_instigator_state()
        sensor = next(s for s in states if s.instigator_name == SENSOR_NAME)
        return len(instance.get_ticks(sensor.instigator_origin_id, sensor.selector_id, limit=1000))


def runs(home: Path) -> list[dg.DagsterRun]:
    with dg.DagsterInstance.from_config(str(home)) as instance:
        return list(instance.get_runs())


def wait_until(condition, seconds: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
def test_the_daemon_runs_the_sensor_end_to_end(
    daemon_home: tuple[Path, dict[str, str]], sample: SampleSummary
) -> None:
    folder, env = daemon_home
    home, landing, lake = folder / "home", folder / "landing", folder / "lake"
    started = subprocess.run(
        [str(BIN / "dagster"), "sensor", "start", SENSOR_NAME, "-w", "workspace.yaml"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert started.returncode == 0, started.stderr[-2000:]
    dated = landing / PARTITION
    dated.mkdir()
    for written in (sample.movies, sample.series):
        shutil.copy(written.path, dated)

    def finished() -> list[dg.DagsterRun]:
        done = [r for r in runs(home) if r.status.value in ("SUCCESS", "FAILURE")]
        return done

    done = wait_until(finished, 240, "the sensor's run to finish")
    assert [(r.status.value, r.tags.get("dagster/partition")) for r in done] == [
        ("SUCCESS", PARTITION)
    ]
    assert done[0].tags.get("dagster/sensor_name") == SENSOR_NAME
    assert read_table(lake, "refined", "fato_filme", PARTITION).num_rows > 0

    for written in (sample.movies, sample.series):
        os.utime(dated / written.path.name)  # touched, not changed
    ticked = sensor_ticks(home)
    wait_until(lambda: sensor_ticks(home) >= ticked + 5, 120, "five more sensor ticks")
    assert len(runs(home)) == 1
