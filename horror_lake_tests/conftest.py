"""Shared fixtures: small real sample files, a lake in tmp_path, and a way to build it."""

import os
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from horror_lake.definitions import JOB_NAME, defs
from horror_lake.sample.generator import SampleSummary, write_sample

PARTITION = "2024-03-01"
SAMPLE_MOVIES = 400
SAMPLE_SERIES = 150


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> SampleSummary:
    """A dirty sample (duplicates, blank/short lines, CRLF+BOM series) written once per session."""
    return write_sample(
        tmp_path_factory.mktemp("landing"), movies=SAMPLE_MOVIES, series=SAMPLE_SERIES, seed=7
    )


@pytest.fixture
def lake_env(tmp_path: Path, sample: SampleSummary, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Points HORROR_LAKE_ROOT at an empty lake and HORROR_LAKE_LANDING at the sample."""
    lake = tmp_path / "lake"
    monkeypatch.setenv("HORROR_LAKE_ROOT", str(lake))
    monkeypatch.setenv("HORROR_LAKE_LANDING", str(sample.movies.path.parent))
    monkeypatch.delenv("HORROR_LAKE_ENGINE", raising=False)
    return lake


def run_job(partition: str = PARTITION, raise_on_error: bool = True) -> dg.ExecuteInProcessResult:
    """The whole job for one partition, in process, with the resources the env selects."""
    job = defs().resolve_job_def(JOB_NAME)
    with dg.instance_for_test() as instance:
        return job.execute_in_process(
            partition_key=partition, instance=instance, raise_on_error=raise_on_error
        )


@pytest.fixture
def built_lake(lake_env: Path) -> Iterator[Path]:
    """A lake with PARTITION fully materialized from the sample."""
    result = run_job()
    assert result.success
    yield lake_env


def env_without(*names: str) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in names}
