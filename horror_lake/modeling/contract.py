"""A table's contract: the rules of its sidecar, evaluated on a written partition.

Every rule that needs the data is measured by one aggregated Spark SQL query per table (one
engine call, on Spark one action), returning a single row with one figure per rule. Offending
keys are only looked up, one small query per rule, when that rule fails. Rules that need no data
(row count against the previous partition or another table, the written columns and types) are
judged from the Parquet footers. Pure Python, no Dagster: ``checks.py`` turns outcomes into
Dagster check results.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

import pyarrow as pa

from horror_lake.lake.types import sql_type
from horror_lake.modeling.sidecar import Sidecar

THIS = "this_partition"  # the name the partition under check is read as
EXAMPLES = 5


@dataclass(frozen=True)
class ColumnTest:
    """One column's part of a grouped rule (not_null, accepted_values, range)."""

    column: str
    values: tuple[object, ...] = ()
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class Rule:
    """One promise of a table, as one Dagster asset check.

    Column value rules of one kind and severity are grouped into one check per table (every
    check is two events in Dagster's log, which a run pays for), with each column's figure in
    its metadata.
    """

    name: str
    kind: str  # not_empty, primary_key, unique, references, not_null, accepted_values, range,
    #            row_count_drop, share_of, columns
    severity: str  # "error" blocks downstream, "warn" only warns
    description: str
    columns: tuple[str, ...] = ()  # the key of primary_key, unique and references
    tests: tuple[ColumnTest, ...] = ()  # the columns of not_null, accepted_values and range
    references: tuple[tuple[str, str, str], ...] = ()  # (zone, table, column), any of them
    share: float | None = None
    other_table: tuple[str, str] | None = None  # (zone, table) for share_of

    @property
    def blocking(self) -> bool:
        return self.severity == "error"


def rules_of(sidecar: Sidecar | None) -> list[Rule]:
    """The rules a table promises. A table without a sidecar still promises rows."""
    if sidecar is None:
        return [Rule("not_empty", "not_empty", "error", "The partition holds at least one row.")]
    rules = []
    if sidecar.not_empty is not None:
        rules.append(
            Rule(
                sidecar.not_empty.name or "not_empty",
                "not_empty",
                sidecar.not_empty.severity,
                "The partition holds at least one row.",
            )
        )
    if sidecar.primary_key:
        key = ", ".join(sidecar.primary_key)
        rules.append(
            Rule(
                "primary_key",
                "primary_key",
                "error",
                f"({key}) is unique and never null.",
                sidecar.primary_key,
            )
        )
    for columns in sidecar.unique:
        rules.append(
            Rule(
                "unique_" + "_".join(columns),
                "unique",
                "error",
                f"({', '.join(columns)}) is unique and never null.",
                columns,
            )
        )
    rules.extend(_reference_rules(sidecar))
    rules.extend(_value_rules(sidecar))
    if sidecar.row_count_drop is not None:
        drop = sidecar.row_count_drop
        rules.append(
            Rule(
                drop.name or "row_count_drop",
                "row_count_drop",
                drop.severity,
                f"The row count does not drop by more than {drop.max_share:.0%} against the "
                "previous partition.",
                share=drop.max_share,
            )
        )
    if sidecar.share_of is not None:
        share_of = sidecar.share_of
        zone, table = share_of.table.split(".")
        rules.append(
            Rule(
                share_of.name or f"share_of_{table}",
                "share_of",
                share_of.severity,
                f"At most {share_of.max:.0%} of the rows of this table and {table} together are "
                "in this table.",
                share=share_of.max,
                other_table=(zone, table),
            )
        )
    if sidecar.columns:
        rules.append(
            Rule(
                "columns",
                "columns",
                "error",
                "The partition has exactly the documented columns, with the documented types.",
            )
        )
    return rules


def _reference_rules(sidecar: Sidecar) -> list[Rule]:
    rules = []
    for column in sidecar.columns:
        if column.references is None:
            continue
        name = column.name
        targets = tuple(
            (z, t, c) for z, t, c in (target.split(".") for target in column.references.to)
        )
        tables = " or ".join(t[1] for t in targets)
        rules.append(
            Rule(
                column.references.name or f"{name}_in_{'_or_'.join(t[1] for t in targets)}",
                "references",
                column.references.severity,
                f"Every {name} is a {targets[0][2]} of {tables}.",
                (name,),
                references=targets,
            )
        )
    return rules


_VALUE_RULES = {
    "not_null": "Never null: {columns}.",
    "accepted_values": "Only the listed values (or null): {columns}.",
    "range": "Within their documented range (or null): {columns}.",
}


def _value_rules(sidecar: Sidecar) -> list[Rule]:
    """One check per kind of column value rule and severity."""
    groups: dict[tuple[str, str], list[ColumnTest]] = {}
    for column in sidecar.columns:
        for kind in _VALUE_RULES:
            rule = getattr(column, kind)
            if rule is None:
                continue
            test = ColumnTest(
                column.name,
                values=getattr(rule, "values", ()),
                low=getattr(rule, "min", None),
                high=getattr(rule, "max", None),
            )
            groups.setdefault((kind, rule.severity), []).append(test)
    rules = []
    for (kind, severity), tests in groups.items():
        warn_too = severity == "warn" and (kind, "error") in groups
        rules.append(
            Rule(
                ("value_ranges" if kind == "range" else kind) + ("_warn" if warn_too else ""),
                kind,
                severity,
                _VALUE_RULES[kind].format(columns=", ".join(_describe(kind, t) for t in tests)),
                tests=tuple(tests),
            )
        )
    return rules


def _describe(kind: str, test: ColumnTest) -> str:
    if kind == "accepted_values":
        return f"{test.column} in ({', '.join(map(str, test.values))})"
    if kind == "range":
        low = f"{test.low:g}" if test.low is not None else ""
        high = f"{test.high:g}" if test.high is not None else ""
        return f"{test.column} in [{low}, {high}]"
    return test.column


def reference_name(index: int) -> str:
    return f"referenced_{index}"


def referenced_tables(rules: list[Rule]) -> list[tuple[str, str]]:
    """(zone, table) of every table the rules look up, in the order they are bound."""
    found: list[tuple[str, str]] = []
    for rule in rules:
        for zone, table, _ in rule.references:
            if (zone, table) not in found:
                found.append((zone, table))
    return found


def looked_up_tables(rules: list[Rule]) -> list[tuple[str, str]]:
    """(zone, table) of every other table the rules read: foreign keys' and shares' tables."""
    found = referenced_tables(rules)
    return found + [r.other_table for r in rules if r.other_table and r.other_table not in found]


def measure_sql(rules: list[Rule]) -> tuple[str, list[str]] | None:
    """One Spark SQL statement returning one row: a figure per rule (and column) that needs the
    data.

    Reads the partition as ``this_partition`` and referenced tables as ``referenced_<i>`` (in
    ``referenced_tables`` order). Returns the statement and, per output column, the figure's
    name (``rule`` or ``rule:column``).
    """
    bound = {table: reference_name(i) for i, table in enumerate(referenced_tables(rules))}
    row_figures: list[tuple[str, str]] = []  # (figure, aggregate over the partition's rows)
    keyed: list[tuple[str, str]] = []  # (figure, a query whose rows are counted)
    for rule in rules:
        cols = [_quote(c) for c in rule.columns]
        if rule.kind == "not_empty":
            row_figures.append((rule.name, "count(*)"))
        elif rule.kind in ("primary_key", "unique"):
            row_figures.append((f"{rule.name}:nulls", f"count_if({_any_null(cols)})"))
            keyed.append((rule.name, _duplicates(cols)))
        elif rule.kind == "references":
            keyed.append((rule.name, _orphans(rule, bound)))
        for test in rule.tests:
            row_figures.append((f"{rule.name}:{test.column}", f"count_if({_offends(rule, test)})"))
    if not row_figures and not keyed:
        return None
    names = [name for name, _ in row_figures] + [name for name, _ in keyed]
    parts = []
    if row_figures:
        figures = ",\n        ".join(f"{sql} as m{i}" for i, (_, sql) in enumerate(row_figures))
        parts.append(f"row_figures as (\n    select\n        {figures}\n    from {THIS}\n)")
    for i, (_, sql) in enumerate(keyed, start=len(row_figures)):
        parts.append(f"m{i} as (\n    select count(*) as m{i} from ({sql}) as keys\n)")
    sources = [part.split(" as (", 1)[0] for part in parts]
    statement = (
        "with\n\n" + ",\n\n".join(parts) + f"\n\nselect * from {' cross join '.join(sources)}"
    )
    return statement, names


def blocking_figures(rules: list[Rule]) -> tuple[list[str], list[str]]:
    """For a builder that can't run ``judge`` (the Glue job) but must not build on a table whose
    blocking rules fail: the figures of ``measure_sql`` that must be zero (rows breaking a
    blocking rule) and those that must be above zero (a blocking ``not_empty``'s row count)."""
    zero: list[str] = []
    above_zero: list[str] = []
    for rule in rules:
        if not rule.blocking:
            continue
        if rule.kind == "not_empty":
            above_zero.append(rule.name)
        elif rule.kind in ("primary_key", "unique"):
            zero += [f"{rule.name}:nulls", rule.name]
        elif rule.kind == "references":
            zero.append(rule.name)
        zero += [f"{rule.name}:{test.column}" for test in rule.tests]
    return zero, above_zero


def examples_sql(rule: Rule, rules: list[Rule], column: str | None = None) -> str | None:
    """A few offending keys or values of a failed rule (for ``column`` of a grouped rule)."""
    bound = {table: reference_name(i) for i, table in enumerate(referenced_tables(rules))}
    if rule.kind in ("primary_key", "unique"):
        cols = [_quote(c) for c in rule.columns]
        order = ", ".join(cols)
        return f"select * from ({_duplicates(cols)}) as keys order by {order} limit {EXAMPLES}"
    if rule.kind == "references":
        return f"{_orphans(rule, bound)} order by {_quote(rule.columns[0])} limit {EXAMPLES}"
    test = next((t for t in rule.tests if t.column == column), None)
    if test is None or rule.kind == "not_null":
        return None
    quoted = _quote(test.column)
    return (
        f"select distinct {quoted} from {THIS} where {_offends(rule, test)} order by {quoted} "
        f"limit {EXAMPLES}"
    )


def _quote(column: str) -> str:
    return f"`{column}`"


def _any_null(cols: list[str]) -> str:
    return " or ".join(f"{c} is null" for c in cols)


def _duplicates(cols: list[str]) -> str:
    """Keys (nulls aside, they are counted apart) found on more than one row."""
    listed = ", ".join(cols)
    not_null = " and ".join(f"{c} is not null" for c in cols)
    return f"select {listed} from {THIS} where {not_null} group by {listed} having count(*) > 1"


def _offends(rule: Rule, test: ColumnTest) -> str:
    """The condition a row breaks ``test`` on."""
    column = _quote(test.column)
    if rule.kind == "not_null":
        return f"{column} is null"
    if rule.kind == "accepted_values":
        values = ", ".join(_literal(v) for v in test.values)
        return f"{column} is not null and {column} not in ({values})"
    bounds = []
    if test.low is not None:
        bounds.append(f"{column} < {test.low!r}")
    if test.high is not None:
        bounds.append(f"{column} > {test.high!r}")
    return f"{column} is not null and ({' or '.join(bounds) or 'false'})"


def _orphans(rule: Rule, bound: Mapping[tuple[str, str], str]) -> str:
    """Distinct values found in none of the referenced tables."""
    column = _quote(rule.columns[0])
    missing = " and ".join(
        f"not exists (select 1 from {bound[(zone, table)]} as referenced "
        f"where referenced.{_quote(target)} = keys.{column})"
        for zone, table, target in rule.references
    )
    return (
        f"select {column} from (select distinct {column} from {THIS} "
        f"where {column} is not null) as keys where {missing}"
    )


def _literal(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


@dataclass(frozen=True)
class Facts:
    """What the Parquet footers say, for the rules that need no query."""

    schema: pa.Schema
    row_count: int
    previous_row_count: int | None = None  # the previous partition of the same table
    previous_partition: str | None = None
    other_row_counts: dict[tuple[str, str], int | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    rule: Rule
    passed: bool
    metadata: dict[str, int | float | str]
    summary: str  # one line for the run's error message when it fails


def judge(
    rules: list[Rule],
    figures: Mapping[str, int],
    facts: Facts,
    documented: Sidecar | None,
) -> list[Outcome]:
    """Each rule's outcome from the measured ``figures`` (by rule name) and ``facts``."""
    return [_judge(rule, figures, facts, documented) for rule in rules]


def _judge(
    rule: Rule, figures: Mapping[str, int], facts: Facts, documented: Sidecar | None
) -> Outcome:
    kind = rule.kind
    if kind == "not_empty":
        rows = facts.row_count
        return Outcome(rule, rows > 0, {"row_count": rows}, f"{rows} rows")
    if kind in ("primary_key", "unique"):
        nulls, duplicates = figures[f"{rule.name}:nulls"], figures[rule.name]
        return Outcome(
            rule,
            nulls == 0 and duplicates == 0,
            {"null_keys": nulls, "duplicate_keys": duplicates},
            f"{duplicates} duplicate and {nulls} null keys",
        )
    if kind in _VALUE_RULES:
        offending = {t.column: figures[f"{rule.name}:{t.column}"] for t in rule.tests}
        failing = {column: count for column, count in offending.items() if count}
        return Outcome(
            rule,
            not failing,
            {f"rows_breaking_{column}": count for column, count in offending.items()},
            ", ".join(f"{count} rows break it on {column}" for column, count in failing.items())
            or f"{len(offending)} columns hold it",
        )
    if kind == "references":
        orphans = figures[rule.name]
        return Outcome(rule, orphans == 0, {"orphan_keys": orphans}, f"{orphans} keys not found")
    if kind == "row_count_drop":
        return _judge_drop(rule, facts)
    if kind == "share_of":
        return _judge_share(rule, facts)
    if kind == "columns":
        return _judge_columns(rule, facts.schema, documented)
    raise ValueError(f"unknown rule kind {kind}")


def _judge_drop(rule: Rule, facts: Facts) -> Outcome:
    previous = facts.previous_row_count
    if previous is None:
        note = "no earlier partition to compare with"
        return Outcome(rule, True, {"note": note}, note)
    allowed = previous * (1 - (rule.share or 0))
    dropped = (previous - facts.row_count) / previous if previous else 0.0
    return Outcome(
        rule,
        facts.row_count >= allowed,
        {
            "row_count": facts.row_count,
            "previous_row_count": previous,
            "previous_partition": facts.previous_partition or "",
            "drop_share": round(max(dropped, 0.0), 4),
        },
        f"{facts.row_count} rows against {previous} in {facts.previous_partition}",
    )


def _judge_share(rule: Rule, facts: Facts) -> Outcome:
    assert rule.other_table is not None
    other = facts.other_row_counts.get(rule.other_table)
    if other is None:
        zone, table = rule.other_table
        problem = f"{zone}/{table} has no such partition"
        return Outcome(rule, False, {"problem": problem}, problem)
    total = other + facts.row_count
    share = facts.row_count / total if total else 0.0
    return Outcome(
        rule,
        share <= (rule.share or 0),
        {"rows": facts.row_count, "rows_with_other_table": total, "share": round(share, 6)},
        f"{share:.2%} of {total} rows",
    )


def _judge_columns(rule: Rule, schema: pa.Schema, documented: Sidecar | None) -> Outcome:
    assert documented is not None
    written = {f.name: sql_type(f.type) for f in schema}
    listed = {c.name: c.type for c in documented.columns}
    undocumented = [n for n in written if n not in listed]
    missing = [n for n in listed if n not in written]
    mistyped = [
        f"{n}: {written[n]} (documented {t})"
        for n, t in listed.items()
        if t is not None and n in written and written[n] != t.replace(" ", "").lower()
    ]
    problems = []
    if undocumented:
        problems.append(f"undocumented columns {undocumented}")
    if missing:
        problems.append(f"missing columns {missing}")
    if mistyped:
        problems.append(f"other types {mistyped}")
    summary = "; ".join(problems) or f"{len(written)} columns as documented"
    return Outcome(rule, not problems, {"problems": "; ".join(problems) or "none"}, summary)
