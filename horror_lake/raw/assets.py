"""Raw zone: the landing files as received, one row per parsed line, plus the rejected lines.

One step per landing file makes both of its tables (``raw_<source>`` and its rejects), described
and checked by their sidecars in ``raw/models/``. The file is parsed block by block as the rows
are written, so memory stays flat however large the file grows.
"""

import datetime as dt
from collections.abc import Iterator
from typing import Any

import dagster as dg
import pyarrow as pa

from horror_lake.engines.resource import EngineResource
from horror_lake.lake import arrays
from horror_lake.lake.resources import LakeResource
from horror_lake.lake.tables import LakeTable
from horror_lake.modeling.assets import table_out
from horror_lake.modeling.checks import check_specs, contract_step
from horror_lake.modeling.project import LakeProject
from horror_lake.partitions import daily_partitions
from horror_lake.raw.landing import LandingFileError, LandingResource
from horror_lake.raw.parse import SourceFileError, SourceStream, stream_source
from horror_lake.raw.sources import SOURCES, Source

INGESTED_AT = pa.timestamp("us", tz="UTC")


def build_assets(project: LakeProject) -> list[dg.AssetsDefinition]:
    return [raw_source_asset(project, source) for source in SOURCES]


def raw_source_asset(project: LakeProject, source: Source) -> dg.AssetsDefinition:
    """``raw/raw_<source>`` and ``raw/raw_<source>_rejects`` from one landing file."""
    rows_table = project.table("raw", source.table)
    rejects_table = project.table("raw", source.rejects_table)

    @dg.multi_asset(
        name=source.table,
        partitions_def=daily_partitions,
        group_name="raw",
        can_subset=True,
        outs={
            "rows": table_out(rows_table, {"python"}),
            "rejects": table_out(rejects_table, {"python"}),
        },
        check_specs=[*check_specs(rows_table), *check_specs(rejects_table)],
    )
    def raw_asset(
        context: dg.AssetExecutionContext,
        landing: LandingResource,
        lake: LakeResource,
        engine: EngineResource,
    ) -> Iterator[dg.Output[Any] | dg.AssetCheckResult]:
        try:
            path = landing.find(source.file_name, context.partition_key)
            version = dg.DataVersion(landing.version(path))
            with landing.open(path) as file:
                stream = stream_source(file, source.header, landing.uri(path))
                rows = ParsedRows(stream, dt.datetime.now(dt.UTC))
                selected = context.op_execution_context.selected_output_names
                if "rows" in selected:
                    # Parsed while the IO manager writes it.
                    yield dg.Output(rows, "rows", data_version=version)
                else:
                    rows.skip()
                if "rejects" in selected:
                    yield dg.Output(rows.rejects(), "rejects", data_version=version)
        except (LandingFileError, SourceFileError) as error:
            raise dg.Failure(description=str(error), allow_retries=False) from None
        written = [
            t for name, t in (("rows", rows_table), ("rejects", rejects_table)) if name in selected
        ]
        yield from contract_step(written, context.partition_key, lake, engine)

    return raw_asset


class ParsedRows:
    """A landing file's rows, parsed block by block as they are written to the lake; the line
    accounting is known once they are."""

    def __init__(self, stream: SourceStream, ingested_at: dt.datetime) -> None:
        self.stream = stream
        self.ingested_at = arrays.scalar(ingested_at, INGESTED_AT)

    def write_to(self, table: LakeTable) -> dict[str, int]:
        schema = self.stream.schema.append(pa.field("ingested_at", INGESTED_AT))
        batches = (
            batch.append_column("ingested_at", pa.repeat(self.ingested_at, batch.num_rows))
            for batch in self.stream
        )
        table.write(pa.RecordBatchReader.from_batches(schema, batches))
        return self.counts()

    def skip(self) -> None:
        """Parse without writing (only the rejects were asked for)."""
        for _ in self.stream:
            pass

    def rejects(self) -> pa.Table:
        rejects = self.stream.rejects
        return rejects.append_column("ingested_at", pa.repeat(self.ingested_at, rejects.num_rows))

    def counts(self) -> dict[str, int]:
        """Line accounting: data_lines = parsed rows + rejected lines; blank lines are skipped."""
        return {
            "data_lines": self.stream.data_lines,
            "parsed_rows": self.stream.parsed_rows,
            "rejected_lines": self.stream.rejected_lines,
            "blank_lines": self.stream.blank_lines,
        }
