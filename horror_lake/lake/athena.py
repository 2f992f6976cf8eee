"""Athena: statements run in the Glue database the lake is registered in, and small results.

Every statement names ``HORROR_LAKE_ATHENA_OUTPUT`` as its result location and
``HORROR_LAKE_GLUE_DATABASE`` as its database (``athena_resource.py`` makes the client, through
dagster-aws). A statement that fails in Athena raises ``AthenaQueryError`` with Athena's reason.
"""

import time
from dataclasses import dataclass
from typing import Any

from horror_lake import settings

FIRST_POLL_SECONDS = 0.2  # DDL usually finishes within a second; poll fast, then back off
LAST_POLL_SECONDS = 2.0


class AthenaQueryError(RuntimeError):
    """An Athena statement failed or could not start; the message names it and says why."""


def athena_value(text: str | None, athena_type: str) -> Any:
    """A result cell (Athena returns text) as the Python value of its column type."""
    if text is None:
        return None
    if athena_type == "boolean":
        return text.lower() == "true"
    if athena_type in ("tinyint", "smallint", "integer", "bigint"):
        return int(text)
    if athena_type in ("real", "float", "double", "decimal"):
        return float(text)
    return text


@dataclass(frozen=True)
class Athena:
    """One Athena database: run statements, read small results."""

    client: Any  # a boto3 Athena client
    database: str
    output: str  # s3:// prefix for results
    workgroup: str | None
    timeout_seconds: float

    def run(self, sql: str, label: str) -> str:
        """Run ``sql`` to the end; its execution id. ``label`` names it in errors."""
        from botocore.exceptions import BotoCoreError, ClientError

        request: dict[str, Any] = {
            "QueryString": sql,
            "QueryExecutionContext": {"Database": self.database},
            "ResultConfiguration": {"OutputLocation": f"{self.output}/"},
        }
        if self.workgroup:
            request["WorkGroup"] = self.workgroup
        try:
            execution_id = self.client.start_query_execution(**request)["QueryExecutionId"]
            self._wait(execution_id, label)
        except (BotoCoreError, ClientError) as error:
            raise AthenaQueryError(
                f"{label}: the Athena request failed: {_scrubbed(error)}"
            ) from None
        return str(execution_id)

    def rows(self, sql: str, label: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Column names and typed rows of a (small) query's result."""
        execution_id = self.run(sql, label)
        columns: list[tuple[str, str]] = []
        rows: list[tuple[Any, ...]] = []
        pages = self.client.get_paginator("get_query_results").paginate(
            QueryExecutionId=execution_id
        )
        for page in pages:
            result = page["ResultSet"]
            if not columns:
                info = result.get("ResultSetMetadata", {}).get("ColumnInfo", [])
                columns = [(c["Name"], c["Type"].lower()) for c in info]
            for row in result.get("Rows", []):
                texts = [cell.get("VarCharValue") for cell in row["Data"]]
                if not rows and texts == [name for name, _ in columns]:
                    continue  # a SELECT's first row repeats the column names
                typed = (athena_value(t, kind) for t, (_, kind) in zip(texts, columns, strict=True))
                rows.append(tuple(typed))
        return [name for name, _ in columns], rows

    def _wait(self, execution_id: str, label: str) -> None:
        deadline = time.monotonic() + self.timeout_seconds
        pause = FIRST_POLL_SECONDS
        while True:
            execution = self.client.get_query_execution(QueryExecutionId=execution_id)
            status = execution["QueryExecution"]["Status"]
            state = status["State"]
            if state == "SUCCEEDED":
                return
            if state in ("FAILED", "CANCELLED"):
                reason = status.get("StateChangeReason") or status.get("AthenaError", {}).get(
                    "ErrorMessage", "no reason given"
                )
                raise AthenaQueryError(
                    f"{label}: Athena query {execution_id} {state.lower()}: {reason}"
                )
            if time.monotonic() > deadline:
                raise AthenaQueryError(
                    f"{label}: Athena query {execution_id} still {state.lower()} after "
                    f"{self.timeout_seconds:.0f} s"
                )
            time.sleep(pause)
            pause = min(pause * 2, LAST_POLL_SECONDS)


def _scrubbed(error: Exception) -> str:
    text = str(error)
    secret = settings.aws_secret()
    return text.replace(secret, "***") if secret else text
