"""``LakeTables``: the Dagster component that turns the zones' table files into assets.

Configured by ``horror_lake/defs/defs.yaml`` (so ``dg list defs``, ``dg check defs`` and the UI's
Docs tab know it), the way dagster-dbt's ``DbtProjectComponent`` turns a dbt project into assets:

- every ``<zone>/models/<name>.sql`` becomes the asset ``<zone>/<name>``, its inputs the tables
  the SQL reads, its checks the sidecar's contract (at least ``not_empty``), evaluated in the
  asset's own step;
- the Python modules listed in ``python_assets`` add the tables Python makes (raw parsing, TMDB)
  and the dashboard: each exposes ``build_assets(project)``. Every sidecar without SQL must be
  made by one of them, and they may make no undocumented table.
"""

import importlib

import dagster as dg

from horror_lake import settings
from horror_lake.modeling.assets import sql_table_asset
from horror_lake.modeling.project import LakeProject, ProjectError, lake_project


class LakeTables(dg.Component, dg.Model, dg.Resolvable):
    """Every lake table from its files: SQL models and their sidecars, plus Python assets."""

    python_assets: list[str] = []

    def build_defs(self, context: dg.ComponentLoadContext) -> dg.Definitions:
        return dg.Definitions(assets=build_assets(lake_project(), self.python_assets))


def build_assets(project: LakeProject, python_modules: list[str]) -> list[dg.AssetsDefinition]:
    python_assets = []
    for module_name in python_modules:
        module = importlib.import_module(module_name)
        python_assets.extend(module.build_assets(project))
    assets = model_assets(project, python_assets) + python_assets
    made = {key for asset in assets for key in asset.keys}
    for table in project.python_tables():
        if dg.AssetKey([table.zone, table.name]) not in made:
            raise ProjectError(
                f"{table.label} describes {table.zone}/{table.name}, but there is no "
                f"{table.name}.sql beside it and none of {python_modules} makes it"
            )
    undocumented = [
        spec.key.to_user_string()
        for asset in assets
        for spec in asset.specs
        if "parquet" in spec.kinds and (spec.key.path[0], spec.key.path[-1]) not in project.tables
    ]
    if undocumented:
        raise ProjectError(f"Python assets make tables with no sidecar: {sorted(undocumented)}")
    return assets


def model_assets(
    project: LakeProject, python_assets: list[dg.AssetsDefinition]
) -> list[dg.AssetsDefinition]:
    """One asset per SQL model; with the Glue engine, one multi-asset per Glue stage.

    The Glue engine is read when the definitions load (``HORROR_LAKE_ENGINE=glue`` where the
    code location runs): it decides the steps, which Dagster fixes in the definitions.
    """
    if settings.current().engine != "glue":
        return [sql_table_asset(table) for table in project.sql_tables()]
    from horror_lake.modeling.glue_assets import glue_stage_asset, stages

    python_deps = {key: set(asset.asset_deps[key]) for asset in python_assets for key in asset.keys}
    return [glue_stage_asset(tables, i) for i, tables in enumerate(stages(project, python_deps))]
