"""Where TMDB answers come from: the HTTP API, or a snapshot file of recorded answers.

Both speak ``Transport``, so fetching, journaling and parsing are one code path for the API and
the offline demo.
"""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from horror_lake.raw.tmdb.credentials import Credentials

DEFAULT_BASE_URL = "https://api.themoviedb.org/3"
SNAPSHOT_FILE = "tmdb_snapshot.jsonl"  # recorded answers beside the landing CSVs


class TransientError(Exception):
    """A failure worth retrying (timeout, reset connection, 5xx, 429, unparseable JSON)."""


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
        # Imported here: every run loads this module, and most never go online (~50 ms).
        import requests
        from requests.adapters import HTTPAdapter

        self.requests = requests
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
        except self.requests.Timeout:
            raise TransientError(f"no answer within {self.timeout_seconds:g} s") from None
        except self.requests.RequestException as error:
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
