"""SQL over the whole lake on a laptop (the local Athena): DuckDB with every table as a view.

Each lake table ``<zone>/<table>`` becomes a view ``<table>`` (and ``<zone>.<table>``) over all
its partitions, with ``ingestion_date`` as a date column, plus ``<table>_latest`` over its newest
partition, plus the analytic views it is given (written once in Spark SQL, also emitted as
Athena DDL). Local lakes are scanned by DuckDB itself; S3 lakes through pyarrow, since DuckDB's
httpfs extension is a download away. Only read statements are accepted.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import duckdb
import pyarrow.fs as pafs

from horror_lake.engines.sql import fill_parameters, parse, rename_tables, to_sql, translate
from horror_lake.engines.sql_cache import remembered
from horror_lake.lake.location import PARTITION_COLUMN, LakeLocation

READ_ONLY_STATEMENTS = {"SELECT", "EXPLAIN"}
ZONES = ("raw", "trusted", "refined")


class QueryError(RuntimeError):
    """The SQL was refused or failed; the message is DuckDB's (or says why it was refused)."""


@dataclass(frozen=True)
class View:
    """An analytic view: Spark SQL reading lake tables under the names ``inputs`` binds."""

    name: str
    spark_sql: str
    inputs: Mapping[str, tuple[str, str]]  # name in the SQL -> (zone, table)

    def sql(self, parameters: Mapping[str, object], tables: Mapping[str, str] | None = None) -> str:
        """The view's Spark SQL with its ``:parameters`` (settings) filled in, and tables read
        under other names when ``tables`` says so."""
        return _view_sql(self.spark_sql, self.name, dict(parameters), dict(tables or {}))

    def athena_ddl(self, database: str, parameters: Mapping[str, object]) -> str:
        """``CREATE OR REPLACE VIEW`` in Athena's (Trino's) dialect, every table read from
        ``database`` (where the Glue catalog registers the lake)."""
        tables = {name: f"{database}.{table}" for name, (_, table) in self.inputs.items()}
        body = translate(self.sql(parameters, tables), "athena")
        return f"CREATE OR REPLACE VIEW {database}.{self.name} AS\n{body}"


@remembered
def _view_sql(
    spark_sql: str, name: str, parameters: Mapping[str, object], tables: Mapping[str, str]
) -> str:
    """Kept on disk (``sql_cache.py``): the parameters are settings, not dates or data."""
    tree = fill_parameters(parse(spark_sql, name), parameters, name)
    if tables:
        tree = rename_tables(tree, {("", table): target for table, target in tables.items()})
    return to_sql(tree)


def lake_tables(location: LakeLocation) -> list[tuple[str, str]]:
    """(zone, table) for every table folder that holds at least one partition."""
    found = []
    fs = location.filesystem
    for zone in ZONES:
        selector = pafs.FileSelector(location.path(zone), allow_not_found=True)
        for info in fs.get_file_info(selector):
            if info.type == pafs.FileType.Directory and location.partition_keys(
                zone, info.base_name
            ):
                found.append((zone, info.base_name))
    return sorted(found, key=lambda zone_table: (ZONES.index(zone_table[0]), zone_table[1]))


def open_lake(
    location: LakeLocation,
    views: Sequence[View] = (),
    parameters: Mapping[str, object] | None = None,
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB database with the lake's tables and the ``views`` whose tables are
    present as views (their ``:parameters`` filled in from ``parameters``)."""
    con = duckdb.connect()
    tables = lake_tables(location)
    for zone in ZONES:
        con.execute(f'create schema "{zone}"')
    for zone, name in tables:
        source = _table_source(con, location, zone, name)
        con.execute(
            f'create view "{zone}"."{name}" as select * replace '
            f"(cast({PARTITION_COLUMN} as date) as {PARTITION_COLUMN}) from {source}"
        )
        con.execute(f'create or replace view "{name}" as select * from "{zone}"."{name}"')
        con.execute(
            f'create or replace view "{name}_latest" as select * from "{name}" '
            f'where {PARTITION_COLUMN} = (select max({PARTITION_COLUMN}) from "{name}")'
        )
    present = set(tables)
    for view in views:
        if not set(view.inputs.values()) <= present:
            continue
        for bound, (zone, table) in view.inputs.items():
            if bound != table:
                con.execute(f'create or replace view "{bound}" as select * from "{zone}"."{table}"')
        duckdb_sql = translate(view.sql(parameters or {}), "duckdb")
        con.execute(f'create view "{view.name}" as {duckdb_sql}')
    return con


def _table_source(
    con: duckdb.DuckDBPyConnection, location: LakeLocation, zone: str, name: str
) -> str:
    folder = location.path(zone, name)
    if not location.is_s3:
        pattern = f"{folder}/{PARTITION_COLUMN}=*/*.parquet".replace("'", "''")
        return f"read_parquet('{pattern}', hive_partitioning = true)"
    import pyarrow.dataset as ds

    dataset = ds.dataset(
        folder,
        filesystem=location.filesystem,
        format="parquet",
        partitioning="hive",
        exclude_invalid_files=False,
        ignore_prefixes=["_", "."],
    )
    con.register(f"__{name}_dataset", dataset)
    return f'"__{name}_dataset"'


def run_query(
    con: duckdb.DuckDBPyConnection, sql: str, parameters: Mapping[str, object] | None = None
) -> tuple[list[str], list[tuple]]:
    """Column names and rows of the last statement (``parameters`` bound to its ``$names``);
    refuses anything that could write."""
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as error:
        raise QueryError(str(error)) from None
    if not statements:
        raise QueryError("no SQL statement given")
    for statement in statements:
        kind = statement.type.name
        if kind not in READ_ONLY_STATEMENTS:
            raise QueryError(f"only SELECT (and EXPLAIN) statements run here; got {kind}")
    try:
        for statement in statements[:-1]:
            con.execute(statement)
        cursor = con.execute(statements[-1], parameters)
        columns = [column[0] for column in cursor.description or []]
        return columns, cursor.fetchall()
    except duckdb.Error as error:
        raise QueryError(str(error)) from None
