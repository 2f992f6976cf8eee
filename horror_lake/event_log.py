"""Dagster's run history on SQLite, with each database's connection kept open for the process.

Dagster's own ``SqliteEventLogStorage`` opens a new engine and a new SQLite connection for every
read and write of the event log: a demo run's ~270 events make ~1,600 of them, and SQLite reads
the database's schema on each new connection, about 1.3 ms here, or 2 s of a 6 s run. This class
is Dagster's storage with one engine kept per database (the few used last): the same files in
``$DAGSTER_HOME/history/runs``, so a Dagster home's history stays readable, and the same UI. The
shipped ``dagster.yaml`` selects it.

Events Dagster hands over as a batch (the ~70 planned events it writes when a run is created) are
written in one transaction per database instead of three each, and a new run's database is a
copy of an empty one Dagster made once, instead of made table by table each time.
"""

import os
import shutil
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from functools import partial
from typing import Any

from dagster._config import StringSource
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.sqlite import sqlite_event_log
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SqliteEventLogStorage,
)
from dagster._core.storage.sql import check_alembic_revision, get_alembic_config
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

# Runs being written and read at once; a webserver browsing old runs keeps no more files open.
OPEN_DATABASES = 8
# Dagster hands events to ``store_event_batch`` only when this environment variable is above 0,
# and at most this many at once.
EVENT_BATCH_SIZE = "DAGSTER_EVENT_BATCH_SIZE"
DEFAULT_EVENT_BATCH_SIZE = 1000


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """``SqliteEventLogStorage`` in ``<dagster_home>/history/runs``, Dagster's default place."""

    def __init__(self, dagster_home: str, inst_data: ConfigurableClassData | None = None) -> None:
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._seen: set[tuple[str, str]] = set()  # what the index's schema was seen to have
        self._pid = os.getpid()
        # The thread storing a batch, with the connection it holds open on each database.
        self._batch: tuple[int, dict[str, Connection]] | None = None
        # An empty run database as Dagster makes one, beside (not among) the runs' databases.
        self._template = os.path.join(dagster_home, "history", "new_run.db")
        super().__init__(os.path.join(dagster_home, "history", "runs"), inst_data)
        # A user's own setting stands, 0 included (each event then written alone).
        os.environ.setdefault(EVENT_BATCH_SIZE, str(DEFAULT_EVENT_BATCH_SIZE))

    @classmethod
    def config_type(cls) -> dict[str, Any]:
        return {"dagster_home": StringSource}

    @classmethod
    def from_config_value(  # type: ignore[override]  # Dagster's own signature, typed loosely
        cls, inst_data: ConfigurableClassData | None, config_value: Mapping[str, str]
    ) -> "PooledSqliteEventLogStorage":
        return cls(inst_data=inst_data, **config_value)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        batch = self._batch
        if batch is not None and batch[0] == threading.get_ident():
            # Inside store_event_batch: one transaction per database for the whole batch.
            if shard not in batch[1]:
                batch[1][shard] = self._engine(shard).connect()
                batch[1][shard].begin()
            yield batch[1][shard]
            return
        with self._db_lock, self._engine(shard).connect() as connection:
            sqlite: Any = connection.connection.driver_connection  # the sqlite3 connection
            changes = sqlite.total_changes
            with connection.begin():
                yield connection
            if shard != INDEX_SHARD_NAME and sqlite.total_changes != changes:
                # The UI follows a running run by watching its database file for changes. A
                # write stays in the write-ahead log until it is copied into the file, which
                # closing the connection did; a kept connection marks the file changed instead
                # (its modification time: a copy each write would cost 0.4 s a demo run).
                os.utime(self.path_for_shard(shard))

    def _engine(self, shard: str) -> Engine:
        if os.getpid() != self._pid:
            # A forked process: the connections are its parent's to use and close.
            for engine in self._engines.values():
                engine.dispose(close=False)
            self._engines.clear()
            self._pid = os.getpid()
        if shard in self._engines:
            engine = self._engines.pop(shard)  # put back last: the most recently used
        else:
            engine = create_engine(
                self.conn_string_for_shard(shard),
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            )
        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        self._engines[shard] = engine
        while len(self._engines) > OPEN_DATABASES:
            self._engines.popitem(last=False)[1].dispose()
        return engine

    def _initdb(self, engine: Engine, for_index_shard: bool = False) -> None:
        """A new run's database: a copy of the template when that is at Dagster's schema version
        (checked, ~15 ms); else made by Dagster (its tables created and their version stamped,
        ~55 ms), and the template made again from it. Anything else: Dagster's own."""
        path = engine.url.database
        index = for_index_shard or path == self.path_for_shard(INDEX_SHARD_NAME)
        if index or path is None or os.path.exists(path):
            super()._initdb(engine, for_index_shard)
        elif not self._copy_template(path):
            super()._initdb(engine)
            self._make_template()

    def _copy_template(self, path: str) -> bool:
        """Whether ``path`` is now a copy of the template: it appears whole or not at all, and
        never over a database another process began meanwhile (Dagster then finishes that)."""
        scratch = f"{path}.{uuid.uuid4().hex}.new"  # not *.db: Dagster's listing skips it
        try:
            shutil.copyfile(self._template, scratch)
            if not _at_head(scratch):
                return False
            os.link(scratch, path)
            return True
        except (OSError, DBAPIError):
            return False  # no template, a damaged one, or the database exists now
        finally:
            with suppress(FileNotFoundError):
                os.unlink(scratch)

    def _make_template(self) -> None:
        """The template, made by Dagster as it makes a new run's database. It only saves time:
        a failure leaves things as they were."""
        scratch = f"{self._template}.{uuid.uuid4().hex}.new"
        engine = create_engine(f"sqlite:///{scratch}", poolclass=NullPool)
        try:
            super()._initdb(engine)
            engine.dispose()  # its last connection closed: the write-ahead log is in the file
            os.replace(scratch, self._template)
        except (OSError, DBAPIError):
            pass
        finally:
            engine.dispose()
            for leftover in (scratch, f"{scratch}-wal", f"{scratch}-shm"):
                with suppress(FileNotFoundError):
                    os.unlink(leftover)

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        """Stores ``events`` in one transaction per database: all of them, or none.

        Dagster's own loops over ``store_event``, three transactions for an asset check event,
        and after a failure part-way it stores the whole batch again one by one; here nothing of
        a failed batch stays behind to be stored twice.
        """
        with self._db_lock:
            connections: dict[str, Connection] = {}
            self._batch = (threading.get_ident(), connections)
            try:
                for event in events:
                    super().store_event(event)
                for connection in connections.values():
                    connection.commit()
            finally:
                self._batch = None
                for connection in connections.values():
                    connection.close()  # rolls back what was not committed
        for shard in connections:
            if shard != INDEX_SHARD_NAME:
                os.utime(self.path_for_shard(shard))  # as _connect does after a write

    # Dagster asks, on a connection each time, whether the index has a table (before it stores
    # each asset check event and each asset event's tags), a column of its asset table, or a
    # completed data migration (both before most asset reads): about 110 questions a demo run.
    # Only migrations add tables, columns and completed migrations, and nothing takes them away
    # (a wipe empties the index's tables and keeps the rest), so what was seen is remembered;
    # what was not is looked up again when asked.

    def has_table(self, table_name: str) -> bool:
        return self._remembered(("table", table_name), partial(super().has_table, table_name))

    def has_asset_key_col(self, column_name: str) -> bool:
        look_up = partial(super().has_asset_key_col, column_name)
        return self._remembered(("column", column_name), look_up)

    def _has_asset_key_col_on_connection(self, conn: Connection, column_name: str) -> bool:
        look_up = partial(super()._has_asset_key_col_on_connection, conn, column_name)
        return self._remembered(("column", column_name), look_up)

    def has_secondary_index(self, name: str) -> bool:
        look_up = partial(super().has_secondary_index, name)
        return self._remembered(("migration", name), look_up)

    def _remembered(self, fact: tuple[str, str], look_up: Callable[[], bool]) -> bool:
        if fact not in self._seen and look_up():
            self._seen.add(fact)
        return fact in self._seen

    def wipe(self) -> None:
        # Closed first: Dagster deletes the run databases' files, write-ahead logs included.
        self._close_all()
        super().wipe()

    def dispose(self) -> None:
        super().dispose()
        self._close_all()

    def _close_all(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()


def _at_head(path: str) -> bool:
    """Whether the run database at ``path`` is at the schema version this Dagster writes."""
    engine = create_engine(f"sqlite:///{path}", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            config = get_alembic_config(sqlite_event_log.__file__)
            found, head = check_alembic_revision(config, connection)
        return found is not None and found == head
    finally:
        engine.dispose()
