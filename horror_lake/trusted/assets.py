"""Trusted zone: typed, de-duplicated, snake_case tables, one SQL model each."""

from collections.abc import Mapping
from typing import Any

import dagster as dg

from horror_lake.engines.models import SqlModel
from horror_lake.engines.resource import EngineResource
from horror_lake.lake.tables import LakeTable
from horror_lake.partitions import daily_partitions

TRUSTED: dict[str, Any] = {
    "key_prefix": "trusted",
    "group_name": "trusted",
    "partitions_def": daily_partitions,
}
RAW_MOVIES = dg.AssetIn(key=dg.AssetKey(["raw", "raw_movies"]))
RAW_SERIES = dg.AssetIn(key=dg.AssetKey(["raw", "raw_series"]))

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


trusted_assets = [trusted_movies, trusted_series, trusted_artists]
