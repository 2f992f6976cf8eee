"""AWS Glue as the models' engine: the plan the Glue job runs, and deploying the job.

``compile_plan`` turns the SQL models into what ``glue_job.py`` needs without horror_lake: each
table's Spark SQL (macros expanded), the partitions it reads, its input counts and the SQL of its
contract figures, in an order where every table comes after the tables it reads. ``deploy``
uploads the script and the plan next to each other and creates or updates the Glue job; running
it again changes nothing. Pure boto3, no Dagster.
"""

import hashlib
import json
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from horror_lake.engines.glue_job import PLAN_FORMAT
from horror_lake.modeling.contract import (
    THIS,
    blocking_figures,
    looked_up_tables,
    measure_sql,
    reference_name,
    referenced_tables,
    rules_of,
)
from horror_lake.modeling.project import LakeProject, Table

SCRIPT = Path(__file__).resolve().parents[1] / "engines" / "glue_job.py"
SCRIPT_NAME = "horror_lake_glue_job.py"
PLAN_NAME = "plan.json"
GLUE_VERSION = "5.0"
PIPES_VERSION = metadata.version("dagster-pipes")  # the job speaks the Pipes of this Dagster


class GlueError(RuntimeError):
    """Deploying or running the Glue job can't go on; the message says what to do."""


def waits_for(table: Table) -> set[tuple[str, str]]:
    """The tables ``table`` is built after: those it reads, and those its contract looks up."""
    reads = set(table.statement.inputs.values()) if table.statement else set()
    looked_up = set(looked_up_tables(rules_of(table.sidecar)))
    return (reads | looked_up) - {(table.zone, table.name)}


def in_build_order(tables: list[Table]) -> list[Table]:
    """``tables`` with each after the tables among them it waits for (ties: zone, then name)."""
    by_key = {(t.zone, t.name): t for t in tables}
    done: list[Table] = []

    def visit(table: Table) -> None:
        if table in done:
            return
        for upstream in sorted(waits_for(table)):
            if upstream in by_key:
                visit(by_key[upstream])
        done.append(table)

    for table in tables:
        visit(table)
    return done


def compile_plan(project: LakeProject) -> dict[str, Any]:
    """Every SQL model as the Glue job builds it; ``version`` is a hash of all of it."""
    entries = [plan_entry(table) for table in in_build_order(project.sql_tables())]
    body = {"format": PLAN_FORMAT, "tables": entries}
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]
    return {**body, "version": digest}


def plan_entry(table: Table) -> dict[str, Any]:
    assert table.statement is not None, table.label
    rules = rules_of(table.sidecar)
    measured = measure_sql(rules)
    counts = table.counts
    return {
        "zone": table.zone,
        "name": table.name,
        "label": table.label,
        "code_version": table.code_version,
        "sql": table.statement.spark_sql,
        "inputs": {name: list(key) for name, key in table.statement.inputs.items()},
        "counts": {"sql": counts.spark_sql, "columns": list(counts.columns)} if counts else None,
        "measure": {
            "sql": measured[0],
            "names": measured[1],
            "this": THIS,
            "references": {
                reference_name(i): list(key) for i, key in enumerate(referenced_tables(rules))
            },
        }
        if measured
        else None,
        "blocking_figures": list(blocking_figures(rules)),
    }


@dataclass(frozen=True)
class JobSettings:
    """How the Glue job is defined (``horror-lake glue deploy``'s options)."""

    name: str
    scripts: str  # s3:// prefix for the script and the plan
    role: str | None = None  # the IAM role Glue runs the job as (needed to create it)
    worker_type: str = "G.1X"
    workers: int = 2
    max_concurrent_runs: int = 4  # one run per date at a time, dates in parallel
    timeout_minutes: int = 60

    @property
    def plan_uri(self) -> str:
        return plan_uri(self.scripts)

    @property
    def script_uri(self) -> str:
        return f"{self.scripts}/{SCRIPT_NAME}"

    def definition(self, role: str) -> dict[str, Any]:
        return {
            "Role": role,
            "Command": {"Name": "glueetl", "ScriptLocation": self.script_uri, "PythonVersion": "3"},
            "GlueVersion": GLUE_VERSION,
            "WorkerType": self.worker_type,
            "NumberOfWorkers": self.workers,
            "ExecutionProperty": {"MaxConcurrentRuns": self.max_concurrent_runs},
            "Timeout": self.timeout_minutes,
            "MaxRetries": 0,  # Dagster's run retries decide; a half-built date is re-run whole
            "DefaultArguments": {
                "--plan": self.plan_uri,
                "--additional-python-modules": f"dagster-pipes=={PIPES_VERSION}",
                "--enable-continuous-cloudwatch-log": "true",
            },
            "Description": "horror_lake: one date's SQL models (horror-lake glue deploy)",
        }


def deploy(job: JobSettings, project: LakeProject, glue: Any, s3: Any) -> list[str]:
    """Upload the script and the plan, create or update the job; one line per thing done."""
    plan = json.dumps(compile_plan(project), indent=1, sort_keys=True).encode()
    done = [
        upload(s3, job.script_uri, SCRIPT.read_bytes()),
        upload(s3, job.plan_uri, plan),
    ]
    try:
        current = glue.get_job(JobName=job.name)["Job"]
    except glue.exceptions.EntityNotFoundException:
        if not job.role:
            raise GlueError(
                f"the Glue job {job.name} does not exist yet: creating it needs --role (the "
                "IAM role Glue runs it as; see the README's policy)"
            ) from None
        glue.create_job(Name=job.name, **job.definition(job.role))
        return [*done, f"created Glue job {job.name} (Glue {GLUE_VERSION})"]
    wanted = job.definition(job.role or current["Role"])
    if all(current.get(key) == value for key, value in wanted.items()):
        return [*done, f"Glue job {job.name} unchanged"]
    glue.update_job(JobName=job.name, JobUpdate=wanted)
    return [*done, f"updated Glue job {job.name} (Glue {GLUE_VERSION})"]


def upload(s3: Any, uri: str, content: bytes) -> str:
    """Put ``content`` at ``uri`` unless it is there already; says which."""
    bucket, key = split_s3(uri)
    digest = hashlib.md5(content).hexdigest()
    try:
        if s3.head_object(Bucket=bucket, Key=key)["ETag"].strip('"') == digest:
            return f"{uri} unchanged"
    except s3.exceptions.ClientError:
        pass  # not there yet
    s3.put_object(Bucket=bucket, Key=key, Body=content)
    return f"uploaded {uri}"


def plan_uri(scripts: str) -> str:
    return f"{scripts}/{PLAN_NAME}"


def deployed_version(s3: Any, scripts: str) -> str | None:
    """The version of the plan the Glue job will run, or None when there is none."""
    bucket, key = split_s3(plan_uri(scripts))
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except s3.exceptions.NoSuchKey:
        return None
    return str(json.loads(body).get("version"))


def split_s3(uri: str) -> tuple[str, str]:
    parsed = urlparse(uri)
    return parsed.netloc, parsed.path.lstrip("/")
