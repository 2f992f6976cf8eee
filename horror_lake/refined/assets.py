"""``refined/athena_views``: the analytic views made where the lake is queried, and the
reference builds' validation queries as its checks.

- With ``HORROR_LAKE_ATHENA_OUTPUT`` (and ``HORROR_LAKE_GLUE_DATABASE``) set, each view's
  ``CREATE OR REPLACE VIEW`` (``refined/views/*.sql`` in Athena's dialect, as ``horror-lake
  athena-ddl`` prints it) runs in Athena, after every table it reads is written and registered.
- Otherwise the views are made in DuckDB over the lake, as ``horror-lake sql`` makes them, and
  each one's rows are counted: a view a model change broke fails here, not in a dashboard.

The validation queries (``refined/validations/*.sql``) return one row per thing compared and a
boolean ``failing`` column. Each is a check of this asset that runs where the views do, over the
run's date only; it fails when a row fails, and shows every row in its metadata.
"""

import hashlib
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg

from horror_lake import settings
from horror_lake.engines.lake_sql import QueryError, View, open_lake, run_query
from horror_lake.engines.sql import (
    PARTITION_PARAMETER,
    filled,
    for_duckdb,
    one_partition,
)
from horror_lake.lake.athena import AthenaQueryError
from horror_lake.lake.location import PARTITION_COLUMN
from horror_lake.lake.resources import LakeResource
from horror_lake.modeling.checks import asset_key
from horror_lake.modeling.project import LakeProject, ProjectError, Statement, leading_comment
from horror_lake.partitions import daily_partitions

KEY = dg.AssetKey(["refined", "athena_views"])
SHOWN_ROWS = 50


def build_assets(project: LakeProject) -> list[dg.AssetsDefinition]:
    folder = project.package_dir / "refined" / "validations"
    validations = project.statements_in(folder)
    descriptions = {name: leading_comment(folder / f"{name}.sql") for name in validations}
    return [athena_views_asset(project.views, validations, descriptions)]


def athena_views_asset(
    views: list[View], validations: Mapping[str, Statement], descriptions: Mapping[str, str]
) -> dg.AssetsDefinition:
    reads = {key for view in views for key in view.inputs.values()}
    reads |= {key for query in validations.values() for key in query.inputs.values()}
    for query in validations.values():
        if "failing" not in query.columns:
            raise ProjectError(f"{query.label}: a validation query returns a `failing` column")

    @dg.asset(
        key=KEY,
        group_name="refined",
        partitions_def=daily_partitions,
        deps=[asset_key(*key) for key in sorted(reads)],
        kinds={"athena", "sql"},
        code_version=code_version(views, validations),
        check_specs=[
            dg.AssetCheckSpec(name, asset=KEY, description=descriptions[name])
            for name in validations
        ],
    )
    def athena_views(
        context: dg.AssetExecutionContext, lake: LakeResource
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        """The analytic views, created in Athena (or checked in DuckDB over the lake when
        Athena isn't configured), and the validation queries run over this date."""
        try:
            athena = settings.current().athena_output is not None
            where = AthenaViews() if athena else LocalViews(lake)
            yield dg.MaterializeResult(metadata=where.create(views))
            for name, query in validations.items():
                columns, rows = where.validate(query, context.partition_key)
                yield validation_result(name, columns, rows, where.name)
        except (AthenaQueryError, QueryError, settings.SettingError) as error:
            raise dg.Failure(description=str(error), allow_retries=False) from None

    return athena_views


def code_version(views: list[View], validations: Mapping[str, Statement]) -> str:
    """A hash of the views' and the validation queries' SQL."""
    digest = hashlib.sha256()
    for text in [view.spark_sql for view in views] + [q.spark_sql for q in validations.values()]:
        digest.update(text.encode())
    return digest.hexdigest()[:16]


class AthenaViews:
    """Views and validations in Athena, over the tables of the Glue database."""

    name = "athena"

    def __init__(self) -> None:
        from horror_lake.lake.athena_resource import AthenaResource  # dagster-aws: 0.7 s

        self.athena = AthenaResource().athena()
        self.parameters = settings.view_parameters(settings.current())

    def create(self, views: list[View]) -> dict[str, Any]:
        executions = {}
        for view in views:
            ddl = view.athena_ddl(self.athena.database, self.parameters)
            executions[view.name] = self.athena.run(ddl, f"view {view.name}")
        return {
            "created_in": "athena",
            "database": self.athena.database,
            "views": sorted(executions),
            "query_execution_ids": dg.MetadataValue.json(executions),
        }

    def validate(self, query: Statement, date: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        tables = {
            name: f"{self.athena.database}.{table}" for name, (_, table) in query.inputs.items()
        }
        sql = one_partition(query.spark_sql, query.label, tables, PARTITION_COLUMN)
        athena_sql = filled(sql, {PARTITION_PARAMETER: date}, query.label, "athena")
        return self.athena.rows(athena_sql, query.label)


class LocalViews:
    """Views and validations in DuckDB over the whole lake (the local Athena)."""

    name = "duckdb"

    def __init__(self, lake: LakeResource) -> None:
        self.location = lake.location()
        self.parameters = settings.view_parameters(settings.current())
        self.connection: Any = None

    def create(self, views: list[View]) -> dict[str, Any]:
        self.connection = open_lake(self.location, views, self.parameters)
        counts = {}
        for view in views:
            try:
                counts[view.name] = run_query(
                    self.connection, f'select count(*) from "{view.name}"'
                )[1][0][0]
            except QueryError as error:
                raise QueryError(
                    f"view {view.name} fails in DuckDB over the lake: {error}"
                ) from None
        return {
            "created_in": "duckdb (HORROR_LAKE_ATHENA_OUTPUT is not set)",
            "views": sorted(counts),
            "view_rows": dg.MetadataValue.json(counts),
        }

    def validate(self, query: Statement, date: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        tables = {name: f"{zone}.{table}" for name, (zone, table) in query.inputs.items()}
        sql = one_partition(query.spark_sql, query.label, tables, PARTITION_COLUMN)
        duckdb_sql, values = for_duckdb(sql, {PARTITION_PARAMETER: date}, query.label)
        try:
            return run_query(self.connection, duckdb_sql, values)
        except QueryError as error:
            raise QueryError(f"{query.label} fails in DuckDB: {error}") from None


def validation_result(
    name: str, columns: list[str], rows: list[tuple[Any, ...]], where: str
) -> dg.AssetCheckResult:
    """Passed unless a row's ``failing`` is true; every row shown (up to SHOWN_ROWS)."""
    if "failing" not in columns and rows:
        raise QueryError(f"validation {name} returned rows without a `failing` column")
    failing = [row for row in rows if row[columns.index("failing")]]
    return dg.AssetCheckResult(
        check_name=name,
        passed=not failing,
        asset_key=KEY,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "ran_in": where,
            "rows": len(rows),
            "failing_rows": len(failing),
            "result": dg.MetadataValue.md(markdown_table(columns, (failing or rows)[:SHOWN_ROWS])),
        },
    )


def markdown_table(columns: list[str], rows: list[tuple[Any, ...]]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)
