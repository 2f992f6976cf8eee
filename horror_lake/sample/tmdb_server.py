"""A local HTTP server that speaks TMDB v3: its paths, JSON shapes, auth and limits.

It answers from a snapshot (``tmdb_snapshot.jsonl``), checks credentials like TMDB (Bearer
token or ``api_key``; 401 with status_code 7 otherwise), answers unknown paths with 404
(status_code 34), can enforce a requests-per-second limit with 429 (status_code 25), add
latency, and play scripted faults. Every request is recorded. Used by the tests and the
benchmark.
"""

import json
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from horror_lake.raw.tmdb.transport import SnapshotTransport, request_key

# Faults a scripted path can play, one per request, before answering normally.
FAULTS = ("429", "429-retry-after", "500", "502", "slow", "truncated", "reset")


@dataclass(frozen=True)
class ReceivedRequest:
    path: str
    query: dict[str, str]
    authorization: str | None
    status: int  # 0 when the connection was dropped
    fault: str | None  # the scripted fault played, if any
    at: float

    @property
    def key(self) -> str:
        return request_key(self.path, self.query)


@dataclass
class ServerSettings:
    token: str | None = None
    api_key: str | None = None
    limit_per_second: float | None = None  # 429 beyond, like TMDB's ~40/s per IP
    retry_after_on_limit: bool = True
    latency_seconds: float = 0.0
    slow_seconds: float = 3.0  # how long a "slow" fault stalls
    faults: dict[str, list[str]] = field(default_factory=dict)  # request key -> faults


class TmdbTestServer:
    """``with TmdbTestServer(snapshot_lines, settings) as server: server.base_url ...``"""

    def __init__(self, snapshot_lines: Iterable[str], settings: ServerSettings) -> None:
        self.answers = SnapshotTransport(snapshot_lines, "snapshot")
        self.settings = settings
        self.received: list[ReceivedRequest] = []
        self._lock = threading.Lock()
        self._recent: deque[float] = deque()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}/3"

    def __enter__(self) -> "TmdbTestServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def requests_to(self, prefix: str) -> list[ReceivedRequest]:
        with self._lock:
            return [r for r in self.received if r.path.startswith(prefix)]

    def _record(self, request: ReceivedRequest) -> None:
        with self._lock:
            self.received.append(request)

    def _over_limit(self) -> bool:
        limit = self.settings.limit_per_second
        if not limit:
            return False
        now = time.monotonic()
        with self._lock:
            while self._recent and now - self._recent[0] >= 1.0:
                self._recent.popleft()
            if len(self._recent) >= limit:
                return True
            self._recent.append(now)
            return False

    def _next_fault(self, key: str) -> str | None:
        with self._lock:
            queue = self.settings.faults.get(key)
            return queue.pop(0) if queue else None

    def _authorized(self, authorization: str | None, query: dict[str, str]) -> bool:
        settings = self.settings
        if settings.token and authorization == f"Bearer {settings.token}":
            return True
        return bool(settings.api_key) and query.get("api_key") == settings.api_key

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass  # the test reads ``received`` instead

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                path = url.path.removeprefix("/3")
                query = dict(parse_qsl(url.query))
                authorization = self.headers.get("Authorization")
                # Recorded before the answer goes out, so a client that has its answer can
                # count on the request being in ``received``.
                self.fault: str | None = None
                self.record = lambda status: server._record(
                    ReceivedRequest(path, query, authorization, status, self.fault, time.time())
                )
                self._answer(path, query, authorization)

            def _answer(self, path: str, query: dict[str, str], authorization: str | None) -> int:
                settings = server.settings
                if settings.latency_seconds:
                    time.sleep(settings.latency_seconds)
                if server._over_limit():
                    return self._tmdb_error(
                        429,
                        25,
                        "Your request count is over the allowed limit.",
                        retry_after="1" if settings.retry_after_on_limit else None,
                    )
                if not server._authorized(authorization, query):
                    return self._tmdb_error(
                        401, 7, "Invalid API key: You must be granted a valid key."
                    )
                fault = self.fault = server._next_fault(request_key(path, query))
                if fault == "429-retry-after":
                    return self._tmdb_error(429, 25, "Over the limit.", retry_after="1")
                if fault == "429":
                    return self._tmdb_error(429, 25, "Over the limit.")
                if fault in ("500", "502"):
                    return self._tmdb_error(int(fault), 11, "Internal error.")
                if fault == "reset":
                    self.record(0)
                    self.close_connection = True
                    self.connection.close()
                    return 0
                if fault == "slow":
                    time.sleep(settings.slow_seconds)
                reply = server.answers.get(path, query)
                body = reply.text.encode("utf-8")
                if fault == "truncated":
                    body = body[: len(body) // 2]
                self._send(reply.status, body)
                return reply.status

            def _tmdb_error(
                self, status: int, code: int, message: str, retry_after: str | None = None
            ) -> int:
                body = {"success": False, "status_code": code, "status_message": message}
                headers = {"Retry-After": retry_after} if retry_after else {}
                self._send(status, json.dumps(body).encode(), headers)
                return status

            def _send(
                self, status: int, body: bytes, headers: dict[str, str] | None = None
            ) -> None:
                self.record(status)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json;charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (e.g. its timeout passed)

        return Handler
