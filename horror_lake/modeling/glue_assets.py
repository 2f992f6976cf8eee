"""The SQL models as Glue runs them (``HORROR_LAKE_ENGINE=glue``): one Glue job run per stage.

A Glue run costs about a minute before it computes anything, so models are not one run each.
They are grouped in stages: a stage holds every model that can be built without waiting for a
Python asset built from another model (``trusted_tmdb`` is the only such wait today), so a date
takes two Glue runs. Each stage is one subsettable multi-asset with the same asset keys, docs,
checks and lineage as one asset per model: the UI shows the same graph.

The step starts the job through dagster-aws's ``PipesGlueClient`` (context and messages through
S3), then publishes each table the job reported: its metadata read back from the Parquet file,
its Glue catalog registration, and its contract judged from the figures the job measured.
Within one run the job itself skips tables built on one that failed a blocking figure.
"""

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_aws.pipes import PipesGlueClient, PipesS3ContextInjector, PipesS3MessageReader

from horror_lake import settings
from horror_lake.engines.resource import EngineResource
from horror_lake.lake.resources import LakeResource, published
from horror_lake.modeling.assets import table_spec
from horror_lake.modeling.checks import (
    asset_key,
    blocking_failure,
    check_specs,
    evaluate_contract,
)
from horror_lake.modeling.glue import (
    compile_plan,
    deployed_version,
    in_build_order,
    plan_uri,
    waits_for,
)
from horror_lake.modeling.project import LakeProject, Table, lake_project
from horror_lake.partitions import daily_partitions

MESSAGE_POLL_SECONDS = 5


def model_deps(table: Table) -> set[dg.AssetKey]:
    """The tables a model waits for: those it reads and those its contract looks up."""
    return {asset_key(*key) for key in waits_for(table)}


def stages(
    project: LakeProject, python_deps: Mapping[dg.AssetKey, set[dg.AssetKey]]
) -> list[list[Table]]:
    """The models grouped so that no stage waits for a Python asset built from the same stage.

    ``python_deps``: what each Python-made asset depends on. A model goes in the first stage
    after every model it waits for, directly or through Python assets.
    """
    models = {asset_key(t.zone, t.name): t for t in project.sql_tables()}
    found: dict[dg.AssetKey, int] = {}

    def stage_of(key: dg.AssetKey) -> int:
        if key not in found:
            stage = 0
            for upstream in model_deps(models[key]) - {key}:
                if upstream in models:
                    stage = max(stage, stage_of(upstream))
                else:
                    stage = max(stage, after(upstream))
            found[key] = stage
        return found[key]

    def after(python_key: dg.AssetKey) -> int:
        """The first stage that may read ``python_key``: after every model it is built from."""
        stage = 0
        for upstream in python_deps.get(python_key, set()) - {python_key}:
            stage = max(stage, stage_of(upstream) + 1 if upstream in models else after(upstream))
        return stage

    grouped: dict[int, list[Table]] = {}
    for key, table in models.items():
        grouped.setdefault(stage_of(key), []).append(table)
    return [grouped[i] for i in sorted(grouped)]


def glue_stage_asset(tables: list[Table], index: int) -> dg.AssetsDefinition:
    """One stage's models as one subsettable multi-asset run by one Glue job run."""
    tables = in_build_order(tables)  # Dagster takes a multi-asset's results in this order
    specs = [
        table_spec(table, {"glue", "sql"}, [asset_key(*key) for key in sorted(waits_for(table))])
        for table in tables
    ]

    @dg.multi_asset(
        name=f"glue_models_stage_{index}",
        specs=specs,
        check_specs=[spec for table in tables for spec in check_specs(table)],
        partitions_def=daily_partitions,
        can_subset=True,
    )
    def glue_models(
        context: dg.AssetExecutionContext, lake: LakeResource, engine: EngineResource
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        """Build the selected models of this date in one Glue job run."""
        chosen = [t for t in tables if asset_key(t.zone, t.name) in context.selected_asset_keys]
        keys = {(t.zone, t.name) for t in chosen}
        outside = {
            f"{zone}.{name}": asset_key(zone, name)
            for t in chosen
            for zone, name in waits_for(t)
            if (zone, name) not in keys
        }
        lake.inputs(outside, context.partition_key)  # fails at once, naming what is missing
        reported = run_glue_job(context)
        results: list[dg.AssetCheckResult] = []
        for table in chosen:
            key = asset_key(table.zone, table.name)
            if key not in reported:
                continue
            figures = reported_figures(reported[key].pop("horror_lake/figures", None))
            written = lake.table(key, context.partition_key)
            descriptions = (
                {c.name: c.description for c in table.sidecar.columns} if table.sidecar else {}
            )
            yield dg.MaterializeResult(
                asset_key=key, metadata={**reported[key], **published(lake, written, descriptions)}
            )
            checked = evaluate_contract(table, written, lake, engine, figures)
            results += checked
            yield from checked
        failure = blocking_failure(results)
        if failure is not None:
            raise failure
        missing = [t.label for t in chosen if asset_key(t.zone, t.name) not in reported]
        if missing:
            raise dg.Failure(f"the Glue job did not build {missing}", allow_retries=False)

    return glue_models


def reported_figures(value: object) -> dict[str, int]:
    """The contract figures the Glue job measured (a JSON metadata value)."""
    data = value.data if isinstance(value, dg.JsonMetadataValue) else None
    return {str(k): int(v) for k, v in data.items()} if isinstance(data, dict) else {}


def run_glue_job(context: dg.AssetExecutionContext) -> dict[dg.AssetKey, dict[str, Any]]:
    """Start the Glue job for this step's tables and wait; the metadata of each table it built."""
    import boto3

    now = settings.current()
    try:
        run = settings.glue_settings(now)
    except settings.SettingError as error:
        raise dg.Failure(description=str(error), allow_retries=False) from None
    s3 = boto3.client("s3", region_name=now.aws_region)
    glue = boto3.client("glue", region_name=now.aws_region)
    check_deployed(s3, run)
    client = PipesGlueClient(
        client=glue,
        context_injector=PipesS3ContextInjector(
            bucket=run.pipes_bucket, client=s3, key_prefix=f"{run.pipes_prefix}/"
        ),
        message_reader=PrefixedS3MessageReader(
            run.pipes_prefix, bucket=run.pipes_bucket, client=s3, interval=MESSAGE_POLL_SECONDS
        ),
    )
    arguments = {"--lake-root": now.lake_root, "--plan": plan_uri(run.scripts)}
    try:
        invocation = client.run(
            context=context,
            start_job_run_params={"JobName": run.job_name, "Arguments": arguments},
        )
    except RuntimeError as error:  # the run ended FAILED, STOPPED, TIMEOUT or ERROR
        raise dg.Failure(description=str(error).strip(), allow_retries=False) from None
    return {
        result.asset_key: dict(result.metadata or {})
        for result in invocation.get_results()
        if isinstance(result, dg.MaterializeResult) and result.asset_key is not None
    }


def check_deployed(s3: Any, run: settings.GlueSettings) -> None:
    """The Glue job must run the models this code has: a stale deploy fails before Glue starts."""
    deployed = deployed_version(s3, run.scripts)
    wanted = compile_plan(lake_project())["version"]
    if deployed != wanted:
        state = "has no plan" if deployed is None else f"runs models of plan {deployed}"
        raise dg.Failure(
            description=(
                f"the Glue job {run.job_name} ({run.scripts}) {state}; this code's models are "
                f"plan {wanted}: run `horror-lake glue deploy --job {run.job_name} --scripts "
                f"{run.scripts}`"
            ),
            allow_retries=False,
        )


class PrefixedS3MessageReader(PipesS3MessageReader):
    """dagster-aws's S3 message reader, with its messages under HORROR_LAKE_PIPES_PREFIX."""

    def __init__(self, prefix: str, **options: Any) -> None:
        super().__init__(**options)
        self.prefix = prefix

    @contextlib.contextmanager
    def get_params(self) -> Iterator[dict[str, Any]]:
        with super().get_params() as params:
            yield {**params, "key_prefix": f"{self.prefix}/{params['key_prefix']}"}
