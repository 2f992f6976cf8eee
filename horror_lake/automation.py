"""The lake runs itself: a sensor on the landing folder, a daily refresh, retries.

All of it is off by default in the code location (``DefaultSensorStatus.STOPPED``); turn the
sensor and the schedule on in the UI or with ``dagster sensor start`` / ``dagster schedule
start``.
"""

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass

import dagster as dg
import pyarrow.fs as pafs

from horror_lake import settings
from horror_lake.lake.location import StorageLocation
from horror_lake.raw.landing import LandingResource
from horror_lake.raw.sources import SOURCES

SENSOR_NAME = "landing_sensor"
SCHEDULE_NAME = "daily_refresh"
DEFAULT_INTERVAL_SECONDS = 30
DATED_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")
LANDING_FILES = tuple(source.file_name for source in SOURCES)
HASH_CHUNK = 8 * 2**20

# Transient failures (network, S3, TMDB) are retried with backoff; deterministic ones (bad
# input, SQL errors, rejected credentials) raise dg.Failure(allow_retries=False) and fail at once.
NETWORK_RETRY = dg.RetryPolicy(
    max_retries=3, delay=2, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)


@dataclass(frozen=True)
class LandedFile:
    path: str
    partition_key: str  # the dated folder's date, else today's (UTC)
    size: int
    mtime_ns: int


def landed_files(location: StorageLocation, today: str) -> list[LandedFile]:
    """movies.csv / series.csv at the landing root and in dated ``YYYY-MM-DD/`` folders."""
    fs = location.filesystem
    found = []
    for info in fs.get_file_info(pafs.FileSelector(location.base_path, allow_not_found=True)):
        if info.type == pafs.FileType.File and info.base_name in LANDING_FILES:
            found.append(_landed(info, today))
        elif info.type == pafs.FileType.Directory and DATED_FOLDER.match(info.base_name):
            for inner in fs.get_file_info(pafs.FileSelector(info.path)):
                if inner.type == pafs.FileType.File and inner.base_name in LANDING_FILES:
                    found.append(_landed(inner, info.base_name))
    return sorted(found, key=lambda landed: landed.path)


def _landed(info: pafs.FileInfo, partition_key: str) -> LandedFile:
    mtime = info.mtime_ns if info.mtime_ns is not None else 0
    return LandedFile(info.path, partition_key, int(info.size or 0), int(mtime))


def content_fingerprint(location: StorageLocation, path: str) -> str:
    digest = hashlib.sha256()
    with location.filesystem.open_input_stream(path) as stream:
        while chunk := stream.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class LandingScan:
    """One tick's decisions, and the cursor to keep for the next."""

    partitions: dict[str, list[str]]  # partition key -> fingerprints of its changed files
    cursor: dict[str, dict]
    waiting: list[str]
    unchanged: int


def scan_landing(location: StorageLocation, cursor: dict[str, dict], today: str) -> LandingScan:
    """Which partitions have new or changed files since the cursor.

    A file counts once its size is the same on two ticks in a row (a copy still in progress
    waits). Size and mtime are a cheap first test; only a file whose size or mtime moved is
    hashed, and only a different hash counts as a change, so touching a file never triggers.
    """
    known: dict[str, dict] = cursor.get("files", {})
    pending: dict[str, int] = cursor.get("pending", {})
    files, next_pending = dict(known), {}
    partitions: dict[str, list[str]] = {}
    changed = []
    unchanged = 0
    for landed in landed_files(location, today):
        seen = known.get(landed.path)
        if seen and seen["size"] == landed.size and seen["mtime_ns"] == landed.mtime_ns:
            unchanged += 1
        else:
            changed.append(landed)
    # A date runs only when none of its files is still changing size.
    waiting = [f.path for f in changed if pending.get(f.path) != f.size]
    settling = {f.partition_key for f in changed if f.path in waiting}
    for landed in changed:
        if landed.partition_key in settling:
            next_pending[landed.path] = landed.size  # look again next tick
            continue
        fingerprint = content_fingerprint(location, landed.path)
        seen = known.get(landed.path)
        files[landed.path] = {
            "size": landed.size,
            "mtime_ns": landed.mtime_ns,
            "sha256": fingerprint,
        }
        if seen and seen.get("sha256") == fingerprint:
            unchanged += 1  # touched or copied over with the same bytes
            continue
        partitions.setdefault(landed.partition_key, []).append(fingerprint)
    return LandingScan(partitions, {"files": files, "pending": next_pending}, waiting, unchanged)


def build_landing_sensor(job_name: str) -> dg.SensorDefinition:
    @dg.sensor(
        name=SENSOR_NAME,
        job_name=job_name,
        minimum_interval_seconds=settings.sensor_interval_seconds(DEFAULT_INTERVAL_SECONDS),
        default_status=dg.DefaultSensorStatus.STOPPED,
        description=(
            "Requests one run of the job for an ingestion date when movies.csv or series.csv "
            "appears or changes (by content) in the landing folder or its YYYY-MM-DD/ folders."
        ),
    )
    def landing_sensor(
        context: dg.SensorEvaluationContext, landing: LandingResource
    ) -> dg.SensorResult:
        location = landing.location()
        today = dt.datetime.now(dt.UTC).date().isoformat()
        cursor = json.loads(context.cursor) if context.cursor else {}
        scan = scan_landing(location, cursor, today)
        requests = [
            dg.RunRequest(
                run_key=f"{partition}:{hashlib.sha256(''.join(sorted(prints)).encode()).hexdigest()[:16]}",
                partition_key=partition,
                tags={"horror_lake/trigger": "landing"},
            )
            for partition, prints in sorted(scan.partitions.items())
        ]
        if scan.waiting:
            context.log.info(f"waiting for files still changing size: {scan.waiting}")
        skip = None
        if not requests:
            skip = f"nothing new ({scan.unchanged} files unchanged, {len(scan.waiting)} settling)"
        return dg.SensorResult(
            run_requests=requests, cursor=json.dumps(scan.cursor), skip_reason=skip
        )

    return landing_sensor


def build_daily_refresh(job):  # type: ignore[no-untyped-def]  # dagster doesn't export these types
    """Every day at 06:00 UTC, the job for that day: TMDB titles older than the refresh age are
    fetched again and the day's Trusted/Refined partitions are rebuilt from the landing files."""
    return dg.build_schedule_from_partitioned_job(
        job,
        name=SCHEDULE_NAME,
        hour_of_day=6,
        default_status=dg.DefaultScheduleStatus.STOPPED,
        description=build_daily_refresh.__doc__,
    )
