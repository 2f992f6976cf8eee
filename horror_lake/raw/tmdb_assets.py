"""raw_tmdb: TMDB's answers for the day's horror titles, verbatim, fetched incrementally.

Where answers come from is decided at run time: the API when ``TMDB_API_TOKEN`` or
``TMDB_API_KEY`` is set, else the sample snapshot in the landing folder, else nowhere (the
CSV half of the lake is built as usual and TMDB columns stay null).
"""

import datetime as dt
import logging
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from horror_lake.engines.resource import EngineResource
from horror_lake.lake.location import LakeLocation
from horror_lake.lake.resources import LakeResource
from horror_lake.lake.tables import LakeTable
from horror_lake.partitions import daily_partitions
from horror_lake.raw.landing import LandingResource
from horror_lake.raw.tmdb_api import (
    DEFAULT_BASE_URL,
    Credentials,
    HttpTransport,
    RedactingFilter,
    SnapshotTransport,
    TmdbAuthError,
    TmdbClient,
    Transport,
)
from horror_lake.raw.tmdb_fetch import (
    DueTitle,
    Row,
    fetch_genre_lists,
    fetch_titles,
    rows_table,
)

KEY = dg.AssetKey(["raw", "raw_tmdb"])
SNAPSHOT_FILE = "tmdb_snapshot.jsonl"
COVERAGE_CHECK = "answers_cover_due_titles"
SKIPPED = (
    "TMDB enrichment skipped: no TMDB_API_TOKEN or TMDB_API_KEY is set and the landing folder "
    f"has no {SNAPSHOT_FILE}. Set TMDB_API_TOKEN (a v4 read-access token) to enrich titles "
    "with budget, revenue, popularity and keywords."
)

# A title counts as horror when Horror is one of its genres on any of its lines.
HORROR_TITLES_SQL = r"""
    select distinct trim(id) as imdb_id
    from raw
    where trim(id) rlike '^tt[0-9]+$'
        and array_contains(split(trim(genero), '\\s*,\\s*'), 'Horror')
"""


def _env_number(name: str, default: float) -> float:
    text = os.environ.get(name)
    if text is None or not text.strip():
        return default
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {text!r}") from None
    if value <= 0:
        raise ValueError(f"{name} must be greater than 0, got {text!r}")
    return value


class TmdbResource(dg.ConfigurableResource):
    """TMDB API settings; each falls back to its environment variable at run time.

    The token and key are read from the environment only (never config), so they never show
    in run config, logs or the UI.
    """

    base_url: str | None = None  # TMDB_BASE_URL
    rate_limit: float | None = None  # TMDB_RATE_LIMIT, requests per second (35)
    refresh_days: float | None = None  # TMDB_REFRESH_DAYS: re-fetch answers older than this (30)
    timeout_seconds: float | None = None  # TMDB_TIMEOUT_SECONDS (10)
    max_attempts: int | None = None  # TMDB_MAX_ATTEMPTS per request (6)
    in_flight: int = 8

    def credentials(self) -> Credentials:
        token = (os.environ.get("TMDB_API_TOKEN") or "").strip() or None
        api_key = (os.environ.get("TMDB_API_KEY") or "").strip() or None
        return Credentials(token=token, api_key=api_key)

    @property
    def refresh_age(self) -> dt.timedelta:
        return dt.timedelta(days=self.refresh_days or _env_number("TMDB_REFRESH_DAYS", 30))

    def client(self, transport: Transport, credentials: Credentials, online: bool) -> TmdbClient:
        rate = self.rate_limit or _env_number("TMDB_RATE_LIMIT", 35)
        attempts = self.max_attempts or int(_env_number("TMDB_MAX_ATTEMPTS", 6))
        return TmdbClient(transport, credentials, rate if online else None, attempts)

    def http_transport(self, credentials: Credentials) -> HttpTransport:
        base_url = self.base_url or os.environ.get("TMDB_BASE_URL") or DEFAULT_BASE_URL
        timeout = self.timeout_seconds or _env_number("TMDB_TIMEOUT_SECONDS", 10)
        return HttpTransport(base_url, credentials, timeout, pool_size=self.in_flight)


@dataclass(frozen=True)
class TmdbSource:
    """Where this run's TMDB answers come from, and the client that gets them."""

    name: str  # "api", "sample" or "none"
    client: TmdbClient | None
    described: str


def open_source(tmdb: TmdbResource, landing: LandingResource, partition_key: str) -> TmdbSource:
    credentials = tmdb.credentials()
    if credentials.secrets:
        transport = tmdb.http_transport(credentials)
        client = tmdb.client(transport, credentials, online=True)
        return TmdbSource("api", client, transport.base_url)
    path = landing.locate(SNAPSHOT_FILE, partition_key)
    if path is None:
        return TmdbSource("none", None, "nowhere")
    lines = landing.read(path).decode("utf-8").splitlines()
    snapshot = SnapshotTransport(lines, landing.uri(path))
    client = tmdb.client(snapshot, credentials, online=False)
    return TmdbSource("sample", client, landing.uri(path))


class Journal:
    """Finished titles of an unfinished run, saved as small Parquet files beside the table.

    Each save is written aside and moved into place, so a killed run leaves whole files only;
    the next run of the partition reads them and does not fetch those titles again.
    """

    def __init__(self, location: LakeLocation, partition_key: str) -> None:
        self.location = location
        self.directory = location.progress_dir(KEY.path[0], KEY.path[1], partition_key)

    def save(self, rows: list[Row]) -> None:
        fs = self.location.filesystem
        fs.create_dir(self.directory, recursive=True)
        name = uuid.uuid4().hex
        staged = f"{self.directory}/.{name}.tmp"
        with fs.open_output_stream(staged) as sink:
            pq.write_table(rows_table(rows), sink)
        fs.move(staged, f"{self.directory}/{name}.parquet")

    def load(self) -> pa.Table:
        fs = self.location.filesystem
        selector = pafs.FileSelector(self.directory, allow_not_found=True)
        tables = [
            pq.read_table(fs.open_input_file(info.path))
            for info in fs.get_file_info(selector)
            if info.base_name.endswith(".parquet") and not info.base_name.startswith(".")
        ]
        return pa.concat_tables(tables) if tables else rows_table([])

    def clear(self) -> None:
        fs = self.location.filesystem
        if fs.get_file_info(self.directory).type != pafs.FileType.NotFound:
            fs.delete_dir(self.directory)


def horror_titles(
    engine: EngineResource, raw_movies: LakeTable, raw_series: LakeTable
) -> list[DueTitle]:
    """The day's horror titles; an id in both files is looked up as a movie."""
    kinds: dict[str, str] = {}
    for kind, raw in (("series", raw_series), ("movie", raw_movies)):
        for (imdb_id,) in engine.query(HORROR_TITLES_SQL, {"raw": raw}):
            kinds[imdb_id] = kind
    return [DueTitle(imdb_id, kinds[imdb_id]) for imdb_id in sorted(kinds)]


def answered_at(
    lake: LakeResource, partition_key: str, source: str, extra: pa.Table
) -> dict[str, dt.datetime]:
    """When each title was last answered by ``source``, in partitions up to this one and in
    ``extra`` rows (answers from the offline snapshot don't count once a token is set)."""
    location = lake.location()
    columns = ["imdb_id", "fetched_at", "source"]
    parts = [extra.select(columns)]
    for key in location.partition_keys(*KEY.path):
        if key <= partition_key:
            table = lake.table(KEY, key)
            if table.exists():
                parts.append(table.parquet_file().read(columns=columns))
    history = pa.concat_tables(parts).filter(
        pc.is_valid(pc.field("imdb_id")) & (pc.field("source") == source)
    )
    latest = history.group_by("imdb_id").aggregate([("fetched_at", "max")])
    return dict(
        zip(
            latest.column("imdb_id").to_pylist(),
            latest.column("fetched_at_max").to_pylist(),
            strict=True,
        )
    )


def latest_answers(rows: pa.Table) -> pa.Table:
    """One row per (imdb_id, endpoint), the latest, so a resumed or repeated run adds none."""
    if rows.num_rows == 0:
        return rows
    ordered = rows.sort_by([("fetched_at", "descending")])
    seen: set[tuple[object, object]] = set()
    keep = []
    for index, key in enumerate(
        zip(
            ordered.column("imdb_id").to_pylist(),
            ordered.column("endpoint").to_pylist(),
            strict=True,
        )
    ):
        if key not in seen:
            seen.add(key)
            keep.append(index)
    return ordered.take(keep).sort_by([("imdb_id", "ascending"), ("endpoint", "ascending")])


@dg.asset(
    key=KEY,
    partitions_def=daily_partitions,
    group_name="raw",
    ins={
        "raw_movies": dg.AssetIn(key=dg.AssetKey(["raw", "raw_movies"])),
        "raw_series": dg.AssetIn(key=dg.AssetKey(["raw", "raw_series"])),
    },
    kinds={"api", "parquet"},
    check_specs=[
        dg.AssetCheckSpec(
            COVERAGE_CHECK,
            asset=KEY,
            blocking=True,
            description="Every horror title due for a fetch has its answers, each only once.",
        )
    ],
)
def raw_tmdb(
    context: dg.AssetExecutionContext,
    tmdb: TmdbResource,
    landing: LandingResource,
    lake: LakeResource,
    engine: EngineResource,
    raw_movies: LakeTable,
    raw_series: LakeTable,
) -> Iterator[dg.Output[pa.Table] | dg.AssetCheckResult]:
    """Grain: one row per TMDB answer received for this ingestion date (find, details and
    genre lists), the JSON body verbatim, with imdb_id, tmdb_id, media_type, endpoint,
    http_status, fetched_at and source. Titles answered within the refresh age, in this or
    an earlier partition, are not fetched again."""
    partition = context.partition_key
    source = open_source(tmdb, landing, partition)
    if source.client is None:
        context.log.warning(SKIPPED)
        yield dg.Output(rows_table([]), metadata={"source": "none", "due_titles": 0})
        yield dg.AssetCheckResult(
            check_name=COVERAGE_CHECK, passed=True, metadata={"note": SKIPPED}
        )
        return
    client = source.client
    log_filter = RedactingFilter(client.credentials)
    logging.getLogger("urllib3").addFilter(log_filter)
    journal = Journal(lake.location(), partition)
    try:
        yield from _fetch_and_write(
            context,
            lake,
            engine,
            source,
            journal,
            tmdb.refresh_age,
            raw_movies,
            raw_series,
            tmdb.in_flight,
        )
    finally:
        logging.getLogger("urllib3").removeFilter(log_filter)
        client.close()


def _fetch_and_write(
    context: dg.AssetExecutionContext,
    lake: LakeResource,
    engine: EngineResource,
    source: TmdbSource,
    journal: Journal,
    refresh_age: dt.timedelta,
    raw_movies: LakeTable,
    raw_series: LakeTable,
    in_flight: int,
) -> Iterator[dg.Output[pa.Table] | dg.AssetCheckResult]:
    assert source.client is not None
    client = source.client
    partition = context.partition_key
    existing = lake.table(KEY, partition)
    kept = pa.concat_tables(
        [existing.read() if existing.exists() else rows_table([]), journal.load()]
    ).filter(pc.field("source") == source.name)
    last_answered = answered_at(lake, partition, source.name, kept)
    now = dt.datetime.now(dt.UTC)
    titles = horror_titles(engine, raw_movies, raw_series)
    never = dt.datetime.min.replace(tzinfo=dt.UTC)
    due = [t for t in titles if now - last_answered.get(t.imdb_id, never) > refresh_age]
    context.log.info(
        f"TMDB ({source.name}, {source.described}): {len(titles)} horror titles, "
        f"{len(due)} due (not answered within {refresh_age.days} days)"
    )
    started = time.monotonic()
    report = None
    if due:
        try:
            journal.save(fetch_genre_lists(client, source.name))
            report = fetch_titles(
                client, due, source.name, journal.save, context.log.info, in_flight=in_flight
            )
        except TmdbAuthError as error:
            raise dg.Failure(description=str(error), allow_retries=False) from None
        if report.failures:
            examples = "; ".join(f"{k}: {v}" for k, v in list(report.failures.items())[:3])
            raise dg.Failure(
                description=(
                    f"TMDB: {len(report.failures)} of {len(due)} titles could not be fetched "
                    f"({examples}). The {report.fetched} fetched are saved; run the partition "
                    "again to fetch the rest."
                )
            )
    seconds = time.monotonic() - started
    fetched = journal.load().filter(pc.field("source") == source.name)
    rows = latest_answers(pa.concat_tables([kept, fetched]))
    stats = client.stats
    yield dg.Output(
        rows,
        metadata={
            "source": source.name,
            "horror_titles": len(titles),
            "due_titles": len(due),
            "requests": stats.requests,
            "throttled_429": stats.throttled,
            "retried": stats.retried,
            "requests_per_second": round(stats.requests / seconds, 2) if seconds > 0 else 0.0,
        },
    )
    journal.clear()
    yield coverage_check(lake.table(KEY, partition), [t.imdb_id for t in due])


def coverage_check(table: LakeTable, due: list[str]) -> dg.AssetCheckResult:
    """Reads the partition back: every due title has a find answer, no answer twice."""
    written = table.parquet_file().read(columns=["imdb_id", "endpoint"])
    keys = list(
        zip(
            written.column("imdb_id").to_pylist(),
            written.column("endpoint").to_pylist(),
            strict=True,
        )
    )
    found = {imdb_id for imdb_id, endpoint in keys if imdb_id and endpoint.startswith("/find/")}
    missing = sorted(set(due) - found)
    duplicates = len(keys) - len(set(keys))
    metadata: dict[str, dg.RawMetadataValue] = {
        "due_titles": len(due),
        "answered_titles": len(set(due) & found),
        "missing_titles": len(missing),
        "missing_examples": str(missing[:5]),
        "duplicate_answers": duplicates,
    }
    if not due:
        metadata["note"] = "no title was due for a fetch (all answered within the refresh age)"
    return dg.AssetCheckResult(
        check_name=COVERAGE_CHECK, passed=not missing and not duplicates, metadata=metadata
    )
