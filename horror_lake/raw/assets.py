"""Raw zone: the landing files as received, one row per parsed line, plus the rejected lines.

One step per landing file makes both of its tables (``raw_<source>`` and its rejects), described
and checked by their sidecars in ``raw/models/``.
"""

import datetime as dt
from collections.abc import Iterator

import dagster as dg
import pyarrow as pa

from horror_lake.engines.resource import EngineResource
from horror_lake.lake.resources import LakeResource
from horror_lake.modeling.assets import table_out
from horror_lake.modeling.checks import check_specs, contract_step
from horror_lake.modeling.project import LakeProject
from horror_lake.partitions import daily_partitions
from horror_lake.raw.landing import LandingFileError, LandingResource
from horror_lake.raw.parse import ParsedSource, SourceFileError, parse_source
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
    ) -> Iterator[dg.Output[pa.Table] | dg.AssetCheckResult]:
        try:
            path = landing.find(source.file_name, context.partition_key)
            parsed = parse_source(landing.read(path), source.header, landing.uri(path))
        except (LandingFileError, SourceFileError) as error:
            raise dg.Failure(description=str(error), allow_retries=False) from None
        ingested_at = dt.datetime.now(dt.UTC)
        selected = context.op_execution_context.selected_output_names
        written = []
        if "rows" in selected:
            rows = with_ingested_at(parsed.rows, ingested_at)
            yield dg.Output(rows, "rows", metadata=counts(parsed))
            written.append(rows_table)
        if "rejects" in selected:
            yield dg.Output(with_ingested_at(parsed.rejects, ingested_at), "rejects")
            written.append(rejects_table)
        yield from contract_step(written, context.partition_key, lake, engine)

    return raw_asset


def with_ingested_at(table: pa.Table, ingested_at: dt.datetime) -> pa.Table:
    return table.append_column(
        "ingested_at", pa.repeat(pa.scalar(ingested_at, INGESTED_AT), table.num_rows)
    )


def counts(parsed: ParsedSource) -> dict[str, int]:
    """Line accounting: data_lines = parsed rows + rejected lines; blank lines are skipped."""
    return {
        "data_lines": parsed.data_lines,
        "parsed_rows": parsed.rows.num_rows,
        "rejected_lines": parsed.rejected_lines,
        "blank_lines": parsed.blank_lines,
    }
