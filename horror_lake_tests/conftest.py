"""Shared fixtures: small real sample files, and lakes built from them in tmp folders."""

import contextlib
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest

from horror_lake.definitions import JOB_NAME, defs
from horror_lake.sample.generator import SampleSummary, write_sample
from horror_lake.sample.tmdb_snapshot import write_tmdb_snapshot
from horror_lake_tests.servers import REPO, moto_server, use_endpoint

PARTITION = "2024-03-01"
SAMPLE_MOVIES = 400
SAMPLE_SERIES = 150


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> SampleSummary:
    """A dirty sample (duplicates, blank/short lines, CRLF+BOM series) written once per session,
    with its TMDB snapshot (the offline TMDB source)."""
    landing = tmp_path_factory.mktemp("landing")
    summary = write_sample(landing, movies=SAMPLE_MOVIES, series=SAMPLE_SERIES, seed=7)
    write_tmdb_snapshot(landing, seed=7)
    return summary


TMDB_SETTINGS = (
    "TMDB_API_TOKEN",
    "TMDB_API_KEY",
    "TMDB_BASE_URL",
    "TMDB_RATE_LIMIT",
    "TMDB_REFRESH_DAYS",
    "TMDB_TIMEOUT_SECONDS",
    "TMDB_MAX_ATTEMPTS",
    "TMDB_API_TOKEN_SECRET",
)


def run_job(
    lake: Path | str,
    landing: Path,
    partition: str = PARTITION,
    raise_on_error: bool = True,
    settings: dict[str, str] | None = None,
    only: list[str] | None = None,
    instance: dg.DagsterInstance | None = None,
) -> dg.ExecuteInProcessResult:
    """The whole job for one partition (or ``only`` the assets named, as ``zone/name``), in
    process, configured through the environment (``settings`` adds variables; TMDB ones are
    unset unless given), on a Dagster instance for the test unless ``instance`` is given."""
    job = defs().resolve_job_def(JOB_NAME)
    given = dg.instance_for_test() if instance is None else contextlib.nullcontext(instance)
    with pytest.MonkeyPatch.context() as env, given as instance:
        env.setenv("HORROR_LAKE_ROOT", str(lake))
        env.setenv("HORROR_LAKE_LANDING", str(landing))
        env.delenv("HORROR_LAKE_ENGINE", raising=False)
        for name in TMDB_SETTINGS:
            env.delenv(name, raising=False)
        for name, value in (settings or {}).items():
            env.setenv(name, value)
        return job.execute_in_process(
            partition_key=partition,
            instance=instance,
            raise_on_error=raise_on_error,
            asset_selection=[dg.AssetKey.from_user_string(key) for key in only] if only else None,
        )


@dataclass(frozen=True)
class BuiltLake:
    path: Path
    result: dg.ExecuteInProcessResult


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, sample: SampleSummary) -> BuiltLake:
    """PARTITION of the whole lake built once from the sample; tests only read it."""
    lake = tmp_path_factory.mktemp("built") / "lake"
    result = run_job(lake, sample.movies.path.parent)
    assert result.success
    return BuiltLake(lake, result)


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """One local AWS API server (moto) for the session; tests use buckets of their own."""
    with moto_server() as endpoint:
        yield endpoint


@pytest.fixture
def dagster_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A Dagster home holding the dagster.yaml this repository ships, as ``DAGSTER_HOME`` (its
    run history settings name their folder from it, as in every Dagster process)."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


@pytest.fixture
def s3_endpoint(monkeypatch: pytest.MonkeyPatch, moto_endpoint: str) -> str:
    """The session's AWS API server, with this test's environment pointed at it."""
    use_endpoint(monkeypatch, moto_endpoint)
    return moto_endpoint


CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,2400",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Debian chromium through chromedriver (selenium); fails in CI if missing."""
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver):
        if os.environ.get("CI"):
            pytest.fail("chromium and chromium-driver are missing; .ci/run installs them")
        pytest.skip("needs Debian's chromium and chromium-driver (apt-get install ...)")
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    session = webdriver.Chrome(service=Service(driver), options=options)
    try:
        yield session
    finally:
        session.quit()
