"""The engine resource: which SQL engine runs the models, chosen once per run."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from pydantic import PrivateAttr

from horror_lake import settings
from horror_lake.engines.base import ModelError, SqlEngine
from horror_lake.engines.duckdb_engine import DuckDBEngine
from horror_lake.lake.tables import LakeTable


def build_engine(now: settings.Settings, name: str | None = None) -> SqlEngine:
    """The engine ``name`` (else the setting), configured from the settings."""
    name = name or now.engine
    if name == "glue":  # the models run in Glue, a run's other queries in DuckDB
        settings.glue_settings(now)  # a missing Glue setting fails the run as it starts
        name = "duckdb"
    if name == "duckdb":
        return DuckDBEngine(
            memory_limit=now.duckdb_memory_limit, temp_directory=now.duckdb_temp_directory
        )
    if name == "spark":
        from horror_lake.engines.spark_engine import SparkEngine  # pyspark only when asked for

        return SparkEngine(now.spark_master, now.spark_conf, now.spark_class_archive)
    raise settings.SettingError(
        f"unknown engine {name!r}; choose one of: {', '.join(settings.ENGINES)}"
    )


class EngineResource(dg.ConfigurableResource):
    """Runs SQL models: ``engine`` if set, else ``HORROR_LAKE_ENGINE``, else DuckDB.

    The engine is started once per run (in ``setup_for_execution``) and shared by every step
    of that run.
    """

    engine: str | None = None
    _engine: SqlEngine | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        try:
            self._engine = build_engine(settings.current(), self.engine)
        except settings.SettingError as error:
            raise dg.Failure(description=str(error), allow_retries=False) from None

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._engine is not None:
            self._engine.close()

    @property
    def current(self) -> SqlEngine:
        if self._engine is None:
            self._engine = build_engine(settings.current(), self.engine)
        return self._engine

    def run_model(
        self, spark_sql: str, label: str, inputs: Mapping[str, LakeTable]
    ) -> "ModelResult":
        """The model's result, computed as the IO manager writes it into the partition."""
        if (self.engine or settings.current().engine) == "glue":
            raise dg.Failure(
                description=(
                    "HORROR_LAKE_ENGINE=glue is set for this run, but the code location was "
                    "loaded without it, so the models would run here: set it where the code "
                    "location loads (dagster dev, the code server, dagster job execute)"
                ),
                allow_retries=False,
            )
        try:
            return ModelResult(self.current.run_model(spark_sql, label, inputs))
        except ModelError as error:
            raise dg.Failure(description=str(error), allow_retries=False) from None

    def query(
        self,
        spark_sql: str,
        inputs: Mapping[str, LakeTable],
        parameters: Mapping[str, object] | None = None,
        label: str = "query",
    ) -> list[tuple[Any, ...]]:
        try:
            return self.current.query(spark_sql, inputs, parameters, label)
        except ModelError as error:
            raise dg.Failure(description=str(error), allow_retries=False) from None


class ModelResult:
    """An engine's result that writes itself into a partition; a SQL error while it runs fails
    the run at once (retrying would fail the same way)."""

    def __init__(self, result: Any) -> None:
        self.result = result

    def write_to(self, table: LakeTable) -> None:
        try:
            self.result.write_to(table)
        except ModelError as error:
            raise dg.Failure(description=str(error), allow_retries=False) from None
