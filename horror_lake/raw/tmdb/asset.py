"""raw_tmdb: TMDB's answers for the day's horror titles, verbatim, fetched incrementally."""

import datetime as dt
import hashlib
import logging
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
import pyarrow as pa

from horror_lake.engines.resource import EngineResource
from horror_lake.lake import arrays
from horror_lake.lake.resources import LakeResource
from horror_lake.lake.tables import LakeTable
from horror_lake.modeling.assets import table_asset_options
from horror_lake.modeling.checks import asset_key, contract_step
from horror_lake.modeling.project import LakeProject, Statement, Table
from horror_lake.raw.landing import LandingResource
from horror_lake.raw.tmdb.client import TmdbAuthError
from horror_lake.raw.tmdb.credentials import Credentials, RedactingFilter
from horror_lake.raw.tmdb.fetch import (
    DueTitle,
    FetchReport,
    fetch_genre_lists,
    fetch_titles,
    rows_table,
)
from horror_lake.raw.tmdb.history import last_answered, latest_answers
from horror_lake.raw.tmdb.journal import Journal
from horror_lake.raw.tmdb.lock import STALE_AFTER_SECONDS, LockHeld, LockLost
from horror_lake.raw.tmdb.source import SNAPSHOT_FILE, TmdbResource, TmdbSource, open_source

HORROR_TITLES_SQL = Path(__file__).with_name("horror_titles.sql")
COVERAGE_CHECK = "answers_cover_due_titles"
URL_LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry", "urllib3.poolmanager")
SKIPPED = (
    "TMDB enrichment skipped: no TMDB_API_TOKEN, TMDB_API_KEY or TMDB_API_TOKEN_SECRET is set "
    f"and the landing folder has no {SNAPSHOT_FILE}. Set TMDB_API_TOKEN (a v4 read-access "
    "token), or TMDB_API_TOKEN_SECRET (an AWS Secrets Manager secret holding it), to enrich "
    "titles with budget, revenue, popularity and keywords."
)


def build_assets(project: LakeProject) -> list[dg.AssetsDefinition]:
    return [raw_tmdb_asset(project.table("raw", "raw_tmdb"), project.statement(HORROR_TITLES_SQL))]


def raw_tmdb_asset(table: Table, horror_titles: Statement) -> dg.AssetsDefinition:
    reads = {name: asset_key(*k) for name, k in horror_titles.inputs.items()}
    options = table_asset_options(table, {"api", "python"}, reads.values())
    key = options["key"]
    options["check_specs"].append(
        dg.AssetCheckSpec(
            COVERAGE_CHECK,
            asset=key,
            blocking=True,
            description="Every horror title due for a fetch has its answers, each only once.",
        )
    )

    @dg.asset(**options)
    def raw_tmdb(
        context: dg.AssetExecutionContext,
        tmdb: TmdbResource,
        landing: LandingResource,
        lake: LakeResource,
        engine: EngineResource,
    ) -> Iterator[dg.Output[pa.Table] | dg.AssetCheckResult]:
        partition = context.partition_key
        raw = lake.inputs(reads, partition)
        source = open_source(tmdb, landing, partition)
        if source.client is None:
            context.log.warning(SKIPPED)
            yield dg.Output(rows_table([]), metadata={"source": "none", "due_titles": 0})
            yield dg.AssetCheckResult(
                check_name=COVERAGE_CHECK, passed=True, metadata={"note": SKIPPED}
            )
        else:
            titles = [DueTitle(*row) for row in engine.query(horror_titles.spark_sql, raw)]
            journal = Journal(lake.location(), table.zone, table.name, partition)
            with one_writer(context, journal, partition):
                kept = answers_kept(lake, key, partition, source.name, journal)
                answered = last_answered([*history(lake, key, partition), kept], source.name)
                due = due_titles(titles, answered, tmdb.refresh_age)
                context.log.info(
                    f"TMDB ({source.name}, {source.described}): {len(titles)} horror titles, "
                    f"{len(due)} due (not answered within {tmdb.refresh_age.days} days)"
                )
                started = time.monotonic()
                with redacted_logs(source.client.credentials), closing(source.client):
                    report = fetch(context, source, due, journal, tmdb.in_flight)
                seconds = time.monotonic() - started
                fetched = arrays.where_equal(journal.load(), "source", source.name)
                answers = latest_answers(pa.concat_tables([kept, fetched]))
                yield dg.Output(
                    answers,
                    metadata=fetch_metadata(source, len(titles), len(due), seconds, report),
                    data_version=answers_version(answers),
                )
                journal.clear()
            yield coverage_check(lake.table(key, partition), [t.imdb_id for t in due])
        yield from contract_step([table], partition, lake, engine)

    return raw_tmdb


def history(lake: LakeResource, key: dg.AssetKey, partition: str) -> list[pa.Table]:
    """The answers of the earlier partitions (who was answered, by which source, when)."""
    columns = ["imdb_id", "fetched_at", "source"]
    earlier = [k for k in lake.location().partition_keys(*key.path) if k < partition]
    tables = [lake.table(key, k) for k in earlier]
    return [t.parquet_file().read(columns=columns) for t in tables if t.exists()]


def answers_kept(
    lake: LakeResource, key: dg.AssetKey, partition: str, source: str, journal: Journal
) -> pa.Table:
    """This partition's answers so far (a re-run, or a resumed run's journal), from ``source``."""
    existing = lake.table(key, partition)
    earlier = existing.read() if existing.exists() else rows_table([])
    return arrays.where_equal(pa.concat_tables([earlier, journal.load()]), "source", source)


def due_titles(
    titles: list[DueTitle], answered: dict[str, dt.datetime], refresh_age: dt.timedelta
) -> list[DueTitle]:
    now = dt.datetime.now(dt.UTC)
    never = dt.datetime.min.replace(tzinfo=dt.UTC)
    return [t for t in titles if now - answered.get(t.imdb_id, never) > refresh_age]


def fetch(
    context: dg.AssetExecutionContext,
    source: TmdbSource,
    due: list[DueTitle],
    journal: Journal,
    in_flight: int,
) -> FetchReport:
    """Fetch the due titles into the journal; fails the run when some could not be fetched."""
    assert source.client is not None
    report = FetchReport()
    if not due:
        return report
    try:
        journal.save(fetch_genre_lists(source.client, source.name))
        report = fetch_titles(
            source.client, due, source.name, journal.save, context.log.info, in_flight=in_flight
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
    return report


@contextmanager
def one_writer(
    context: dg.AssetExecutionContext, journal: Journal, partition: str
) -> Iterator[None]:
    """This run alone writes the date's journal and partition; a second writer fails plainly.

    Runs launched through Dagster's queue never get here together (dagster.yaml allows one run
    per partition); two `dagster job execute` of one date by hand do.
    """
    try:
        with journal.writing(context.run.run_id, context.log.warning):
            yield
    except LockHeld as held:
        uri = journal.lock.uri if journal.lock else journal.directory
        raise dg.Failure(
            description=(
                f"TMDB answers for {partition} are being fetched by another run: {held}. Wait "
                f"for it to end; if that run is gone, remove {uri} and run again (a lock whose "
                f"heartbeat is over {STALE_AFTER_SECONDS:.0f} s old is taken over by itself)."
            ),
            allow_retries=False,
        ) from None
    except LockLost as lost:
        raise dg.Failure(
            description=(
                f"TMDB answers for {partition}: {lost}. This run stops here and leaves the "
                "date to the other run; the titles it saved stay in the journal."
            ),
            allow_retries=False,
        ) from None


@contextmanager
def redacted_logs(credentials: Credentials) -> Iterator[None]:
    """urllib3 logs whole URLs (with api_key) at debug level: blank the secrets while fetching.

    On each logger that logs URLs: a logger's filters see only the records it makes itself,
    not its children's, so a filter on "urllib3" alone blanks nothing.
    """
    log_filter = RedactingFilter(credentials)
    for name in URL_LOGGERS:
        logging.getLogger(name).addFilter(log_filter)
    try:
        yield
    finally:
        for name in URL_LOGGERS:
            logging.getLogger(name).removeFilter(log_filter)


def fetch_metadata(
    source: TmdbSource, titles: int, due: int, seconds: float, report: FetchReport
) -> dict[str, Any]:
    assert source.client is not None
    stats = source.client.stats
    return {
        "source": source.name,
        "horror_titles": titles,
        "due_titles": due,
        "requests": stats.requests,
        "throttled_429": stats.throttled,
        "retried": stats.retried,
        "requests_per_second": round(stats.requests / seconds, 2) if seconds > 0 else 0.0,
    }


def answers_version(answers: pa.Table) -> dg.DataVersion:
    """TMDB's answers change without any input changing: their version is what was received
    (which request, when), so later tables go stale when a refresh brings new answers."""
    digest = hashlib.sha256()
    for column in ("endpoint", "fetched_at"):
        digest.update(str(arrays.to_python(answers.column(column))).encode())
    return dg.DataVersion(digest.hexdigest()[:16])


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
