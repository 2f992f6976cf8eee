"""The default engine: DuckDB in process, over Arrow datasets of the lake partitions."""

import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from horror_lake.engines.base import ModelError
from horror_lake.engines.sql import for_duckdb, translate
from horror_lake.lake.tables import ROW_GROUP_ROWS, LakeTable


class DuckDBEngine:
    """Runs the Spark SQL models through sqlglot's DuckDB translation.

    Local partitions are scanned by DuckDB's own Parquet reader, S3 partitions through a
    pyarrow dataset (DuckDB's httpfs extension is a download away and may not be reachable).
    Both are scanned as the query runs, only the columns it uses: inputs never sit whole in
    memory, whatever their size.
    """

    name = "duckdb"

    def __init__(self, memory_limit: str | None = None, temp_directory: str | None = None) -> None:
        self._config: dict[str, str | bool | int | float | list[str]] = {
            # DuckDB makes the folder when it first spills and removes it when it closes. The
            # default is one per engine, in the system's temporary folder: not `.tmp` in
            # whatever folder the run started in, shared by every run started there.
            "temp_directory": temp_directory
            or str(Path(tempfile.gettempdir()) / f"horror-lake-duckdb-{os.getpid()}-{id(self)}"),
        }
        if memory_limit and memory_limit.lower() != "max":
            self._config["memory_limit"] = memory_limit
        self._database: duckdb.DuckDBPyConnection | None = None

    def run_model(
        self, spark_sql: str, label: str, inputs: Mapping[str, LakeTable]
    ) -> "DuckDBResult":
        return DuckDBResult(self, translate(spark_sql, "duckdb"), label, dict(inputs))

    def query(
        self,
        spark_sql: str,
        inputs: Mapping[str, LakeTable],
        parameters: Mapping[str, object] | None = None,
        label: str = "query",
    ) -> list[tuple[Any, ...]]:
        values = None
        if parameters is None:
            duckdb_sql = translate(spark_sql, "duckdb")
        else:  # bound by DuckDB: one statement (and cache entry) whatever the values
            duckdb_sql, values = for_duckdb(spark_sql, parameters, label)
        with self.connection(inputs) as con:
            try:
                return con.execute(duckdb_sql, values).fetchall()
            except duckdb.Error as error:
                raise ModelError(f"query failed on DuckDB: {error}\n{spark_sql}") from None

    def close(self) -> None:
        if self._database is not None:
            self._database.close()
            self._database = None

    @contextmanager
    def connection(self, inputs: Mapping[str, LakeTable]) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of the run's one in-memory database, with ``inputs`` bound as views.

        Opening a database costs ~15 ms, a cursor next to nothing. Inputs are registered as
        temporary views, private to the cursor and gone with it, so a query never sees another
        query's inputs (a relation's ``create_view`` would make a view of the whole database).
        """
        if self._database is None:
            self._database = duckdb.connect(config=self._config)
        con = self._database.cursor()
        try:
            for name, table in inputs.items():
                local = table.local_path
                con.register(name, table.dataset() if local is None else con.read_parquet(local))
            yield con
        finally:
            con.close()


class DuckDBResult:
    """A model's query, run when the IO manager asks it to write itself into a partition.

    Rows never gather in Python: locally DuckDB's own Parquet writer (all cores) writes the
    file aside, on S3 record batches stream into the lake's Parquet writer.
    """

    def __init__(
        self, engine: DuckDBEngine, duckdb_sql: str, label: str, inputs: dict[str, LakeTable]
    ) -> None:
        self.engine, self.duckdb_sql, self.label, self.inputs = engine, duckdb_sql, label, inputs

    def write_to(self, table: LakeTable) -> None:
        with self.engine.connection(self.inputs) as con:
            try:
                if table.local_path is None:
                    table.write(con.sql(self.duckdb_sql).to_arrow_reader(ROW_GROUP_ROWS))
                else:
                    table.write_with(lambda aside: _copy_to_parquet(con, self.duckdb_sql, aside))
            except duckdb.Error as error:
                raise ModelError(f"{self.label} failed on DuckDB: {error}") from None


def _copy_to_parquet(con: duckdb.DuckDBPyConnection, duckdb_sql: str, path: str) -> None:
    target = path.replace("'", "''")
    con.execute(
        f"copy ({duckdb_sql}) to '{target}' "
        f"(format parquet, compression snappy, row_group_size {ROW_GROUP_ROWS})"
    )
