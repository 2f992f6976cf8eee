"""The run history of the shipped ``dagster.yaml``: Dagster's SQLite files, read and followed as
Dagster's own storage reads and follows them, with connections kept open."""

import sqlite3
import time
import uuid
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import dagster as dg
import psutil
import sqlalchemy
from sqlalchemy.engine import Engine

from horror_lake.event_log import OPEN_DATABASES, PooledSqliteEventLogStorage


def instance_of(home: Path) -> dg.DagsterInstance:
    """An instance as a Dagster process (a run, the webserver, the daemon) loads it."""
    return dg.DagsterInstance.from_config(str(home))


def new_run(instance: dg.DagsterInstance) -> dg.DagsterRun:
    return instance.add_run(dg.DagsterRun(job_name="by_hand", run_id=str(uuid.uuid4())))


def messages(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    return [entry.message for entry in instance.all_logs(run_id)]


@dg.asset
def tiny() -> int:
    return 1


def test_the_shipped_home_keeps_its_history_where_dagster_does(dagster_home: Path) -> None:
    """A run recorded with the shipped settings reads the same through Dagster's own storage
    (a home without the setting), and a run recorded by Dagster's own reads the same here."""
    pooled = instance_of(dagster_home)
    assert isinstance(pooled.event_log_storage, PooledSqliteEventLogStorage)
    ours = dg.materialize([tiny], instance=pooled)
    plain_home = dagster_home.parent / "plain"
    plain_home.mkdir()
    (plain_home / "history").symlink_to(dagster_home / "history")
    plain = instance_of(plain_home)
    assert type(plain.event_log_storage).__name__ == "SqliteEventLogStorage"
    theirs = dg.materialize([tiny], instance=plain)

    for run_id in (ours.run_id, theirs.run_id):
        assert messages(plain, run_id) == messages(pooled, run_id)
        assert len(messages(pooled, run_id)) > 10
    for instance in (pooled, plain):
        assert len(instance.fetch_materializations(tiny.key, limit=10).records) == 2
    pooled.dispose()
    plain.dispose()


def wait_for(condition: Callable[[], bool], seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_second_instance_follows_a_run_while_it_is_written(dagster_home: Path) -> None:
    """The UI (the webserver's own instance) follows a running run through Dagster's watch of
    the run's database file: each event must reach it while the writer's connection is open."""
    writer, ui = instance_of(dagster_home), instance_of(dagster_home)
    run = new_run(writer)
    writer.report_engine_event("started", run)
    seen: list[str] = []
    ui.watch_event_logs(run.run_id, None, lambda entry, _cursor: seen.append(entry.message))
    try:
        for message in ("first", "second", "third"):
            writer.report_engine_event(message, run)
            assert wait_for(lambda m=message: m in seen), f"{message!r} never reached the UI"
    finally:
        ui.dispose()
        writer.dispose()


def test_a_process_reading_many_runs_keeps_few_files_open(dagster_home: Path) -> None:
    """A webserver browsing old runs opens each run's database; it keeps only the last few."""
    instance = instance_of(dagster_home)
    runs = [new_run(instance) for _ in range(3 * OPEN_DATABASES)]
    for run in runs:
        instance.report_engine_event(f"event of {run.run_id}", run)
    for run in runs:
        assert messages(instance, run.run_id) == [f"event of {run.run_id}"]
    runs_folder = str(dagster_home / "history" / "runs")
    open_databases = {
        Path(f.path).name.split(".")[0]
        for f in psutil.Process().open_files()
        if f.path.startswith(runs_folder) and "index" not in f.path
    }
    assert 0 < len(open_databases) <= OPEN_DATABASES
    instance.dispose()
    assert not [f for f in psutil.Process().open_files() if f.path.startswith(runs_folder)]


def test_a_wiped_history_starts_again(dagster_home: Path) -> None:
    instance = instance_of(dagster_home)
    old = new_run(instance)
    instance.report_engine_event("old", old)
    instance.wipe()
    assert messages(instance, old.run_id) == []
    run = new_run(instance)
    instance.report_engine_event("new", run)
    assert messages(instance, run.run_id) == ["new"]
    with instance_of(dagster_home) as another:
        assert messages(another, run.run_id) == ["new"]
    instance.dispose()


def test_tables_seen_once_are_not_looked_up_again(dagster_home: Path) -> None:
    """Dagster asks whether a table exists before it stores each asset check event and each
    asset event's tags, on a new connection each time. A table seen is remembered; a table not
    there is looked up again when asked, so one a migration adds later is found."""
    instance = instance_of(dagster_home)
    storage = instance.event_log_storage
    assert storage.has_table("asset_check_executions")
    connections: list[object] = []

    def count(dbapi_connection: object, record: object) -> None:
        connections.append(dbapi_connection)

    sqlalchemy.event.listen(Engine, "connect", count)
    try:
        assert all(storage.has_table("asset_check_executions") for _ in range(20))
    finally:
        sqlalchemy.event.remove(Engine, "connect", count)
    assert connections == []

    assert not storage.has_table("added_later")
    with closing(sqlite3.connect(dagster_home / "history" / "runs" / "index.db")) as index:
        index.execute("create table added_later (id integer)")
    assert storage.has_table("added_later")
    instance.dispose()
