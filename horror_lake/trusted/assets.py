"""trusted_tmdb: the one trusted table Python makes (TMDB's JSON flattened, see tmdb.py).

The other trusted tables are SQL models in ``trusted/models/``.
"""

from collections.abc import Iterator

import dagster as dg
import pyarrow as pa

from horror_lake.engines.resource import EngineResource
from horror_lake.lake.resources import LakeResource
from horror_lake.lake.tables import LakeTable
from horror_lake.modeling.assets import table_asset_options
from horror_lake.modeling.checks import asset_key, contract_step
from horror_lake.modeling.project import LakeProject, Table
from horror_lake.trusted.tmdb import latest_titles, merge

RAW_TMDB = asset_key("raw", "raw_tmdb")
LATER_DATES = "later_dates_current"


def build_assets(project: LakeProject) -> list[dg.AssetsDefinition]:
    return [trusted_tmdb_asset(project.table("trusted", "trusted_tmdb"))]


def trusted_tmdb_asset(table: Table) -> dg.AssetsDefinition:
    key = asset_key(table.zone, table.name)

    reads = {
        "raw_tmdb": RAW_TMDB,
        "trusted_movies": asset_key("trusted", "trusted_movies"),
        "trusted_series": asset_key("trusted", "trusted_series"),
    }

    # Its own previous partition is an input too: declared, so that Dagster orders backfills
    # oldest first and marks later dates stale when an earlier one is re-run.
    previous = dg.AssetDep(
        key, partition_mapping=dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=-1)
    )

    options = table_asset_options(table, {"python"}, [*reads.values(), previous])
    options["check_specs"].append(
        dg.AssetCheckSpec(
            LATER_DATES,
            asset=key,
            blocking=False,
            description=(
                "No later date was built from an older version of this one (Dagster's stale "
                "marks don't cross a self-dependency over 100 partitions): warns with the dates "
                "to re-run, oldest first."
            ),
        )
    )

    @dg.asset(**options)
    def trusted_tmdb(
        context: dg.AssetExecutionContext, lake: LakeResource, engine: EngineResource
    ) -> Iterator[dg.Output[pa.Table] | dg.AssetCheckResult]:
        inputs = lake.inputs(reads, context.partition_key)
        trusted_movies, trusted_series = inputs["trusted_movies"], inputs["trusted_series"]
        previous, raws = tmdb_inputs(lake, key, inputs["raw_tmdb"])
        newest = latest_titles(pa.concat_tables([raw.read() for raw in raws]))
        known = [
            title_id
            for titles in (trusted_movies, trusted_series)
            for title_id in titles.parquet_file().read(columns=["title_id"]).column(0).to_pylist()
        ]
        yield dg.Output(
            merge(previous.read() if previous else None, newest, known),
            metadata={
                "carried_from": previous.partition_key if previous else "none",
                "raw_partitions_read": len(raws),
                "titles_answered_today": len(newest),
            },
        )
        yield later_dates_check(lake, key, context.partition_key)
        yield from contract_step([table], context.partition_key, lake, engine)

    return trusted_tmdb


def later_dates_check(lake: LakeResource, key: dg.AssetKey, partition: str) -> dg.AssetCheckResult:
    """Later partitions carried this one forward as it was before this run: they are stale."""
    later = [k for k in lake.location().partition_keys(*key.path) if k > partition]
    return dg.AssetCheckResult(
        check_name=LATER_DATES,
        passed=not later,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "stale_dates": ", ".join(later) or "none",
            "to_do": f"re-run {later[0]} to {later[-1]} in order" if later else "nothing",
        },
    )


def tmdb_inputs(
    lake: LakeResource, key: dg.AssetKey, raw_tmdb: LakeTable
) -> tuple[LakeTable | None, list[LakeTable]]:
    """The latest earlier trusted_tmdb partition, and the raw_tmdb partitions after it up to
    this one (all of them up to this one when there is no earlier trusted partition)."""
    partition = raw_tmdb.partition_key
    earlier = [k for k in lake.location().partition_keys(*key.path) if k < partition]
    previous = lake.table(key, earlier[-1]) if earlier else None
    since = previous.partition_key if previous else ""
    raw_keys = [k for k in lake.location().partition_keys(*RAW_TMDB.path) if since < k <= partition]
    raws = [lake.table(RAW_TMDB, k) for k in raw_keys]
    return previous, [raw for raw in raws if raw.exists()]
