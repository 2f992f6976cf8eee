"""Measuring commands the way the benchmark reports them: wall time, CPU time and peak memory of
a whole process tree, repeated in interleaved pairs, summarised as medians with their spread.

Shared by every suite of bench/run_bench.py; imports nothing from the suites.
"""

import contextlib
import functools
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
    """Run ``args`` once; wall time, the largest resident set of the process tree (and of its
    main process), sampled every 20 ms, and the tree's CPU time. ``CODE_DIR`` in ``env`` runs
    the command from that folder, so that the horror_lake package there is the one loaded (to
    compare versions).

    CPU time is the work done whatever else the machine was doing, so it tells two versions
    apart on a host whose wall times drift. It is counted by the kernel, not sampled: this
    process adopts the command's orphans (a JVM outliving its Python driver, say) and waits for
    every one, so each process of the tree is counted whole, however short its life. Wall time
    ends with the command's own process; the next command starts once all of them have ended.
    """
    env = {**os.environ, **(env or {})}
    _adopt_orphans()
    others = {child.pid for child in psutil.Process().children()}  # not the command's
    cpu_before = _children_cpu()
    started = time.perf_counter()
    process = psutil.Popen(
        args,
        env=env,
        cwd=env.get("CODE_DIR"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    tree = Tree(others)
    peak = main_peak = 0
    while process.poll() is None:
        peak = max(peak, tree.resident())
        with contextlib.suppress(psutil.NoSuchProcess):
            main_peak = max(main_peak, process.memory_info().rss)
        time.sleep(SAMPLE_SECONDS)
    seconds = time.perf_counter() - started
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    _wait_for_orphans(name, others)
    if process.returncode != 0:
        print(f"{name} failed:\n{stderr[-3000:]}", file=sys.stderr)
    return Measurement(
        name,
        round(seconds, 2),
        round(peak / 2**20, 1),
        process.returncode,
        round(main_peak / 2**20, 1),
        round(_children_cpu() - cpu_before, 2),
    )


SAMPLE_SECONDS = 0.02
# Listing a tree reads every process's status on the machine (2 ms of CPU here), reading a
# member's memory 0.03 ms: the members are listed again every quarter second, so that the
# sampler takes 4% of a core instead of 15% (0.19 s of CPU against 0.76 s over `sleep 5`).
LIST_EVERY = 12
ORPHANS_SECONDS = 600


class Tree:
    """The command's process tree, the orphans this process adopted from it included (its
    children but ``others``, and theirs), and the tree's resident memory."""

    def __init__(self, others: set[int]) -> None:
        self._others = others
        self._members: list[psutil.Process] = []
        self._samples = 0

    def resident(self) -> int:
        if self._samples % LIST_EVERY == 0:
            self._members = _descendants(self._others)
        self._samples += 1
        total = 0
        for member in self._members:
            with contextlib.suppress(psutil.NoSuchProcess):
                total += member.memory_info().rss
        return total


def _command_processes(others: set[int]) -> list[psutil.Process]:
    """This process's children but ``others``: the command, and the orphans adopted from it."""
    return [child for child in psutil.Process().children() if child.pid not in others]


def _descendants(others: set[int]) -> list[psutil.Process]:
    """The command's processes and all of their children."""
    members = []
    for process in _command_processes(others):
        with contextlib.suppress(psutil.NoSuchProcess):
            members += [process, *process.children(recursive=True)]
    return members


@functools.cache  # once a process is enough
def _adopt_orphans() -> None:
    """Make this process the one that orphans of its descendants are given to (Linux's child
    subreaper), instead of init, so that their CPU time reaches it when it waits for them."""
    import ctypes

    pr_set_child_subreaper = 36
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(pr_set_child_subreaper, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")


def _children_cpu() -> float:
    """User and system time of every descendant that has ended and been waited for."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _wait_for_orphans(name: str, others: set[int]) -> None:
    """Wait for the processes the command left behind (now this process's children, but
    ``others``); those still running after ``ORPHANS_SECONDS`` are killed, and named."""
    deadline = time.monotonic() + ORPHANS_SECONDS
    while left := _command_processes(others):
        for child in left:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(child.pid, os.WNOHANG)  # reaps it once it has ended
        if time.monotonic() > deadline:
            for child in left:
                with contextlib.suppress(psutil.NoSuchProcess):
                    print(f"{name}: killed, left running: {child.cmdline()}", file=sys.stderr)
                    child.kill()
            deadline = float("inf")
        time.sleep(SAMPLE_SECONDS)


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
