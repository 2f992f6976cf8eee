"""Contracts in Dagster: a table's rules as checks on its asset, evaluated in its own step.

The one mechanism for every table, whether SQL or Python makes it: the asset declares
``check_specs(table)``, writes its partition, then yields ``contract_step(...)``. A failed
blocking rule fails the step with a message naming the table, the rule and a few offending keys,
so nothing downstream of the table runs.

A table has at most three checks: ``not_empty`` (blocking), ``contract`` (every other blocking
rule) and ``contract_warnings`` (the rules that only warn), each rule's outcome a line of the
check's metadata. Each check costs a run three events in Dagster's log (planned, output,
evaluation) and a lookup of its materialization: per-rule checks would triple a small run's
event traffic.
"""

from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg

from horror_lake.engines.resource import EngineResource
from horror_lake.lake.resources import LakeResource
from horror_lake.lake.tables import LakeTable
from horror_lake.modeling.contract import (
    THIS,
    Facts,
    Outcome,
    Rule,
    examples_sql,
    judge,
    looked_up_tables,
    measure_sql,
    reference_name,
    referenced_tables,
    rules_of,
)
from horror_lake.modeling.project import Table


def asset_key(zone: str, name: str) -> dg.AssetKey:
    return dg.AssetKey([zone, name])


NOT_EMPTY, CONTRACT, WARNINGS = "not_empty", "contract", "contract_warnings"


def check_groups(rules: list[Rule]) -> dict[str, list[Rule]]:
    """The rules of each of a table's checks."""
    groups: dict[str, list[Rule]] = {}
    for rule in rules:
        if not rule.blocking:
            name = WARNINGS
        elif rule.kind == "not_empty":
            name = NOT_EMPTY
        else:
            name = CONTRACT
        groups.setdefault(name, []).append(rule)
    return groups


def contract_tables(table: Table) -> list[dg.AssetKey]:
    """The other tables the contract reads (foreign keys, shares)."""
    return [asset_key(*t) for t in looked_up_tables(rules_of(table.sidecar))]


def check_specs(table: Table) -> list[dg.AssetCheckSpec]:
    key = asset_key(table.zone, table.name)
    specs = []
    for name, rules in check_groups(rules_of(table.sidecar)).items():
        reads = [asset_key(*t) for t in looked_up_tables(rules)]
        specs.append(
            dg.AssetCheckSpec(
                name,
                asset=key,
                blocking=name != WARNINGS,
                description=" ".join(f"{r.name}: {r.description}" for r in rules),
                additional_deps=[k for k in reads if k != key] or None,
            )
        )
    return specs


def column_schema(table: Table) -> dg.TableSchema | None:
    """The documented columns (types as declared), shown in the UI before any run."""
    if table.sidecar is None or not table.sidecar.columns:
        return None
    return dg.TableSchema(
        columns=[
            dg.TableColumn(c.name, c.type or "", description=c.description.strip())
            for c in table.sidecar.columns
        ]
    )


def definition_metadata(table: Table) -> dict[str, Any]:
    metadata: dict[str, Any] = {"horror_lake/definition": table.label}
    schema = column_schema(table)
    if schema is not None:
        metadata["dagster/column_schema"] = schema
    return metadata


def evaluate_contract(
    table: Table,
    written: LakeTable,
    lake: LakeResource,
    engine: EngineResource,
    figures: Mapping[str, int] | None = None,
) -> list[dg.AssetCheckResult]:
    """Every rule of ``table``'s contract, judged on the partition just written; ``figures``
    when the builder already measured them (``measure_sql``), as the Glue job does."""
    rules = rules_of(table.sidecar)
    referenced = referenced_tables(rules)
    inputs = {THIS: written} | {
        reference_name(i): lake.table(asset_key(*t), written.partition_key)
        for i, t in enumerate(referenced)
    }
    measured = measure_sql(rules)
    if figures is None:
        figures = {}
        if measured is not None:
            statement, names = measured
            row = engine.query(statement, inputs)[0]
            figures = dict(zip(names, (int(v or 0) for v in row), strict=True))
    outcomes = judge(rules, figures, _facts(table, written, lake, rules), table.sidecar)
    by_rule = {outcome.rule.name: outcome for outcome in outcomes}
    results = []
    for name, group in check_groups(rules).items():
        metadata: dict[str, dg.RawMetadataValue] = {}
        for rule in group:
            outcome = by_rule[rule.name]
            line = ("passed: " if outcome.passed else "FAILED: ") + outcome.summary
            if not outcome.passed:
                examples = _examples(outcome, rules, engine, inputs)
                line += f"; e.g. {examples}" if examples else ""
            metadata[rule.name] = line
        if name == NOT_EMPTY:
            metadata["row_count"] = facts_row_count(written)
        results.append(
            dg.AssetCheckResult(
                asset_key=asset_key(table.zone, table.name),
                check_name=name,
                passed=all(by_rule[rule.name].passed for rule in group),
                severity=dg.AssetCheckSeverity.WARN
                if name == WARNINGS
                else dg.AssetCheckSeverity.ERROR,
                metadata=metadata,
            )
        )
    return results


def facts_row_count(written: LakeTable) -> int:
    return written.parquet_file().metadata.num_rows


def blocking_failure(results: list[dg.AssetCheckResult]) -> dg.Failure | None:
    """One failure for every blocking rule that failed: which table, which rule, which keys."""
    lines = [
        f"{result.asset_key.to_user_string()}: rule {rule} {_text(line).removeprefix('FAILED: ')}"
        for result in results
        if result.severity == dg.AssetCheckSeverity.ERROR and result.asset_key is not None
        for rule, line in result.metadata.items()
        if _text(line).startswith("FAILED")
    ]
    if not lines:
        return None
    return dg.Failure(
        description="Blocking contract rules failed, so nothing downstream runs:\n"
        + "\n".join(lines),
        allow_retries=False,
    )


def _text(value: object) -> str:
    return str(value.value if isinstance(value, dg.MetadataValue) else value)


def contract_step(
    tables: list[Table],
    partition_key: str,
    lake: LakeResource,
    engine: EngineResource,
    figures: Mapping[str, Mapping[str, int]] | None = None,
) -> Iterator[dg.AssetCheckResult]:
    """Yield the contracts' results for the partitions the step just wrote, then fail the step
    if a blocking rule failed (``figures``: by table label, when already measured)."""
    results = [
        result
        for table in tables
        for result in evaluate_contract(
            table,
            lake.table(asset_key(table.zone, table.name), partition_key),
            lake,
            engine,
            (figures or {}).get(table.label),
        )
    ]
    yield from results
    failure = blocking_failure(results)
    if failure is not None:
        raise failure


def _facts(table: Table, written: LakeTable, lake: LakeResource, rules: list[Any]) -> Facts:
    footer = written.parquet_file()
    previous = [
        key
        for key in lake.location().partition_keys(table.zone, table.name)
        if key < written.partition_key
    ]
    previous_rows = None
    if previous and any(r.kind == "row_count_drop" for r in rules):
        previous_rows = _row_count(lake.table(asset_key(table.zone, table.name), previous[-1]))
    others = {
        r.other_table: _row_count(lake.table(asset_key(*r.other_table), written.partition_key))
        for r in rules
        if r.other_table
    }
    return Facts(
        schema=footer.schema_arrow,
        row_count=footer.metadata.num_rows,
        previous_row_count=previous_rows,
        previous_partition=previous[-1] if previous else None,
        other_row_counts=others,
    )


def _row_count(table: LakeTable) -> int | None:
    return table.parquet_file().metadata.num_rows if table.exists() else None


def _examples(
    outcome: Outcome, rules: list[Any], engine: EngineResource, inputs: dict[str, LakeTable]
) -> str:
    """A few offending keys or values of a failed rule, per failing column when grouped."""
    rule = outcome.rule
    failing: list[str | None] = [
        t.column for t in rule.tests if outcome.metadata.get(f"rows_breaking_{t.column}")
    ]
    columns = failing or [None]
    found = []
    for column in columns:
        sql = examples_sql(rule, rules, column)
        if sql is None:
            continue
        values = ", ".join(
            str(row[0]) if len(row) == 1 else "(" + ", ".join(map(str, row)) + ")"
            for row in engine.query(sql, inputs)
        )
        found.append(f"{column}: {values}" if column else values)
    return "; ".join(found)
