"""Bad landing files fail the run with a message naming the file and the problem."""

import shutil
from pathlib import Path

import pytest

from horror_lake.raw.sources import MOVIES_HEADER
from horror_lake.sample.generator import SampleSummary
from horror_lake_tests.conftest import PARTITION, run_job
from horror_lake_tests.lake_reading import read_table
from horror_lake_tests.servers import failure_messages


@pytest.fixture
def landing(tmp_path: Path, sample: SampleSummary, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the sample landing folder the test may break."""
    folder = tmp_path / "landing"
    shutil.copytree(sample.movies.path.parent, folder)
    monkeypatch.setenv("HORROR_LAKE_LANDING", str(folder))
    monkeypatch.setenv("HORROR_LAKE_ROOT", str(tmp_path / "lake"))
    return folder


def test_missing_file_names_it_and_where_it_looked(landing: Path) -> None:
    (landing / "movies.csv").unlink()
    result = run_job(landing.parent / "lake", landing, raise_on_error=False)
    assert not result.success
    message = failure_messages(result)
    assert "movies.csv not found" in message
    assert str(landing / "movies.csv") in message
    assert "HORROR_LAKE_LANDING" in message


def test_wrong_header_names_the_file_and_the_columns(landing: Path) -> None:
    shutil.copy(landing / "series.csv", landing / "movies.csv")
    result = run_job(landing.parent / "lake", landing, raise_on_error=False)
    assert not result.success
    message = failure_messages(result)
    assert "movies.csv" in message
    assert "unexpected columns ['anoTermino']" in message
    assert "Traceback" not in message


def test_comma_separated_file_is_explained(landing: Path) -> None:
    (landing / "movies.csv").write_text(",".join(MOVIES_HEADER) + "\ntt1,a,b\n", encoding="utf-8")
    message = failure_messages(run_job(landing.parent / "lake", landing, raise_on_error=False))
    assert "movies.csv" in message and "pipe-delimited" in message


def test_header_only_file_is_caught_by_the_blocking_check(landing: Path, tmp_path: Path) -> None:
    (landing / "movies.csv").write_text("|".join(MOVIES_HEADER) + "\n", encoding="utf-8")
    result = run_job(landing.parent / "lake", landing, raise_on_error=False)
    assert not result.success
    failed = [
        (e.asset_key.path[-1], e.check_name)
        for e in result.get_asset_check_evaluations()
        if not e.passed
    ]
    assert ("raw_movies", "not_empty") in failed
    materialized = {e.asset_key.path[-1] for e in result.get_asset_materialization_events()}
    assert "raw_movies" in materialized
    assert not {"trusted_movies", "dim_filme", "fato_filme"} & materialized


def test_a_dated_landing_folder_wins_for_its_date(landing: Path, tmp_path: Path) -> None:
    dated = landing / PARTITION
    dated.mkdir()
    lines = (landing / "movies.csv").read_text(encoding="utf-8").splitlines()
    (dated / "movies.csv").write_text("\n".join(lines[:40]) + "\n", encoding="utf-8")
    assert run_job(tmp_path / "lake", landing).success
    raw = read_table(tmp_path / "lake", "raw", "raw_movies", PARTITION)
    assert raw["source_file"].unique().to_pylist() == [str(dated / "movies.csv")]
    assert raw["line_number"].to_pylist()[-1] <= 40


def test_lines_left_out_of_trusted_are_counted(landing: Path, tmp_path: Path) -> None:
    movies = landing / "movies.csv"
    lines = movies.read_text(encoding="utf-8").splitlines()
    fields = lines[1].split("|")
    no_id = "|".join(["not-an-id", *fields[1:]])
    no_artist = "|".join([*fields[:10], "\\N", *fields[11:]])
    movies.write_text("\n".join([*lines, no_id, no_artist]) + "\n", encoding="utf-8")

    result = run_job(tmp_path / "lake", landing)
    metadata = {
        e.asset_key.path[-1]: e.materialization.metadata
        for e in result.get_asset_materialization_events()
    }
    raw_rows = read_table(tmp_path / "lake", "raw", "raw_movies", PARTITION).num_rows
    assert metadata["trusted_movies"]["source_lines"].value == raw_rows
    assert metadata["trusted_movies"]["lines_without_title_id"].value == 1
    assert metadata["trusted_artists"]["lines_without_artist_name"].value >= 1
    trusted = read_table(tmp_path / "lake", "trusted", "trusted_movies", PARTITION)
    assert "not-an-id" not in trusted["title_id"].to_pylist()
