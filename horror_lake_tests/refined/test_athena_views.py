"""``refined/athena_views``: the views made in Athena (or checked in DuckDB without it), and the
reference builds' validation queries as its checks.

Athena runs against moto's server on loopback. moto records every statement with its database,
result location and workgroup, and stores the lake's Glue tables, but it executes no SQL: a
SELECT returns the rows queued through moto's own API (none by default) and no query ever fails,
so a failing query is reported by a small proxy in front of moto (``athena_failing_queries``).
What the views and validations compute is tested where SQL does run: DuckDB over the same lake.
"""

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import requests

from horror_lake.engines.sql import translate
from horror_lake.modeling.project import lake_project
from horror_lake.sample.generator import SampleSummary
from horror_lake.settings import Settings, view_parameters
from horror_lake_tests.conftest import PARTITION, BuiltLake, run_job
from horror_lake_tests.lake_reading import read_table
from horror_lake_tests.servers import (
    athena_failing_queries,
    failure_messages,
    failure_text,
    new_bucket,
    use_endpoint,
)

VIEWS = "refined/athena_views"
VALIDATIONS = ("average_runtime", "genre_distribution", "raw_titles_reach_trusted")


def checks(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {
        e.check_name: e
        for e in result.get_asset_check_evaluations()
        if e.asset_key.to_user_string() == VIEWS
    }


def materialization(result: dg.ExecuteInProcessResult) -> dict[str, Any]:
    [event] = [
        e
        for e in result.get_asset_materialization_events()
        if e.asset_key.to_user_string() == VIEWS
    ]
    return {k: v.value for k, v in event.materialization.metadata.items()}


def test_without_athena_the_views_run_in_duckdb_and_the_validations_pass(
    built: BuiltLake,
) -> None:
    metadata = materialization(built.result)
    assert metadata["created_in"].startswith("duckdb")
    assert set(metadata["views"]) == {view.name for view in lake_project().views}
    dim = read_table(built.path, "refined", "dim_filme", PARTITION)
    decade_types = {
        (row["release_decade"], row["title_type"])
        for row in dim.select(["release_decade", "title_type"]).to_pylist()
        if row["release_decade"] is not None
    }
    assert metadata["view_rows"]["horror_by_decade"] == len(decade_types)
    found = checks(built.result)
    assert set(found) == set(VALIDATIONS)
    assert all(check.passed for check in found.values())
    genres = found["genre_distribution"].metadata["result"].value
    assert f"| Horror | {dim.num_rows} | {dim.num_rows} | False |" in genres


def without_genre(lake: Path, genre: str) -> int:
    """Drop one genre's rows from the date's fato_filme, as a broken model would; how many."""
    genres = read_table(lake, "refined", "dim_genero", PARTITION)
    [genre_id] = genres.filter(pc.equal(genres["genre_name"], genre))["genre_id"].to_pylist()
    path = lake / "refined" / "fato_filme" / f"ingestion_date={PARTITION}" / "part-00000.parquet"
    fato = pq.read_table(path)
    kept = fato.filter(pc.not_equal(fato["genre_id"], pa.scalar(genre_id, fato["genre_id"].type)))
    pq.write_table(kept, path)
    return fato.num_rows - kept.num_rows


def test_a_refined_table_missing_a_genre_fails_the_validation_naming_it(
    built: BuiltLake, sample: SampleSummary, tmp_path: Path
) -> None:
    lake = tmp_path / "lake"
    shutil.copytree(built.path, lake)
    dropped = without_genre(lake, "Thriller")
    result = run_job(lake, sample.movies.path.parent, only=[VIEWS])
    assert result.success  # validations warn: nothing runs after them
    found = checks(result)
    assert not found["genre_distribution"].passed
    assert found["genre_distribution"].metadata["failing_rows"].value == 1
    table = found["genre_distribution"].metadata["result"].value
    assert f"| Thriller | {dropped} | 0 | True |" in table
    assert found["raw_titles_reach_trusted"].passed and found["average_runtime"].passed


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {"HORROR_LAKE_ATHENA_OUTPUT": "s3://results/athena"},
            "HORROR_LAKE_ATHENA_OUTPUT is set but HORROR_LAKE_GLUE_DATABASE is not",
        ),
        (
            {"HORROR_LAKE_ATHENA_OUTPUT": "s3://results/athena", "HORROR_LAKE_GLUE_DATABASE": "h"},
            "HORROR_LAKE_ROOT is a local folder: Athena reads only a lake on S3",
        ),
        ({"HORROR_LAKE_ATHENA_OUTPUT": "results/athena"}, "must be an s3:// location"),
    ],
)
def test_an_incomplete_athena_setting_fails_naming_what_to_set(
    built: BuiltLake,
    sample: SampleSummary,
    tmp_path: Path,
    settings: dict[str, str],
    message: str,
) -> None:
    lake = tmp_path / "lake"
    shutil.copytree(built.path, lake)
    result = run_job(
        lake, sample.movies.path.parent, raise_on_error=False, settings=settings, only=[VIEWS]
    )
    assert not result.success
    assert message in failure_text(result)


@pytest.fixture(scope="module")
def on_athena(
    moto_endpoint: str, sample: SampleSummary
) -> Iterator[tuple[dict[str, str], dg.ExecuteInProcessResult]]:
    """The whole job with the lake on S3, registered in Glue, and Athena configured."""
    with pytest.MonkeyPatch.context() as env:
        use_endpoint(env, moto_endpoint)
        bucket = new_bucket(moto_endpoint)
        settings = {
            "HORROR_LAKE_GLUE_DATABASE": f"horror_{bucket[-8:]}",
            "HORROR_LAKE_ATHENA_OUTPUT": f"s3://{bucket}/athena-results",
        }
        lake = f"s3://{bucket}/lake"
        result = run_job(lake, sample.movies.path.parent, settings=settings)
        yield {"HORROR_LAKE_ROOT": lake, **settings}, result


def executions(endpoint: str) -> list[dict[str, Any]]:
    athena = boto3.client("athena", endpoint_url=endpoint, region_name="us-east-1")
    ids = athena.list_query_executions()["QueryExecutionIds"]
    return [athena.get_query_execution(QueryExecutionId=i)["QueryExecution"] for i in ids]


@pytest.mark.slow
def test_athena_runs_exactly_the_views_ddl_then_the_validations_over_the_date(
    s3_endpoint: str, on_athena: tuple[dict[str, str], dg.ExecuteInProcessResult]
) -> None:
    settings, result = on_athena
    assert result.success
    database = settings["HORROR_LAKE_GLUE_DATABASE"]
    mine = [
        e for e in executions(s3_endpoint) if e["QueryExecutionContext"] == {"Database": database}
    ]
    parameters = view_parameters(Settings())
    expected_ddl = sorted(view.athena_ddl(database, parameters) for view in lake_project().views)
    assert sorted(e["Query"] for e in mine if e["StatementType"] == "DDL") == expected_ddl
    for execution in mine:
        location = execution["ResultConfiguration"]["OutputLocation"]
        assert location.startswith(settings["HORROR_LAKE_ATHENA_OUTPUT"] + "/")
    selects = [e["Query"] for e in mine if e["StatementType"] == "DML"]
    assert len(selects) == len(VALIDATIONS)
    for query in selects:
        assert f"FROM {database}.trusted_movies WHERE ingestion_date = '{PARTITION}'" in query
        assert translate(query, "athena")  # Athena's dialect, as written
    glue = boto3.client("glue", endpoint_url=s3_endpoint, region_name="us-east-1")
    registered = {t["Name"] for t in glue.get_tables(DatabaseName=database)["TableList"]}
    assert {t for v in lake_project().views for _, t in v.inputs.values()} <= registered
    assert materialization(result)["created_in"] == "athena"
    assert set(checks(result)) == set(VALIDATIONS)


def queue_athena_results(
    endpoint: str, *results: tuple[list[tuple[str, str]], list[list[str]]]
) -> None:
    """Results moto hands to the next statements, in the order they start (a SELECT's rows
    begin with its header row, as Athena's do)."""
    payload = {
        "results": [
            {
                "rows": [{"Data": [{"VarCharValue": v} for v in row]} for row in rows],
                "column_info": [{"Name": name, "Type": kind} for name, kind in columns],
            }
            for columns, rows in results
        ]
    }
    answer = requests.post(f"{endpoint}/moto-api/static/athena/query-results", json=payload)
    assert answer.status_code == 201


@pytest.mark.slow
def test_athena_results_are_judged_and_a_failing_row_fails_the_check(
    s3_endpoint: str,
    sample: SampleSummary,
    on_athena: tuple[dict[str, str], dg.ExecuteInProcessResult],
) -> None:
    settings, _ = on_athena
    runtime_columns = [
        ("title_type", "varchar"),
        ("trusted_titles", "bigint"),
        ("refined_titles", "bigint"),
        ("trusted_average_runtime_minutes", "double"),
        ("refined_average_runtime_minutes", "double"),
        ("failing", "boolean"),
    ]
    genre_columns = [
        ("genre_name", "varchar"),
        ("trusted_titles", "bigint"),
        ("refined_titles", "bigint"),
        ("failing", "boolean"),
    ]
    views = [([], [])] * len(lake_project().views)  # the DDL statements start first
    queue_athena_results(
        s3_endpoint,
        *views,
        (
            runtime_columns,
            [[c for c, _ in runtime_columns], ["movie", "3", "3", "90.5", "90.5", "false"]],
        ),
        (
            genre_columns,
            [
                [c for c, _ in genre_columns],
                ["Horror", "3", "3", "false"],
                ["Gothic", "2", "1", "true"],
            ],
        ),
    )
    result = run_job(
        settings["HORROR_LAKE_ROOT"], sample.movies.path.parent, settings=settings, only=[VIEWS]
    )
    found = checks(result)
    assert found["average_runtime"].passed
    assert (
        "| movie | 3 | 3 | 90.5 | 90.5 | False |"
        in found["average_runtime"].metadata["result"].value
    )
    assert not found["genre_distribution"].passed
    assert (
        found["genre_distribution"].metadata["result"].value.endswith("| Gothic | 2 | 1 | True |")
    )
    assert found["genre_distribution"].metadata["ran_in"].value == "athena"


@pytest.mark.slow
def test_a_failed_athena_query_fails_the_run_with_athenas_reason(
    monkeypatch: pytest.MonkeyPatch,
    s3_endpoint: str,
    sample: SampleSummary,
    on_athena: tuple[dict[str, str], dg.ExecuteInProcessResult],
) -> None:
    settings, _ = on_athena
    database = settings["HORROR_LAKE_GLUE_DATABASE"]
    reason = "COLUMN_NOT_FOUND: line 7:5: Column 'roi' cannot be resolved"
    start = f"CREATE OR REPLACE VIEW {database}.title_roi_ranking"
    with (
        athena_failing_queries(s3_endpoint, {start: reason}) as proxy,
        monkeypatch.context() as env,
    ):
        env.setenv("AWS_ENDPOINT_URL_ATHENA", proxy)
        result = run_job(
            settings["HORROR_LAKE_ROOT"],
            sample.movies.path.parent,
            raise_on_error=False,
            settings=settings,
            only=[VIEWS],
        )
    assert not result.success
    message = failure_messages(result)
    assert "view title_roi_ranking: Athena query" in message and reason in message

    unknown = {**settings, "HORROR_LAKE_ATHENA_WORKGROUP": "no-such-workgroup"}
    result = run_job(
        settings["HORROR_LAKE_ROOT"],
        sample.movies.path.parent,
        raise_on_error=False,
        settings=unknown,
        only=[VIEWS],
    )
    message = failure_messages(result)
    assert "view artist_horror_titles: the Athena request failed" in message
    assert "WorkGroup does not exist" in message
