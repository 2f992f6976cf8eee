"""The same job with the lake on S3: a real S3 API server (moto's server mode) on 127.0.0.1,
reached by pyarrow's S3 filesystem through AWS_ENDPOINT_URL. The credentials are moto's
throwaway test values; the test also checks they never reach the lake files or the logs."""

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest

from horror_lake.sample.generator import SampleSummary
from horror_lake_tests.conftest import PARTITION, run_job

SECRET = "test-secret-key-not-for-logs"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def s3_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(100):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    try:
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_whole_job_writes_the_same_layout_to_s3(
    s3_endpoint: str, sample: SampleSummary, tmp_path: Path
) -> None:
    boto3.client("s3", endpoint_url=s3_endpoint).create_bucket(Bucket="horror-lake")
    result = run_job("s3://horror-lake/lake", sample.movies.path.parent)
    assert result.success

    s3 = boto3.client("s3", endpoint_url=s3_endpoint)
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="horror-lake")["Contents"]}
    expected = f"lake/refined/fato_filme/ingestion_date={PARTITION}/part-00000.parquet"
    assert expected in keys
    # pyarrow leaves empty "folder" marker objects behind; no staged data may remain.
    assert not [k for k in keys if "_staging" in k and not k.endswith("/")]
    fs = pafs.S3FileSystem(endpoint_override=s3_endpoint.removeprefix("http://"), scheme="http")
    fato = pq.read_table(f"horror-lake/{expected}", filesystem=fs)
    assert fato.num_rows > 0

    assert run_job("s3://horror-lake/lake", sample.movies.path.parent).success
    assert pq.read_table(f"horror-lake/{expected}", filesystem=fs).num_rows == fato.num_rows
    logs = "\n".join(str(event) for event in result.all_events)
    assert SECRET not in logs
