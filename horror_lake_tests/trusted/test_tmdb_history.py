"""trusted_tmdb carries its previous partition forward, and says so to Dagster: a backfill of
three dates asked for in shuffled order is run oldest first by the real daemon, and ends equal to
running the dates in order. Only the first date has TMDB answers, so the order matters."""

import os
import shutil
import time
from pathlib import Path

import dagster as dg
import pytest

from horror_lake.definitions import defs
from horror_lake.sample.generator import SampleSummary
from horror_lake_tests.conftest import run_job
from horror_lake_tests.lake_reading import read_table
from horror_lake_tests.servers import dagster_daemon

pytestmark = pytest.mark.slow
DATES = ["2024-05-01", "2024-05-02", "2024-05-03"]


def landing_with_answers_on_the_first_date(sample: SampleSummary, folder: Path) -> Path:
    landing = folder / "landing"
    for date in DATES:
        (landing / date).mkdir(parents=True)
        for written in (sample.movies, sample.series):
            shutil.copy(written.path, landing / date)
    shutil.copy(sample.movies.path.parent / "tmdb_snapshot.jsonl", landing / DATES[0])
    return landing


def tmdb_rows(lake: Path, date: str) -> list[tuple]:
    table = read_table(lake, "trusted", "trusted_tmdb", date)
    return sorted((row["imdb_id"], row["tmdb_id"]) for row in table.to_pylist())


def test_the_self_dependency_is_declared() -> None:
    graph = defs().resolve_asset_graph()
    key = dg.AssetKey(["trusted", "trusted_tmdb"])
    assert key in graph.get(key).parent_keys
    mapping = graph.get_partition_mapping(key, key)
    assert isinstance(mapping, dg.TimeWindowPartitionMapping)
    assert (mapping.start_offset, mapping.end_offset) == (-1, -1)


def test_a_shuffled_backfill_ends_equal_to_dates_in_order(
    sample: SampleSummary, tmp_path: Path
) -> None:
    landing = landing_with_answers_on_the_first_date(sample, tmp_path)
    in_order = tmp_path / "in_order"
    for date in DATES:
        assert run_job(in_order, landing, date).success
    assert tmdb_rows(in_order, DATES[2]) == tmdb_rows(in_order, DATES[0]) != []

    home, lake = tmp_path / "home", tmp_path / "lake"
    home.mkdir()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "HORROR_LAKE_LANDING": str(landing),
        "HORROR_LAKE_ROOT": str(lake),
    }
    for name in ("TMDB_API_TOKEN", "TMDB_API_KEY", "HORROR_LAKE_ENGINE"):
        env.pop(name, None)
    with dagster_daemon(env):
        backfill_id = launch_backfill(home, [DATES[2], DATES[0], DATES[1]])
        status = wait_for_backfill(home, backfill_id, 600)
    assert status == "COMPLETED_SUCCESS", failures(home)
    for date in DATES:
        assert tmdb_rows(lake, date) == tmdb_rows(in_order, date), date
    assert started_in_order(home) == DATES


@pytest.mark.parametrize("rerun", [DATES[0]])
def test_a_rerun_of_an_older_date_warns_that_later_dates_are_stale(
    sample: SampleSummary, tmp_path: Path, rerun: str
) -> None:
    landing = landing_with_answers_on_the_first_date(sample, tmp_path)
    lake = tmp_path / "lake"
    results = {date: run_job(lake, landing, date) for date in DATES}
    again = run_job(lake, landing, rerun)

    def later_dates(result: dg.ExecuteInProcessResult) -> dg.AssetCheckEvaluation:
        return next(
            e for e in result.get_asset_check_evaluations() if e.check_name == "later_dates_current"
        )

    assert later_dates(results[DATES[2]]).passed  # built in order: nothing is stale
    stale = later_dates(again)
    assert not stale.passed and stale.severity == dg.AssetCheckSeverity.WARN
    assert stale.metadata["stale_dates"].value == f"{DATES[1]}, {DATES[2]}"
    assert again.success  # a warning, not a failure


def launch_backfill(home: Path, partitions: list[str]) -> str:
    """An asset backfill of every asset for these dates, as the UI's Materialize launches it."""
    from dagster._core.execution.backfill import PartitionBackfill

    with dg.DagsterInstance.from_config(str(home)) as instance:
        graph = defs().resolve_asset_graph()
        backfill = PartitionBackfill.from_asset_partitions(
            backfill_id="shuffled",
            asset_graph=graph,
            partition_names=partitions,
            asset_selection=list(graph.get_all_asset_keys()),
            backfill_timestamp=time.time(),
            tags={},
            dynamic_partitions_store=instance,
            all_partitions=False,
            title=None,
            description=None,
            run_config=None,
        )
        instance.add_backfill(backfill)
    return "shuffled"


def wait_for_backfill(home: Path, backfill_id: str, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with dg.DagsterInstance.from_config(str(home)) as instance:
            backfill = instance.get_backfill(backfill_id)
            status = backfill.status.value if backfill else "missing"
        if status not in ("REQUESTED", "missing"):
            return status
        time.sleep(1)
    raise AssertionError(f"the backfill was still running after {seconds} s")


def failures(home: Path) -> list[str]:
    """What went wrong in the backfill's runs, for the assertion message."""
    with dg.DagsterInstance.from_config(str(home)) as instance:
        found = []
        for run in instance.get_runs():
            for record in instance.all_logs(run.run_id):
                event = record.dagster_event
                if event is not None and event.is_failure:
                    found.append(f"{run.tags.get('dagster/partition')}: {event.message}")
        return found


def started_in_order(home: Path) -> list[str]:
    """The dates whose trusted_tmdb partitions were written, in the order they were written."""
    with dg.DagsterInstance.from_config(str(home)) as instance:
        records = instance.fetch_materializations(
            dg.AssetKey(["trusted", "trusted_tmdb"]), limit=100, ascending=True
        ).records
        return [r.partition_key for r in records if r.partition_key is not None]
