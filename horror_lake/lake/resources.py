"""The lake as Dagster sees it: a resource naming the root and the one IO manager."""

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Protocol, runtime_checkable

import dagster as dg
import pyarrow as pa

from horror_lake import settings
from horror_lake.lake import arrays
from horror_lake.lake.location import (
    LakeLocation,
    StorageError,
    explain_storage_error,
    lake_location,
)
from horror_lake.lake.tables import LakeTable, PartitionFacts, describe

PREVIEW_CELL_CHARS = 40


class LakeResource(dg.ConfigurableResource):
    """The lake root: ``root`` if set, else ``HORROR_LAKE_ROOT``, else ``lake/`` (read at run time).

    A local folder or ``s3://bucket/prefix``. With ``glue_database`` (or
    ``HORROR_LAKE_GLUE_DATABASE``) every table and partition written is registered in that
    AWS Glue Data Catalog database.
    """

    root: str | None = None
    glue_database: str | None = None

    def location(self) -> LakeLocation:
        now = settings.current()
        return lake_location(self.root or now.lake_root, now.s3_endpoint, now.aws_region)

    def catalog_database(self) -> str | None:
        return self.glue_database or settings.current().glue_database

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        if "ARROW_DEFAULT_MEMORY_POOL" not in os.environ:
            # pyarrow's mimalloc keeps what a step freed for later, so a run's peak grows with
            # the input (1.56 GB at 10x the full-size files); the C library's allocator gives
            # it back between steps (1.47 GB at 10x, 1.15 GB instead of 1.31 GB at 1x).
            pa.set_memory_pool(pa.system_memory_pool())
        try:
            self.location().check_reachable()
        except (StorageError, settings.SettingError) as error:
            raise dg.Failure(description=f"HORROR_LAKE_ROOT {error}", allow_retries=False) from None
        now = settings.current()
        try:
            if now.athena_output is not None:  # fail now, not once every table is built
                settings.athena_settings(now)
        except settings.SettingError as error:
            raise dg.Failure(description=str(error), allow_retries=False) from None

    def table(self, asset_key: dg.AssetKey, partition_key: str) -> LakeTable:
        zone, name = zone_and_name(asset_key)
        return LakeTable(self.location(), zone, name, partition_key)

    def inputs(self, tables: Mapping[str, dg.AssetKey], partition_key: str) -> dict[str, LakeTable]:
        """An asset's input partitions, by the names it reads them under; a missing one fails
        the run saying what to materialize.

        Assets declare their inputs as ``deps`` and read them here rather than as IO-manager
        inputs: the partitions are only referenced, never loaded, and each loaded input would
        cost the run two events in Dagster's log.
        """
        found = {name: self.table(key, partition_key) for name, key in tables.items()}
        for table in found.values():
            missing_input(table)
        return found


def zone_and_name(asset_key: dg.AssetKey) -> tuple[str, str]:
    if len(asset_key.path) != 2:
        raise ValueError(f"lake asset keys are <zone>/<table>, got {asset_key.to_user_string()}")
    return asset_key.path[0], asset_key.path[1]


@runtime_checkable
class WritesItself(Protocol):
    """A result that writes itself into a partition (an engine's model result, a file parsed as
    it is written); it may say more about what it wrote, for the materialization's metadata."""

    def write_to(self, table: LakeTable) -> Mapping[str, Any] | None: ...


class LakeIOManager(dg.ConfigurableIOManager):
    """Stores every asset as Parquet at ``<root>/<zone>/<table>/ingestion_date=<partition>/``.

    Outputs may be Arrow tables, Arrow record batch readers or engine results that write
    themselves. Inputs arrive as ``LakeTable`` references, so engines read partitions lazily.
    """

    lake: LakeResource

    def handle_output(
        self, context: dg.OutputContext, obj: pa.Table | pa.RecordBatchReader | WritesItself
    ) -> None:
        table = self.lake.table(context.asset_key, context.asset_partition_key)
        written: Mapping[str, Any] | None = None
        with storage_errors(table):
            if isinstance(obj, WritesItself):
                written = obj.write_to(table)
            else:
                table.write(obj)
        metadata = published(self.lake, table, documented_columns(context))
        context.add_output_metadata({**(written or {}), **metadata})

    def load_input(self, context: dg.InputContext) -> LakeTable:
        table = self.lake.table(context.asset_key, context.asset_partition_key)
        missing_input(table)
        return table


def published(
    lake: LakeResource, table: LakeTable, descriptions: Mapping[str, str]
) -> dict[str, Any]:
    """What a partition just written says about itself (read back from its Parquet file), once
    it is registered in the Glue catalog when the lake has one: its materialization's metadata."""
    with storage_errors(table):
        facts = describe(table)
    metadata: dict[str, Any] = dict(materialization_metadata(facts, descriptions))
    database = lake.catalog_database()
    if database:
        from horror_lake.lake.catalog import CatalogError, register_partition

        try:
            metadata["glue"] = dg.MetadataValue.text(
                register_partition(database, table, facts.schema)
            )
        except CatalogError as error:
            raise dg.Failure(description=str(error)) from None
    return metadata


def missing_input(table: LakeTable) -> None:
    """Fail the run when an input partition is not there, saying what to materialize."""
    with storage_errors(table):
        exists = table.exists()
    if not exists:
        raise dg.Failure(
            description=(
                f"Input {table.zone}/{table.name} has no partition {table.partition_key} at "
                f"{table.uri}; materialize it first."
            ),
            allow_retries=False,
        )


@contextmanager
def storage_errors(table: LakeTable) -> Iterator[None]:
    """Turns a storage failure into a run failure that says where and what, in plain words."""
    try:
        yield
    except OSError as error:
        raise dg.Failure(
            description=f"{table.zone}/{table.name}: {explain_storage_error(table.location, error)}"
        ) from None


def documented_columns(context: dg.OutputContext) -> Mapping[str, str]:
    """Column descriptions from the asset's definition (its sidecar), by column name."""
    schema = (context.definition_metadata or {}).get("dagster/column_schema")
    if isinstance(schema, dg.TableSchemaMetadataValue):
        schema = schema.schema
    if not isinstance(schema, dg.TableSchema):
        return {}
    return {column.name: column.description or "" for column in schema.columns}


def materialization_metadata(
    facts: PartitionFacts, descriptions: Mapping[str, str]
) -> dict[str, dg.MetadataValue]:
    """Row count, path, schema (written types, documented descriptions) and a preview, read back
    from the Parquet file just written."""
    schema = dg.TableSchema(
        columns=[
            dg.TableColumn(field.name, str(field.type), description=descriptions.get(field.name))
            for field in facts.schema
        ]
    )
    return {
        "row_count": dg.MetadataValue.int(facts.row_count),
        "dagster/row_count": dg.MetadataValue.int(facts.row_count),
        "path": dg.MetadataValue.path(facts.uri),
        "dagster/column_schema": dg.MetadataValue.table_schema(schema),
        "preview": dg.MetadataValue.md(markdown_preview(facts.preview)),
    }


def markdown_preview(preview: pa.Table) -> str:
    def cell(value: object) -> str:
        text = "" if value is None else str(value)
        if len(text) > PREVIEW_CELL_CHARS:
            text = text[: PREVIEW_CELL_CHARS - 1] + "…"
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(preview.column_names) + " |"]
    lines.append("|" + "---|" * preview.num_columns)
    lines += [
        "| " + " | ".join(cell(v) for v in row.values()) + " |" for row in arrays.to_python(preview)
    ]
    return "\n".join(lines)
