"""TMDB enrichment through the whole job, against a real HTTP server on 127.0.0.1 that speaks
TMDB's paths and JSON (answers from the sample's snapshot), with faults injected."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq
import pytest

from horror_lake.sample.generator import SampleSummary
from horror_lake.sample.tmdb_server import ServerSettings, TmdbTestServer
from horror_lake_tests.conftest import PARTITION, BuiltLake, run_job
from horror_lake_tests.lake_reading import genres_of, read_source, read_table, titles

TOKEN = "tmdb-v4-token-7f3a9c0d1e2b"
NEXT_DAY = "2024-03-02"
DETAIL_PREFIXES = ("/movie/", "/tv/")


def horror_ids(sample: SampleSummary) -> set[str]:
    """Horror titles read from the CSVs with Python's csv module, not the production code."""
    ids: set[str] = set()
    for written in (sample.movies, sample.series):
        for title_id, row in titles(read_source(written.path)).items():
            if "Horror" in genres_of(row["genero"]):
                ids.add(title_id)
    return ids


def snapshot_lines(sample: SampleSummary) -> list[str]:
    path = sample.movies.path.parent / "tmdb_snapshot.jsonl"
    return path.read_text(encoding="utf-8").splitlines()


def on_tmdb(sample: SampleSummary) -> set[str]:
    """Titles whose snapshot find answer has a result."""
    found = set()
    for line in snapshot_lines(sample):
        record = json.loads(line)
        body = record["body"]
        if record["path"].startswith("/find/") and (body["movie_results"] or body["tv_results"]):
            found.add(record["path"].removeprefix("/find/"))
    return found


def settings_for(server: TmdbTestServer, **extra: str) -> dict[str, str]:
    return {"TMDB_API_TOKEN": TOKEN, "TMDB_BASE_URL": server.base_url, **extra}


def check(result: dg.ExecuteInProcessResult, name: str) -> dg.AssetCheckEvaluation:
    return next(e for e in result.get_asset_check_evaluations() if e.check_name == name)


@pytest.mark.slow
def test_the_api_fills_the_lake_once_despite_faults_and_never_leaks_the_token(
    tmp_path: Path, sample: SampleSummary
) -> None:
    lake, landing = tmp_path / "lake", sample.movies.path.parent
    horror = horror_ids(sample)
    played = ["429", "500", "truncated", "429-retry-after", "502", "reset"]
    titles_hit = sorted(on_tmdb(sample))[: len(played)]
    faults = {
        f"/find/{imdb_id}?external_source=imdb_id": [fault]
        for imdb_id, fault in zip(titles_hit, played, strict=True)
    }
    with TmdbTestServer(
        snapshot_lines(sample), ServerSettings(token=TOKEN, faults=faults)
    ) as server:
        # Built offline from the snapshot first: those answers must not stop the API run.
        assert run_job(lake, landing).success
        first = run_job(lake, landing, settings=settings_for(server, TMDB_RATE_LIMIT="200"))
        assert first.success
        first_requests = list(server.received)
        # A later date with the same titles: nothing is due, nothing is fetched.
        second = run_job(lake, landing, NEXT_DAY, settings=settings_for(server))
        assert second.success
        assert server.received == first_requests
        # With a tiny refresh age everything is due again.
        third = run_job(
            lake,
            landing,
            "2024-03-03",
            settings=settings_for(server, TMDB_RATE_LIMIT="200", TMDB_REFRESH_DAYS="0.00001"),
        )
        assert third.success

    raw = read_table(lake, "raw", "raw_tmdb", PARTITION)
    finds = [e for e in raw.column("endpoint").to_pylist() if e.startswith("/find/")]
    assert {e.split("/")[2].split("?")[0] for e in finds} == horror
    details = raw.filter(raw["tmdb_id"].is_valid())
    assert set(details["imdb_id"].to_pylist()) == on_tmdb(sample)
    assert set(raw["source"].to_pylist()) == {"api"}
    assert {r.path.removeprefix("/find/") for r in first_requests if "/find/" in r.path} == horror
    # Every answer was received once: faults were retried, successes never repeated.
    answered = Counter(r.key for r in first_requests if r.fault is None)
    assert answered and max(answered.values()) == 1
    assert sorted(r.fault for r in first_requests if r.fault) == sorted(played)
    assert all(r.authorization == f"Bearer {TOKEN}" for r in first_requests)
    assert all("api_key" not in r.query for r in first_requests)

    trusted = read_table(lake, "trusted", "trusted_tmdb", PARTITION)
    assert set(trusted["imdb_id"].to_pylist()) == on_tmdb(sample)
    assert read_table(lake, "trusted", "trusted_tmdb", NEXT_DAY).equals(trusted)  # carried
    assert read_table(lake, "raw", "raw_tmdb", NEXT_DAY).num_rows == 0
    note = check(second, "answers_cover_due_titles")
    assert note.passed and "no title was due" in str(note.metadata["note"].value)
    refetched = read_table(lake, "raw", "raw_tmdb", "2024-03-03")
    assert refetched.num_rows == raw.num_rows

    dim = read_table(lake, "refined", "dim_filme", PARTITION)
    with_tmdb = dim.filter(dim["tmdb_id"].is_valid())
    assert set(with_tmdb["title_id"].to_pylist()) == on_tmdb(sample) & set(
        dim["title_id"].to_pylist()
    )

    for result in (first, second, third):
        assert TOKEN not in repr(result.all_events)
    for path in lake.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path


def test_an_invalid_token_stops_the_run_with_a_plain_message(
    tmp_path: Path, sample: SampleSummary
) -> None:
    with TmdbTestServer(snapshot_lines(sample), ServerSettings(token="the-real-one")) as server:
        result = run_job(
            tmp_path / "lake",
            sample.movies.path.parent,
            raise_on_error=False,
            settings=settings_for(server),
        )
        assert not result.success
        assert len(server.received) <= 8  # stopped at once, not after every title
    failure = next(e for e in result.all_events if e.is_step_failure)
    message = failure.step_failure_data.error.message
    assert "401" in message and "TMDB_API_TOKEN" in message and "invalid" in message
    assert TOKEN not in repr(result.all_events)


def test_without_token_or_snapshot_the_csv_lake_is_built_and_tmdb_is_skipped(
    tmp_path: Path, sample: SampleSummary, built: BuiltLake
) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    for written in (sample.movies, sample.series):
        shutil.copy(written.path, landing)
    result = run_job(tmp_path / "lake", landing)
    assert result.success
    lake = tmp_path / "lake"
    assert read_table(lake, "raw", "raw_tmdb", PARTITION).num_rows == 0
    materialization = next(
        e.materialization
        for e in result.get_asset_materialization_events()
        if e.materialization.asset_key == dg.AssetKey(["raw", "raw_tmdb"])
    )
    assert materialization.metadata["source"].value == "none"
    skipped = check(result, "answers_cover_due_titles")
    assert skipped.passed and "TMDB_API_TOKEN" in str(skipped.metadata["note"].value)
    dim = read_table(lake, "refined", "dim_filme", PARTITION)
    assert dim.num_rows == read_table(built.path, "refined", "dim_filme", PARTITION).num_rows
    assert dim["tmdb_id"].null_count == dim.num_rows
    assert dim["profit_usd"].null_count == dim.num_rows
    assert read_table(lake, "refined", "fato_filme_subgenero", PARTITION).num_rows == 0


def test_the_sample_snapshot_is_used_offline(built: BuiltLake, sample: SampleSummary) -> None:
    raw = read_table(built.path, "raw", "raw_tmdb", PARTITION)
    assert set(raw["source"].to_pylist()) == {"sample"}
    trusted = read_table(built.path, "trusted", "trusted_tmdb", PARTITION)
    assert set(trusted["imdb_id"].to_pylist()) == on_tmdb(sample)


@pytest.mark.slow
def test_a_killed_fetch_resumes_without_fetching_again(
    tmp_path: Path, sample: SampleSummary
) -> None:
    """SIGKILL a real `dagster asset materialize` while it fetches, then run it again."""
    lake, home = tmp_path / "lake", tmp_path / "home"
    home.mkdir()
    progress = lake / "raw" / "raw_tmdb" / "_progress" / f"ingestion_date={PARTITION}"
    command = [
        str(Path(sys.executable).parent / "dagster"),
        "asset",
        "materialize",
        "-m",
        "horror_lake",
        "--select",
        "raw/raw_movies,raw/raw_series,raw/raw_tmdb",
        "--partition",
        PARTITION,
    ]
    with TmdbTestServer(
        snapshot_lines(sample), ServerSettings(token=TOKEN, latency_seconds=0.02)
    ) as server:
        env = {
            **os.environ,
            **settings_for(server, TMDB_RATE_LIMIT="25"),
            "HORROR_LAKE_ROOT": str(lake),
            "HORROR_LAKE_LANDING": str(sample.movies.path.parent),
            "DAGSTER_HOME": str(home),
        }
        env.pop("TMDB_API_KEY", None)
        # Its own process group: `asset materialize` runs steps in child processes, and a
        # crash takes the whole group down (killing only the parent would leave a step running).
        first = subprocess.Popen(
            command,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while len(list(progress.glob("*.parquet"))) < 3:
            assert first.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
        time.sleep(0.5)  # the group's other processes die with it
        killed_at = len(server.received)
        saved = pq.read_table(progress).column("imdb_id").to_pylist()
        saved_titles = {imdb_id for imdb_id in saved if imdb_id}
        assert (
            saved_titles
            and not (lake / "raw" / "raw_tmdb" / f"ingestion_date={PARTITION}").exists()
        )

        assert (progress / "_lock.json").exists()  # the killed run's, left behind
        second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        assert second.returncode == 0, second.stderr[-3000:]
        # Killed on this host, so its lock is taken over at once, not after the stale age.
        assert "took over the lock" in second.stderr and "its process is gone" in second.stderr
        after = server.received[killed_at:]

    refetched = {r.path.removeprefix("/find/") for r in after if r.path.startswith("/find/")}
    assert not refetched & saved_titles
    raw = read_table(lake, "raw", "raw_tmdb", PARTITION)
    keys = list(zip(raw["imdb_id"].to_pylist(), raw["endpoint"].to_pylist(), strict=True))
    assert len(keys) == len(set(keys))
    assert {i for i, endpoint in keys if endpoint.startswith("/find/")} == horror_ids(sample)
    assert not progress.exists()
