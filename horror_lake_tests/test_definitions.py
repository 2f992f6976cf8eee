"""The code location loads for every environment setting, without secrets, with the shape the
lake promises: zones as key prefixes and groups, lineage raw -> trusted -> refined, checks."""

import datetime as dt
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from horror_lake.definitions import JOB_NAME, defs
from horror_lake.engines.resource import EngineResource
from horror_lake.modeling.project import lake_project

# SQL models: the tables their SQL reads.
LINEAGE = {
    "trusted/trusted_movies": {"raw/raw_movies"},
    "trusted/trusted_series": {"raw/raw_series"},
    "trusted/trusted_artists": {"raw/raw_movies", "raw/raw_series"},
    "trusted/trusted_credits": {"trusted/trusted_artists", "trusted/trusted_tmdb"},
    "refined/dim_genero": {"trusted/trusted_movies", "trusted/trusted_series"},
    "refined/dim_subgenero": set(),
    "refined/dim_colecao": {"trusted/trusted_movies", "trusted/trusted_tmdb"},
    "refined/dim_filme": {
        "trusted/trusted_movies",
        "trusted/trusted_series",
        "trusted/trusted_tmdb",
        "refined/dim_subgenero",
    },
    "refined/dim_artista": {
        "trusted/trusted_credits",
        "trusted/trusted_artists",
        "refined/dim_filme",
    },
    "refined/fato_filme": {"refined/dim_filme", "refined/dim_genero"},
    "refined/fato_filme_subgenero": {"refined/dim_filme", "refined/dim_subgenero"},
    "refined/fato_filme_artista": {"trusted/trusted_credits", "refined/dim_filme"},
}
# Tables a contract looks up (foreign keys) that the SQL doesn't read: upstream all the same.
CONTRACT_LINEAGE = {
    "refined/dim_filme": {"refined/dim_colecao"},
    "refined/fato_filme_artista": {"refined/dim_artista"},
}
# Python assets (not SQL models): their inputs.
PYTHON_LINEAGE = {
    "raw/raw_tmdb": {"raw/raw_movies", "raw/raw_series"},
    "trusted/trusted_tmdb": {
        "raw/raw_tmdb",
        "trusted/trusted_movies",
        "trusted/trusted_series",
        "trusted/trusted_tmdb",  # its previous partition, carried forward
    },
    "dashboards/horror_dashboard": {
        "refined/dim_filme",
        "refined/dim_genero",
        "refined/fato_filme",
        "refined/dim_subgenero",
        "refined/fato_filme_subgenero",
        "refined/dim_colecao",
        "refined/dim_artista",
        "refined/fato_filme_artista",
        "trusted/trusted_artists",
    },
    # The views' tables, and those the validation queries compare.
    "refined/athena_views": {
        "raw/raw_movies",
        "raw/raw_series",
        "trusted/trusted_movies",
        "trusted/trusted_series",
        "refined/dim_filme",
        "refined/dim_genero",
        "refined/fato_filme",
        "refined/dim_subgenero",
        "refined/fato_filme_subgenero",
        "refined/dim_colecao",
        "refined/dim_artista",
        "refined/fato_filme_artista",
    },
}
# Not tables: no Parquet, no columns, no contract.
NOT_TABLES = {"dashboards/horror_dashboard", "refined/athena_views"}
# Tables that are empty when TMDB enrichment is off, so they have no not_empty check.
MAY_BE_EMPTY = {"raw_tmdb", "trusted_tmdb", "fato_filme_subgenero", "dim_colecao"}


@pytest.mark.parametrize(
    "env",
    [{}, {"HORROR_LAKE_ROOT": "s3://horror-bucket/lake"}, {"HORROR_LAKE_ENGINE": "duckdb"}],
)
def test_loads_for_every_setting(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    graph = defs().resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.group_name == key.path[0], key
        assert node.partitions_def is not None


def test_lineage_matches_the_design() -> None:
    graph = defs().resolve_asset_graph()
    for child, parents in {**LINEAGE, **PYTHON_LINEAGE}.items():
        node = graph.get(dg.AssetKey.from_user_string(child))
        expected = parents | CONTRACT_LINEAGE.get(child, set())
        assert {p.to_user_string() for p in node.parent_keys} == expected, child


@pytest.mark.parametrize("asset", sorted(LINEAGE))
def test_each_sql_model_reads_exactly_its_upstream_tables(asset: str) -> None:
    zone, name = asset.split("/")
    inputs = lake_project().table(zone, name).statement.inputs  # type: ignore[union-attr]
    assert {f"{z}/{t}" for z, t in inputs.values()} == LINEAGE[asset]


def test_the_job_has_no_more_steps_than_tables() -> None:
    """Checks run inside their table's step: no separate check steps."""
    job = defs().resolve_job_def(JOB_NAME)
    tables = [k for k in defs().resolve_asset_graph().get_all_asset_keys()]
    steps = job.graph.node_defs
    assert len(steps) <= len(tables)
    assert not [node.name for node in steps if "check" in node.name]


def test_every_trusted_and_refined_column_is_described_on_the_definition() -> None:
    """The Columns tab shows a description for every column before any run."""
    graph = defs().resolve_asset_graph()
    project = lake_project()
    for key in graph.get_all_asset_keys():
        if key.path[0] not in ("trusted", "refined") or key.to_user_string() in NOT_TABLES:
            continue
        schema = graph.get(key).metadata["dagster/column_schema"]
        schema = getattr(schema, "schema", schema)  # a metadata value, or the schema itself
        documented = {column.name: column.description for column in schema.columns}
        assert all(documented.values()), key
        sidecar = project.table(key.path[0], key.path[1]).sidecar
        assert sidecar is not None and list(documented) == [c.name for c in sidecar.columns]


def test_code_version_follows_the_sql_and_the_sidecar() -> None:
    graph = defs().resolve_asset_graph()
    versions = {
        key.to_user_string(): graph.get(key).code_version for key in graph.get_all_asset_keys()
    }
    assert all(versions.values())
    assert len(set(versions.values())) == len(versions)
    table = lake_project().table("refined", "fato_filme")
    assert versions["refined/fato_filme"] == table.code_version


def test_every_table_has_blocking_checks() -> None:
    definitions = defs()
    for key in definitions.resolve_asset_graph().get_all_asset_keys():
        if key.to_user_string() in NOT_TABLES:
            continue
        specs = specs_of(definitions, key.to_user_string())
        if not key.path[-1].endswith("_rejects") and key.path[-1] not in MAY_BE_EMPTY:
            assert specs["not_empty"].blocking, key
        if key.path[0] != "raw":
            assert specs["contract"].blocking, key
            assert "primary_key:" in (specs["contract"].description or ""), key
    assert specs_of(definitions, "raw/raw_tmdb")["answers_cover_due_titles"].blocking
    trusted_tmdb = specs_of(definitions, "trusted/trusted_tmdb")["contract"].description or ""
    assert "unique_media_type_tmdb_id:" in trusted_tmdb
    assert "imdb_id_in_trusted_titles:" in trusted_tmdb
    rejects = specs_of(definitions, "raw/raw_movies_rejects")["contract_warnings"]
    assert not rejects.blocking and "rejected_share:" in (rejects.description or "")


def graph_specs(definitions: dg.Definitions, key: dg.AssetKey) -> list[dg.AssetCheckSpec]:
    """Checks declared on the asset itself (raw_tmdb checks its own fetch)."""
    graph = definitions.resolve_asset_graph()
    node = graph.get(key)
    return [graph.get_check_spec(check_key) for check_key in node.check_keys]


def specs_of(definitions: dg.Definitions, key: str) -> dict[str, dg.AssetCheckSpec]:
    asset_key = dg.AssetKey.from_user_string(key)
    all_specs = [spec for checks in definitions.asset_checks or [] for spec in checks.check_specs]
    specs = {spec.name: spec for spec in all_specs if spec.asset_key == asset_key}
    return specs | {spec.name: spec for spec in graph_specs(definitions, asset_key)}


def test_job_defaults_to_todays_utc_partition() -> None:
    job = defs().resolve_job_def(JOB_NAME)
    assert job.tags["dagster/partition"] == dt.datetime.now(dt.UTC).date().isoformat()
    assert job.partitions_def.get_first_partition_key() == "2020-01-01"


def test_an_unknown_engine_fails_the_run_with_the_setting_named(tmp_path: Path) -> None:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HORROR_LAKE_ENGINE", "oracle")
        env.setenv("HORROR_LAKE_ROOT", str(tmp_path / "lake"))
        with pytest.raises(
            ValueError,
            match="unknown engine 'oracle' .HORROR_LAKE_ENGINE.; choose one of: duckdb, spark",
        ):
            EngineResource().current.query("select 1", {})


def test_a_process_that_loaded_the_code_location_skips_the_collection_at_exit() -> None:
    """Python's last full garbage collection, over every object still alive (~0.7 s of a demo
    run), is skipped: the objects are frozen out of it at exit, and not before. Seen from exit
    handlers registered before the code location loads, so they run after its own."""
    script = (
        "import atexit, gc\n"
        "atexit.register(lambda: print('frozen at exit:', gc.get_freeze_count() > 0))\n"
        "from horror_lake.definitions import defs\n"
        "defs()\n"
        "print('frozen while loaded:', gc.get_freeze_count() > 0)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.splitlines() == ["frozen while loaded: False", "frozen at exit: True"]
