"""The engine resource: which SQL engine runs the models, chosen once per run."""

import os
from collections.abc import Mapping
from typing import Any

import dagster as dg
from pydantic import PrivateAttr

from horror_lake.engines.base import ModelError, SqlEngine
from horror_lake.engines.duckdb_engine import DuckDBEngine
from horror_lake.engines.models import SqlModel
from horror_lake.lake.tables import LakeTable

DEFAULT_ENGINE = "duckdb"


ENGINES = ("duckdb", "spark")


def build_engine(name: str, spark_master: str | None = None) -> SqlEngine:
    if name == "duckdb":
        return DuckDBEngine()
    if name == "spark":
        from horror_lake.engines.spark_engine import SparkEngine  # pyspark only when asked for

        return SparkEngine(spark_master)
    raise ValueError(
        f"unknown engine {name!r} (HORROR_LAKE_ENGINE); choose one of: {', '.join(ENGINES)}"
    )


class EngineResource(dg.ConfigurableResource):
    """Runs SQL models: ``engine`` if set, else ``HORROR_LAKE_ENGINE``, else DuckDB (or Spark).

    The engine is started once per run (in ``setup_for_execution``) and shared by every step
    of that run.
    """

    engine: str | None = None
    spark_master: str | None = None  # else HORROR_LAKE_SPARK_MASTER, else local[*]
    _engine: SqlEngine | None = PrivateAttr(default=None)

    @property
    def engine_name(self) -> str:
        return (self.engine or os.environ.get("HORROR_LAKE_ENGINE") or DEFAULT_ENGINE).lower()

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._engine = build_engine(self.engine_name, self.spark_master)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._engine is not None:
            self._engine.close()

    @property
    def current(self) -> SqlEngine:
        if self._engine is None:
            self._engine = build_engine(self.engine_name, self.spark_master)
        return self._engine

    def run_model(self, model: SqlModel, inputs: Mapping[str, LakeTable]) -> Any:
        try:
            return self.current.run_model(model, inputs)
        except ModelError as error:
            raise dg.Failure(description=str(error), allow_retries=False) from None

    def query(self, spark_sql: str, inputs: Mapping[str, LakeTable]) -> list[tuple[Any, ...]]:
        try:
            return self.current.query(spark_sql, inputs)
        except ModelError as error:
            raise dg.Failure(description=str(error), allow_retries=False) from None
