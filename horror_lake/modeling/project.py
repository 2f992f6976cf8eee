"""The lake's tables as files: what each zone's ``models/`` folder holds, and how they connect.

- ``<zone>/models/<name>.sql`` is a table made by SQL (Spark SQL; its inputs are the table names
  it reads), with an optional sidecar ``<name>.yml`` (docs and contract, see ``sidecar.py``).
- ``<zone>/models/<name>.yml`` alone is a table a Python asset makes (raw parsing, TMDB): the same
  docs and contract, but the Python code says how it is made.
- Other SQL over the tables (``refined/views/*.sql``, ``dashboards/queries/*.sql``) follows the
  same naming rule.

A table is read by its plain name (``dim_filme``) or, where two zones share a name, qualified by
its zone (``refined.dim_filme``). Macros (``macros.sql``) are expanded before anything else. An
unknown or ambiguous name, or models that read each other in a circle, fail here, naming the
file and the table. Pure Python, no Dagster.
"""

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache, cached_property
from pathlib import Path

from horror_lake.engines.lake_sql import View
from horror_lake.engines.sql import (
    Macro,
    expand_macros,
    output_columns,
    parse,
    parse_macros,
    rename_tables,
    tables_read,
    to_sql,
)
from horror_lake.engines.sql_cache import remembered
from horror_lake.modeling.sidecar import InputCount, Sidecar, read_sidecar

PACKAGE_DIR = Path(__file__).resolve().parents[1]
TABLE_ZONES = ("raw", "trusted", "refined")
MACROS_FILE = Path(__file__).resolve().parent / "macros.sql"


class ProjectError(ValueError):
    """The model files don't make a lake: the message names the file and the table."""


@dataclass(frozen=True)
class Statement:
    """SQL over lake tables, ready for an engine: macros expanded, every table read under the
    name ``inputs`` binds it to."""

    label: str
    spark_sql: str
    inputs: dict[str, tuple[str, str]]  # name read in the SQL -> (zone, table)
    columns: tuple[str, ...]  # the names of the columns it returns


@dataclass(frozen=True)
class Table:
    """One lake table: its files, its documentation and contract, and how it is made."""

    zone: str
    name: str
    sql_path: Path | None  # None: a Python asset makes it
    sidecar_path: Path | None
    sidecar: Sidecar | None
    package_dir: Path = PACKAGE_DIR
    statement: Statement | None = field(default=None, compare=False)
    counts: Statement | None = field(default=None, compare=False)  # the sidecar's input_counts

    @property
    def label(self) -> str:
        path = self.sql_path or self.sidecar_path
        assert path is not None
        return str(path.relative_to(self.package_dir))

    @property
    def description(self) -> str:
        if self.sidecar is not None:
            return f"{self.sidecar.description.strip()}\n\nGrain: {self.sidecar.grain.strip()}."
        return leading_comment(self.sql_path) if self.sql_path else ""

    @property
    def code_version(self) -> str:
        """A hash of what defines the table: its expanded SQL and its sidecar."""
        digest = hashlib.sha256()
        if self.statement is not None:
            digest.update(self.statement.spark_sql.encode())
        if self.sidecar_path is not None:
            digest.update(self.sidecar_path.read_bytes())
        return digest.hexdigest()[:16]


class LakeProject:
    """Every table of every zone, found on disk; SQL statements resolved against them."""

    def __init__(self, package_dir: Path = PACKAGE_DIR, macros_file: Path = MACROS_FILE) -> None:
        self.package_dir = package_dir
        self.macros_text = macros_file.read_text(encoding="utf-8")
        self.macros_label = str(macros_file.relative_to(package_dir))
        found = [t for zone in TABLE_ZONES for t in _tables_in(package_dir, zone)]
        self._names: dict[str, list[tuple[str, str]]] = {}
        for table in found:
            self._names.setdefault(table.name, []).append((table.zone, table.name))
        self.tables: dict[tuple[str, str], Table] = {
            (t.zone, t.name): self._with_statement(t) for t in found
        }
        self._check_no_cycles()

    def table(self, zone: str, name: str) -> Table:
        try:
            return self.tables[(zone, name)]
        except KeyError:
            raise ProjectError(
                f"no table {zone}.{name}: no {zone}/models/{name}.sql or .yml"
            ) from None

    def sql_tables(self) -> list[Table]:
        return [t for t in self.tables.values() if t.statement is not None]

    def python_tables(self) -> list[Table]:
        return [t for t in self.tables.values() if t.statement is None]

    def statement(self, path: Path) -> Statement:
        """Any other SQL file over the lake (a view, a dashboard query), resolved the same way."""
        return self._resolve(path.read_text(encoding="utf-8"), self._label(path))

    def statements_in(self, folder: Path) -> dict[str, Statement]:
        return {path.stem: self.statement(path) for path in sorted(folder.glob("*.sql"))}

    @cached_property
    def views(self) -> list[View]:
        """The analytic views (``refined/views/*.sql``)."""
        statements = self.statements_in(self.views_dir)
        return [View(name, s.spark_sql, s.inputs) for name, s in statements.items()]

    @cached_property
    def view_docs(self) -> dict[str, Sidecar]:
        """Each view's sidecar (``refined/views/<name>.yml``): its columns are the view's."""
        docs = {}
        for view in self.views:
            path = self.views_dir / f"{view.name}.yml"
            if not path.exists():
                raise ProjectError(f"{path}: missing; every analytic view documents its columns")
            sidecar = read_sidecar(path)
            documented = [c.name for c in sidecar.columns]
            returned = list(self.statement(self.views_dir / f"{view.name}.sql").columns)
            if documented != returned:
                raise ProjectError(
                    f"{path}: documents columns {documented}, the view returns {returned}"
                )
            docs[view.name] = sidecar
        return docs

    @property
    def views_dir(self) -> Path:
        return self.package_dir / "refined" / "views"

    def _with_statement(self, table: Table) -> Table:
        if table.sql_path is None:
            return table
        statement = self._resolve(table.sql_path.read_text(encoding="utf-8"), table.label)
        own = (table.zone, table.name)
        if own in statement.inputs.values():
            raise ProjectError(f"{table.label} reads its own table {table.name}")
        documented = [c.name for c in table.sidecar.columns] if table.sidecar else []
        if documented and statement.columns and documented != list(statement.columns):
            raise ProjectError(
                f"{table.sidecar_path}: documents columns {documented}, but {table.label} "
                f"returns {list(statement.columns)}"
            )
        return replace(table, statement=statement, counts=self._counts(table, statement))

    def _counts(self, table: Table, statement: Statement) -> Statement | None:
        """One statement computing every input count of the sidecar, as one row."""
        counts = table.sidecar.input_counts if table.sidecar else ()
        if not counts:
            return None
        names = sorted({name for count in counts for name in count.tables})
        unknown = [name for name in names if name not in statement.inputs]
        if unknown:
            raise ProjectError(
                f"{table.sidecar_path}: input_counts name {unknown}, which the model does not "
                f"read (it reads {sorted(statement.inputs)})"
            )

        def figure(count: InputCount, name: str) -> str:
            if name not in count.tables:
                return "0"
            return f"count_if({count.where})" if count.where else "count(*)"

        per_table = [
            f"{name}_counts as (select "
            + ", ".join(f"{figure(count, name)} as c{i}" for i, count in enumerate(counts))
            + f" from {name})"
            for name in names
        ]
        totals = ", ".join(
            " + ".join(f"{name}_counts.c{i}" for name in names) + f" as {count.name}"
            for i, count in enumerate(counts)
        )
        sources = " cross join ".join(f"{name}_counts" for name in names)
        sql = f"with {', '.join(per_table)} select {totals} from {sources}"
        return self._resolve(sql, f"{table.label}: input_counts")

    def _resolve(self, spark_sql: str, label: str) -> Statement:
        resolved_sql, inputs, columns = resolve(
            spark_sql, label, self.macros_text, self.macros_label, self._names
        )
        bound = {name: (zone, table) for name, (zone, table) in inputs.items()}
        return Statement(label, resolved_sql, bound, tuple(columns))

    def _label(self, path: Path) -> str:
        try:
            return str(path.resolve().relative_to(self.package_dir))
        except ValueError:
            return str(path)

    def _check_no_cycles(self) -> None:
        state: dict[tuple[str, str], str] = {}

        def visit(key: tuple[str, str], trail: list[Table]) -> None:
            if state.get(key) == "done":
                return
            table = self.tables[key]
            if state.get(key) == "open":
                circle = [t.label for t in trail[trail.index(table) :]] + [table.label]
                raise ProjectError(f"models read each other in a circle: {' -> '.join(circle)}")
            state[key] = "open"
            for upstream in table.statement.inputs.values() if table.statement else ():
                visit(upstream, [*trail, table])
            state[key] = "done"

        for key in self.tables:
            visit(key, [])


def _tables_in(package_dir: Path, zone: str) -> Iterable[Table]:
    folder = package_dir / zone / "models"
    sql = {p.stem: p for p in folder.glob("*.sql")}
    sidecars = {p.stem: p for p in [*folder.glob("*.yml"), *folder.glob("*.yaml")]}
    for name in sorted(sql.keys() | sidecars.keys()):
        if not name.isidentifier() or name != name.lower():
            path = sql.get(name) or sidecars[name]
            raise ProjectError(f"{path}: a table name is lower case letters, digits and _")
        sidecar_path = sidecars.get(name)
        sidecar = read_sidecar(sidecar_path) if sidecar_path else None
        yield Table(zone, name, sql.get(name), sidecar_path, sidecar, package_dir)


def leading_comment(path: Path) -> str:
    """The comment lines a SQL file opens with, as one paragraph."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("--"):
            break
        lines.append(line[2:].strip())
    return " ".join(lines)


@cache
def _macros(text: str, label: str) -> dict[str, Macro]:
    return parse_macros(text, label)


@remembered
def resolve(
    spark_sql: str,
    label: str,
    macros_text: str,
    macros_label: str,
    names: Mapping[str, list[tuple[str, str]]],
) -> tuple[str, dict[str, tuple[str, str]], tuple[str, ...]]:
    """``spark_sql`` with its macros expanded and every table it reads bound to a lake table
    (``names``: each plain table name's (zone, table) keys): (SQL, inputs, output columns).
    Kept on disk (``sql_cache.py``): it depends on nothing but its arguments."""
    tree = expand_macros(parse(spark_sql, label), _macros(macros_text, macros_label), label)
    known = {tuple(key) for keys in names.values() for key in keys}
    inputs: dict[str, tuple[str, str]] = {}
    renames: dict[tuple[str, str], str] = {}
    for qualifier, name in sorted(tables_read(tree)):
        if qualifier:
            if (qualifier, name) not in known:
                raise ProjectError(
                    f"{label} reads {qualifier}.{name}: there is no table {name} in zone "
                    f"{qualifier}"
                )
            bound = f"{qualifier}__{name}"
            renames[(qualifier, name)] = bound
            inputs[bound] = (qualifier, name)
            continue
        matches = names.get(name, [])
        if not matches:
            raise ProjectError(
                f"{label} reads {name}, which is not a lake table (tables: "
                f"{', '.join(sorted(names))})"
            )
        if len(matches) > 1:
            zones = ", ".join(f"{z}.{n}" for z, n in matches)
            raise ProjectError(
                f"{label} reads {name}, which names more than one table ({zones}); "
                "qualify it with its zone"
            )
        inputs[name] = (matches[0][0], matches[0][1])
    if renames:
        tree = rename_tables(tree, renames)
    return to_sql(tree), inputs, output_columns(tree)


@cache
def lake_project() -> LakeProject:
    """The package's own project, read once per process."""
    return LakeProject()
