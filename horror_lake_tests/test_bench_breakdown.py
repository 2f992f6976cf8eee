"""The benchmark's breakdown of a run (bench/breakdown.py): its steps, what each waits for, and
the critical path, read from a real run's Dagster home."""

import importlib.util
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from horror_lake.modeling.project import PACKAGE_DIR
from horror_lake.sample.generator import SampleSummary
from horror_lake_tests.conftest import run_job

_spec = importlib.util.spec_from_file_location(
    "breakdown", PACKAGE_DIR.parent / "bench" / "breakdown.py"
)
assert _spec is not None and _spec.loader is not None
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


def timed(steps: list[tuple[str, float, tuple[str, ...]]], cpu: float = 0.0) -> Any:
    """A breakdown of steps with known times (in the order they ended), 1 s of fixed cost."""
    times = [bench.StepTime(name, seconds, 0, 0.0, upstream) for name, seconds, upstream in steps]
    run = sum(seconds for _, seconds, _ in steps)
    return bench.Breakdown(
        process_seconds=run + 1.0,
        cpu_seconds=cpu,
        run_seconds=run,
        run_events=0,
        run_event_seconds=0.0,
        planned_events=0,
        planned_event_seconds=0.0,
        steps=times,
    )


def test_the_critical_path_is_the_longest_chain_of_waiting_steps() -> None:
    run = timed(
        [
            ("raw_a", 1.0, ()),
            ("raw_b", 4.0, ()),
            ("left", 2.0, ("raw_a",)),
            ("right", 0.5, ("raw_a", "raw_b")),
            ("joined", 1.0, ("left", "right")),
            ("alone", 5.0, ()),
        ]
    )
    # raw_b -> right -> joined (5.5 s) beats raw_a -> left -> joined (4 s) and alone (5 s).
    assert run.critical_path() == (5.5, ["raw_b", "right", "joined"])
    assert run.least_seconds(cores=2) == 6.5  # the fixed cost plus the path
    assert timed([("a", 1.0, ()), ("b", 1.0, ("a",))], cpu=10.0).least_seconds(2) == 5.0


@pytest.mark.slow
def test_a_real_runs_steps_wait_for_what_its_plan_says(
    sample: SampleSummary, tmp_path: Path, dagster_home: Path
) -> None:
    with dg.DagsterInstance.get() as instance:  # the home's, as `dagster job execute` uses
        assert run_job(tmp_path / "lake", sample.movies.path.parent, instance=instance).success
    run = bench.breakdown(dagster_home, process_seconds=60.0, cpu_seconds=1.0)

    steps = {step.step: step for step in run.steps}
    assert len(steps) == 18
    assert set(steps["trusted__trusted_artists"].upstream) == {"raw_movies", "raw_series"}
    assert steps["raw_movies"].upstream == ()
    seconds, path = run.critical_path()
    assert steps[path[0]].upstream == ()
    for before, after in zip(path, path[1:], strict=False):
        assert before in steps[after].upstream
    assert seconds == pytest.approx(sum(steps[name].seconds for name in path))
    assert max(s.seconds for s in run.steps) <= seconds < sum(s.seconds for s in run.steps)
