"""The run history of the shipped ``dagster.yaml``: Dagster's SQLite files, read and followed as
Dagster's own storage reads and follows them, with connections kept open."""

import os
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
import psutil
import pytest
import sqlalchemy
from dagster._check import CheckError
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.migration import ASSET_KEY_INDEX_COLS
from sqlalchemy.engine import Engine

from horror_lake.event_log import EVENT_BATCH_SIZE, OPEN_DATABASES, PooledSqliteEventLogStorage


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


CHECKS = ("positive", "small")


@dg.asset(check_specs=[dg.AssetCheckSpec(name, asset="checked") for name in CHECKS])
def checked() -> Iterator[dg.Output[int] | dg.AssetCheckResult]:
    yield dg.Output(1)
    for name in CHECKS:
        yield dg.AssetCheckResult(check_name=name, passed=True)


@contextmanager
def database_work() -> Iterator[list[object]]:
    """The SQLite connections opened and statements run on any SQLAlchemy engine meanwhile."""
    seen: list[object] = []

    def count(*args: object, **kwargs: object) -> None:
        seen.append(args[0])

    sqlalchemy.event.listen(Engine, "connect", count)
    sqlalchemy.event.listen(Engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sqlalchemy.event.remove(Engine, "connect", count)
        sqlalchemy.event.remove(Engine, "before_cursor_execute", count)


@contextmanager
def commits() -> Iterator[list[object]]:
    """The transactions committed on any SQLAlchemy engine meanwhile, one item each."""
    seen: list[object] = []

    def count(connection: object) -> None:
        seen.append(connection)

    sqlalchemy.event.listen(Engine, "commit", count)
    try:
        yield seen
    finally:
        sqlalchemy.event.remove(Engine, "commit", count)


def planned_events(instance: dg.DagsterInstance, run_id: str) -> list[EventLogEntry]:
    """The events a run's creation wrote (its asset and check plans), moved to a new run id."""
    new_run_id = str(uuid.uuid4())
    return [
        entry._replace(run_id=new_run_id)
        for entry in instance.all_logs(run_id)
        if entry.dagster_event is not None and entry.dagster_event_type.value.endswith("PLANNED")
    ]


def planned_checks(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    """The checks the cross-run index says ``run_id`` plans or ran."""
    return sorted(
        name
        for name in CHECKS
        for record in instance.event_log_storage.get_asset_check_execution_history(
            dg.AssetCheckKey(checked.key, name), limit=10
        )
        if record.run_id == run_id
    )


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


def test_schema_facts_seen_once_are_not_looked_up_again(dagster_home: Path) -> None:
    """Dagster asks whether the index has a table, a column of its asset table or a completed
    data migration, on a connection each time, before storing or reading asset events. What was
    seen is remembered; what was not is looked up again when asked, so what a migration adds
    later is found."""
    instance = instance_of(dagster_home)
    storage = instance.event_log_storage
    assert isinstance(storage, PooledSqliteEventLogStorage)
    questions: list[Callable[[], bool]] = [
        lambda: storage.has_table("asset_check_executions"),
        lambda: storage.has_asset_key_col("cached_status_data"),
        lambda: storage.has_secondary_index(ASSET_KEY_INDEX_COLS),
    ]
    assert all(question() for question in questions)
    with database_work() as work:
        assert all(question() for _ in range(20) for question in questions)
    assert work == []

    assert not storage.has_table("added_later")
    assert not storage.has_secondary_index("added_later")
    with closing(sqlite3.connect(dagster_home / "history" / "runs" / "index.db")) as index:
        index.execute("create table added_later (id integer)")
        index.execute("alter table asset_keys add column added_later text")
        index.execute(
            "insert into secondary_indexes (name, create_timestamp, migration_completed)"
            " values ('added_later', current_timestamp, current_timestamp)"
        )
        index.commit()
    assert storage.has_table("added_later")
    assert storage.has_asset_key_col("added_later")
    assert storage.has_secondary_index("added_later")
    instance.dispose()


def test_a_runs_plan_is_written_in_one_transaction_per_database(
    dagster_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Creating a run writes an event for each asset and check it plans, three transactions
    each for a check. With the shipped storage Dagster hands them over as one batch (a user's
    own batch size stands, 0 turning it off), written in one transaction on the run's database
    and one on the index."""
    monkeypatch.setenv(EVENT_BATCH_SIZE, "0")
    monkeypatch.delenv(EVENT_BATCH_SIZE)
    instance = instance_of(dagster_home)
    assert instance.event_log_storage and os.environ[EVENT_BATCH_SIZE] == "1000"
    run = dg.materialize([checked], instance=instance)
    plan = planned_events(instance, run.run_id)
    assert len(plan) == 1 + len(CHECKS)

    one_by_one_plan = planned_events(instance, run.run_id)
    for run_id in (plan[0].run_id, one_by_one_plan[0].run_id):
        assert instance.all_logs(run_id) == []  # each run's database made before counting
    with commits() as one_by_one:
        for entry in one_by_one_plan:
            instance.event_log_storage.store_event(entry)
    with commits() as batched:
        instance.event_log_storage.store_event_batch(plan)
    assert len(batched) == 2 and len(one_by_one) >= 2 + 3 * len(CHECKS)
    assert [e.message for e in instance.all_logs(plan[0].run_id)] == [e.message for e in plan]
    assert planned_checks(instance, plan[0].run_id) == sorted(CHECKS)

    with commits() as batched_run:
        dg.materialize([checked], instance=instance)
    monkeypatch.setenv(EVENT_BATCH_SIZE, "0")
    with commits() as unbatched_run:
        dg.materialize([checked], instance=instance)
    assert len(unbatched_run) - len(batched_run) == len(one_by_one) - len(batched)
    instance.dispose()


def test_a_batch_that_fails_part_way_leaves_nothing_behind(dagster_home: Path) -> None:
    """Dagster stores a failed batch again event by event: nothing of the first try may stay,
    or the run would hold its plan twice."""
    instance = instance_of(dagster_home)
    run = dg.materialize([checked], instance=instance)
    plan = planned_events(instance, run.run_id)
    broken: list[Any] = [*plan[:2], None, *plan[2:]]
    with pytest.raises(CheckError, match="EventLogEntry"):
        instance.event_log_storage.store_event_batch(broken)
    assert instance.all_logs(plan[0].run_id) == []
    assert planned_checks(instance, plan[0].run_id) == []
    instance.event_log_storage.store_event_batch(plan)
    assert len(instance.all_logs(plan[0].run_id)) == len(plan)
    instance.dispose()


def database_facts(path: Path) -> tuple[str, list[tuple[str, ...]], list[tuple[str, ...]]]:
    """A SQLite file's journal mode, schema and alembic version."""
    with closing(sqlite3.connect(path)) as database:
        mode = database.execute("pragma journal_mode").fetchone()[0]
        schema = database.execute("select type, name, sql from sqlite_master order by name")
        version = database.execute("select version_num from alembic_version")
        return mode, schema.fetchall(), version.fetchall()


def test_a_new_runs_database_is_a_copy_of_the_one_dagster_makes(dagster_home: Path) -> None:
    """Dagster makes each run's database table by table and stamps its schema version (about
    55 ms). The first is kept as a template; later ones are copies of it, made without a
    statement that creates anything, the same write-ahead-log database at the same version."""
    instance = instance_of(dagster_home)
    first = new_run(instance)
    instance.report_engine_event("first", first)
    template = dagster_home / "history" / "new_run.db"
    assert template.exists()

    second = new_run(instance)
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    sqlalchemy.event.listen(Engine, "before_cursor_execute", record)
    try:
        instance.report_engine_event("second", second)
    finally:
        sqlalchemy.event.remove(Engine, "before_cursor_execute", record)
    assert statements and not [s for s in statements if "CREATE" in s.upper()]
    runs = dagster_home / "history" / "runs"
    made, copied = runs / f"{first.run_id}.db", runs / f"{second.run_id}.db"
    assert database_facts(copied) == database_facts(made)
    assert database_facts(copied)[0] == "wal"
    assert messages(instance, second.run_id) == ["second"]
    databases = sorted(p.name for p in runs.glob("*.db") if p.name != "index.db")
    assert databases == sorted(f"{run.run_id}.db" for run in (first, second))
    assert not [p for p in runs.iterdir() if p.name.endswith(".new")]  # no copy left aside
    instance.dispose()


def test_an_outdated_or_damaged_template_is_made_again(dagster_home: Path) -> None:
    """A template from an older Dagster (another schema version), or not a database at all,
    is not copied: Dagster makes the run's database, and the template is made again from it."""
    instance = instance_of(dagster_home)
    instance.report_engine_event("first", new_run(instance))
    template = dagster_home / "history" / "new_run.db"
    current = database_facts(template)
    with closing(sqlite3.connect(template)) as database:
        database.execute("update alembic_version set version_num = 'older'")
        database.commit()

    for damage in ("older", "damaged"):
        if damage == "damaged":
            template.write_bytes(b"not a database")
        run = new_run(instance)
        instance.report_engine_event(damage, run)
        made = dagster_home / "history" / "runs" / f"{run.run_id}.db"
        assert database_facts(made) == current
        assert database_facts(template) == current
        assert messages(instance, run.run_id) == [damage]
    instance.dispose()
