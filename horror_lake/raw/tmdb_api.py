"""The one TMDB (v3) client: auth, a shared rate limit, bounded retries, secrets kept out.

Pure Python, no Dagster. Answers come from a ``Transport``: the HTTP API (``HttpTransport``)
or a snapshot file of recorded answers (``SnapshotTransport``, the offline demo), so fetching,
journaling and parsing are one code path for both.
"""

import json
import logging
import random
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import requests
from requests.adapters import HTTPAdapter

DEFAULT_BASE_URL = "https://api.themoviedb.org/3"
REDACTED = "***"


class TmdbAuthError(RuntimeError):
    """TMDB refused the credentials (HTTP 401, status_code 7): nothing can be fetched."""


class TmdbUnavailable(RuntimeError):
    """A request still failed after every allowed attempt; the message says how."""


@dataclass(frozen=True)
class Credentials:
    """A v4 read-access token (sent as a Bearer header) or a v3 ``api_key`` parameter."""

    token: str | None = None
    api_key: str | None = None

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.token, self.api_key) if s)

    @property
    def setting(self) -> str:
        return "TMDB_API_TOKEN" if self.token else "TMDB_API_KEY"

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text


class RedactingFilter(logging.Filter):
    """Blanks secrets in library log records (urllib3 logs full URLs at debug level)."""

    def __init__(self, credentials: Credentials) -> None:
        super().__init__()
        self.credentials = credentials

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.credentials.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


@dataclass(frozen=True)
class Reply:
    status: int
    text: str
    retry_after: float | None = None


class Transport(Protocol):
    def get(self, path: str, params: Mapping[str, str]) -> Reply: ...

    def close(self) -> None: ...


class HttpTransport:
    """requests with one pooled session; the secret never enters an error message."""

    def __init__(
        self, base_url: str, credentials: Credentials, timeout_seconds: float, pool_size: int
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.timeout_seconds = timeout_seconds
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=pool_size, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["Accept"] = "application/json"
        if credentials.token:
            self.session.headers["Authorization"] = f"Bearer {credentials.token}"

    def get(self, path: str, params: Mapping[str, str]) -> Reply:
        query = dict(params)
        if self.credentials.api_key and not self.credentials.token:
            query["api_key"] = self.credentials.api_key
        try:
            response = self.session.get(
                self.base_url + path, params=query, timeout=self.timeout_seconds
            )
        except requests.Timeout:
            raise TransientError(f"no answer within {self.timeout_seconds:g} s") from None
        except requests.RequestException as error:
            # The exception text can hold the URL with api_key: name the kind, not the text.
            raise TransientError(f"{type(error).__name__} talking to {self.base_url}") from None
        return Reply(response.status_code, response.text, _retry_after(response.headers))

    def close(self) -> None:
        self.session.close()


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date; fall back to our own backoff


class SnapshotTransport:
    """Answers recorded in a JSON-lines file: ``{"path", "params", "status", "body"}``."""

    def __init__(self, lines: Iterable[str], source: str) -> None:
        self.source = source
        self.answers: dict[str, Reply] = {}
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                key = request_key(record["path"], record.get("params", {}))
                self.answers[key] = Reply(int(record["status"]), json.dumps(record["body"]))
            except (ValueError, KeyError, TypeError) as error:
                raise ValueError(
                    f"{source} line {number}: not a snapshot record ({error})"
                ) from None

    @classmethod
    def from_file(cls, path: Path) -> "SnapshotTransport":
        with open(path, encoding="utf-8") as lines:
            return cls(lines, str(path))

    def get(self, path: str, params: Mapping[str, str]) -> Reply:
        reply = self.answers.get(request_key(path, params))
        if reply is None:
            body = {"success": False, "status_code": 34, "status_message": "Not in the snapshot."}
            return Reply(404, json.dumps(body))
        return reply

    def close(self) -> None:
        pass


def request_key(path: str, params: Mapping[str, str]) -> str:
    """``path?sorted params``: how snapshots and the local test server index answers."""
    query = "&".join(f"{k}={params[k]}" for k in sorted(params) if k != "api_key")
    return f"{path}?{query}" if query else path


class TransientError(Exception):
    """A failure worth retrying (timeout, reset connection, 5xx, 429, unparseable JSON)."""


class RateLimiter:
    """At most ``per_second`` request starts per second across threads, and a shared pause.

    Starts are spaced evenly (no bursts), and a 429 pauses every thread, not just the one
    that got it, since the limit is per IP.
    """

    def __init__(self, per_second: float | None) -> None:
        self.interval = 1.0 / per_second if per_second else 0.0
        self.lock = threading.Lock()
        self.next_start = time.monotonic()

    def wait(self) -> None:
        with self.lock:
            now = time.monotonic()
            start = max(now, self.next_start)
            self.next_start = start + self.interval
        if start > now:
            time.sleep(start - now)

    def pause(self, seconds: float) -> None:
        with self.lock:
            self.next_start = max(self.next_start, time.monotonic() + seconds)


@dataclass
class RequestStats:
    requests: int = 0
    throttled: int = 0  # 429 answers
    retried: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, throttled: bool = False, retried: bool = False) -> None:
        with self.lock:
            self.requests += 1
            self.throttled += throttled
            self.retried += retried


@dataclass(frozen=True)
class Answer:
    """What TMDB said to one request: kept verbatim in the raw zone."""

    endpoint: str
    status: int
    text: str
    fetched_at: float

    def json(self) -> dict:
        return json.loads(self.text)


class TmdbClient:
    """GETs with retries: 429 (honouring Retry-After), 5xx, timeouts, resets and bad JSON are
    retried up to ``max_attempts`` with exponential backoff and full jitter; 404 is an answer;
    401 raises ``TmdbAuthError`` at once."""

    def __init__(
        self,
        transport: Transport,
        credentials: Credentials,
        rate_limit: float | None,
        max_attempts: int = 6,
        backoff_seconds: float = 0.5,
        max_backoff_seconds: float = 30.0,
    ) -> None:
        self.transport = transport
        self.credentials = credentials
        self.limiter = RateLimiter(rate_limit)
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.stats = RequestStats()

    def get(self, path: str, params: Mapping[str, str] | None = None) -> Answer:
        params = dict(params or {})
        endpoint = request_key(path, params)
        problem = ""
        for attempt in range(1, self.max_attempts + 1):
            self.limiter.wait()
            try:
                reply = self.transport.get(path, params)
            except TransientError as error:
                problem = str(error)
                self.stats.add(retried=attempt < self.max_attempts)
                self._sleep_before_retry(attempt, None)
                continue
            throttled = reply.status == 429
            self.stats.add(throttled=throttled, retried=reply.status != 200)
            if reply.status == 401:
                raise TmdbAuthError(
                    f"TMDB answered 401 to GET {path}: the credentials in "
                    f"{self.credentials.setting} are invalid or expired (status_code "
                    f"{_status_code(reply.text)}). Fix the setting and run again."
                )
            if reply.status == 200:
                try:
                    json.loads(reply.text)
                except ValueError:
                    problem = f"unparseable JSON ({len(reply.text)} bytes)"
                else:
                    return Answer(endpoint, 200, reply.text, time.time())
            elif reply.status == 404:
                return Answer(endpoint, 404, reply.text, time.time())
            elif throttled or reply.status >= 500 or reply.status == 408:
                problem = f"HTTP {reply.status}"
                if throttled:
                    wait = (
                        self._backoff(attempt) if reply.retry_after is None else reply.retry_after
                    )
                    self.limiter.pause(wait)
                    continue
            else:
                raise TmdbUnavailable(
                    f"GET {path}: HTTP {reply.status} ({self.credentials.redact(reply.text[:200])})"
                )
            self._sleep_before_retry(attempt, None)
        raise TmdbUnavailable(f"GET {path}: {problem} after {self.max_attempts} attempts")

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.max_backoff_seconds, self.backoff_seconds * 2 ** (attempt - 1))
        return random.uniform(0, ceiling)

    def _sleep_before_retry(self, attempt: int, wait: float | None) -> None:
        if attempt < self.max_attempts:
            time.sleep(self._backoff(attempt) if wait is None else wait)

    def close(self) -> None:
        self.transport.close()


def _status_code(text: str) -> object:
    try:
        return json.loads(text).get("status_code", "?")
    except (ValueError, AttributeError):
        return "?"
