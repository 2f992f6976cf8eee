"""Raw zone: the landing files as received, one row per parsed line, plus the rejected lines."""

import datetime as dt
from collections.abc import Iterator

import dagster as dg
import pyarrow as pa

from horror_lake.partitions import daily_partitions
from horror_lake.raw.landing import LandingFileError, LandingResource
from horror_lake.raw.parse import ParsedSource, SourceFileError, parse_source
from horror_lake.raw.sources import SOURCES, Source

INGESTED_AT = pa.timestamp("us", tz="UTC")


def build_raw_asset(source: Source) -> dg.AssetsDefinition:
    """``raw/raw_<source>`` and ``raw/raw_<source>_rejects`` from one landing file."""

    @dg.multi_asset(
        name=source.table,
        partitions_def=daily_partitions,
        group_name="raw",
        can_subset=True,
        outs={
            "rows": dg.AssetOut(
                key=dg.AssetKey(["raw", source.table]),
                is_required=False,
                kinds={"parquet"},
                description=(
                    f"Grain: one row per parsed data line of {source.file_name}. Every source "
                    "column as a string exactly as received, plus source_file, line_number, "
                    "ingested_at."
                ),
            ),
            "rejects": dg.AssetOut(
                key=dg.AssetKey(["raw", source.rejects_table]),
                is_required=False,
                kinds={"parquet"},
                description=(
                    f"Grain: one row per line of {source.file_name} that could not be parsed, "
                    "kept verbatim with its line number and the reason."
                ),
            ),
        },
    )
    def raw_asset(
        context: dg.AssetExecutionContext, landing: LandingResource
    ) -> Iterator[dg.Output[pa.Table]]:
        try:
            path = landing.find(source.file_name, context.partition_key)
            parsed = parse_source(landing.read(path), source.header, landing.uri(path))
        except (LandingFileError, SourceFileError) as error:
            raise dg.Failure(description=str(error), allow_retries=False) from None
        context.log.info(
            f"{landing.uri(path)}: {parsed.data_lines} data lines -> {parsed.rows.num_rows} rows, "
            f"{parsed.rejected_lines} rejected, {parsed.blank_lines} blank"
        )
        ingested_at = dt.datetime.now(dt.UTC)
        if "rows" in context.op_execution_context.selected_output_names:
            rows = with_ingested_at(parsed.rows, ingested_at)
            yield dg.Output(rows, "rows", metadata=counts(parsed))
        if "rejects" in context.op_execution_context.selected_output_names:
            yield dg.Output(with_ingested_at(parsed.rejects, ingested_at), "rejects")

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


raw_assets = [build_raw_asset(source) for source in SOURCES]
