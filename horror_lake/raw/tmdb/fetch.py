"""Fetching TMDB answers for many titles: several in flight, journaled, with progress.

Pure Python, no Dagster. A title is looked up with ``/find/{imdb_id}``, then its details are
fetched from ``/movie/{id}`` or ``/tv/{id}``. A title's answers are handed to ``on_title`` only
once all of them are in, so a journal of finished titles is always whole titles.
"""

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

import pyarrow as pa

from horror_lake.lake import arrays
from horror_lake.raw.tmdb.client import Answer, TmdbAuthError, TmdbClient, TmdbUnavailable

FETCHED_AT = pa.timestamp("us", tz="UTC")
RAW_TMDB_SCHEMA = pa.schema(
    [
        pa.field("imdb_id", pa.string()),
        pa.field("tmdb_id", pa.int64()),
        pa.field("media_type", pa.string()),
        pa.field("endpoint", pa.string()),
        pa.field("http_status", pa.int32()),
        pa.field("body", pa.string()),
        pa.field("fetched_at", FETCHED_AT),
        pa.field("source", pa.string()),
    ]
)
GENRE_LISTS = ("/genre/movie/list", "/genre/tv/list")
DETAILS_APPEND = {"movie": "keywords,credits", "tv": "keywords,credits,external_ids"}


@dataclass(frozen=True)
class DueTitle:
    """A horror title to look up; ``kind`` says which find results to prefer."""

    imdb_id: str
    kind: str  # "movie" or "series"


Row = dict[str, object]


def answer_row(
    answer: Answer, source: str, imdb_id: str | None, tmdb_id: int | None, media_type: str | None
) -> Row:
    return {
        "imdb_id": imdb_id,
        "tmdb_id": tmdb_id,
        "media_type": media_type,
        "endpoint": answer.endpoint,
        "http_status": answer.status,
        "body": answer.text,
        "fetched_at": dt.datetime.fromtimestamp(answer.fetched_at, dt.UTC),
        "source": source,
    }


def rows_table(rows: Iterable[Row]) -> pa.Table:
    return arrays.table(list(rows), RAW_TMDB_SCHEMA)


def fetch_title(client: TmdbClient, title: DueTitle, source: str) -> list[Row]:
    """The find answer and, when TMDB knows the title, its details answer."""
    find = client.get(f"/find/{title.imdb_id}", {"external_source": "imdb_id"})
    if find.status != 200:
        return [answer_row(find, source, title.imdb_id, None, None)]
    match = _pick_result(find.json(), title.kind)
    if match is None:
        return [answer_row(find, source, title.imdb_id, None, None)]
    media_type, tmdb_id = match
    details = client.get(
        f"/{media_type}/{tmdb_id}", {"append_to_response": DETAILS_APPEND[media_type]}
    )
    return [
        answer_row(find, source, title.imdb_id, tmdb_id, media_type),
        answer_row(details, source, title.imdb_id, tmdb_id, media_type),
    ]


def _pick_result(body: object, kind: str) -> tuple[str, int] | None:
    """The first result of the expected kind, else of the other kind."""
    if not isinstance(body, dict):
        return None
    order = ("movie", "tv") if kind == "movie" else ("tv", "movie")
    for media_type in order:
        results = body.get(f"{media_type}_results")
        for result in results if isinstance(results, list) else []:
            if isinstance(result, dict) and isinstance(result.get("id"), int):
                return media_type, result["id"]
    return None


def fetch_genre_lists(client: TmdbClient, source: str) -> list[Row]:
    return [answer_row(client.get(path), source, None, None, None) for path in GENRE_LISTS]


@dataclass
class FetchReport:
    fetched: int = 0
    failures: dict[str, str] = field(default_factory=dict)  # imdb_id -> last error


@dataclass
class Progress:
    """Logs done/total, rate and ETA at most every ``every_seconds``."""

    total: int
    log: Callable[[str], None]
    every_seconds: float = 5.0
    started: float = field(default_factory=time.monotonic)
    last: float = field(default_factory=time.monotonic)

    def update(self, done: int, requests: int, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < self.every_seconds:
            return
        self.last = now
        elapsed = max(now - self.started, 1e-9)
        per_second = done / elapsed
        eta = (self.total - done) / per_second if per_second else float("inf")
        eta_text = f"{eta:.0f} s" if eta != float("inf") else "unknown"
        self.log(
            f"TMDB: {done}/{self.total} titles, {requests / elapsed:.1f} requests/s, ETA {eta_text}"
        )


def fetch_titles(
    client: TmdbClient,
    titles: list[DueTitle],
    source: str,
    on_titles: Callable[[list[Row]], None],
    log: Callable[[str], None],
    in_flight: int = 8,
    flush_seconds: float = 1.0,
) -> FetchReport:
    """Fetch every title, ``in_flight`` at a time; finished titles reach ``on_titles`` in
    batches at least every ``flush_seconds`` (the journal), so a killed run loses at most
    that much work. A 401 stops everything at once; other failures are reported per title."""
    report = FetchReport()
    progress = Progress(len(titles), log)
    pending_rows: list[Row] = []
    last_flush = time.monotonic()
    stop = threading.Event()

    def flush() -> None:
        nonlocal pending_rows, last_flush
        if pending_rows:
            on_titles(pending_rows)
            pending_rows = []
        last_flush = time.monotonic()

    def one(title: DueTitle) -> list[Row]:
        if stop.is_set():
            return []
        return fetch_title(client, title, source)

    queue = iter(titles)
    with ThreadPoolExecutor(max_workers=in_flight, thread_name_prefix="tmdb") as pool:
        running: dict[Future[list[Row]], DueTitle] = {}
        try:
            for title in _take(queue, in_flight * 2):
                running[pool.submit(one, title)] = title
            while running:
                done, _ = wait(running, timeout=flush_seconds, return_when=FIRST_COMPLETED)
                for future in done:
                    title = running.pop(future)
                    try:
                        pending_rows.extend(future.result())
                        report.fetched += 1
                    except TmdbUnavailable as error:
                        report.failures[title.imdb_id] = str(error)
                    for nxt in _take(queue, 1):
                        running[pool.submit(one, nxt)] = nxt
                if time.monotonic() - last_flush >= flush_seconds:
                    flush()
                progress.update(report.fetched + len(report.failures), client.stats.requests)
        except TmdbAuthError:
            stop.set()
            for future in running:
                future.cancel()
            raise
        finally:
            flush()
    progress.update(report.fetched + len(report.failures), client.stats.requests, force=True)
    return report


def _take(queue: Iterator[DueTitle], count: int) -> list[DueTitle]:
    taken = []
    for title in queue:
        taken.append(title)
        if len(taken) == count:
            break
    return taken
