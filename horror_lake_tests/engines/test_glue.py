"""The Glue engine, each half for real where it can run here.

- The Dagster side talks to AWS APIs on loopback: moto's server (S3, Glue jobs and runs, the
  Glue catalog) behind ``local_glue``, a stand-in for Glue's job runner. moto runs no Spark, so
  the stand-in runs the job's script, fetched from where ``horror-lake glue deploy`` put it,
  with local PySpark and the arguments ``start_job_run`` got, as Glue would.
- The Glue side (``glue_job.py``) is that local PySpark process: it reads the Pipes context from
  S3, writes the lake (a local folder here), and reports through S3 messages.

Not covered here: Glue's workers and DPUs, its module installs (the script runs in this
virtualenv) and CloudWatch logs, and Spark 3.5 itself (local PySpark is this virtualenv's).
"""

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import boto3
import dagster as dg
import pyarrow.parquet as pq
import pytest

from horror_lake.definitions import build_definitions, defs
from horror_lake.modeling.glue import SCRIPT, compile_plan, waits_for
from horror_lake.modeling.project import lake_project
from horror_lake.sample.generator import SampleSummary
from horror_lake_tests.conftest import PARTITION, BuiltLake, run_job
from horror_lake_tests.lake_reading import comparable, same_type
from horror_lake_tests.local_glue import LocalGlue, local_glue
from horror_lake_tests.servers import SECRET, failure_text, new_bucket

BIN = Path(sys.executable).parent
ROLE = "arn:aws:iam::123456789012:role/horror-lake-glue"
JOB = "horror-lake-models"


def test_the_plan_builds_each_model_after_what_it_waits_for() -> None:
    plan = compile_plan(lake_project())
    order = [(t["zone"], t["name"]) for t in plan["tables"]]
    assert sorted(order) == sorted((t.zone, t.name) for t in lake_project().sql_tables())
    for table in lake_project().sql_tables():
        earlier = set(order[: order.index((table.zone, table.name))])
        models = {key for key in waits_for(table) if key in order}
        assert models <= earlier, table.label
    dim_filme = next(t for t in plan["tables"] if t["name"] == "dim_filme")
    assert dim_filme["measure"]["references"] == {"referenced_0": ["refined", "dim_colecao"]}
    assert "primary_key" in dim_filme["blocking_figures"][0]
    assert compile_plan(lake_project())["version"] == plan["version"]


@pytest.fixture(scope="module")
def glue_defs() -> dg.Definitions:
    """The definitions as a code location loaded with HORROR_LAKE_ENGINE=glue has them."""
    defs()  # the session's usual definitions are built (and cached) first
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HORROR_LAKE_ENGINE", "glue")
        return build_definitions.__wrapped__()  # type: ignore[attr-defined]


def test_with_glue_the_graph_is_the_same_in_two_glue_steps(glue_defs: dg.Definitions) -> None:
    graph, usual = glue_defs.resolve_asset_graph(), defs().resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    assert keys == usual.get_all_asset_keys()
    for key in keys:
        assert graph.get(key).parent_keys == usual.get(key).parent_keys, key
        assert graph.get(key).check_keys == usual.get(key).check_keys, key
    steps = [node.name for node in glue_defs.resolve_job_def("horror_lake_job").graph.node_defs]
    glue_steps = [name for name in steps if name.startswith("glue_models")]
    assert sorted(glue_steps) == ["glue_models_stage_0", "glue_models_stage_1"]
    stage_0 = graph.assets_def_for_key(dg.AssetKey(["trusted", "trusted_movies"]))
    assert dg.AssetKey(["refined", "dim_filme"]) not in stage_0.keys  # it waits for trusted_tmdb


def test_a_missing_glue_setting_fails_the_run_as_it_starts(
    tmp_path: Path, sample: SampleSummary
) -> None:
    result = run_job(
        tmp_path / "lake",
        sample.movies.path.parent,
        raise_on_error=False,
        settings={"HORROR_LAKE_ENGINE": "glue", "HORROR_LAKE_GLUE_JOB_NAME": JOB},
    )
    assert not result.success
    text = failure_text(result)
    assert (
        "HORROR_LAKE_ENGINE=glue needs HORROR_LAKE_GLUE_SCRIPTS, HORROR_LAKE_PIPES_BUCKET" in text
    )
    assert not (tmp_path / "lake" / "raw").exists()  # nothing ran


@dataclass
class GlueSetup:
    environment: dict[str, str]
    glue: LocalGlue
    bucket: str
    endpoint: str


@pytest.fixture
def on_glue(s3_endpoint: str, tmp_path: Path, sample: SampleSummary) -> Iterator[GlueSetup]:
    """moto and the Glue stand-in, and the settings a user sets for the Glue engine."""
    bucket = new_bucket(s3_endpoint)
    with local_glue(s3_endpoint, tmp_path) as (glue_endpoint, glue):
        environment = {
            **os.environ,
            "AWS_ENDPOINT_URL_GLUE": glue_endpoint,
            "HORROR_LAKE_ENGINE": "glue",
            "HORROR_LAKE_GLUE_JOB_NAME": JOB,
            "HORROR_LAKE_GLUE_SCRIPTS": f"s3://{bucket}/glue",
            "HORROR_LAKE_PIPES_BUCKET": bucket,
            "HORROR_LAKE_LANDING": str(sample.movies.path.parent),
            "HORROR_LAKE_ROOT": str(tmp_path / "lake"),
            "DAGSTER_HOME": str(tmp_path / "home"),
        }
        (tmp_path / "home").mkdir()
        yield GlueSetup(environment, glue, bucket, s3_endpoint)


def command(setup: GlueSetup, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / args[0]), *args[1:]],
        env=setup.environment,
        capture_output=True,
        text=True,
        timeout=900,
        cwd=Path(__file__).resolve().parents[2],
    )


def materialize(setup: GlueSetup, selection: str) -> subprocess.CompletedProcess[str]:
    """`dagster asset materialize` of ``selection`` for PARTITION, with the Glue engine."""
    return command(
        setup, "dagster", "asset", "materialize", "-m", "horror_lake", "--select", selection,
        "--partition", PARTITION,
    )  # fmt: skip


def test_deploy_creates_the_job_once_and_updates_it_when_it_changes(on_glue: GlueSetup) -> None:
    without_role = command(on_glue, "horror-lake", "glue", "deploy")
    assert without_role.returncode == 1
    assert f"the Glue job {JOB} does not exist yet: creating it needs --role" in without_role.stderr

    first = command(on_glue, "horror-lake", "glue", "deploy", "--role", ROLE)
    assert first.returncode == 0, first.stderr
    assert f"created Glue job {JOB} (Glue 5.0)" in first.stdout
    glue = boto3.client("glue", endpoint_url=on_glue.endpoint, region_name="us-east-1")
    job = glue.get_job(JobName=JOB)["Job"]
    scripts = f"s3://{on_glue.bucket}/glue"
    assert job["Command"]["ScriptLocation"] == f"{scripts}/horror_lake_glue_job.py"
    assert (job["GlueVersion"], job["Role"], job["NumberOfWorkers"]) == ("5.0", ROLE, 2)
    assert job["DefaultArguments"]["--plan"] == f"{scripts}/plan.json"
    pipes = f"dagster-pipes=={metadata.version('dagster-pipes')}"
    assert job["DefaultArguments"]["--additional-python-modules"] == pipes
    s3 = boto3.client("s3", endpoint_url=on_glue.endpoint, region_name="us-east-1")
    stored = s3.get_object(Bucket=on_glue.bucket, Key="glue/horror_lake_glue_job.py")
    assert stored["Body"].read() == SCRIPT.read_bytes()
    plan = json.loads(s3.get_object(Bucket=on_glue.bucket, Key="glue/plan.json")["Body"].read())
    assert plan["version"] == compile_plan(lake_project())["version"]

    again = command(on_glue, "horror-lake", "glue", "deploy")
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines() == [
        f"{scripts}/horror_lake_glue_job.py unchanged",
        f"{scripts}/plan.json unchanged",
        f"Glue job {JOB} unchanged",
    ]
    bigger = command(on_glue, "horror-lake", "glue", "deploy", "--workers", "5")
    assert f"updated Glue job {JOB}" in bigger.stdout
    assert glue.get_job(JobName=JOB)["Job"]["NumberOfWorkers"] == 5
    assert glue.get_job(JobName=JOB)["Job"]["Role"] == ROLE  # kept without --role


@pytest.mark.slow
def test_the_glue_engine_builds_the_same_lake_and_reports_every_table(
    on_glue: GlueSetup, built: BuiltLake, tmp_path: Path
) -> None:
    assert command(on_glue, "horror-lake", "glue", "deploy", "--role", ROLE).returncode == 0
    tags = json.dumps({"dagster/partition": PARTITION})
    run = command(
        on_glue,
        "dagster",
        "job",
        "execute",
        "-m",
        "horror_lake",
        "-j",
        "horror_lake_job",
        "--tags",
        tags,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    # Two Glue runs (two stages), each given the lake, the plan and Dagster's Pipes arguments.
    assert len(on_glue.glue.started) == 2
    for started in on_glue.glue.started:
        arguments = dict(zip(started[2::2], started[3::2], strict=True))
        assert arguments["--lake-root"] == str(tmp_path / "lake")
        assert arguments["--plan"] == f"s3://{on_glue.bucket}/glue/plan.json"
        assert {"--dagster-pipes-context", "--dagster-pipes-messages"} <= arguments.keys()

    lake = tmp_path / "lake"
    for model in lake_project().sql_tables():
        relative = Path(model.zone, model.name, f"ingestion_date={PARTITION}", "part-00000.parquet")
        files = sorted(p.name for p in (lake / relative).parent.iterdir())
        assert files == ["part-00000.parquet"], relative  # one file, nothing left aside
        ours, theirs = pq.read_table(lake / relative), pq.read_table(built.path / relative)
        assert ours.column_names == theirs.column_names, relative
        assert all(
            same_type(a.type, b.type) for a, b in zip(theirs.schema, ours.schema, strict=True)
        ), relative
        assert comparable(ours) == comparable(theirs), relative

    with dg.DagsterInstance.from_config(on_glue.environment["DAGSTER_HOME"]) as instance:
        [record] = instance.get_run_records()
        events = instance.all_logs(record.dagster_run.run_id)
    materialized = {
        e.dagster_event.asset_key.to_user_string(): e.dagster_event.materialization.metadata
        for e in events
        if e.dagster_event is not None and e.dagster_event.is_step_materialization
    }
    for model in lake_project().sql_tables():
        metadata_ = materialized[f"{model.zone}/{model.name}"]
        rows = pq.read_metadata(
            lake / model.zone / model.name / f"ingestion_date={PARTITION}" / "part-00000.parquet"
        ).num_rows
        assert metadata_["row_count"].value == rows
        assert metadata_["glue_seconds"].value > 0
    checks = [
        e.dagster_event.event_specific_data
        for e in events
        if e.dagster_event is not None
        and e.dagster_event.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    dim_filme = [c for c in checks if c.asset_key.to_user_string() == "refined/dim_filme"]
    assert {c.check_name for c in dim_filme} >= {"not_empty", "contract"}
    assert all(c.passed for c in dim_filme)
    assert SECRET not in run.stdout + run.stderr


@pytest.mark.slow
def test_a_failed_glue_run_fails_the_step_with_glues_error(
    on_glue: GlueSetup, built: BuiltLake, tmp_path: Path
) -> None:
    assert command(on_glue, "horror-lake", "glue", "deploy", "--role", ROLE).returncode == 0
    lake = tmp_path / "lake"
    shutil.copytree(built.path, lake)
    broken = (
        lake / "trusted" / "trusted_tmdb" / f"ingestion_date={PARTITION}" / "part-00000.parquet"
    )
    broken.write_bytes(b"not parquet at all")
    run = materialize(on_glue, "refined/dim_colecao")
    assert run.returncode != 0
    output = run.stdout + run.stderr
    assert f"Glue job {JOB} run" in output and "completed with status FAILED" in output
    assert "trusted_tmdb" in output and "Exception" in output  # Glue's own error message
    assert len(on_glue.glue.started) == 1


def test_a_stale_deploy_fails_before_glue_starts(
    on_glue: GlueSetup, built: BuiltLake, tmp_path: Path
) -> None:
    assert command(on_glue, "horror-lake", "glue", "deploy", "--role", ROLE).returncode == 0
    s3 = boto3.client("s3", endpoint_url=on_glue.endpoint, region_name="us-east-1")
    plan = json.loads(s3.get_object(Bucket=on_glue.bucket, Key="glue/plan.json")["Body"].read())
    s3.put_object(
        Bucket=on_glue.bucket, Key="glue/plan.json", Body=json.dumps({**plan, "version": "old"})
    )
    shutil.copytree(built.path, tmp_path / "lake")
    run = materialize(on_glue, "refined/dim_colecao")
    assert run.returncode != 0
    assert "runs models of plan old" in run.stdout + run.stderr
    assert f"run `horror-lake glue deploy --job {JOB}" in run.stdout + run.stderr
    assert on_glue.glue.started == []
