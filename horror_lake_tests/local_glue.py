"""A stand-in for AWS Glue's job runner on loopback, in front of moto's Glue.

moto keeps Glue jobs and job runs (and the Glue catalog) but runs nothing: its job runs succeed
on their own. This proxy passes every Glue call to moto and adds what moto lacks, as Glue does
it:

- ``StartJobRun`` also runs the job: the job's script is fetched from its ``ScriptLocation`` (on
  the local S3 server) and run with local PySpark, with the job's default arguments and the run's
  arguments on its command line, plus ``--JOB_NAME`` and ``--JOB_RUN_ID`` as Glue adds them;
- ``GetJobRun`` reports that process: RUNNING while it runs, then SUCCEEDED, or FAILED with the
  exception line the script died on as ``ErrorMessage``;
- ``BatchStopJobRun`` stops it; ``UpdateJob`` replaces the job's definition (moto has no
  UpdateJob: the stand-in deletes and re-creates the job in moto with the new definition).

What it does not do: Glue's workers, DPUs, ``--additional-python-modules`` installs (the script
runs in this virtualenv, which has dagster-pipes) or CloudWatch logs.
"""

import http.server
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import boto3
import requests

EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception)\b.*")


class LocalGlue:
    def __init__(self, moto_endpoint: str, work: Path) -> None:
        self.moto = moto_endpoint
        self.work = work
        self.runs: dict[str, tuple[subprocess.Popen[bytes], Path]] = {}
        self.started: list[list[str]] = []  # each run's command line, for the tests
        self.glue = boto3.client("glue", endpoint_url=moto_endpoint, region_name="us-east-1")
        self.s3 = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")

    def answer(self, target: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        action = target.rsplit(".", 1)[-1]
        request = json.loads(body or b"{}")
        if action == "UpdateJob":
            return self.update_job(request)
        status, content = self.forward(body, headers)
        if status != 200:
            return status, content
        if action == "StartJobRun":
            self.start(request, json.loads(content)["JobRunId"])
        elif action == "GetJobRun":
            content = json.dumps(self.report(json.loads(content))).encode()
        elif action == "BatchStopJobRun":
            for run_id in request.get("JobRunIds", []):
                if run_id in self.runs:
                    self.runs[run_id][0].terminate()
        return status, content

    def forward(self, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        answer = requests.post(self.moto + "/", data=body, headers=headers, timeout=60)
        return answer.status_code, answer.content

    def start(self, request: dict[str, Any], run_id: str) -> None:
        job = self.glue.get_job(JobName=request["JobName"])["Job"]
        bucket, key = _split(job["Command"]["ScriptLocation"])
        folder = Path(tempfile.mkdtemp(prefix=f"run-{run_id[:12]}-", dir=self.work))
        script = folder / Path(key).name
        script.write_bytes(self.s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        arguments = {**job.get("DefaultArguments", {}), **request.get("Arguments", {})}
        command = [sys.executable, str(script), "--JOB_NAME", job["Name"], "--JOB_RUN_ID", run_id]
        for name, value in arguments.items():
            command += [name, value]
        self.started.append(command)
        environment = {
            **os.environ,
            "PYSPARK_PYTHON": sys.executable,
            "AWS_ENDPOINT_URL": self.moto,
        }
        environment.pop("AWS_ENDPOINT_URL_GLUE", None)
        log = folder / "stderr.log"
        with log.open("wb") as stderr:
            process = subprocess.Popen(
                command, stdout=subprocess.DEVNULL, stderr=stderr, env=environment, cwd=folder
            )
        self.runs[run_id] = (process, log)

    def report(self, answer: dict[str, Any]) -> dict[str, Any]:
        run = answer["JobRun"]
        process, log = self.runs[run["Id"]]
        code = process.poll()
        if code is None:
            run["JobRunState"] = "RUNNING"
        elif code == 0:
            run["JobRunState"] = "SUCCEEDED"
        else:
            run["JobRunState"] = "FAILED"
            lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
            errors = [line for line in lines if EXCEPTION_LINE.match(line)]
            run["ErrorMessage"] = errors[-1] if errors else f"exit code {code}"
        return answer

    def update_job(self, request: dict[str, Any]) -> tuple[int, bytes]:
        name = request["JobName"]
        self.glue.delete_job(JobName=name)
        self.glue.create_job(Name=name, **request["JobUpdate"])
        return 200, json.dumps({"JobName": name}).encode()

    def wait(self) -> None:
        for process, _ in self.runs.values():
            process.wait(timeout=600)


@contextmanager
def local_glue(moto_endpoint: str, work: Path) -> Iterator[tuple[str, LocalGlue]]:
    """The stand-in on a free loopback port: yields its URL (for ``AWS_ENDPOINT_URL_GLUE``)."""
    glue = LocalGlue(moto_endpoint, work)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the http.server name)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            status, content = glue.answer(self.headers.get("X-Amz-Target", ""), body, headers)
            self.send_response(status)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", glue
    finally:
        for process, _ in glue.runs.values():
            if process.poll() is None:
                process.kill()
        server.shutdown()
        server.server_close()


def _split(uri: str) -> tuple[str, str]:
    parsed = urlparse(uri)
    return parsed.netloc, parsed.path.lstrip("/")
