"""The benchmark's measurements (bench/measure.py), against commands whose cost is known.

Each measurement runs in a Python process of its own: the measurer adopts its commands' orphans
(Linux's child subreaper), which must not change how pytest's own children end.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from horror_lake.modeling.project import PACKAGE_DIR

BENCH = PACKAGE_DIR.parent / "bench"
BURN_SECONDS = 1.5
HOLD_MB = 300


def measured(command: str, tmp_path: Path, before: str = "") -> dict[str, float]:
    """``measure`` of ``python -c command`` (run in ``tmp_path``), as a dict; ``before`` runs
    first in the measuring process."""
    script = "\n".join(
        [
            "import dataclasses, json, sys",
            f"sys.path.insert(0, {str(BENCH)!r})",
            "from measure import measure",
            before,
            f"result = measure('test', [sys.executable, '-c', {command!r}])",
            "print(json.dumps(dataclasses.asdict(result)))",
        ]
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return dict(json.loads(done.stdout.splitlines()[-1]))


@pytest.mark.slow
def test_cpu_time_counts_a_process_that_outlives_the_command(tmp_path: Path) -> None:
    """A JVM can outlive its Python driver: the CPU it spends after the command has ended is
    the tree's all the same, and the wall time is the command's own."""
    burner = (
        "import time\n"
        f"t = time.process_time()\nwhile time.process_time() - t < {BURN_SECONDS}: pass\n"
        "open('ended', 'w').write(str(time.time()))"
    )
    command = (
        "import subprocess, sys, time\n"
        "open('started', 'w').write(str(time.time()))\n"
        f"subprocess.Popen([sys.executable, '-c', {burner!r}])"
    )
    result = measured(command, tmp_path)
    assert result["returncode"] == 0
    assert BURN_SECONDS <= result["cpu_seconds"] <= BURN_SECONDS + 1.5
    started = float((tmp_path / "started").read_text())
    ended = float((tmp_path / "ended").read_text())  # the orphan finished before measure returned
    assert result["seconds"] < ended - started


@pytest.mark.slow
def test_peak_memory_is_the_whole_tree_and_the_main_process_apart(tmp_path: Path) -> None:
    holder = f"import time\nblock = bytearray({HOLD_MB} * 2**20)\ntime.sleep(1.5)"
    command = f"import subprocess, sys\nsubprocess.run([sys.executable, '-c', {holder!r}])"
    result = measured(command, tmp_path)
    assert result["peak_rss_mb"] >= HOLD_MB
    assert result["main_peak_rss_mb"] < HOLD_MB / 2


@pytest.mark.slow
def test_a_process_the_measurer_started_itself_is_left_alone(tmp_path: Path) -> None:
    """Only the command's processes are measured and waited for: a server the bench runs beside
    it is not part of the tree, and keeps running."""
    server = f"block = bytearray({HOLD_MB} * 2**20)\nimport time\ntime.sleep(60)"
    before = (
        "import atexit, subprocess, time\n"
        f"server = subprocess.Popen([sys.executable, '-c', {server!r}],"
        " stdout=subprocess.DEVNULL)\n"
        "time.sleep(1)\n"
        "atexit.register(lambda: (open('server', 'w').write(str(server.poll())), server.kill()))"
    )
    result = measured("pass", tmp_path, before)
    assert result["returncode"] == 0
    assert result["peak_rss_mb"] < HOLD_MB / 2
    assert (tmp_path / "server").read_text() == "None"  # still running when measure returned
