"""docs/data_dictionary.md is generated from the sidecars, the one source of column docs, and the
tables written match what it documents."""

from pathlib import Path

from horror_lake.lake.types import sql_type
from horror_lake.modeling.docs import data_dictionary
from horror_lake.modeling.project import lake_project
from horror_lake_tests.conftest import PARTITION, BuiltLake
from horror_lake_tests.lake_reading import read_table

DICTIONARY = Path(__file__).resolve().parents[1] / "docs" / "data_dictionary.md"


def test_the_page_is_generated_from_the_sidecars_and_fresh() -> None:
    assert DICTIONARY.read_text(encoding="utf-8") == data_dictionary(lake_project()), (
        "docs/data_dictionary.md is stale: run `horror-lake docs`"
    )


def test_every_table_written_is_documented_column_by_column(built: BuiltLake) -> None:
    project = lake_project()
    on_disk = {
        (zone.name, table.name)
        for zone in built.path.iterdir()
        if zone.name != "dashboards"  # an HTML page, described in its own section
        for table in zone.iterdir()
    }
    assert on_disk == set(project.tables)
    page = DICTIONARY.read_text(encoding="utf-8")
    for zone, name in sorted(on_disk):
        sidecar = project.table(zone, name).sidecar
        assert sidecar is not None, name
        assert f"### {zone}/{name}" in page
        schema = read_table(built.path, zone, name, PARTITION).schema
        written = [(field.name, sql_type(field.type)) for field in schema]
        assert written == [(c.name, c.type) for c in sidecar.columns], name
