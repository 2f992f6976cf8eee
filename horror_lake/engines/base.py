"""What every SQL engine offers the assets and checks."""

from collections.abc import Mapping
from typing import Any, Protocol

from horror_lake.lake.tables import LakeTable


class ModelError(RuntimeError):
    """A SQL model or check query failed; the message names the model and the engine."""


class SqlEngine(Protocol):
    name: str

    def run_model(self, spark_sql: str, label: str, inputs: Mapping[str, LakeTable]) -> Any:
        """Run a model over the input partitions (bound under the names the SQL reads); return
        what the lake IO manager can store. ``label`` names the model in errors."""
        ...

    def query(
        self,
        spark_sql: str,
        inputs: Mapping[str, LakeTable],
        parameters: Mapping[str, object] | None = None,
        label: str = "query",
    ) -> list[tuple[Any, ...]]:
        """Run a small Spark SQL query (checks, summaries) and return its rows; with
        ``parameters``, its ``:names`` take those values (``label`` names it in errors)."""
        ...

    def close(self) -> None: ...
