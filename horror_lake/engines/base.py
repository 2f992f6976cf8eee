"""What every SQL engine offers the assets and checks."""

from collections.abc import Mapping
from typing import Any, Protocol

from horror_lake.engines.models import SqlModel
from horror_lake.lake.tables import LakeTable


class ModelError(RuntimeError):
    """A SQL model or check query failed; the message names the model and the engine."""


class SqlEngine(Protocol):
    name: str

    def run_model(self, model: SqlModel, inputs: Mapping[str, LakeTable]) -> Any:
        """Run ``model`` over the input partitions; return what the lake IO manager can store."""
        ...

    def query(self, spark_sql: str, inputs: Mapping[str, LakeTable]) -> list[tuple[Any, ...]]:
        """Run a small Spark SQL query (checks, summaries) and return its rows."""
        ...

    def close(self) -> None: ...


def check_inputs(model: SqlModel, inputs: Mapping[str, LakeTable]) -> None:
    missing = model.tables_read() - set(inputs)
    if missing:
        raise ModelError(f"{model.label} reads {sorted(missing)}, which the asset did not pass in")
