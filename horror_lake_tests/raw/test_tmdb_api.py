"""The TMDB client against a real HTTP server on 127.0.0.1 speaking TMDB's paths and errors."""

import json
import logging
import time
from collections.abc import Iterator

import pytest

from horror_lake.raw.tmdb.client import TmdbAuthError, TmdbClient, TmdbUnavailable
from horror_lake.raw.tmdb.credentials import Credentials
from horror_lake.raw.tmdb.transport import HttpTransport
from horror_lake.sample.tmdb_server import ServerSettings, TmdbTestServer

TOKEN = "eyJ-test-token-0123456789"
API_KEY = "k3y-0123456789abcdef"
MOVIE = {"id": 550, "title": "Fight Club", "budget": 63000000}
SNAPSHOT = [
    json.dumps(
        {
            "path": "/movie/550",
            "params": {"append_to_response": "keywords,credits"},
            "status": 200,
            "body": MOVIE,
        }
    ),
    json.dumps({"path": "/genre/movie/list", "status": 200, "body": {"genres": []}}),
]
DETAILS = ("/movie/550", {"append_to_response": "keywords,credits"})
DETAILS_KEY = "/movie/550?append_to_response=keywords,credits"


@pytest.fixture
def server() -> Iterator[TmdbTestServer]:
    with TmdbTestServer(SNAPSHOT, ServerSettings(token=TOKEN, api_key=API_KEY)) as running:
        yield running


def client_for(
    server: TmdbTestServer, credentials: Credentials, timeout: float = 5.0, attempts: int = 6
) -> TmdbClient:
    transport = HttpTransport(server.base_url, credentials, timeout, pool_size=4)
    client = TmdbClient(transport, credentials, rate_limit=None, max_attempts=attempts)
    client.backoff_seconds = 0.05  # keep retries quick; the policy is the same
    return client


@pytest.mark.parametrize(
    "faults",
    [
        ["429-retry-after", "429-retry-after"],
        ["429", "429", "429"],
        ["500", "502"],
        ["truncated"],
        ["reset", "500"],
    ],
)
def test_transient_failures_are_retried_until_the_answer(
    server: TmdbTestServer, faults: list[str]
) -> None:
    server.settings.faults[DETAILS_KEY] = list(faults)
    client = client_for(server, Credentials(token=TOKEN))
    started = time.monotonic()
    answer = client.get(*DETAILS)
    assert answer.status == 200 and answer.json() == MOVIE
    received = server.requests_to("/movie/550")
    assert len(received) == len(faults) + 1
    assert [r.status for r in received][-1] == 200
    if faults[0] == "429-retry-after":  # Retry-After: 1 was honoured before each retry
        assert time.monotonic() - started >= len(faults) * 1.0
    assert client.stats.throttled == sum(f.startswith("429") for f in faults)


def test_a_slow_answer_past_the_timeout_is_retried(server: TmdbTestServer) -> None:
    server.settings.slow_seconds = 2.0
    server.settings.faults[DETAILS_KEY] = ["slow"]
    client = client_for(server, Credentials(token=TOKEN), timeout=0.5)
    started = time.monotonic()
    assert client.get(*DETAILS).json() == MOVIE
    assert time.monotonic() - started < 2.0  # it gave up on the stalled answer
    assert client.stats.requests == 2
    assert [r.status for r in server.requests_to("/movie/550")] == [200]  # the retry's answer


def test_retries_are_bounded_and_the_last_error_is_named(server: TmdbTestServer) -> None:
    server.settings.faults[DETAILS_KEY] = ["502"] * 10
    client = client_for(server, Credentials(token=TOKEN), attempts=3)
    with pytest.raises(TmdbUnavailable, match=r"GET /movie/550: HTTP 502 after 3 attempts"):
        client.get(*DETAILS)
    assert len(server.requests_to("/movie/550")) == 3


def test_404_is_an_answer_and_not_retried(server: TmdbTestServer) -> None:
    client = client_for(server, Credentials(token=TOKEN))
    answer = client.get("/movie/999999", {"append_to_response": "keywords,credits"})
    assert answer.status == 404 and answer.json()["status_code"] == 34
    assert len(server.requests_to("/movie/999999")) == 1


@pytest.mark.parametrize(
    ("credentials", "setting"),
    [
        (Credentials(token="wrong-token-abcdef"), "TMDB_API_TOKEN"),
        (Credentials(api_key="wrong-key-abcdef"), "TMDB_API_KEY"),
    ],
)
def test_401_stops_at_once_and_names_the_setting_not_the_secret(
    server: TmdbTestServer, credentials: Credentials, setting: str
) -> None:
    client = client_for(server, credentials)
    with pytest.raises(TmdbAuthError) as raised:
        client.get(*DETAILS)
    message = str(raised.value)
    assert setting in message and "invalid" in message and "status_code 7" in message
    assert "abcdef" not in message
    assert len(server.received) == 1


def test_the_api_key_never_reaches_logs_or_errors(
    server: TmdbTestServer, caplog: pytest.LogCaptureFixture
) -> None:
    """urllib3 logs full URLs (with api_key) at debug level; the redacting filter blanks them.
    A refused connection's error text would hold the URL too."""
    from horror_lake.raw.tmdb.credentials import RedactingFilter

    credentials = Credentials(api_key=API_KEY)
    client = client_for(server, credentials)
    urllib3_logger = logging.getLogger("urllib3.connectionpool")
    log_filter = RedactingFilter(credentials)
    urllib3_logger.addFilter(log_filter)
    try:
        with caplog.at_level(logging.DEBUG):
            assert client.get(*DETAILS).status == 200
            dead = HttpTransport("http://127.0.0.1:9/3", credentials, 0.5, pool_size=1)
            refused = TmdbClient(dead, credentials, rate_limit=None, max_attempts=2)
            refused.backoff_seconds = 0.01
            with pytest.raises(TmdbUnavailable) as raised:
                refused.get(*DETAILS)
    finally:
        urllib3_logger.removeFilter(log_filter)
    assert server.received[0].query["api_key"] == API_KEY  # it was sent...
    assert "/movie/550" in caplog.text  # ...and the request was logged...
    assert API_KEY not in caplog.text  # ...without the key
    assert API_KEY not in str(raised.value) and "127.0.0.1:9" in str(raised.value)


def test_the_rate_limit_spaces_requests(server: TmdbTestServer) -> None:
    transport = HttpTransport(server.base_url, Credentials(token=TOKEN), 5.0, pool_size=4)
    client = TmdbClient(transport, Credentials(token=TOKEN), rate_limit=20)
    started = time.monotonic()
    for _ in range(11):
        client.get("/genre/movie/list")
    assert time.monotonic() - started >= 0.45  # 10 intervals of 50 ms
