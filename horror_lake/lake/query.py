"""SQL over the lake on a laptop (the local Athena): DuckDB with every table as a view.

Each lake table ``<zone>/<table>`` becomes a view ``<table>`` over all its partitions, with
``ingestion_date`` as a date column, plus ``<table>_latest`` over its newest partition, plus
the refined analytic views (``refined/views/*.sql``, written once in Spark SQL and also
emitted as Athena DDL). Local lakes are scanned by DuckDB itself; S3 lakes through pyarrow,
since DuckDB's httpfs extension is a download away. Only read statements are accepted.
"""

from dataclasses import dataclass

import duckdb
import pyarrow.fs as pafs

from horror_lake.engines.models import PACKAGE_DIR, tables_read, translate
from horror_lake.lake.location import PARTITION_COLUMN, LakeLocation

READ_ONLY_STATEMENTS = {"SELECT", "EXPLAIN"}
ZONES = ("raw", "trusted", "refined")


class QueryError(RuntimeError):
    """The SQL was refused or failed; the message is DuckDB's (or says why it was refused)."""


@dataclass(frozen=True)
class AnalyticView:
    name: str
    spark_sql: str

    def athena_ddl(self, database: str) -> str:
        """``CREATE OR REPLACE VIEW`` in Athena's (Trino's) dialect."""
        body = translate(self.spark_sql, "athena")
        return f"CREATE OR REPLACE VIEW {database}.{self.name} AS\n{body}"


def analytic_views() -> list[AnalyticView]:
    """The refined analytic views, one Spark SQL file each in ``refined/views/``."""
    return [
        AnalyticView(path.stem, path.read_text(encoding="utf-8"))
        for path in sorted((PACKAGE_DIR / "refined" / "views").glob("*.sql"))
    ]


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


def open_lake(location: LakeLocation) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB database with the lake's tables and analytic views as views."""
    con = duckdb.connect()
    tables = lake_tables(location)
    for zone, name in tables:
        source = _table_source(con, location, zone, name)
        con.execute(
            f'create view "{name}" as select * replace '
            f"(cast({PARTITION_COLUMN} as date) as {PARTITION_COLUMN}) from {source}"
        )
        con.execute(
            f'create view "{name}_latest" as select * from "{name}" where {PARTITION_COLUMN} = '
            f'(select max({PARTITION_COLUMN}) from "{name}")'
        )
    present = {name for _, name in tables}
    for view in analytic_views():
        if tables_read(view.spark_sql) <= present:
            con.execute(f'create view "{view.name}" as {translate(view.spark_sql, "duckdb")}')
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


def run_query(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[list[str], list[tuple]]:
    """Column names and rows of the last statement; refuses anything that could write."""
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
        cursor = con.execute(statements[-1])
        columns = [column[0] for column in cursor.description or []]
        return columns, cursor.fetchall()
    except duckdb.Error as error:
        raise QueryError(str(error)) from None
