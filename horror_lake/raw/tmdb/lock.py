"""One writer per TMDB journal: a lock file owned by the run that fetches a date.

Dagster's run queue (``dagster.yaml``: one run per ``dagster/partition`` at a time) keeps apart
the runs it launches. Runs started by hand (two ``dagster job execute`` of one date) bypass the
queue; without this lock both would journal into the same progress folder and write the same
partition.

The lock file (``_lock.json`` in the journal's folder) says who holds it: run id, host, pid,
when it started and when it last beat. Every change to it is atomic (lock_files.py says how,
locally and on S3):

- **taken** only where there is none;
- **refreshed** every ``HEARTBEAT_SECONDS`` by a thread while the run holds it, as a
  compare-and-swap. A run whose lock was taken over learns it at its next beat, and its next
  journal read or write fails instead of writing into another run's work;
- **stale** when its heartbeat is older than ``STALE_AFTER_SECONDS`` (the holder was killed or
  its machine lost); at once when its process is gone and was on this host (same host name and
  pid namespace), or when it is this very run's (an earlier attempt of the step). A later run
  replaces a stale lock by compare-and-swap, so of two runs that find it stale one wins, and
  it logs that it took over;
- **released** (deleted, only if still its own) when the run ends; once the partition is
  written the whole journal folder goes, lock included.

Limits, said plainly: staleness compares the holder's clock with ours (keep clocks within a
minute of each other, e.g. NTP); S3-compatible servers that ignore ``If-None-Match`` and
``If-Match`` (AWS S3 honours both on PUT since 2024 and ``If-Match`` on DELETE since 2025;
moto 5.2 does too) make the lock a best effort; a local folder shared by several hosts needs a
filesystem whose ``flock`` works across them (NFSv4 on Linux).
"""

import json
import os
import socket
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import asdict, dataclass, replace

from horror_lake.lake.atomic import process_alive
from horror_lake.raw.tmdb.lock_files import LockStore

HEARTBEAT_SECONDS = 10.0
STALE_AFTER_SECONDS = 120.0


class LockHeld(RuntimeError):
    """Another live run holds the lock; the message says which and what to do."""


class LockLost(RuntimeError):
    """This run's lock was taken over by another run (its heartbeat went stale)."""


@dataclass(frozen=True)
class Holder:
    """Who holds a lock, as written in the lock file."""

    run_id: str
    host: str
    pid: int
    pid_namespace: str
    started_at: float  # seconds since the epoch, like heartbeat_at
    heartbeat_at: float

    @classmethod
    def this_process(cls, run_id: str) -> "Holder":
        now = time.time()
        return cls(run_id, socket.gethostname(), os.getpid(), _pid_namespace(), now, now)

    @classmethod
    def parse(cls, body: bytes) -> "Holder":
        fields = json.loads(body)
        return cls(
            str(fields["run_id"]),
            str(fields["host"]),
            int(fields["pid"]),
            str(fields.get("pid_namespace", "")),
            float(fields["started_at"]),
            float(fields["heartbeat_at"]),
        )

    def body(self) -> bytes:
        return json.dumps(asdict(self), indent=1).encode()

    def describe(self, now: float) -> str:
        started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(self.started_at))
        return (
            f"run {self.run_id} (pid {self.pid} on {self.host}, started {started}, "
            f"last heartbeat {max(now - self.heartbeat_at, 0):.0f} s ago)"
        )

    def stale_because(self, now: float) -> str | None:
        """Why a later run may take this lock over, or None while its holder may be alive."""
        here = self.host == socket.gethostname() and self.pid_namespace == _pid_namespace()
        if here and not process_alive(self.pid):
            return "its process is gone"
        if now - self.heartbeat_at > STALE_AFTER_SECONDS:
            return f"its heartbeat is {now - self.heartbeat_at:.0f} s old"
        return None


class JournalLock:
    """``acquire()`` or raise LockHeld; a thread keeps it fresh until ``release()``."""

    def __init__(self, store: LockStore, run_id: str, log: Callable[[str], None]) -> None:
        self.store = store
        self.run_id = run_id
        self.log = log
        self.lost_because: str | None = None  # set when the lock stopped being ours
        self._holder: Holder | None = None
        self._tag = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def uri(self) -> str:
        return self.store.uri

    def acquire(self, attempts: int = 5) -> None:
        mine = Holder.this_process(self.run_id)
        for _ in range(attempts):
            tag = self.store.create(mine.body())
            if tag is None:
                tag = self._take_over_if_stale(mine)
            if tag is not None:
                self._hold(mine, tag)
                return
        raise LockHeld(f"several runs are contending for {self.uri}")

    def _take_over_if_stale(self, mine: Holder) -> str | None:
        found = self.store.read()
        if found is None:
            return None  # released meanwhile: try to create it again
        body, tag = found
        now = time.time()
        try:
            holder: Holder | None = Holder.parse(body)
        except (ValueError, KeyError, TypeError):
            holder = None  # not written by a run (every write is whole): nobody to wait for
        if holder is None:
            reason: str | None = "it is unreadable"
        elif holder.run_id == self.run_id:
            # A step runs once at a time in a run: this is an earlier attempt's, whose process
            # is gone (a retry, or a run worker restarted by Dagster's run monitoring).
            reason = "it is this run's own, from an earlier attempt"
        else:
            reason = holder.stale_because(now)
        if holder is not None and reason is None:
            raise LockHeld(holder.describe(now))
        taken = self.store.swap(mine.body(), tag)
        if taken is not None:
            previous = holder.describe(now) if holder else "an unknown run"
            self.log(f"took over the lock {self.uri} from {previous}: {reason}")
        return taken

    def _hold(self, mine: Holder, tag: str) -> None:
        self._holder, self._tag = mine, tag
        self._thread = threading.Thread(target=self._beat, name="tmdb-lock", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            assert self._holder is not None
            beat = replace(self._holder, heartbeat_at=time.time())
            try:
                tag = self.store.swap(beat.body(), self._tag)
            except Exception:  # noqa: BLE001 - a storage hiccup: the stale age allows many beats
                continue
            if tag is None:
                self.lost_because = self._who_took_it()
                return
            self._holder, self._tag = beat, tag

    def _who_took_it(self) -> str:
        with suppress(Exception):  # only a message: the lock is lost either way
            found = self.store.read()
            if found is None:
                return f"the lock {self.uri} was removed"
            holder = Holder.parse(found[0])
            return f"{holder.describe(time.time())} took over the lock {self.uri}"
        return f"another run took over the lock {self.uri}"

    def check(self) -> None:
        """Raise LockLost when the lock is no longer this run's."""
        if self.lost_because is not None:
            raise LockLost(
                f"{self.lost_because} while this run held it (a run takes over a lock whose "
                f"heartbeat is over {STALE_AFTER_SECONDS:.0f} s old)"
            )

    def release(self) -> None:
        self._stop_beating()
        if self._holder is not None and self.lost_because is None:
            self.store.delete(self._tag)
        self._holder = None

    def abandon(self) -> None:
        """Stop the heartbeat and forget the lock, for a caller about to remove its folder
        (release would delete it first, letting another run in before the folder goes)."""
        self._stop_beating()
        self._holder = None

    def _stop_beating(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


def _pid_namespace() -> str:
    """Processes in other containers share a host name but not pids: compare pids only within
    one pid namespace."""
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""
