"""Spark SQL text, the one dialect that models, checks, views and dashboard queries are written in.

sqlglot does the work: which tables a statement reads, macro expansion (rules written once and
used everywhere), and translation for engines that speak another dialect. A macro is either an
expression (``clean_text(x)``, called where a value goes) or a query (``first_title_lines(t)``,
called where a table goes, its parameters naming tables).
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from horror_lake.engines.sql_cache import remembered

SOURCE_DIALECT = "spark"
_MACRO = re.compile(r"^\s*macro\s+(\w+)\s*\(([^)]*)\)\s+as\s+(.+?);\s*$", re.I | re.M | re.S)
_MAX_MACRO_DEPTH = 8


class SqlError(ValueError):
    """A statement or macro can't be parsed or expanded; the message names where."""


@dataclass(frozen=True)
class Macro:
    """``name(parameters)``: a call of it in SQL is replaced by ``body`` with the arguments."""

    name: str
    parameters: tuple[str, ...]
    body: Any  # a sqlglot expression, or a query for a table macro

    @property
    def is_table(self) -> bool:
        from sqlglot import exp

        return isinstance(self.body, exp.Query)


def parse(spark_sql: str, source: str) -> Any:
    """The statement's syntax tree (sqlglot), or an error naming ``source``."""
    import sqlglot  # half a second of import, paid only by what parses SQL

    try:
        tree = sqlglot.parse_one(spark_sql, read=SOURCE_DIALECT)
    except sqlglot.errors.ParseError as error:
        raise SqlError(f"{source}: not valid Spark SQL: {error}") from None
    if tree is None:
        raise SqlError(f"{source}: no SQL statement")
    return tree


def parse_macros(text: str, source: str) -> dict[str, Macro]:
    """Macros from a file of ``macro name(a, b) as <expression>;`` definitions."""
    text = re.sub(r"--[^\n]*", "", text)
    macros = {}
    for match in _MACRO.finditer(text):
        name, parameters, body = match.groups()
        names = tuple(p.strip().lower() for p in parameters.split(",") if p.strip())
        macros[name.lower()] = Macro(name.lower(), names, parse(body, f"{source}: macro {name}"))
    leftover = _MACRO.sub("", text).strip()
    if leftover:
        raise SqlError(f"{source}: not a macro definition: {leftover.splitlines()[0]!r}")
    return macros


def expand_macros(tree: Any, macros: Mapping[str, Macro], source: str, depth: int = 0) -> Any:
    """``tree`` with every macro call replaced by the macro's body (macros may use macros)."""
    from sqlglot import exp

    def expand(node: Any) -> Any:
        table_call = isinstance(node, exp.Table) and isinstance(node.this, exp.Anonymous)
        call = node.this if table_call else node
        if not isinstance(call, exp.Anonymous) or call.name.lower() not in macros:
            return node
        macro = macros[call.name.lower()]
        if macro.is_table != table_call:
            where = "a table" if macro.is_table else "a value"
            raise SqlError(f"{source}: macro {macro.name} goes where {where} goes: {node.sql()}")
        if depth > _MAX_MACRO_DEPTH:
            raise SqlError(f"{source}: macro {macro.name} expands too deep (does it call itself?)")
        if len(call.expressions) != len(macro.parameters):
            raise SqlError(
                f"{source}: macro {macro.name}({', '.join(macro.parameters)}) takes "
                f"{len(macro.parameters)} argument(s), got {len(call.expressions)}: {node.sql()}"
            )
        arguments = dict(zip(macro.parameters, call.expressions, strict=True))
        if macro.is_table:
            body = macro.body.copy().transform(lambda n: _table_argument(n, arguments))
            alias = node.alias or macro.name
            return exp.Subquery(
                this=expand_macros(body, macros, source, depth + 1),
                alias=exp.TableAlias(this=exp.to_identifier(alias)),
            )
        values = {name: expand_macros(v, macros, source, depth) for name, v in arguments.items()}
        body = macro.body.copy().transform(lambda n: _value_argument(n, values))
        return exp.Paren(this=expand_macros(body, macros, source, depth + 1))

    return tree.copy().transform(expand)


def _value_argument(node: Any, arguments: Mapping[str, Any]) -> Any:
    from sqlglot import exp

    if isinstance(node, exp.Column) and not node.table and node.name in arguments:
        return arguments[node.name].copy()
    return node


def _table_argument(node: Any, arguments: Mapping[str, Any]) -> Any:
    """A table parameter read in the body: the argument's table, under the parameter's name (so
    ``lines.id`` in the body keeps meaning the argument's ``id``)."""
    from sqlglot import exp

    if isinstance(node, exp.Table) and not node.db and node.name in arguments:
        return exp.to_table(arguments[node.name].sql()).as_(node.alias or node.name)
    return node


def tables_read(tree: Any) -> set[tuple[str, str]]:
    """(qualifier, name) of every table the statement reads; CTEs excluded, qualifier ''
    when the name is not qualified (``refined.dim_filme`` gives ``("refined", "dim_filme")``)."""
    from sqlglot import exp

    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    found = set()
    for table in tree.find_all(exp.Table):
        if not table.name:
            continue  # a table function such as VALUES or explode
        qualifier, name = table.db.lower(), table.name.lower()
        if qualifier or name not in ctes:
            found.add((qualifier, name))
    return found


def output_columns(tree: Any) -> tuple[str, ...]:
    """The names of the columns a query returns; ``select * from <cte>`` (the house style's
    last line) takes the CTE's. Empty when that can't be told without the tables' schemas."""
    from sqlglot import exp

    names = tuple(getattr(tree, "named_selects", ()))
    if names != ("*",):
        return () if "*" in names else names
    source = tree.find(exp.From)
    ctes = {cte.alias_or_name: cte.this for cte in tree.find_all(exp.CTE)}
    if source is not None and isinstance(source.this, exp.Table) and source.this.name in ctes:
        return output_columns(ctes[source.this.name])
    return ()


def rename_tables(tree: Any, names: Mapping[tuple[str, str], str]) -> Any:
    """``tree`` with the tables keyed in ``names`` read under the given plain names."""
    from sqlglot import exp

    def rename(node: Any) -> Any:
        if isinstance(node, exp.Table) and node.name:
            bound = names.get((node.db.lower(), node.name.lower()))
            if bound is not None:
                alias = node.alias or (node.name if node.db else "")
                return exp.to_table(bound).as_(alias) if alias else exp.to_table(bound)
        return node

    return tree.copy().transform(rename)


PARTITION_PARAMETER = "partition_date"


@remembered
def one_partition(spark_sql: str, label: str, tables: Mapping[str, str], column: str) -> str:
    """``spark_sql`` reading only rows whose ``column`` is the parameter ``:partition_date``
    from the tables it reads under the plain names in ``tables``, each from the table named
    there (``horror.dim_filme``): how a statement written for one date's partitions runs over
    tables that hold every date. The date is bound when the statement runs."""
    from sqlglot import exp

    def restrict(node: Any) -> Any:
        if isinstance(node, exp.Table) and node.name and not node.db:
            target = tables.get(node.name.lower())
            if target is not None:
                rows = (
                    exp.select("*")
                    .from_(exp.to_table(target))
                    .where(exp.column(column).eq(exp.Placeholder(this=PARTITION_PARAMETER)))
                )
                return rows.subquery(node.alias or node.name)
        return node

    return to_sql(parse(spark_sql, label).transform(restrict))


def filled(
    spark_sql: str, parameters: Mapping[str, object], source: str, dialect: str = SOURCE_DIALECT
) -> str:
    """``spark_sql`` with its ``:parameters`` written in as literals (see ``fill_parameters``),
    in ``dialect``: for engines that take no bound parameters (Spark, Athena). Not kept on disk
    (the values would make a new entry each time), so never passed to ``translate``."""
    tree = fill_parameters(parse(spark_sql, source), parameters, source)
    return to_sql(tree) if dialect == SOURCE_DIALECT else str(tree.sql(dialect=dialect))


def fill_parameters(tree: Any, parameters: Mapping[str, object], source: str) -> Any:
    """``tree`` with each ``:name`` parameter replaced by its value as a literal. A list value
    fills ``x in (:name)`` with its items (an empty list matches nothing)."""
    from sqlglot import exp

    values = bound_values(*placeholders(tree, source), parameters, source)

    def literal(value: object) -> Any:
        if value is None:
            return exp.Null()
        if isinstance(value, bool):
            return exp.Boolean(this=value)
        if isinstance(value, int | float):
            return exp.Literal.number(value)
        return exp.Literal.string(str(value))

    def fill(node: Any) -> Any:
        if _is_list_in(node):
            filled = node.copy()
            items = cast(list[object], values[node.expressions[0].name])  # bound as a list
            filled.set("expressions", [literal(v) for v in items or [None]])
            return filled
        if isinstance(node, exp.Placeholder) and node.name:
            return literal(values[node.name])
        return node

    return tree.copy().transform(fill)


def placeholders(tree: Any, source: str) -> tuple[list[str], list[str]]:
    """The names of ``tree``'s ``:parameters``, and of those used as ``x in (:name)`` (lists);
    a name used both ways is an error."""
    from sqlglot import exp

    lists = {node.expressions[0].name for node in tree.find_all(exp.In) if _is_list_in(node)}
    for placeholder in tree.find_all(exp.Placeholder):
        if placeholder.name in lists and not _is_list_in(placeholder.parent):
            raise SqlError(
                f"{source}: :{placeholder.name} is used both as a list (`in (:name)`) and as "
                "a value"
            )
    names = {p.name for p in tree.find_all(exp.Placeholder) if p.name}
    return sorted(names), sorted(lists)


def _is_list_in(node: Any) -> bool:
    """``x in (:name)``: where a list parameter goes."""
    from sqlglot import exp

    return isinstance(node, exp.In) and [type(e) for e in node.expressions] == [exp.Placeholder]


def to_sql(tree: Any) -> str:
    """A syntax tree back as Spark SQL text."""
    return str(tree.sql(dialect=SOURCE_DIALECT, pretty=True))


@cache
@remembered
def translate(spark_sql: str, dialect: str) -> str:
    """``spark_sql`` in another engine's dialect (the text itself for Spark)."""
    if dialect == SOURCE_DIALECT:
        return spark_sql
    import sqlglot

    trees = sqlglot.parse(spark_sql, read=SOURCE_DIALECT)
    if dialect == "duckdb":
        trees = [tree.transform(_duckdb_hex_to_decimal) for tree in trees if tree is not None]
    return ";\n".join(tree.sql(dialect=dialect) for tree in trees if tree is not None)


def _duckdb_hex_to_decimal(node: Any) -> Any:
    """Spark's ``conv(hex, 16, 10)`` (``stable_id``'s), which DuckDB lacks and sqlglot leaves
    as it is: DuckDB reads a ``0x`` string as a number."""
    from sqlglot import exp

    if (
        isinstance(node, exp.Anonymous)
        and node.name.lower() == "conv"
        and [arg.sql() for arg in node.expressions[1:]] == ["16", "10"]
    ):
        hex_text = exp.DPipe(this=exp.Literal.string("0x"), expression=node.expressions[0].copy())
        return exp.cast(exp.cast(hex_text, "UBIGINT", dialect="duckdb"), "VARCHAR")
    return node


@cache
@remembered
def prepared(spark_sql: str, source: str) -> tuple[str, list[str], list[str]]:
    """``spark_sql`` for DuckDB with its ``:parameters`` left for DuckDB to bind (``$name``):
    (DuckDB SQL, every parameter, those used as ``x in (:name)``). A list parameter becomes
    ``array_contains($name, x)``, so that one statement serves any number of values and no
    value ever enters the text (or the cache's keys)."""
    from sqlglot import exp

    tree = parse(spark_sql, source)
    names, lists = placeholders(tree, source)

    def bind(node: Any) -> Any:
        if _is_list_in(node):
            return exp.ArrayContains(this=node.expressions[0].copy(), expression=node.this.copy())
        return node

    tree = tree.transform(bind)
    return translate(to_sql(tree), "duckdb"), names, lists


def for_duckdb(
    spark_sql: str, parameters: Mapping[str, object], source: str
) -> tuple[str, dict[str, object]]:
    """``spark_sql`` as DuckDB runs it with ``parameters``: the statement (the same whatever
    the values) and the values DuckDB binds to its ``$names``."""
    duckdb_sql, names, lists = prepared(spark_sql, source)
    return duckdb_sql, bound_values(names, lists, parameters, source)


def bound_values(
    names: list[str], lists: list[str], parameters: Mapping[str, object], source: str
) -> dict[str, object]:
    """The value of each parameter in ``names``: every one needs a value, and a list goes only
    where ``x in (:name)`` takes it (``lists``; one value there is a list of one)."""
    values = {}
    for name in names:
        if name not in parameters:
            raise SqlError(
                f"{source}: no value for the parameter :{name} "
                f"(known: {', '.join(sorted(parameters)) or 'none'})"
            )
        value = parameters[name]
        if isinstance(value, list | tuple):
            if name not in lists:
                raise SqlError(f"{source}: the list :{name} can only be used as `in (:name)`")
            value = list(value)
        elif name in lists:
            value = [value]
        values[name] = value
    return values
