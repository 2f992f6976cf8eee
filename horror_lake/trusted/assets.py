"""Trusted zone: typed, de-duplicated, snake_case tables, one SQL model each."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
import pyarrow as pa

from horror_lake.engines.models import SqlModel
from horror_lake.engines.resource import EngineResource
from horror_lake.lake.resources import LakeResource
from horror_lake.lake.tables import LakeTable
from horror_lake.partitions import daily_partitions
from horror_lake.trusted.tmdb import latest_titles, merge

TRUSTED: dict[str, Any] = {
    "key_prefix": "trusted",
    "group_name": "trusted",
    "partitions_def": daily_partitions,
}
RAW_MOVIES = dg.AssetIn(key=dg.AssetKey(["raw", "raw_movies"]))
RAW_SERIES = dg.AssetIn(key=dg.AssetKey(["raw", "raw_series"]))
RAW_TMDB = dg.AssetKey(["raw", "raw_tmdb"])

# Why raw lines don't reach a trusted table, counted so nothing is dropped silently.
LEFT_OUT_SQL = """
    select
        count(*) as source_lines,
        count_if(not coalesce(trim(id) rlike '^tt[0-9]+$', false)) as lines_without_title_id,
        count_if(nullif(nullif(trim(nomeArtista), '\\\\N'), '') is null)
            as lines_without_artist_name
    from raw
"""


def left_out(engine: EngineResource, raws: Mapping[str, LakeTable]) -> dict[str, int]:
    totals = {"source_lines": 0, "lines_without_title_id": 0, "lines_without_artist_name": 0}
    for raw in raws.values():
        counts = engine.query(LEFT_OUT_SQL, {"raw": raw})[0]
        for name, count in zip(totals, counts, strict=True):
            totals[name] += count
    return totals


def run(engine: EngineResource, name: str, inputs: Mapping[str, LakeTable]) -> dg.Output[Any]:
    """The table's model, with the raw line counts it left out in the metadata."""
    counts = left_out(engine, inputs)
    if name != "trusted_artists":
        del counts["lines_without_artist_name"]
    return dg.Output(engine.run_model(SqlModel("trusted", name), inputs), metadata=counts)


@dg.asset(**TRUSTED, ins={"raw_movies": RAW_MOVIES}, kinds={"sql", "parquet"})
def trusted_movies(engine: EngineResource, raw_movies: LakeTable) -> dg.Output[Any]:
    """Grain: one row per movie title (IMDb tt id), typed, `\\N` as null, genres as a list."""
    return run(engine, "trusted_movies", {"raw_movies": raw_movies})


@dg.asset(**TRUSTED, ins={"raw_series": RAW_SERIES}, kinds={"sql", "parquet"})
def trusted_series(engine: EngineResource, raw_series: LakeTable) -> dg.Output[Any]:
    """Grain: one row per series title (IMDb tt id), typed, with its end year."""
    return run(engine, "trusted_series", {"raw_series": raw_series})


@dg.asset(
    **TRUSTED, ins={"raw_movies": RAW_MOVIES, "raw_series": RAW_SERIES}, kinds={"sql", "parquet"}
)
def trusted_artists(
    engine: EngineResource, raw_movies: LakeTable, raw_series: LakeTable
) -> dg.Output[Any]:
    """Grain: one row per title x artist, movies and series together, professions as a list."""
    return run(engine, "trusted_artists", {"raw_movies": raw_movies, "raw_series": raw_series})


@dg.asset(
    **TRUSTED,
    ins={
        "raw_tmdb": dg.AssetIn(key=RAW_TMDB),
        "trusted_movies": dg.AssetIn(key=dg.AssetKey(["trusted", "trusted_movies"])),
        "trusted_series": dg.AssetIn(key=dg.AssetKey(["trusted", "trusted_series"])),
    },
    kinds={"python", "parquet"},
)
def trusted_tmdb(
    lake: LakeResource, raw_tmdb: LakeTable, trusted_movies: LakeTable, trusted_series: LakeTable
) -> dg.Output[pa.Table]:
    """Grain: one row per TMDB title (media_type, tmdb_id) of the day's CSV titles, typed and
    flattened. Complete for the date: titles answered on earlier dates carry forward, the
    latest answer wins."""
    previous, raws = tmdb_inputs(lake, raw_tmdb)
    newest = latest_titles(pa.concat_tables([raw.read() for raw in raws]))
    known = [
        title_id
        for table in (trusted_movies, trusted_series)
        for title_id in table.parquet_file().read(columns=["title_id"]).column(0).to_pylist()
    ]
    table = merge(previous.read() if previous else None, newest, known)
    return dg.Output(
        table,
        metadata={
            "carried_from": previous.partition_key if previous else "none",
            "raw_partitions_read": len(raws),
            "titles_answered_today": len(newest),
        },
    )


def tmdb_inputs(
    lake: LakeResource, raw_tmdb: LakeTable
) -> tuple[LakeTable | None, list[LakeTable]]:
    """The latest earlier trusted_tmdb partition, and the raw_tmdb partitions after it up to
    this one (all of them up to this one when there is no earlier trusted partition)."""
    key, partition = dg.AssetKey(["trusted", "trusted_tmdb"]), raw_tmdb.partition_key
    earlier = [k for k in lake.location().partition_keys(*key.path) if k < partition]
    previous = lake.table(key, earlier[-1]) if earlier else None
    since = previous.partition_key if previous else ""
    raw_keys = [k for k in lake.location().partition_keys(*RAW_TMDB.path) if since < k <= partition]
    raws = [lake.table(RAW_TMDB, k) for k in raw_keys]
    return previous, [raw for raw in raws if raw.exists()]


trusted_assets = [trusted_movies, trusted_series, trusted_artists, trusted_tmdb]
