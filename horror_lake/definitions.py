"""The code location: assembles assets, checks, the job and the resources."""

import dagster as dg

from horror_lake.automation import NETWORK_RETRY, build_daily_refresh, build_landing_sensor
from horror_lake.checks import asset_checks
from horror_lake.dashboards.assets import dashboard_assets
from horror_lake.engines.resource import EngineResource
from horror_lake.lake.resources import LakeIOManager, LakeResource
from horror_lake.partitions import today_partition_key
from horror_lake.raw.assets import raw_assets
from horror_lake.raw.landing import LandingResource
from horror_lake.raw.tmdb_assets import TmdbResource, raw_tmdb
from horror_lake.refined.assets import refined_assets
from horror_lake.trusted.assets import trusted_assets

JOB_NAME = "horror_lake_job"


def build_job():  # dagster does not export the type it returns (an unresolved asset job)
    """Every asset and check of one ingestion date, in one process (no per-step start-up).

    The partition tag defaults to today's UTC date when the definitions are loaded, so
    ``dagster job execute`` without flags builds today; ``--tags`` and the UI override it.
    """
    return dg.define_asset_job(
        JOB_NAME,
        selection=dg.AssetSelection.all(),
        executor_def=dg.in_process_executor,
        tags={"dagster/partition": today_partition_key()},
        description=(
            "CSV and TMDB -> raw -> trusted -> refined -> dashboard, for one ingestion date."
        ),
        op_retry_policy=NETWORK_RETRY,
    )


@dg.definitions
def defs() -> dg.Definitions:
    lake = LakeResource()
    job = build_job()
    return dg.Definitions(
        assets=[*raw_assets, raw_tmdb, *trusted_assets, *refined_assets, *dashboard_assets],
        asset_checks=asset_checks,
        jobs=[job],
        sensors=[build_landing_sensor(JOB_NAME)],
        schedules=[build_daily_refresh(job)],
        resources={
            "io_manager": LakeIOManager(lake=lake),
            "lake": lake,
            "engine": EngineResource(),
            "landing": LandingResource(),
            "tmdb": TmdbResource(),
        },
    )
