"""Refined zone: the horror star schema (dim_filme, dim_genero, dim_subgenero, fato_filme,
fato_filme_subgenero)."""

from typing import Any

import dagster as dg

from horror_lake.engines.models import SqlModel
from horror_lake.engines.resource import EngineResource
from horror_lake.lake.tables import LakeTable
from horror_lake.partitions import daily_partitions

REFINED: dict[str, Any] = {
    "key_prefix": "refined",
    "group_name": "refined",
    "partitions_def": daily_partitions,
}
TRUSTED_MOVIES = dg.AssetIn(key=dg.AssetKey(["trusted", "trusted_movies"]))
TRUSTED_SERIES = dg.AssetIn(key=dg.AssetKey(["trusted", "trusted_series"]))
DIM_FILME = dg.AssetIn(key=dg.AssetKey(["refined", "dim_filme"]))
DIM_SUBGENERO = dg.AssetIn(key=dg.AssetKey(["refined", "dim_subgenero"]))


@dg.asset(
    **REFINED,
    ins={"trusted_movies": TRUSTED_MOVIES, "trusted_series": TRUSTED_SERIES},
    kinds={"sql", "parquet"},
)
def dim_genero(
    engine: EngineResource, trusted_movies: LakeTable, trusted_series: LakeTable
) -> object:
    """Grain: one row per genre seen on any title; genre_id is the surrogate key."""
    return engine.run_model(
        SqlModel("refined", "dim_genero"),
        {"trusted_movies": trusted_movies, "trusted_series": trusted_series},
    )


@dg.asset(**REFINED, kinds={"sql", "parquet"})
def dim_subgenero(engine: EngineResource) -> object:
    """Grain: one row per horror subgenre recognised from TMDB keywords (fixed list)."""
    return engine.run_model(SqlModel("refined", "dim_subgenero"), {})


@dg.asset(
    **REFINED,
    ins={
        "trusted_movies": TRUSTED_MOVIES,
        "trusted_series": TRUSTED_SERIES,
        "trusted_tmdb": dg.AssetIn(key=dg.AssetKey(["trusted", "trusted_tmdb"])),
        "dim_subgenero": DIM_SUBGENERO,
    },
    kinds={"sql", "parquet"},
)
def dim_filme(
    engine: EngineResource,
    trusted_movies: LakeTable,
    trusted_series: LakeTable,
    trusted_tmdb: LakeTable,
    dim_subgenero: LakeTable,
) -> object:
    """Grain: one row per horror title (movie or series, told apart by title_type), with its
    TMDB figures when TMDB knows it."""
    return engine.run_model(
        SqlModel("refined", "dim_filme"),
        {
            "trusted_movies": trusted_movies,
            "trusted_series": trusted_series,
            "trusted_tmdb": trusted_tmdb,
            "dim_subgenero": dim_subgenero,
        },
    )


@dg.asset(
    **REFINED,
    ins={
        "dim_filme": DIM_FILME,
        "dim_genero": dg.AssetIn(key=dg.AssetKey(["refined", "dim_genero"])),
    },
    kinds={"sql", "parquet"},
)
def fato_filme(engine: EngineResource, dim_filme: LakeTable, dim_genero: LakeTable) -> object:
    """Grain: one row per horror title x genre, with the title's rating, votes, runtime, year."""
    return engine.run_model(
        SqlModel("refined", "fato_filme"), {"dim_filme": dim_filme, "dim_genero": dim_genero}
    )


@dg.asset(
    **REFINED,
    ins={"dim_filme": DIM_FILME, "dim_subgenero": DIM_SUBGENERO},
    kinds={"sql", "parquet"},
)
def fato_filme_subgenero(
    engine: EngineResource, dim_filme: LakeTable, dim_subgenero: LakeTable
) -> object:
    """Grain: one row per horror title x keyword subgenre, with the title's rating, votes,
    popularity and money figures."""
    return engine.run_model(
        SqlModel("refined", "fato_filme_subgenero"),
        {"dim_filme": dim_filme, "dim_subgenero": dim_subgenero},
    )


refined_assets = [dim_genero, dim_subgenero, dim_filme, fato_filme, fato_filme_subgenero]
