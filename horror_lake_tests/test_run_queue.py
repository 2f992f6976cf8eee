"""One run per ingestion date at a time.

Runs launched through Dagster wait in the queue that the shipped ``dagster.yaml`` configures:
the real ``dagster-daemon`` dequeues two runs of one date one after the other and two dates side
by side. Runs started by hand skip the queue, so the TMDB journal's lock refuses a second writer
of a date and lets a later run take over a lock its holder left behind; the lock is tested on a
local folder and on S3 (moto's server honours S3's conditional writes as AWS does).
"""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from horror_lake.lake.location import LakeLocation
from horror_lake.raw.tmdb import lock as journal_lock
from horror_lake.raw.tmdb.lock import Holder, JournalLock, LockHeld, LockLost
from horror_lake.raw.tmdb.lock_files import LOCK_FILE, LockStore, lock_store
from horror_lake.sample.generator import SampleSummary
from horror_lake.sample.tmdb_server import ServerSettings, TmdbTestServer
from horror_lake_tests.conftest import PARTITION, run_job
from horror_lake_tests.servers import dagster_daemon, failure_messages, new_bucket
from horror_lake_tests.test_tmdb import TOKEN, snapshot_lines

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DATE_A, DATE_B = "2024-06-01", "2024-06-02"
PROGRESS = ("raw", "raw_tmdb", "_progress")


# ---- the journal lock ---------------------------------------------------------------------


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> LockStore:
    """The lock file of one journal folder, on a local folder or on moto's S3."""
    if request.param == "local":
        location = LakeLocation(str(tmp_path / "lake"))
    else:
        endpoint = request.getfixturevalue("s3_endpoint")
        location = LakeLocation(f"s3://{new_bucket(endpoint)}/lake", endpoint, "us-east-1")
    return lock_store(location, location.progress_dir(*PROGRESS[:2], PARTITION))


def left_behind(store: LockStore, **changes: object) -> Holder:
    """A lock file as a run on another machine would have left it (or as ``changes`` say)."""
    now = time.time()
    fields: dict[str, object] = {
        "run_id": "run-left-behind",
        "host": "another-host",
        "pid": 4242,
        "pid_namespace": "pid:[1]",
        "started_at": now - 60,
        "heartbeat_at": now - 5,
        **changes,
    }
    holder = Holder(**fields)  # type: ignore[arg-type]
    assert store.create(holder.body()) is not None
    return holder


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_a_second_writer_is_refused_naming_the_holder(store: LockStore) -> None:
    first = JournalLock(store, "run-one", print)
    first.acquire()
    try:
        second = JournalLock(store, "run-two", print)
        with pytest.raises(LockHeld) as refused:
            second.acquire()
    finally:
        first.release()
    message = str(refused.value)
    assert f"run run-one (pid {os.getpid()} on {socket.gethostname()}" in message
    assert "last heartbeat 0 s ago" in message
    assert store.read() is None  # released: the next run may start
    third = JournalLock(store, "run-three", print)
    third.acquire()
    third.release()


def test_a_fresh_lock_of_another_machine_is_respected(store: LockStore) -> None:
    left_behind(store, heartbeat_at=time.time() - 60)  # a minute late: may still be alive
    with pytest.raises(LockHeld, match="run-left-behind"):
        JournalLock(store, "run-new", print).acquire()


def gone_from_this_host() -> dict[str, object]:
    """A lock taken on this machine by a process that is gone (a killed run)."""
    return {
        "host": socket.gethostname(),
        "pid": dead_pid(),
        "pid_namespace": journal_lock._pid_namespace(),
    }


@pytest.mark.parametrize("case", ["heartbeat-too-old", "process-gone", "earlier-attempt"])
def test_a_stale_lock_is_taken_over_and_said_so(store: LockStore, case: str) -> None:
    if case == "heartbeat-too-old":
        left_behind(store, heartbeat_at=time.time() - 600)
        reason = "its heartbeat is 600 s old"
    elif case == "process-gone":
        left_behind(store, **gone_from_this_host())
        reason = "its process is gone"
    else:  # the same run, on a machine that may be gone: a retried or restarted step
        left_behind(store, run_id="run-new")
        reason = "it is this run's own, from an earlier attempt"
    said: list[str] = []
    taker = JournalLock(store, "run-new", said.append)
    taker.acquire()
    found = store.read()
    assert found is not None and Holder.parse(found[0]).run_id == "run-new"
    taker.release()
    assert len(said) == 1
    assert said[0].startswith(f"took over the lock {store.uri} from run run-")
    assert said[0].endswith(reason)


def test_of_two_runs_taking_over_one_stale_lock_one_wins(store: LockStore) -> None:
    """Both read the stale lock, both try to replace that version: compare-and-swap."""
    left_behind(store, heartbeat_at=time.time() - 600)
    found = store.read()
    assert found is not None
    winner = store.swap(Holder.this_process("run-a").body(), found[1])
    loser = store.swap(Holder.this_process("run-b").body(), found[1])
    assert winner is not None and loser is None
    now = store.read()
    assert now is not None and Holder.parse(now[0]).run_id == "run-a"


def test_a_run_whose_lock_was_taken_over_stops(
    store: LockStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its heartbeat finds another run's lock; its next journal step raises."""
    monkeypatch.setattr(journal_lock, "HEARTBEAT_SECONDS", 0.05)
    slow = JournalLock(store, "run-slow", print)
    slow.acquire()
    found = store.read()
    assert found is not None
    assert store.swap(Holder.this_process("run-fast").body(), found[1]) is not None
    deadline = time.monotonic() + 10
    while slow.lost_because is None and time.monotonic() < deadline:
        time.sleep(0.05)
    with pytest.raises(LockLost, match="run run-fast .* took over the lock"):
        slow.check()
    slow.release()  # leaves the other run's lock alone
    now = store.read()
    assert now is not None and Holder.parse(now[0]).run_id == "run-fast"


def test_the_heartbeat_keeps_the_lock_fresh(
    store: LockStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(journal_lock, "HEARTBEAT_SECONDS", 0.05)
    held = JournalLock(store, "run-one", print)
    held.acquire()
    first = store.read()
    time.sleep(0.5)
    later = store.read()
    held.release()
    assert first is not None and later is not None
    assert Holder.parse(later[0]).heartbeat_at > Holder.parse(first[0]).heartbeat_at
    assert Holder.parse(later[0]).started_at == Holder.parse(first[0]).started_at


def test_a_second_run_of_a_date_fails_plainly_and_a_dead_ones_lock_is_taken_over(
    tmp_path: Path, sample: SampleSummary, capfd: pytest.CaptureFixture[str]
) -> None:
    """Two whole runs of one date (from the sample snapshot, offline), started while another
    run holds the date's journal, then after that run died."""
    lake, landing = tmp_path / "lake", sample.movies.path.parent
    location = LakeLocation(str(lake))
    store = lock_store(location, location.progress_dir(*PROGRESS[:2], PARTITION))
    holder = JournalLock(store, "run-by-hand", print)
    holder.acquire()
    try:
        refused = run_job(lake, landing, raise_on_error=False)
    finally:
        holder.release()
    assert not refused.success
    message = failure_messages(refused)
    lock_path = lake.joinpath(*PROGRESS, f"ingestion_date={PARTITION}", LOCK_FILE)
    assert f"TMDB answers for {PARTITION} are being fetched by another run: " in message
    assert "run run-by-hand (pid" in message and f"remove {lock_path} and run again" in message

    left_behind(store, **gone_from_this_host())
    resumed = run_job(lake, landing)
    assert resumed.success
    logged = capfd.readouterr().err
    assert f"took over the lock {lock_path} from run run-left-behind" in logged
    assert "its process is gone" in logged
    assert not lock_path.parent.exists()  # the partition is written, the journal gone


# ---- the run queue, with the real daemon ----------------------------------------------------


@pytest.fixture
def daemon(dagster_home: Path, tmp_path: Path, sample: SampleSummary) -> Iterator[dict]:
    """The real dagster-daemon on this home; TMDB answers come from the test server, slowly
    enough (TMDB_RATE_LIMIT) that a run's raw_tmdb takes a few seconds."""
    with TmdbTestServer(snapshot_lines(sample), ServerSettings(token=TOKEN)) as server:
        env = {
            **os.environ,
            "DAGSTER_HOME": str(dagster_home),
            "HORROR_LAKE_LANDING": str(sample.movies.path.parent),
            "HORROR_LAKE_ROOT": str(tmp_path / "lake"),
            "TMDB_API_TOKEN": TOKEN,
            "TMDB_BASE_URL": server.base_url,
            "TMDB_RATE_LIMIT": "60",
        }
        for name in ("TMDB_API_KEY", "TMDB_API_TOKEN_SECRET", "HORROR_LAKE_ENGINE"):
            env.pop(name, None)
        with dagster_daemon(env, tmp_path / "daemon.log"):
            yield env


def launch(env: dict, partition: str) -> subprocess.Popen:
    """`dagster job launch`, as a user queues a run of one date."""
    return subprocess.Popen(
        [
            str(BIN / "dagster"),
            *("job", "launch", "-w", "workspace.yaml", "-j", "horror_lake_job"),
            *("--tags", f'{{"dagster/partition": "{partition}"}}'),
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finished_runs(home: Path, count: int, seconds: float) -> list[dg.RunRecord]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with dg.DagsterInstance.from_config(str(home)) as instance:
            records = instance.get_run_records()
        if len(records) == count and all(r.dagster_run.is_finished for r in records):
            return list(records)
        time.sleep(1)
    raise AssertionError(f"{count} runs had not all finished after {seconds} s")


def run_failures(home: Path) -> list[str]:
    """What went wrong in the runs, for an assertion's message."""
    with dg.DagsterInstance.from_config(str(home)) as instance:
        return [
            f"{run.tags.get('dagster/partition')}: {record.dagster_event.message}"
            for run in instance.get_runs()
            for record in instance.all_logs(run.run_id)
            if record.dagster_event is not None and record.dagster_event.is_failure
        ]


def overlap(first: dg.RunRecord, second: dg.RunRecord) -> float:
    """Seconds both runs were running at once (negative: the gap between them)."""
    assert first.start_time and first.end_time and second.start_time and second.end_time
    return min(first.end_time, second.end_time) - max(first.start_time, second.start_time)


@pytest.mark.slow
def test_runs_of_one_date_queue_and_runs_of_two_dates_overlap(
    dagster_home: Path, daemon: dict
) -> None:
    launches = [launch(daemon, date) for date in (DATE_A, DATE_A, DATE_B)]
    for launched in launches:
        output, _ = launched.communicate(timeout=120)
        assert launched.returncode == 0, output[-2000:]
    records = finished_runs(dagster_home, 3, 400)
    assert all(r.dagster_run.status == dg.DagsterRunStatus.SUCCESS for r in records), run_failures(
        dagster_home
    )
    by_date: dict[str, list[dg.RunRecord]] = {}
    for record in sorted(records, key=lambda r: r.start_time or 0):
        by_date.setdefault(record.dagster_run.tags["dagster/partition"], []).append(record)
    first_a, second_a = by_date[DATE_A]
    (only_b,) = by_date[DATE_B]
    timings = {r.dagster_run.run_id[:8]: (r.start_time, r.end_time) for r in records}
    assert overlap(first_a, second_a) <= 0, timings  # one after the other
    assert overlap(first_a, only_b) > 2, timings  # side by side for a while
