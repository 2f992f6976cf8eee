"""Model files make the lake: names resolve across zones, macros expand, and every mistake fails
when the project loads, naming the file and the table. Real files in a temporary package."""

import shutil
from pathlib import Path

import pytest

from horror_lake.engines.sql import SqlError
from horror_lake.modeling.contract import rules_of
from horror_lake.modeling.project import MACROS_FILE, LakeProject, ProjectError
from horror_lake.modeling.sidecar import SidecarError

RAW_SIDECAR = """description: Raw lines.
grain: one row per line
columns:
  - {name: id, type: string, description: The id.}
  - {name: genero, type: string, description: Genres.}
"""


def package(tmp_path: Path, files: dict[str, str]) -> Path:
    """A package folder holding ``files`` (paths relative to it) and the real macros."""
    root = tmp_path / "pkg"
    for name, text in {"raw/models/raw_movies.yml": RAW_SIDECAR, **files}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    (root / "refined" / "views").mkdir(parents=True, exist_ok=True)
    shutil.copy(MACROS_FILE, root / "macros.sql")
    return root


def load(root: Path) -> LakeProject:
    return LakeProject(root, root / "macros.sql")


def test_inputs_come_from_the_sql_across_zones(tmp_path: Path) -> None:
    root = package(
        tmp_path,
        {
            "trusted/models/titles.sql": "select trim(id) as title_id from raw_movies",
            "refined/models/report.sql": (
                "with t as (select * from titles) select count(*) as n from t"
            ),
        },
    )
    project = load(root)
    assert project.table("trusted", "titles").statement.inputs == {  # type: ignore[union-attr]
        "raw_movies": ("raw", "raw_movies")
    }
    report = project.table("refined", "report").statement
    assert report is not None and report.inputs == {"titles": ("trusted", "titles")}
    assert report.columns == ("n",)
    # A table without a sidecar still promises rows, in a blocking check.
    [rule] = rules_of(project.table("refined", "report").sidecar)
    assert (rule.name, rule.blocking) == ("not_empty", True)


def test_an_unknown_table_names_the_file_and_the_table(tmp_path: Path) -> None:
    root = package(tmp_path, {"refined/models/report.sql": "select * from dim_nothing"})
    with pytest.raises(ProjectError, match=r"refined/models/report.sql reads dim_nothing, which"):
        load(root)


def test_an_ambiguous_name_must_be_qualified_with_its_zone(tmp_path: Path) -> None:
    files = {
        "trusted/models/titles.sql": "select id from raw_movies",
        "refined/models/titles.sql": "select id from raw_movies",
        "refined/models/report.sql": "select count(*) as n from titles",
    }
    with pytest.raises(ProjectError, match=r"report.sql reads titles, which names more than one"):
        load(package(tmp_path, files))
    files["refined/models/report.sql"] = "select count(*) as n from trusted.titles as t"
    report = load(package(tmp_path / "qualified", files)).table("refined", "report").statement
    assert report is not None
    assert report.inputs == {"trusted__titles": ("trusted", "titles")}
    assert "trusted__titles" in report.spark_sql and "trusted.titles" not in report.spark_sql


def test_models_reading_each_other_in_a_circle_fail(tmp_path: Path) -> None:
    files = {
        "refined/models/a_table.sql": "select * from b_table",
        "refined/models/b_table.sql": "select * from a_table",
    }
    with pytest.raises(ProjectError, match=r"in a circle: refined/models/a_table.sql -> refined"):
        load(package(tmp_path, files))
    with pytest.raises(ProjectError, match="reads its own table"):
        load(package(tmp_path / "self", {"refined/models/a_table.sql": "select * from a_table"}))


def test_macros_are_expanded_before_any_engine_sees_the_sql(tmp_path: Path) -> None:
    sql = "select clean_text(id) as title_id, text_list(genero) as genres from raw_movies"
    statement = load(package(tmp_path, {"trusted/models/t.sql": sql})).table("trusted", "t")
    text = statement.statement.spark_sql.lower()  # type: ignore[union-attr]
    assert "clean_text" not in text and "text_list" not in text
    assert "nullif(nullif(trim(id), '\\\\n'), '')" in text
    bad = {"trusted/models/t.sql": "select clean_text(id, genero) as x from raw_movies"}
    with pytest.raises(SqlError, match=r"t.sql: macro clean_text\(value\) takes 1 argument"):
        load(package(tmp_path / "bad", bad))


def test_a_table_macro_reads_the_table_it_is_given(tmp_path: Path) -> None:
    sql = "select title_id from first_title_lines(raw_movies)"
    statement = load(package(tmp_path, {"trusted/models/t.sql": sql})).table("trusted", "t")
    assert statement.statement.inputs == {"raw_movies": ("raw", "raw_movies")}  # type: ignore[union-attr]
    misused = {"trusted/models/t.sql": "select first_title_lines(id) as x from raw_movies"}
    with pytest.raises(SqlError, match="macro first_title_lines goes where a table goes"):
        load(package(tmp_path / "bad", misused))


@pytest.mark.parametrize(
    ("sidecar", "problem"),
    [
        ("description: x\ngrain: y\nprimary_kee: [id]\n", "primary_kee: Extra inputs"),
        ("description: x\n", "grain: Field required"),
        (
            "description: x\ngrain: y\ncolumns:\n  - {name: id, description: d, "
            "range: {min: 0, severity: loud}}\n",
            "columns.0.range.severity",
        ),
        (
            "description: x\ngrain: y\ncolumns:\n  - {name: id, description: d, "
            "references: dim_filme}\n",
            "is not zone.table.column",
        ),
        (
            "description: x\ngrain: y\nprimary_key: [nope]\n"
            "columns: [{name: id, description: d}]\n",
            "primary_key/unique name columns not listed: ['nope']",
        ),
        (": not yaml : [", "not valid YAML"),
    ],
)
def test_a_bad_sidecar_names_the_file_and_the_field(
    tmp_path: Path, sidecar: str, problem: str
) -> None:
    root = package(tmp_path, {"raw/models/raw_movies.yml": sidecar})
    with pytest.raises(SidecarError) as error:
        load(root)
    assert "raw/models/raw_movies.yml" in str(error.value)
    assert problem in str(error.value)


def test_documented_columns_must_be_the_ones_the_sql_returns(tmp_path: Path) -> None:
    files = {
        "trusted/models/t.sql": "select trim(id) as title_id, genero from raw_movies",
        "trusted/models/t.yml": (
            "description: x\ngrain: y\ncolumns:\n  - {name: title_id, description: d}\n"
        ),
    }
    with pytest.raises(ProjectError, match=r"t.yml: documents columns \['title_id'\], but"):
        load(package(tmp_path, files))


def test_the_packages_own_project_loads_with_every_table_documented() -> None:
    project = LakeProject()
    assert {t.zone for t in project.tables.values()} == {"raw", "trusted", "refined"}
    for table in project.tables.values():
        if table.zone in ("trusted", "refined"):
            assert table.sidecar is not None and table.sidecar.columns, table.label
            assert all(c.type for c in table.sidecar.columns), table.label
    assert {v.name for v in project.views} == set(project.view_docs)
