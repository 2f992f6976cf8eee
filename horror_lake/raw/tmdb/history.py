"""What TMDB already answered: which titles are due for a fetch, and one answer per request.

Pure Arrow, no Dagster.
"""

import datetime as dt
from collections.abc import Iterable

import pyarrow as pa

from horror_lake.lake import arrays


def last_answered(history: Iterable[pa.Table], source: str) -> dict[str, dt.datetime]:
    """When each title was last answered by ``source`` (answers from the offline snapshot don't
    count once a token is set)."""
    columns = ["imdb_id", "fetched_at", "source"]
    parts = [table.select(columns) for table in history]
    if not parts:
        return {}
    answers = arrays.where_equal(pa.concat_tables(parts), "source", source)
    latest: dict[str, dt.datetime] = {}
    for imdb_id, fetched_at in zip(
        answers.column("imdb_id").to_pylist(),
        arrays.to_python(answers.column("fetched_at")),
        strict=True,
    ):
        if fetched_at is None or imdb_id is None:
            continue
        if imdb_id not in latest or fetched_at > latest[imdb_id]:
            latest[imdb_id] = fetched_at
    return latest


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
    return ordered.take(arrays.array(keep, pa.int64())).sort_by(
        [("imdb_id", "ascending"), ("endpoint", "ascending")]
    )
