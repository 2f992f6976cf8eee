"""The lake as Dagster sees it: a resource naming the root and the one IO manager."""

import os
from typing import Protocol, runtime_checkable

import dagster as dg
import pyarrow as pa

from horror_lake.lake.location import LakeLocation, lake_location
from horror_lake.lake.tables import LakeTable, describe

DEFAULT_ROOT = "lake"
PREVIEW_CELL_CHARS = 40


class LakeResource(dg.ConfigurableResource):
    """The lake root: ``root`` if set, else ``HORROR_LAKE_ROOT``, else ``lake/`` (read at run time).

    A local folder or ``s3://bucket/prefix``.
    """

    root: str | None = None

    def location(self) -> LakeLocation:
        return lake_location(self.root or os.environ.get("HORROR_LAKE_ROOT") or DEFAULT_ROOT)

    def table(self, asset_key: dg.AssetKey, partition_key: str) -> LakeTable:
        zone, name = zone_and_name(asset_key)
        return LakeTable(self.location(), zone, name, partition_key)


def zone_and_name(asset_key: dg.AssetKey) -> tuple[str, str]:
    if len(asset_key.path) != 2:
        raise ValueError(f"lake asset keys are <zone>/<table>, got {asset_key.to_user_string()}")
    return asset_key.path[0], asset_key.path[1]


@runtime_checkable
class WritesItself(Protocol):
    """A result an engine writes to the lake on its own (e.g. a Spark DataFrame wrapper)."""

    def write_to(self, table: LakeTable) -> None: ...


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
        if isinstance(obj, WritesItself):
            obj.write_to(table)
        else:
            table.write(obj)
        context.add_output_metadata(materialization_metadata(table))

    def load_input(self, context: dg.InputContext) -> LakeTable:
        table = self.lake.table(context.asset_key, context.asset_partition_key)
        if not table.exists():
            raise dg.Failure(
                description=(
                    f"Input {context.asset_key.to_user_string()} has no partition "
                    f"{table.partition_key} at {table.uri}; materialize it first."
                )
            )
        return table


def materialization_metadata(table: LakeTable) -> dict[str, dg.MetadataValue]:
    """Row count, path, schema and a preview, read back from the Parquet file just written."""
    facts = describe(table)
    schema = dg.TableSchema(
        columns=[dg.TableColumn(field.name, str(field.type)) for field in facts.schema]
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
        "| " + " | ".join(cell(v) for v in row.values()) + " |" for row in preview.to_pylist()
    ]
    return "\n".join(lines)
