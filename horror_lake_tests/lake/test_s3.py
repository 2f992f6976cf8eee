"""The same job with the lake on S3: a real S3 API server (moto's server mode) on 127.0.0.1,
reached by pyarrow's S3 filesystem and boto3 through AWS_ENDPOINT_URL. moto's server also
speaks Glue, so the catalog registration is checked against it. The credentials are throwaway
test values; the tests also check they never reach the lake files, the logs or errors."""

import time
from pathlib import Path

import boto3
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest

from horror_lake.engines.lake_sql import open_lake, run_query
from horror_lake.lake.catalog import GlueCatalog
from horror_lake.lake.resources import LakeResource
from horror_lake.lake.tables import LakeTable
from horror_lake.lake.types import sql_type
from horror_lake.modeling.project import lake_project
from horror_lake.sample.generator import SampleSummary
from horror_lake.settings import Settings, view_parameters
from horror_lake_tests.conftest import PARTITION, run_job
from horror_lake_tests.servers import (
    SECRET,
    failure_text,
    free_port,
    moto_server,
    new_bucket,
    use_endpoint,
)
from horror_lake_tests.test_definitions import NOT_TABLES


@pytest.mark.slow
def test_whole_job_writes_the_same_layout_to_s3(
    s3_endpoint: str, sample: SampleSummary, tmp_path: Path
) -> None:
    bucket = new_bucket(s3_endpoint)
    database = f"lake_{bucket[-6:]}"
    glue_setting = {"HORROR_LAKE_GLUE_DATABASE": database}
    result = run_job(f"s3://{bucket}/lake", sample.movies.path.parent, settings=glue_setting)
    assert result.success

    s3 = boto3.client("s3", endpoint_url=s3_endpoint)
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    expected = f"lake/refined/fato_filme/ingestion_date={PARTITION}/part-00000.parquet"
    assert expected in keys
    # Nothing but data: no "folder" marker objects, nothing written aside, no progress journal.
    assert not [k for k in keys if k.endswith("/") or "/." in k or "/_" in k]
    fs = pafs.S3FileSystem(endpoint_override=s3_endpoint.removeprefix("http://"), scheme="http")
    fato = pq.read_table(f"{bucket}/{expected}", filesystem=fs)
    assert fato.num_rows > 0

    glue = boto3.client("glue", endpoint_url=s3_endpoint, region_name="us-east-1")
    tables = {t["Name"]: t for t in glue.get_tables(DatabaseName=database)["TableList"]}
    lake_tables = {
        k.split("/")[2]
        for k in keys
        if k.split("/")[1] in ("raw", "trusted", "refined") and "/ingestion_date=" in k
    }
    assert set(tables) == lake_tables
    fato_table = tables["fato_filme"]
    descriptor = fato_table["StorageDescriptor"]
    assert descriptor["Location"] == f"s3://{bucket}/lake/refined/fato_filme/"
    assert [c["Name"] for c in descriptor["Columns"]] == fato.column_names
    assert [c["Type"] for c in descriptor["Columns"]] == [sql_type(f.type) for f in fato.schema]
    assert "ParquetHiveSerDe" in descriptor["SerdeInfo"]["SerializationLibrary"]
    assert fato_table["PartitionKeys"] == [{"Name": "ingestion_date", "Type": "string"}]
    partitions = glue.get_partitions(DatabaseName=database, TableName="fato_filme")["Partitions"]
    assert [p["Values"] for p in partitions] == [[PARTITION]]
    assert partitions[0]["StorageDescriptor"]["Location"].endswith(
        f"fato_filme/ingestion_date={PARTITION}/"
    )

    again = run_job(f"s3://{bucket}/lake", sample.movies.path.parent, settings=glue_setting)
    assert again.success
    assert pq.read_table(f"{bucket}/{expected}", filesystem=fs).num_rows == fato.num_rows
    glue_notes = [
        e.materialization.metadata["glue"].value
        for e in again.get_asset_materialization_events()
        if e.asset_key.to_user_string() not in NOT_TABLES
    ]
    assert glue_notes and all("table unchanged, partition unchanged" in n for n in glue_notes)
    assert (
        len(glue.get_partitions(DatabaseName=database, TableName="fato_filme")["Partitions"]) == 1
    )
    for run in (result, again):
        assert SECRET not in "\n".join(str(event) for event in run.all_events)

    # `horror-lake sql` reads the S3 lake through pyarrow, with its partition column.
    con = open_lake(
        LakeResource(root=f"s3://{bucket}/lake").location(),
        lake_project().views,
        view_parameters(Settings()),
    )
    columns, rows = run_query(con, "select ingestion_date, count(*) from fato_filme group by 1")
    assert [(str(day), count) for day, count in rows] == [(PARTITION, fato.num_rows)]
    assert run_query(con, "select count(*) from subgenre_preferences")[1][0][0] > 0


def test_a_schema_change_updates_the_glue_table(s3_endpoint: str) -> None:
    bucket = new_bucket(s3_endpoint)
    table = LakeTable(
        LakeResource(root=f"s3://{bucket}/lake").location(), "refined", "dim_x", PARTITION
    )
    catalog = GlueCatalog(
        "schema_change", boto3.client("glue", endpoint_url=s3_endpoint, region_name="us-east-1")
    )
    before = pa.schema([("title_id", pa.string()), ("genres", pa.list_(pa.string()))])
    after = before.append(pa.field("roi", pa.float64()))
    assert (
        catalog.register(table, before) == "schema_change.dim_x: table created, partition created"
    )
    assert catalog.register(table, before).endswith("table unchanged, partition unchanged")
    assert catalog.register(table, after).endswith("table updated, partition updated")
    columns = catalog.glue.get_table(DatabaseName="schema_change", Name="dim_x")["Table"][
        "StorageDescriptor"
    ]["Columns"]
    assert columns == [
        {"Name": "title_id", "Type": "string"},
        {"Name": "genres", "Type": "array<string>"},
        {"Name": "roi", "Type": "double"},
    ]


def test_a_missing_bucket_fails_the_run_naming_it(s3_endpoint: str, sample: SampleSummary) -> None:
    result = run_job(
        "s3://no-such-horror-bucket/lake", sample.movies.path.parent, raise_on_error=False
    )
    assert not result.success
    message = failure_text(result)
    assert "bucket 'no-such-horror-bucket' does not exist" in message
    assert "HORROR_LAKE_ROOT" in message and SECRET not in message


def test_an_unreachable_endpoint_fails_the_run_quickly(
    monkeypatch: pytest.MonkeyPatch, sample: SampleSummary
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    use_endpoint(monkeypatch, closed)
    started = time.monotonic()
    result = run_job("s3://horror-bucket/lake", sample.movies.path.parent, raise_on_error=False)
    assert not result.success
    assert time.monotonic() - started < 60
    message = failure_text(result)
    assert f"cannot reach the S3 endpoint {closed}" in message and SECRET not in message


def test_denied_credentials_fail_the_run_naming_the_bucket(
    monkeypatch: pytest.MonkeyPatch, sample: SampleSummary
) -> None:
    """moto checks credentials against its IAM when INITIAL_NO_AUTH_ACTION_COUNT=0; the test's
    access key is unknown to it, so every request is denied."""
    with moto_server(INITIAL_NO_AUTH_ACTION_COUNT="0") as endpoint:
        use_endpoint(monkeypatch, endpoint)
        result = run_job(
            "s3://guarded-bucket/lake", sample.movies.path.parent, raise_on_error=False
        )
    assert not result.success
    message = failure_text(result)
    assert "access to bucket 'guarded-bucket' was denied" in message and SECRET not in message
