"""Local servers the tests talk to, and what they share: free loopback ports, moto's AWS API
server (S3, Glue, Athena, Secrets Manager, IAM), the real dagster-daemon, and reading a failed
run's messages."""

import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import boto3
import dagster as dg
import pytest
import requests

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

# The AWS secret key the tests use: throwaway, and checked never to reach logs, files or errors.
SECRET = "test-secret-key-not-for-logs"


@contextmanager
def dagster_daemon(env: Mapping[str, str], log: Path | None = None) -> Iterator[None]:
    """The real ``dagster-daemon`` (sensors, schedules, backfills, the run queue) of the
    workspace, over ``env``'s DAGSTER_HOME, stopped (its whole process group) afterwards."""
    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]):
        pass  # the storage exists before the daemon and the test race to create it
    with open(log or os.devnull, "w") as out:
        daemon = subprocess.Popen(
            [str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"],
            cwd=REPO,
            env=dict(env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield
        finally:
            os.killpg(daemon.pid, signal.SIGTERM)
            try:
                daemon.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(daemon.pid, signal.SIGKILL)
                daemon.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def moto_server(**env: str) -> Iterator[str]:
    """``moto_server`` on a free loopback port; yields its endpoint URL."""
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **env},
    )
    try:
        for _ in range(150):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def use_endpoint(monkeypatch: pytest.MonkeyPatch, endpoint: str) -> None:
    """Point every AWS client of this process (boto3, pyarrow) at ``endpoint``."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_REGION", "us-east-1")


def new_bucket(endpoint: str) -> str:
    name = f"horror-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=name)
    return name


def failure_messages(result: dg.ExecuteInProcessResult) -> str:
    """Every step failure's message, as the UI shows them."""
    return "\n".join(
        event.step_failure_data.error.message
        for event in result.all_events
        if event.is_step_failure and event.step_failure_data.error
    )


def failure_text(result: dg.ExecuteInProcessResult) -> str:
    """Everything the run's failure events carry (messages, causes, stack traces): what a
    secret must never appear in."""
    return "\n".join(
        str(event.event_specific_data) for event in result.all_events if event.is_failure
    )


@contextmanager
def athena_failing_queries(endpoint: str, reasons: Mapping[str, str]) -> Iterator[str]:
    """A loopback proxy in front of moto's Athena that reports a query FAILED, with Athena's
    reason, when its text starts with a key of ``reasons``.

    moto runs no query and never fails one; everything else (starting queries, results, other
    services) is moto's own answer, passed through unchanged. Yields the proxy's URL, for
    ``AWS_ENDPOINT_URL_ATHENA``.
    """

    class Proxy(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the http.server name)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            answer = requests.post(endpoint + self.path, data=body, headers=headers, timeout=30)
            content = answer.content
            if self.headers.get("X-Amz-Target", "").endswith(".GetQueryExecution"):
                document = answer.json()
                execution = document.get("QueryExecution", {})
                for start, reason in reasons.items():
                    if execution.get("Query", "").startswith(start):
                        execution["Status"].update(State="FAILED", StateChangeReason=reason)
                content = json.dumps(document).encode()
            self.send_response(answer.status_code)
            self.send_header("Content-Type", answer.headers.get("Content-Type", "application/json"))
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
