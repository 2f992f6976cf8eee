"""The TMDB token from AWS Secrets Manager (TMDB_API_TOKEN_SECRET), against moto's AWS API server
and the local TMDB test server: the token is read through dagster-aws's resource, the lake is
enriched with it, and it shows in no event, log line, console output, message or lake file.

Not covered here: KMS decryption failures (moto does not encrypt), and AWS itself.
"""

import logging
import uuid
from pathlib import Path

import boto3
import dagster as dg
import pytest

from horror_lake.raw.tmdb.secret import parse_secret, secret_region
from horror_lake.raw.tmdb.source import TmdbResource
from horror_lake.sample.generator import SampleSummary
from horror_lake.sample.tmdb_server import ServerSettings, TmdbTestServer
from horror_lake_tests.conftest import PARTITION, run_job
from horror_lake_tests.lake_reading import read_table
from horror_lake_tests.servers import (
    SECRET,
    failure_messages,
    failure_text,
    free_port,
    moto_server,
    use_endpoint,
)
from horror_lake_tests.test_tmdb import on_tmdb, snapshot_lines

TOKEN = "tmdb-v4-from-secrets-manager-5e1f"
API_KEY = "tmdb-v3-key-from-secrets-manager-9c2d"
MARK = "s3cr3t-value"  # in every malformed value: no message may quote it


def store_secret(endpoint: str, value: str | bytes) -> str:
    name = f"horror/tmdb-{uuid.uuid4().hex[:8]}"
    client = boto3.client("secretsmanager", endpoint_url=endpoint, region_name="us-east-1")
    if isinstance(value, bytes):
        client.create_secret(Name=name, SecretBinary=value)
    else:
        client.create_secret(Name=name, SecretString=value)
    return name


def credentials_failure(monkeypatch: pytest.MonkeyPatch, secret_id: str) -> dg.Failure:
    """What reading the secret raises when the run starts."""
    monkeypatch.setenv("TMDB_API_TOKEN_SECRET", secret_id)
    with pytest.raises(dg.Failure) as raised:
        TmdbResource().credentials()
    assert raised.value.allow_retries is False
    return raised.value


@pytest.fixture(autouse=True)
def no_tmdb_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TMDB_API_TOKEN", "TMDB_API_KEY", "TMDB_API_TOKEN_SECRET"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("value", "token", "api_key"),
    [
        ("tok-123", "tok-123", None),
        ("  tok-123\n", "tok-123", None),
        ('{"token": "tok-123"}', "tok-123", None),
        ('{"api_key": "key-456", "note": "for horror_lake"}', None, "key-456"),
        ('{"token": "tok-123", "api_key": "key-456"}', "tok-123", None),
    ],
)
def test_a_secret_value_gives_the_credentials_it_holds(
    value: str, token: str | None, api_key: str | None
) -> None:
    credentials = parse_secret(value)
    assert (credentials.token, credentials.api_key) == (token, api_key)
    assert "tok-123" not in repr(credentials) and "key-456" not in repr(credentials)


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("", "empty"),
        ("   \n", "empty"),
        (f"Bearer {MARK}", "not a single token"),
        (f'{{"token": "{MARK}"', "not valid JSON"),
        (f'["{MARK}"]', "not an object"),
        (f'{{"token": "", "{MARK}": "{MARK}"}}', 'no non-empty "token" or "api_key"'),
        (f'{{"api_key": 12345, "x": "{MARK}"}}', '"api_key" field is not a string'),
    ],
)
def test_a_value_of_the_wrong_shape_is_refused_without_quoting_it(value: str, says: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_secret(value)
    assert says in str(raised.value) and MARK not in str(raised.value)


def test_an_arn_says_its_region() -> None:
    arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:horror/tmdb-AbCdEf"
    assert secret_region(arn) == "eu-west-1"
    assert secret_region("horror/tmdb") is None


@pytest.mark.parametrize(
    ("value", "token", "api_key"),
    [
        (TOKEN, TOKEN, None),
        (f'{{"token": "{TOKEN}"}}', TOKEN, None),
        (f'{{"api_key": "{API_KEY}"}}', None, API_KEY),
    ],
)
def test_the_secret_is_read_and_botocore_does_not_log_it(
    s3_endpoint: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    value: str,
    token: str | None,
    api_key: str | None,
) -> None:
    """botocore logs response bodies at debug level: with every botocore log on, the value
    must still not be logged."""
    name = store_secret(s3_endpoint, value)
    monkeypatch.setenv("TMDB_API_TOKEN_SECRET", name)
    caplog.set_level(logging.DEBUG, logger="botocore")
    credentials = TmdbResource().credentials()
    assert (credentials.token, credentials.api_key) == (token, api_key)
    assert name in credentials.setting and "TMDB_API_TOKEN_SECRET" in credentials.setting
    assert "GetSecretValue" in caplog.text  # botocore did log the call...
    assert str(token or api_key) not in caplog.text  # ...but not what it answered


def test_an_arn_is_read_in_its_own_region(
    s3_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    arn = boto3.client(
        "secretsmanager", endpoint_url=s3_endpoint, region_name="eu-west-1"
    ).create_secret(Name=f"horror/tmdb-{uuid.uuid4().hex[:8]}", SecretString=TOKEN)["ARN"]
    monkeypatch.setenv("AWS_REGION", "us-east-1")  # the ARN's region wins
    monkeypatch.setenv("TMDB_API_TOKEN_SECRET", arn)
    assert TmdbResource().credentials().token == TOKEN


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (f'{{"token": "{MARK}"', "not valid JSON"),
        ("  ", "the value is empty"),
        (f'{{"username": "{MARK}"}}', 'no non-empty "token" or "api_key" field'),
        (MARK.encode(), "holds binary data"),
    ],
)
def test_a_malformed_secret_fails_naming_it_not_quoting_it(
    s3_endpoint: str, monkeypatch: pytest.MonkeyPatch, value: str | bytes, says: str
) -> None:
    name = store_secret(s3_endpoint, value)
    failure = credentials_failure(monkeypatch, name)
    assert failure.description is not None
    assert failure.description.startswith(f"TMDB_API_TOKEN_SECRET {name}: ")
    assert says in failure.description and MARK not in failure.description


def test_denied_access_fails_naming_the_secret_and_the_permission(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """moto checks credentials against its IAM when INITIAL_NO_AUTH_ACTION_COUNT=0: the test's
    access key is unknown to it, so the read is denied."""
    with moto_server(INITIAL_NO_AUTH_ACTION_COUNT="0") as endpoint:
        use_endpoint(monkeypatch, endpoint)
        failure = credentials_failure(monkeypatch, "horror/tmdb")
    text = str(failure.description)
    assert text.startswith("TMDB_API_TOKEN_SECRET horror/tmdb: access was denied")
    assert "secretsmanager:GetSecretValue" in text and SECRET not in text


def test_an_unreachable_endpoint_fails_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    use_endpoint(monkeypatch, closed)
    failure = credentials_failure(monkeypatch, "horror/tmdb")
    assert str(failure.description) == (
        f"TMDB_API_TOKEN_SECRET horror/tmdb: cannot reach AWS Secrets Manager at {closed} "
        "(EndpointConnectionError)"
    )


def test_the_secret_and_a_token_in_the_environment_fail_naming_both(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No AWS call is made: whichever one a run picked, the other is a forgotten setting."""
    monkeypatch.setenv("TMDB_API_TOKEN", TOKEN)
    failure = credentials_failure(monkeypatch, "horror/tmdb")
    text = str(failure.description)
    assert "TMDB_API_TOKEN_SECRET (horror/tmdb) and TMDB_API_TOKEN" in text
    assert "Unset one" in text and TOKEN not in text


@pytest.mark.parametrize(
    ("value", "server_settings"),
    [
        (TOKEN, ServerSettings(token=TOKEN)),
        (f'{{"api_key": "{API_KEY}", "owner": "data team"}}', ServerSettings(api_key=API_KEY)),
    ],
    ids=["plain-token", "json-api-key"],
)
def test_the_job_is_enriched_with_the_secret_and_it_leaks_nowhere(
    tmp_path: Path,
    sample: SampleSummary,
    s3_endpoint: str,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    value: str,
    server_settings: ServerSettings,
) -> None:
    secret = TOKEN if server_settings.token else API_KEY
    name = store_secret(s3_endpoint, value)
    caplog.set_level(logging.DEBUG, logger="botocore")
    caplog.set_level(logging.DEBUG, logger="urllib3")  # logs every URL: the key is in them
    lake = tmp_path / "lake"
    with TmdbTestServer(snapshot_lines(sample), server_settings) as server:
        result = run_job(
            lake,
            sample.movies.path.parent,
            settings={
                "TMDB_API_TOKEN_SECRET": name,
                "TMDB_BASE_URL": server.base_url,
                "TMDB_RATE_LIMIT": "500",
            },
        )
        received = list(server.received)
    assert result.success
    assert received and all(r.status == 200 or r.status == 404 for r in received)
    if server_settings.token:
        assert all(r.authorization == f"Bearer {TOKEN}" for r in received)
    else:
        assert all(r.query.get("api_key") == API_KEY for r in received)
    trusted = read_table(lake, "trusted", "trusted_tmdb", PARTITION)
    assert set(trusted["imdb_id"].to_pylist()) == on_tmdb(sample)
    assert set(read_table(lake, "raw", "raw_tmdb", PARTITION)["source"].to_pylist()) == {"api"}

    out, err = capfd.readouterr()
    assert "GET /3/find/" in caplog.text  # urllib3 did log the URLs
    assert secret not in repr(result.all_events)
    assert secret not in caplog.text
    assert secret not in out + err
    for path in lake.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


def test_a_missing_secret_fails_the_run_plainly_naming_it(
    tmp_path: Path, sample: SampleSummary, s3_endpoint: str
) -> None:
    result = run_job(
        tmp_path / "lake",
        sample.movies.path.parent,
        raise_on_error=False,
        settings={"TMDB_API_TOKEN_SECRET": "horror/no-such-secret"},
    )
    assert not result.success
    failed = [e.step_key for e in result.all_events if e.is_step_failure]
    assert failed == ["raw__raw_tmdb"]
    message = failure_messages(result)
    assert (
        "TMDB_API_TOKEN_SECRET horror/no-such-secret: no such secret in region us-east-1" in message
    )
    assert "ResourceNotFoundException" in message
    assert "botocore" not in failure_text(result)  # no chained library traceback
    assert SECRET not in failure_text(result)
