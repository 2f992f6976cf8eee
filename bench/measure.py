"""Measuring commands the way the benchmark reports them: wall time, CPU time and peak memory of
a whole process tree, repeated in interleaved pairs, summarised as medians with their spread.

Shared by every suite of bench/run_bench.py; imports nothing from the suites.
"""

import contextlib
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

PYTHON = sys.executable
DAGSTER = str(Path(PYTHON).parent / "dagster")
JOB = [DAGSTER, "job", "execute", "-m", "horror_lake", "-j", "horror_lake_job"]


@dataclass(frozen=True)
class Measurement:
    name: str
    seconds: float
    peak_rss_mb: float  # the whole process tree (with Spark, the JVM too)
    returncode: int
    main_peak_rss_mb: float = 0.0  # the command's own process (with Spark, the Python driver)
    cpu_seconds: float = 0.0  # user + system time of the process tree (with Spark, the JVM too)


def measure(name: str, args: list[str], env: dict[str, str] | None = None) -> Measurement:
    """Run ``args`` once; wall time, and the largest resident set of the process tree (and of
    its main process) and its CPU time, sampled every 20 ms. ``CODE_DIR`` in ``env`` runs the
    command from that folder, so that the horror_lake package there is the one loaded (to
    compare versions).

    CPU time is the work done whatever else the machine was doing, so it tells two versions
    apart on a host whose wall times drift (each process's last 20 ms are not counted, nor a
    process that lived less than that).
    """
    env = {**os.environ, **(env or {})}
    started = time.perf_counter()
    process = psutil.Popen(
        args,
        env=env,
        cwd=env.get("CODE_DIR"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    peak = main_peak = 0
    cpu: dict[int, float] = {}
    while process.poll() is None:
        peak = max(peak, sample_tree(process, cpu))
        with contextlib.suppress(psutil.NoSuchProcess):
            main_peak = max(main_peak, process.memory_info().rss)
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if process.returncode != 0:
        print(f"{name} failed:\n{stderr[-3000:]}", file=sys.stderr)
    return Measurement(
        name,
        round(seconds, 2),
        round(peak / 2**20, 1),
        process.returncode,
        round(main_peak / 2**20, 1),
        round(sum(cpu.values()), 2),
    )


def sample_tree(process: psutil.Process, cpu: dict[int, float]) -> int:
    """The tree's resident memory now; each member's CPU time so far goes into ``cpu``."""
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for member in members:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += member.memory_info().rss
            times = member.cpu_times()
            cpu[member.pid] = times.user + times.system
    return total


@dataclass(frozen=True)
class Paired:
    """A command measured against its floor in interleaved pairs (floor, command, floor, ...)."""

    name: str
    floor: str
    runs: list[Measurement]
    floor_runs: list[Measurement]

    @property
    def ratios(self) -> list[float]:
        return [r.seconds / f.seconds for r, f in zip(self.runs, self.floor_runs, strict=True)]

    @property
    def ok(self) -> bool:
        return all(m.returncode == 0 for m in [*self.runs, *self.floor_runs])

    def row(self) -> str:
        ratios = self.ratios
        seconds = [r.seconds for r in self.runs]
        floors = [f.seconds for f in self.floor_runs]
        cpu = [r.cpu_seconds for r in self.runs]
        return (
            f"| {self.name} | {statistics.median(seconds):.2f} ({min(seconds):.2f}-"
            f"{max(seconds):.2f}) | {statistics.median(cpu):.1f} ({min(cpu):.1f}-{max(cpu):.1f}) | "
            f"{max(r.peak_rss_mb for r in self.runs):.0f} | {self.floor} | "
            f"{statistics.median(floors):.2f} ({min(floors):.2f}-{max(floors):.2f}) | "
            f"**{statistics.median(ratios):.2f}x** ({min(ratios):.2f}-{max(ratios):.2f}) |"
        )

    def summary(self) -> dict[str, object]:
        return {
            "name": self.name,
            "floor": self.floor,
            "seconds": [r.seconds for r in self.runs],
            "floor_seconds": [f.seconds for f in self.floor_runs],
            "cpu_seconds": [r.cpu_seconds for r in self.runs],
            "floor_cpu_seconds": [f.cpu_seconds for f in self.floor_runs],
            "peak_rss_mb": max(r.peak_rss_mb for r in self.runs),
            "floor_peak_rss_mb": max(f.peak_rss_mb for f in self.floor_runs),
            "ratio_median": round(statistics.median(self.ratios), 2),
            "ratio_min": round(min(self.ratios), 2),
            "ratio_max": round(max(self.ratios), 2),
        }


PAIRED_HEADER = (
    "| run | wall s, median (range) | CPU s, median (range) | peak RSS MB | floor | "
    "floor s, median (range) | ratio, median (range) |\n|---|---:|---:|---:|---|---:|---:|"
)


def paired(
    command: Sequence[str],
    versions: dict[str, dict[str, str]],
    floor_name: str,
    floor: Sequence[str],
    repeat: int,
    before_each: object = None,
) -> list[Paired]:
    """``repeat`` rounds of the floor then ``command`` once per version (name -> environment),
    the versions' order turning each round: before and after measured side by side, each
    against the same floor run."""
    runs: dict[str, list[Measurement]] = {name: [] for name in versions}
    floors = []
    names = list(versions)
    for i in range(repeat):
        floors.append(measure(floor_name, list(floor)))
        for name in names[i % len(names) :] + names[: i % len(names)]:
            if callable(before_each):
                before_each()
            runs[name].append(measure(name, list(command), versions[name]))
    return [Paired(name, floor_name, runs[name], floors) for name in names]
