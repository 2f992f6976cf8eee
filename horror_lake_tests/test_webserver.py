"""The Dagster UI for real: `dagster-webserver` on 127.0.0.1 with the project's workspace, asked
through GraphQL (assets, lineage, checks; a launched run), and its lineage page in Chromium."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import yaml

from horror_lake.sample.generator import SampleSummary
from horror_lake_tests.conftest import PARTITION
from horror_lake_tests.lake_reading import read_table
from horror_lake_tests.servers import free_port
from horror_lake_tests.test_definitions import CONTRACT_LINEAGE, LINEAGE, PYTHON_LINEAGE

pytestmark = pytest.mark.slow  # a real dagster-webserver and Chromium

REPO = Path(__file__).resolve().parents[1]
LOCATION = "horror_lake"
ASSETS_QUERY = """
{ assetNodes {
    assetKey { path }
    groupName
    dependencyKeys { path }
    assetChecksOrError { ... on AssetChecks { checks { name blocking } } }
    metadataEntries {
        label
        ... on TableSchemaMetadataEntry { schema { columns { name type description } } }
    }
} }
"""
LAUNCH = """
mutation($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
  }
}
"""


@pytest.fixture(scope="module")
def webserver(
    tmp_path_factory: pytest.TempPathFactory, sample: SampleSummary
) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("webserver")
    home, lake = folder / "home", folder / "lake"
    home.mkdir()
    # The shipped settings, but runs launched from the UI start at once (the shipped
    # coordinator queues them for a daemon).
    settings = yaml.safe_load((REPO / "dagster.yaml").read_text())
    settings["run_coordinator"] = {
        "module": "dagster._core.run_coordinator",
        "class": "DefaultRunCoordinator",
    }
    del settings["concurrency"]
    (home / "dagster.yaml").write_text(yaml.safe_dump(settings))
    port = free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "HORROR_LAKE_ROOT": str(lake),
        "HORROR_LAKE_LANDING": str(sample.movies.path.parent),
    }
    for name in ("TMDB_API_TOKEN", "TMDB_API_KEY", "HORROR_LAKE_ENGINE"):
        env.pop(name, None)
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "dagster-webserver"),
            *("-h", "127.0.0.1", "-p", str(port), "-w", "workspace.yaml"),
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while not location_loaded(url):
            assert server.poll() is None, "dagster-webserver exited"
            assert time.monotonic() < deadline, "the code location did not load"
            time.sleep(1)
        yield url, lake
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def graphql(url: str, query: str, variables: dict | None = None) -> dict:
    answer = requests.post(
        f"{url}/graphql", json={"query": query, "variables": variables or {}}, timeout=60
    )
    answer.raise_for_status()
    body = answer.json()
    assert "errors" not in body, body["errors"]
    return body["data"]


def location_loaded(url: str) -> bool:
    try:
        data = graphql(
            url,
            "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus "
            "locationOrLoadError { __typename } } } } }",
        )
    except requests.RequestException:
        return False
    entries = data["workspaceOrError"].get("locationEntries", [])
    return any(
        e["name"] == LOCATION
        and e["loadStatus"] == "LOADED"
        and e["locationOrLoadError"]["__typename"] == "RepositoryLocation"
        for e in entries
    )


def test_graphql_shows_every_asset_with_its_lineage_and_checks(
    webserver: tuple[str, Path],
) -> None:
    url, _ = webserver
    nodes = {"/".join(n["assetKey"]["path"]): n for n in graphql(url, ASSETS_QUERY)["assetNodes"]}
    zones = {key.split("/")[0] for key in nodes}
    assert zones == {"raw", "trusted", "refined", "dashboards"}
    assert all(node["groupName"] == key.split("/")[0] for key, node in nodes.items())
    for key, parents in {**LINEAGE, **PYTHON_LINEAGE}.items():
        expected = parents | CONTRACT_LINEAGE.get(key, set())
        assert {"/".join(d["path"]) for d in nodes[key]["dependencyKeys"]} == expected, key
    checks = {
        c["name"]: c["blocking"]
        for c in nodes["refined/fato_filme"]["assetChecksOrError"]["checks"]
    }
    assert checks == {"not_empty": True, "contract": True, "contract_warnings": False}
    # The Columns tab has every description before any run.
    [schema] = [
        e["schema"]
        for e in nodes["refined/dim_filme"]["metadataEntries"]
        if e["label"] == "dagster/column_schema"
    ]
    columns = {c["name"]: c for c in schema["columns"]}
    assert columns["roi"]["description"].startswith("profit_usd / budget_usd")
    assert all(c["description"] for c in columns.values())


def test_a_run_launched_through_graphql_succeeds(webserver: tuple[str, Path]) -> None:
    url, lake = webserver
    params = {
        "selector": {
            "repositoryLocationName": LOCATION,
            "repositoryName": "__repository__",
            "jobName": "horror_lake_job",
        },
        "executionMetadata": {"tags": [{"key": "dagster/partition", "value": PARTITION}]},
    }
    launched = graphql(url, LAUNCH, {"params": params})["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    run_id = launched["run"]["runId"]
    status_query = "query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }"
    deadline = time.monotonic() + 300
    status = None
    while status not in ("SUCCESS", "FAILURE", "CANCELED"):
        assert time.monotonic() < deadline, f"run still {status}"
        time.sleep(2)
        status = graphql(url, status_query, {"id": run_id})["runOrError"]["status"]
    assert status == "SUCCESS"
    assert read_table(lake, "refined", "fato_filme", PARTITION).num_rows > 0
    assert (lake / "dashboards" / f"ingestion_date={PARTITION}" / "index.html").exists()


def test_the_lineage_page_renders_in_chromium(
    webserver: tuple[str, Path], browser: object, tmp_path: Path
) -> None:
    """The global asset lineage: the zones' groups drawn as raw -> trusted -> refined ->
    dashboards. The first visit shows a newsletter dialog, which the test skips."""
    url, _ = webserver
    driver = browser  # selenium's Chrome driver
    driver.set_window_size(1600, 900)  # type: ignore[attr-defined]
    driver.get(f"{url}/asset-groups")  # type: ignore[attr-defined]
    deadline = time.monotonic() + 90
    skip_buttons = "//button[normalize-space()='Skip']"
    while (
        "Global asset lineage" not in driver.page_source  # type: ignore[attr-defined]
        or not group_nodes(driver)
        or driver.find_elements("xpath", skip_buttons)  # type: ignore[attr-defined]
    ):
        for skip in driver.find_elements("xpath", skip_buttons):  # type: ignore[attr-defined]
            if skip.is_displayed():
                skip.click()
        assert time.monotonic() < deadline, "the asset graph did not render"
        time.sleep(1)
    # The graph lays itself out after it appears: wait until every group is drawn and the
    # page stops changing between two looks.
    previous = ""
    while not (group_nodes(driver) >= set(GROUPS) and driver.page_source == previous):  # type: ignore[attr-defined]
        assert time.monotonic() < deadline, "the asset graph kept changing"
        previous = driver.page_source  # type: ignore[attr-defined]
        time.sleep(0.5)
    shot = tmp_path / "lineage.png"
    driver.save_screenshot(str(shot))  # type: ignore[attr-defined]
    assert shot.stat().st_size > 10_000
    if os.environ.get("HORROR_LAKE_UPDATE_DOCS"):
        (REPO / "docs" / "lineage.png").write_bytes(shot.read_bytes())


GROUPS = ("raw", "trusted", "refined", "dashboards")


def group_nodes(driver: object) -> set[str]:
    """Names of the asset groups drawn as nodes of the graph."""
    wanted = " or ".join(f"normalize-space()='{group}'" for group in GROUPS)
    texts = driver.find_elements("xpath", f"//*[{wanted}]")  # type: ignore[attr-defined]
    return {t.text.strip() for t in texts if t.is_displayed()}
