"""Where a run's time goes: per step, data work against Dagster's own overhead, and the fixed cost.

Read from the run's event log in its DAGSTER_HOME after the process ended. A step's wall time
runs from its STEP_START to its STEP_SUCCESS event. Every event is a write to the instance's
storage, and what one costs depends on its kind (an asset check's event is also written to the
cross-run index, three transactions in all): so each of the run's own events is stored again,
timed, under another run id, in a copy of the home (the same storage, and the home left as the
run left it). Data work is the step's wall time less its events' cost; it still holds Dagster's
own work in the step between events (looking up the inputs' data versions, type checks). The
fixed cost is what the process spent outside the run: start-up (imports, loading the code
location, the instance, creating the run with its planned events) and shutdown. The critical
path is the longest chain of steps each waiting for the one before (the run's plan says which
steps a step waits for): however many steps ran side by side, the steps could not take less.
"""

import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock


@dataclass(frozen=True)
class StepTime:
    step: str
    seconds: float
    events: int
    event_seconds: float
    upstream: tuple[str, ...] = ()  # the steps it waits for, from the run's plan


@dataclass(frozen=True)
class Breakdown:
    process_seconds: float
    cpu_seconds: float  # the process tree's
    run_seconds: float
    run_events: int
    run_event_seconds: float
    planned_events: int  # written when the run is created, before it starts
    planned_event_seconds: float
    steps: list[StepTime]

    @property
    def fixed_seconds(self) -> float:
        return self.process_seconds - self.run_seconds

    def critical_path(self) -> tuple[float, list[str]]:
        """The longest chain of steps, each waiting for the one before, and its seconds (each
        step's wall time as it ran, alone on the machine)."""
        finish: dict[str, tuple[float, list[str]]] = {}
        for step in self.steps:  # in the order they ended: a step after those it waits for
            before = max(
                (finish[u] for u in step.upstream if u in finish),
                key=lambda chain: chain[0],
                default=(0.0, []),
            )
            finish[step.step] = (before[0] + step.seconds, [*before[1], step.step])
        return max(finish.values(), key=lambda chain: chain[0], default=(0.0, []))

    def least_seconds(self, cores: int) -> float:
        """The least this run could take were its steps run side by side: the fixed cost plus
        the critical path, and no less than its CPU time spread over every core."""
        return max(self.fixed_seconds + self.critical_path()[0], self.cpu_seconds / cores)

    def rows(self) -> list[str]:
        out = [
            "| step | wall s | events | Dagster overhead s (events) | data work s |",
            "|---|---:|---:|---:|---:|",
        ]
        for step in sorted(self.steps, key=lambda s: -s.seconds):
            overhead = min(step.event_seconds, step.seconds)
            out.append(
                f"| {step.step} | {step.seconds:.2f} | {step.events} | {overhead:.2f} | "
                f"{step.seconds - overhead:.2f} |"
            )
        in_steps = sum(s.seconds for s in self.steps)
        overhead = min(sum(s.event_seconds for s in self.steps), in_steps)
        out.append(
            f"| **all steps** | {in_steps:.2f} | {sum(s.events for s in self.steps)} | "
            f"{overhead:.2f} | {in_steps - overhead:.2f} |"
        )
        return out

    def summary(self) -> str:
        in_steps = sum(s.seconds for s in self.steps)
        path_seconds, path = self.critical_path()
        return (
            f"process {self.process_seconds:.2f} s = fixed cost {self.fixed_seconds:.2f} s "
            f"(start-up and shutdown outside the run; of it, {self.planned_events} planned "
            f"events written {self.planned_event_seconds:.2f} s) + run {self.run_seconds:.2f} s "
            f"({in_steps:.2f} s in {len(self.steps)} steps, the rest between steps); "
            f"{self.run_events} events in the run, written {self.run_event_seconds:.2f} s. "
            f"Critical path {path_seconds:.2f} s of the steps' {in_steps:.2f} s "
            f"({' -> '.join(path)})"
        )


def breakdown(home: Path, process_seconds: float, cpu_seconds: float) -> Breakdown:
    """The last run in ``home``, broken down (``process_seconds`` and ``cpu_seconds``: the
    process that ran it, measured)."""
    import dagster as dg

    with _instance(home) as instance:
        run = instance.get_runs(limit=1)[0]
        records = instance.all_logs(run.run_id)
        plan = instance.get_execution_plan_snapshot(run.execution_plan_snapshot_id)
    upstream = {
        step.key: tuple(dict.fromkeys(u for i in step.inputs for u in i.upstream_step_keys))
        for step in plan.steps
    }
    costs = event_costs(home, records)
    starts: dict[str, float] = {}
    steps = []
    events: dict[str, list[float]] = {}
    run_start = run_end = None
    planned = costs[: _planned_count(records)]
    for record, cost in zip(records, costs, strict=True):
        event = record.dagster_event
        kind = event.event_type if event is not None else None
        if run_start is None and kind == dg.DagsterEventType.RUN_START:
            run_start = record.timestamp
        if kind in (dg.DagsterEventType.RUN_SUCCESS, dg.DagsterEventType.RUN_FAILURE):
            run_end = record.timestamp
        step = event.step_key if event is not None else None
        if step is None or run_start is None:  # planned events name their step too
            continue
        events.setdefault(step, []).append(cost)
        if kind == dg.DagsterEventType.STEP_START:
            starts[step] = record.timestamp
        elif kind in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
            step_costs = events[step]
            steps.append(
                StepTime(
                    step,
                    record.timestamp - starts[step],
                    len(step_costs),
                    sum(step_costs),
                    upstream.get(step, ()),
                )
            )
    assert run_start is not None and run_end is not None, "the run has no start or end event"
    in_run = [
        cost
        for record, cost in zip(records, costs, strict=True)
        if run_start <= record.timestamp <= run_end
    ]
    return Breakdown(
        process_seconds,
        cpu_seconds,
        run_end - run_start,
        len(in_run),
        sum(in_run),
        len(planned),
        sum(planned),
        steps,
    )


def event_costs(home: Path, records: list[Any]) -> list[float]:
    """Seconds to store each of ``records`` again, in order, under a new run id, in a copy of
    ``home`` (its run history; compute logs left out). The planned events are stored as Dagster
    stores them when a run is created: in batches when ``DAGSTER_EVENT_BATCH_SIZE`` is above 0
    (the shipped storage sets it), each event charged its share of its batch."""
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "home"
        shutil.copytree(home, copy, ignore=shutil.ignore_patterns("storage", "logs"))
        with _instance(copy) as instance:
            storage = instance.event_log_storage
            run_id = str(uuid.uuid4())
            again = [record._replace(run_id=run_id) for record in records]
            batch = int(os.environ.get("DAGSTER_EVENT_BATCH_SIZE", "0"))
            planned = _planned_count(records) if batch > 0 else 0
            costs = []
            for first in range(0, planned, batch):
                events = again[first : min(first + batch, planned)]
                started = time.perf_counter()
                storage.store_event_batch(events)
                costs += [(time.perf_counter() - started) / len(events)] * len(events)
            for event in again[planned:]:
                started = time.perf_counter()
                storage.store_event(event)
                costs.append(time.perf_counter() - started)
    return costs


def _planned_count(records: list[Any]) -> int:
    """How many of the run's first events are the plans written when it was created."""
    import dagster as dg

    kinds = (
        dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED,
        dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED,
    )
    count = 0
    for record in records:
        if record.dagster_event is None or record.dagster_event.event_type not in kinds:
            break
        count += 1
    return count


@contextmanager
def _instance(home: Path) -> Iterator[Any]:
    import dagster as dg
    from dagster._core.instance.ref import InstanceRef

    # The shipped dagster.yaml places the run history under $DAGSTER_HOME, as a run saw it.
    with (
        mock.patch.dict(os.environ, {"DAGSTER_HOME": str(home)}),
        dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance,
    ):
        yield instance
