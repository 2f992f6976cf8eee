"""Adding a table is adding a file, exactly as the README's worked example shows: on a copy of
the package, its one SQL file that reads dim_filme, and no other edit, is built by `dagster job
execute` (a real subprocess), checked in its own step and placed in the lineage under refined;
its sidecar's unit test passes. A file that reads an unknown table stops the code location from
loading, naming the file and the table."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.compute as pc
import pytest

from horror_lake import settings
from horror_lake.engines.resource import build_engine
from horror_lake.modeling.project import PACKAGE_DIR, LakeProject
from horror_lake.sample.generator import SampleSummary
from horror_lake_tests.conftest import PARTITION
from horror_lake_tests.lake_reading import read_table
from horror_lake_tests.modeling.test_model_units import check_unit_test

pytestmark = pytest.mark.slow
DAGSTER = str(Path(sys.executable).parent / "dagster")
README = PACKAGE_DIR.parent / "README.md"
MODEL = "refined/models/top_rated_horror"
GRAPH = """
import json
from horror_lake.definitions import JOB_NAME, defs
d = defs()
graph = d.resolve_asset_graph()
job = d.resolve_job_def(JOB_NAME)
print(json.dumps({
    key.to_user_string(): {
        "group": graph.get(key).group_name,
        "parents": sorted(p.to_user_string() for p in graph.get(key).parent_keys),
        "checks": sorted(c.name for c in graph.get(key).check_keys),
        "in_job": key in job.asset_layer.selected_asset_keys,
    }
    for key in graph.get_all_asset_keys()
}))
"""


def readme_block(first_line: str) -> str:
    """The README's code block that starts with ``first_line`` (the worked example)."""
    text = README.read_text(encoding="utf-8")
    for block in re.findall(r"```\w*\n(.*?)```", text, flags=re.S):
        if block.startswith(first_line):
            return block
    raise AssertionError(f"the README has no example starting {first_line!r}")


def package_copy(tmp_path: Path, models: dict[str, str]) -> Path:
    """A copy of the package with ``models`` added (paths under horror_lake/)."""
    root = tmp_path / "copy"
    shutil.copytree(PACKAGE_DIR, root / "horror_lake", ignore=shutil.ignore_patterns("__pycache__"))
    for name, text in models.items():
        (root / "horror_lake" / name).write_text(text, encoding="utf-8")
    return root


def run(root: Path, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        cwd=root,
        env={**os.environ, **env, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_a_new_sql_file_is_a_new_table(tmp_path: Path, sample: SampleSummary) -> None:
    sql = readme_block(f"-- horror_lake/{MODEL}.sql")
    root = package_copy(tmp_path, {f"{MODEL}.sql": sql})
    home, lake = tmp_path / "home", tmp_path / "lake"
    home.mkdir()
    env = {
        "HORROR_LAKE_ROOT": str(lake),
        "HORROR_LAKE_LANDING": str(sample.movies.path.parent),
        "DAGSTER_HOME": str(home),
    }
    graph = json.loads(run(root, [sys.executable, "-c", GRAPH], env).stdout)
    assert graph["refined/top_rated_horror"] == {
        "group": "refined",
        "parents": ["refined/dim_filme"],
        "checks": ["not_empty"],
        "in_job": True,
    }

    tags = ["--tags", json.dumps({"dagster/partition": PARTITION})]
    job = [DAGSTER, "job", "execute", "-m", "horror_lake", "-j", "horror_lake_job", *tags]
    done = run(root, job, env)
    assert done.returncode == 0, done.stderr[-3000:]
    built = read_table(lake, "refined", "top_rated_horror", PARTITION)
    dim = read_table(lake, "refined", "dim_filme", PARTITION)
    assert built.num_rows == pc.sum(pc.greater_equal(dim["vote_count"], 1000)).as_py() > 0
    assert built.column_names == [
        "title_id",
        "primary_title",
        "title_type",
        "average_rating",
        "vote_count",
    ]
    # The check ran inside the table's own step.
    step = [line for line in done.stderr.splitlines() if "refined__top_rated_horror" in line]
    events = " ".join(step)
    assert "STEP_START" in events and "STEP_SUCCESS" in events
    assert "Asset check 'not_empty' on 'refined/top_rated_horror' passed" in events


def test_the_examples_sidecar_documents_it_and_its_unit_test_passes(tmp_path: Path) -> None:
    sidecar = readme_block("description: The best-rated horror titles")
    root = package_copy(
        tmp_path,
        {f"{MODEL}.sql": readme_block(f"-- horror_lake/{MODEL}.sql"), f"{MODEL}.yml": sidecar},
    )
    project = LakeProject(root / "horror_lake", root / "horror_lake" / "modeling" / "macros.sql")
    table = project.table("refined", "top_rated_horror")
    assert table.sidecar is not None and len(table.sidecar.columns) == 5
    [unit_test] = table.sidecar.unit_tests
    check_unit_test(project, table, unit_test, build_engine(settings.Settings()), tmp_path)


def test_a_file_reading_an_unknown_table_stops_the_load_naming_both(tmp_path: Path) -> None:
    root = package_copy(
        tmp_path, {"refined/models/broken.sql": "select title_id from dim_filmes\n"}
    )
    done = run(root, [sys.executable, "-c", GRAPH], {})
    assert done.returncode != 0
    assert "refined/models/broken.sql reads dim_filmes, which is not a lake table" in done.stderr
