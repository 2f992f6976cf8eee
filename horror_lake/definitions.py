"""The code location: the tables the ``tables/`` component builds, plus the job, automation and
resources (nothing else)."""

import atexit
import gc
import warnings
from functools import cache
from pathlib import Path

import dagster as dg

import horror_lake.tables
from horror_lake.automation import NETWORK_RETRY, build_daily_refresh, build_landing_sensor
from horror_lake.engines.resource import EngineResource
from horror_lake.lake.resources import LakeIOManager, LakeResource
from horror_lake.partitions import today_partition_key
from horror_lake.raw.landing import LandingResource
from horror_lake.raw.tmdb.source import TmdbResource

JOB_NAME = "horror_lake_job"
PROJECT_ROOT = Path(__file__).resolve().parents[1]


def build_job():  # dagster does not export the type it returns (an unresolved asset job)
    """Every asset of one ingestion date, in one process (no per-step start-up).

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
    return build_definitions()


@cache
def build_definitions() -> dg.Definitions:
    """Built once per process: ``dagster job execute`` asks for the definitions five times."""
    # A Python process ends with a full garbage collection over every object still alive:
    # about 260k after a demo run (Dagster's definitions, instance and run machinery), 0.7 s of
    # a 4.7 s run. Frozen at exit, they are left to the operating system instead. Only objects
    # in reference cycles then go without their finalizers, and nothing a run writes waits on
    # one: each table, Parquet file and database is closed when its step or the run ends.
    atexit.register(gc.freeze)
    # Data versions on outputs are beta in Dagster: the raw tables need them all the same (see
    # LandingResource.version), without a warning on every run.
    warnings.filterwarnings("ignore", message="Parameter `data_version`", category=dg.BetaWarning)
    # From the module, not from pyproject.toml: an installed package has no pyproject beside it.
    with warnings.catch_warnings():
        # Component loading marks its own metadata classes beta on every asset: noise for users.
        warnings.simplefilter("ignore", dg.BetaWarning)
        warnings.simplefilter("ignore", dg.PreviewWarning)
        tree = dg.ComponentTree.from_module(
            defs_module=horror_lake.tables, project_root=PROJECT_ROOT
        )
        # The tree's own folder, not its root: the root also imports every installed Dagster
        # plugin to list their component types (~0.7 s per process, for scaffolding tools).
        tables = tree.build_defs(tree.defs_module_path)
    lake = LakeResource()
    job = build_job()
    return dg.Definitions.merge(
        tables,
        dg.Definitions(
            component_tree=tree,  # the UI's Docs tab shows the component and its tables
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
        ),
    )
