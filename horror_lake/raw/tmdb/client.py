"""The one TMDB (v3) client: a shared rate limit, bounded retries, secrets kept out.

Pure Python, no Dagster. A 429 pauses every thread (the limit is per IP); 5xx, timeouts, resets
and unparseable JSON are retried with exponential backoff and full jitter; 404 is an answer; 401
stops everything at once.
"""

import json
import random
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from horror_lake.raw.tmdb.credentials import Credentials
from horror_lake.raw.tmdb.transport import TransientError, Transport, request_key


class TmdbAuthError(RuntimeError):
    """TMDB refused the credentials (HTTP 401, status_code 7): nothing can be fetched."""


class TmdbUnavailable(RuntimeError):
    """A request still failed after every allowed attempt; the message says how."""


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
