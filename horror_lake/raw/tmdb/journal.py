"""The journal: finished titles of an unfinished run, saved beside the table.

A run that is killed, or fails on titles that exhausted their retries, is simply run again: it
reads the journal and fetches only what is missing. Each save is a small Parquet file written
aside and moved into place, so a killed run leaves whole files only. One run at a time writes
a date's journal: ``writing()`` holds its lock (see lock.py), and every read or save checks the
lock is still this run's.
"""

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from horror_lake.lake.atomic import replaced_file
from horror_lake.lake.location import LakeLocation
from horror_lake.raw.tmdb.fetch import Row, rows_table
from horror_lake.raw.tmdb.lock import JournalLock
from horror_lake.raw.tmdb.lock_files import lock_store


class Journal:
    def __init__(self, location: LakeLocation, zone: str, table: str, partition_key: str) -> None:
        self.location = location
        self.directory = location.progress_dir(zone, table, partition_key)
        self.lock: JournalLock | None = None

    @contextmanager
    def writing(self, run_id: str, log: Callable[[str], None]) -> Iterator["Journal"]:
        """Hold the journal's lock for the block (LockHeld when another live run has it)."""
        self.lock = JournalLock(lock_store(self.location, self.directory), run_id, log)
        self.lock.acquire()
        try:
            yield self
        finally:
            self.lock.release()

    def save(self, rows: list[Row]) -> None:
        self._check_lock()
        path = f"{self.directory}/{uuid.uuid4().hex}.parquet"
        with replaced_file(self.location, path) as sink:
            pq.write_table(rows_table(rows), sink)

    def load(self) -> pa.Table:
        self._check_lock()
        fs = self.location.filesystem
        selector = pafs.FileSelector(self.directory, allow_not_found=True)
        tables = []
        for info in fs.get_file_info(selector):
            if info.base_name.endswith(".parquet") and not info.base_name.startswith("."):
                # ParquetFile, not pq.read_table: that one imports pyarrow.dataset, and pandas.
                with fs.open_input_file(info.path) as file:
                    tables.append(pq.ParquetFile(file).read())
        return pa.concat_tables(tables) if tables else rows_table([])

    def clear(self) -> None:
        """Remove the journal (its lock too) and, when no other partition has one, the
        _progress folder."""
        self._check_lock()
        if self.lock is not None:
            self.lock.abandon()  # it goes with the folder, while still this run's
        self.location.delete(self.directory)
        parent = self.directory.rsplit("/", 1)[0]
        selector = pafs.FileSelector(parent, allow_not_found=True)
        if not self.location.filesystem.get_file_info(selector):
            self.location.delete(parent)

    def _check_lock(self) -> None:
        if self.lock is not None:
            self.lock.check()
