"""The AWS Glue Data Catalog: every lake table and partition registered after it is written.

Idempotent: a table is created when missing and updated only when its columns changed; a
partition is created when missing and updated when its location changed. boto3 reads the
endpoint (``AWS_ENDPOINT_URL``/``AWS_ENDPOINT_URL_GLUE``) and credentials from the standard AWS
chain, the region from ``AWS_REGION`` or ``AWS_DEFAULT_REGION``.
"""

import contextlib
from typing import Any

import pyarrow as pa

from horror_lake import settings
from horror_lake.lake.location import PARTITION_COLUMN
from horror_lake.lake.tables import LakeTable
from horror_lake.lake.types import sql_type

PARQUET_STORAGE = {
    "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    "SerdeInfo": {
        "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
        "Parameters": {"serialization.format": "1"},
    },
}


class CatalogError(RuntimeError):
    """Registering in Glue failed; the message names the database, table and problem."""


def register_partition(database: str, table: LakeTable, schema: pa.Schema) -> str:
    """Register ``table``'s table and partition in ``database``; says what it did."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return GlueCatalog(database).register(table, schema)
    except (BotoCoreError, ClientError) as error:
        raise CatalogError(
            f"registering {table.zone}/{table.name} in the Glue database {database!r} "
            f"(HORROR_LAKE_GLUE_DATABASE) failed: {error}"
        ) from None


def table_location(table: LakeTable) -> str:
    """The table folder as Glue wants it: ``s3://bucket/prefix/zone/table/`` (or file://)."""
    folder = table.location.path(table.zone, table.name)
    return f"s3://{folder}/" if table.location.is_s3 else f"file://{folder}/"


class GlueCatalog:
    def __init__(self, database: str, client: Any | None = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("glue", region_name=settings.current().aws_region)
        self.database = database
        self.glue = client

    def register(self, table: LakeTable, schema: pa.Schema) -> str:
        """Register the table and the partition ``table`` points at; says what it did."""
        self._ensure_database()
        columns = [{"Name": f.name, "Type": sql_type(f.type)} for f in schema]
        table_action = self._upsert_table(table, columns)
        partition_action = self._upsert_partition(table, columns)
        return f"{self.database}.{table.name}: table {table_action}, partition {partition_action}"

    def _ensure_database(self) -> None:
        try:
            self.glue.get_database(Name=self.database)
        except self.glue.exceptions.EntityNotFoundException:
            # Another run may create it meanwhile.
            with contextlib.suppress(self.glue.exceptions.AlreadyExistsException):
                self.glue.create_database(DatabaseInput={"Name": self.database})

    def _upsert_table(self, table: LakeTable, columns: list[dict[str, str]]) -> str:
        table_input = {
            "Name": table.name,
            "Description": f"horror_lake {table.zone} zone",
            "TableType": "EXTERNAL_TABLE",
            "Parameters": {"classification": "parquet", "EXTERNAL": "TRUE"},
            "PartitionKeys": [{"Name": PARTITION_COLUMN, "Type": "string"}],
            "StorageDescriptor": {
                "Columns": columns,
                "Location": table_location(table),
                **PARQUET_STORAGE,
            },
        }
        try:
            current = self.glue.get_table(DatabaseName=self.database, Name=table.name)["Table"]
        except self.glue.exceptions.EntityNotFoundException:
            self.glue.create_table(DatabaseName=self.database, TableInput=table_input)
            return "created"
        descriptor = current.get("StorageDescriptor", {})
        if descriptor.get("Columns") == columns and descriptor.get("Location") == table_location(
            table
        ):
            return "unchanged"
        self.glue.update_table(DatabaseName=self.database, TableInput=table_input)
        return "updated"

    def _upsert_partition(self, table: LakeTable, columns: list[dict[str, str]]) -> str:
        location = table_location(table) + f"{PARTITION_COLUMN}={table.partition_key}/"
        partition_input = {
            "Values": [table.partition_key],
            "StorageDescriptor": {"Columns": columns, "Location": location, **PARQUET_STORAGE},
        }
        try:
            current = self.glue.get_partition(
                DatabaseName=self.database,
                TableName=table.name,
                PartitionValues=[table.partition_key],
            )["Partition"]
        except self.glue.exceptions.EntityNotFoundException:
            self.glue.create_partition(
                DatabaseName=self.database, TableName=table.name, PartitionInput=partition_input
            )
            return "created"
        descriptor = current.get("StorageDescriptor", {})
        if descriptor.get("Location") == location and descriptor.get("Columns") == columns:
            return "unchanged"
        self.glue.update_partition(
            DatabaseName=self.database,
            TableName=table.name,
            PartitionValueList=[table.partition_key],
            PartitionInput=partition_input,
        )
        return "updated"
