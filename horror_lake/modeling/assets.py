"""Dagster assets from table files: one asset per table, one step per asset, checks inside.

``sql_table_asset`` makes the whole asset of a SQL model. Python assets describe their tables
with ``table_asset_options`` (or ``table_out`` in a multi-asset), so both kinds show the same
docs, column schema, code version and checks.
"""

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import dagster as dg

from horror_lake.engines.resource import EngineResource
from horror_lake.lake.resources import LakeResource
from horror_lake.lake.tables import LakeTable
from horror_lake.modeling.checks import (
    asset_key,
    check_specs,
    contract_step,
    contract_tables,
    definition_metadata,
)
from horror_lake.modeling.project import Statement, Table
from horror_lake.partitions import daily_partitions


def table_spec(
    table: Table, kinds: set[str], reads: Iterable[dg.AssetKey | dg.AssetDep] = ()
) -> dg.AssetSpec:
    """A table as Dagster shows it: key, docs, schema, version, and what it depends on: the
    tables it ``reads``, and the ones its contract looks up (a foreign key's table must be
    written first, whichever executor runs the job)."""
    key = asset_key(table.zone, table.name)
    deps: list[dg.AssetKey | dg.AssetDep] = list(reads)
    for other in contract_tables(table):
        if other != key and other not in deps:
            deps.append(other)
    return dg.AssetSpec(
        key,
        group_name=table.zone,
        description=table.description,
        metadata=definition_metadata(table),
        code_version=table.code_version,
        kinds=kinds | {"parquet"},
        deps=deps,
        skippable=True,
    )


def table_asset_options(
    table: Table, kinds: set[str], reads: Iterable[dg.AssetKey | dg.AssetDep] = ()
) -> dict[str, Any]:
    """``table_spec`` as the arguments of ``@dg.asset``, with the contract's checks."""
    spec = table_spec(table, kinds, reads)
    return {
        "key": spec.key,
        "group_name": spec.group_name,
        "partitions_def": daily_partitions,
        "description": spec.description,
        "metadata": spec.metadata,
        "code_version": spec.code_version,
        "kinds": spec.kinds,
        "check_specs": check_specs(table),
        "deps": spec.deps,
    }


def table_out(table: Table, kinds: set[str]) -> dg.AssetOut:
    """One output of a Python multi-asset, described like any table."""
    return dg.AssetOut(
        key=asset_key(table.zone, table.name),
        group_name=table.zone,
        description=table.description,
        metadata=definition_metadata(table),
        code_version=table.code_version,
        kinds=kinds | {"parquet"},
        is_required=False,
    )


def sql_table_asset(table: Table) -> dg.AssetsDefinition:
    """The asset of ``<zone>/models/<name>.sql``: its inputs are the tables the SQL reads."""
    statement = table.statement
    assert statement is not None, table.label
    counts = table.counts
    reads = {name: asset_key(*key) for name, key in statement.inputs.items()}

    @dg.asset(**table_asset_options(table, {"sql"}, reads.values()))
    def _model(
        context: dg.AssetExecutionContext, engine: EngineResource, lake: LakeResource
    ) -> Iterator[dg.Output[Any] | dg.AssetCheckResult]:
        inputs = lake.inputs(reads, context.partition_key)
        result = engine.run_model(statement.spark_sql, statement.label, inputs)
        metadata = input_counts(engine, counts, inputs) if counts else {}
        yield dg.Output(result, metadata=metadata)
        yield from contract_step([table], context.partition_key, lake, engine)

    return _model


def input_counts(
    engine: EngineResource, counts: Statement, inputs: Mapping[str, LakeTable]
) -> dict[str, int]:
    """The sidecar's input counts (one query, one row), for the materialization's metadata."""
    row = engine.query(counts.spark_sql, inputs)[0]
    return {name: int(value or 0) for name, value in zip(counts.columns, row, strict=True)}
