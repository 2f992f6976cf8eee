"""Where a run's time goes: per step, data work against Dagster's own overhead, and the fixed cost.

Read from the run's event log in its DAGSTER_HOME after the process ended. A step's wall time
runs from its STEP_START to its STEP_SUCCESS event; every event of the step is a write to the
instance's storage, whose cost is measured here on the same storage (the median of timed writes
of the same kind of event). Data work is the step's wall time less its events' cost. The fixed
cost is what the process spent outside the run: start-up (imports, loading the code location,
the instance, creating the run with its planned events) and shutdown.
"""

import os
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

EVENT_SAMPLES = 40


@dataclass(frozen=True)
class StepTime:
    step: str
    seconds: float
    events: int


@dataclass(frozen=True)
class Breakdown:
    process_seconds: float
    run_seconds: float
    run_events: int
    seconds_per_event: float
    steps: list[StepTime]

    @property
    def fixed_seconds(self) -> float:
        return self.process_seconds - self.run_seconds

    def rows(self) -> list[str]:
        out = [
            "| step | wall s | events | Dagster overhead s (events) | data work s |",
            "|---|---:|---:|---:|---:|",
        ]
        for step in sorted(self.steps, key=lambda s: -s.seconds):
            overhead = min(step.events * self.seconds_per_event, step.seconds)
            out.append(
                f"| {step.step} | {step.seconds:.2f} | {step.events} | {overhead:.2f} | "
                f"{step.seconds - overhead:.2f} |"
            )
        in_steps = sum(s.seconds for s in self.steps)
        step_events = sum(s.events for s in self.steps)
        overhead = min(step_events * self.seconds_per_event, in_steps)
        out.append(
            f"| **all steps** | {in_steps:.2f} | {step_events} | {overhead:.2f} | "
            f"{in_steps - overhead:.2f} |"
        )
        return out

    def summary(self) -> str:
        in_steps = sum(s.seconds for s in self.steps)
        return (
            f"process {self.process_seconds:.2f} s = fixed cost {self.fixed_seconds:.2f} s "
            f"(start-up and shutdown outside the run) + run {self.run_seconds:.2f} s "
            f"({in_steps:.2f} s in {len(self.steps)} steps, the rest between steps); "
            f"{self.run_events} events in the run, {1000 * self.seconds_per_event:.1f} ms each"
        )


def breakdown(home: Path, process_seconds: float) -> Breakdown:
    """The last run in ``home``, broken down."""
    import dagster as dg
    from dagster._core.instance.ref import InstanceRef

    # The shipped dagster.yaml places the run history under $DAGSTER_HOME, as a run saw it.
    with (
        mock.patch.dict(os.environ, {"DAGSTER_HOME": str(home)}),
        dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance,
    ):
        run = instance.get_runs(limit=1)[0]
        records = instance.all_logs(run.run_id)
        starts: dict[str, float] = {}
        steps = []
        events: dict[str, int] = {}
        run_start = run_end = None
        for record in records:
            event = record.dagster_event
            if event is None:
                continue
            kind = event.event_type.name  # the enum's name (its value is a legacy spelling)
            if kind == "RUN_START":
                run_start = record.timestamp
            elif kind in ("RUN_SUCCESS", "RUN_FAILURE"):
                run_end = record.timestamp
            step = event.step_key
            if step is None:
                continue
            events[step] = events.get(step, 0) + 1
            if kind == "STEP_START":
                starts[step] = record.timestamp
            elif kind in ("STEP_SUCCESS", "STEP_FAILURE"):
                steps.append(StepTime(step, record.timestamp - starts[step], events[step]))
        cost = event_cost(instance, run)
    assert run_start is not None and run_end is not None, "the run has no start or end event"
    return Breakdown(process_seconds, run_end - run_start, len(records), cost, steps)


def event_cost(instance: object, run: object) -> float:
    """Median seconds to store one engine event for the run, on the run's own storage."""
    samples = []
    for i in range(EVENT_SAMPLES):
        started = time.perf_counter()
        instance.report_engine_event(f"bench: timing event {i}", dagster_run=run)  # type: ignore[attr-defined]
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)
