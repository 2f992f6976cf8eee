"""Trusted zone: typed, de-duplicated, snake_case tables, one SQL model each."""

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


@dg.asset(**TRUSTED, ins={"raw_movies": RAW_MOVIES}, kinds={"sql", "parquet"})
def trusted_movies(engine: EngineResource, raw_movies: LakeTable) -> object:
    """Grain: one row per movie title (IMDb tt id), typed, `\\N` as null, genres as a list."""
    return engine.run_model(SqlModel("trusted", "trusted_movies"), {"raw_movies": raw_movies})


@dg.asset(**TRUSTED, ins={"raw_series": RAW_SERIES}, kinds={"sql", "parquet"})
def trusted_series(engine: EngineResource, raw_series: LakeTable) -> object:
    """Grain: one row per series title (IMDb tt id), typed, with its end year."""
    return engine.run_model(SqlModel("trusted", "trusted_series"), {"raw_series": raw_series})


@dg.asset(
    **TRUSTED, ins={"raw_movies": RAW_MOVIES, "raw_series": RAW_SERIES}, kinds={"sql", "parquet"}
)
def trusted_artists(engine: EngineResource, raw_movies: LakeTable, raw_series: LakeTable) -> object:
    """Grain: one row per title x artist, movies and series together, professions as a list."""
    return engine.run_model(
        SqlModel("trusted", "trusted_artists"),
        {"raw_movies": raw_movies, "raw_series": raw_series},
    )


trusted_assets = [trusted_movies, trusted_series, trusted_artists]
