"""The whole job set up as on AWS, against local servers: the lake on S3, registered in the Glue
catalog, the views created in Athena, and the TMDB token read from Secrets Manager (moto's
server) and used on the TMDB test server. moto runs no Athena query: what the views compute is
tested in DuckDB (refined/test_questions.py)."""

import logging
import uuid

import boto3
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest

from horror_lake.modeling.project import lake_project
from horror_lake.sample.generator import SampleSummary
from horror_lake.sample.tmdb_server import ServerSettings, TmdbTestServer
from horror_lake.settings import Settings, view_parameters
from horror_lake_tests.conftest import PARTITION, run_job
from horror_lake_tests.servers import new_bucket
from horror_lake_tests.test_tmdb import on_tmdb, snapshot_lines

TOKEN = "tmdb-token-kept-in-secrets-manager-71b3"


@pytest.mark.slow
def test_the_whole_job_on_aws_settings_never_shows_the_token(
    s3_endpoint: str,
    sample: SampleSummary,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    bucket = new_bucket(s3_endpoint)
    database = f"horror_{bucket[-8:]}"
    secret = f"horror/tmdb-{uuid.uuid4().hex[:8]}"
    region = {"endpoint_url": s3_endpoint, "region_name": "us-east-1"}
    boto3.client("secretsmanager", **region).create_secret(Name=secret, SecretString=TOKEN)
    caplog.set_level(logging.DEBUG)
    with TmdbTestServer(snapshot_lines(sample), ServerSettings(token=TOKEN)) as tmdb:
        result = run_job(
            f"s3://{bucket}/lake",
            sample.movies.path.parent,
            settings={
                "HORROR_LAKE_GLUE_DATABASE": database,
                "HORROR_LAKE_ATHENA_OUTPUT": f"s3://{bucket}/athena",
                "TMDB_API_TOKEN_SECRET": secret,
                "TMDB_BASE_URL": tmdb.base_url,
                "TMDB_RATE_LIMIT": "500",
            },
        )
        requests = list(tmdb.received)
    assert result.success

    s3 = boto3.client("s3", **region)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    zones = ("lake/raw/", "lake/trusted/", "lake/refined/")
    tables = {k.split("/")[2] for k in keys if k.startswith(zones) and "/ingestion_date=" in k}
    glue = boto3.client("glue", **region)
    assert {t["Name"] for t in glue.get_tables(DatabaseName=database)["TableList"]} == tables

    athena = boto3.client("athena", **region)
    executions = [
        athena.get_query_execution(QueryExecutionId=i)["QueryExecution"]
        for i in athena.list_query_executions()["QueryExecutionIds"]
    ]
    ddl = {e["Query"] for e in executions if e["QueryExecutionContext"]["Database"] == database}
    parameters = view_parameters(Settings())
    assert {view.athena_ddl(database, parameters) for view in lake_project().views} <= ddl

    assert requests and all(r.authorization == f"Bearer {TOKEN}" for r in requests)
    fs = pafs.S3FileSystem(endpoint_override=s3_endpoint.removeprefix("http://"), scheme="http")
    path = f"{bucket}/lake/trusted/trusted_tmdb/ingestion_date={PARTITION}/part-00000.parquet"
    trusted = pq.read_table(path, filesystem=fs)
    assert set(trusted["imdb_id"].to_pylist()) == on_tmdb(sample)

    out, err = capfd.readouterr()
    assert TOKEN not in repr(result.all_events) and TOKEN not in caplog.text
    assert TOKEN not in out + err
    for key in keys:
        assert TOKEN.encode() not in s3.get_object(Bucket=bucket, Key=key)["Body"].read(), key
