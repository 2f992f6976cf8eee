"""The Glue side of ``HORROR_LAKE_ENGINE=glue``: one date's SQL models built by Spark in an AWS
Glue job, each table reported to Dagster through Pipes.

Runs as a Glue 5 job (Spark 3.5, Python 3.11) with only what Glue has (PySpark, boto3) plus
``dagster-pipes`` (``--additional-python-modules``). Nothing of horror_lake is imported here:
``horror-lake glue deploy`` compiles the models (macros expanded, inputs bound, contract figures
as SQL) into ``plan.json`` beside this script.

Arguments, as Glue passes them: ``--plan`` (where plan.json is: s3:// or a local path),
``--lake-root`` (the lake: ``s3://bucket/prefix``, or a folder when run locally) and Dagster's
``--dagster-pipes-context`` / ``--dagster-pipes-messages`` (both through S3). Glue adds its
own (``--JOB_ID``, ``--JOB_RUN_ID``, ...), which are ignored.

For each table Dagster selected, in the plan's order: its inputs' partitions become views, the
model's result replaces ``<zone>/<table>/ingestion_date=D/part-00000.parquet`` (written aside,
then moved over the old file, as every engine writes), its input counts and contract figures
are measured, and its materialization is reported. When a blocking figure fails, the tables
built from that table are not built in this run; Dagster judges the contract and says why.
"""

import argparse
import json
import os
import shutil
import time
import uuid
from typing import Any
from urllib.parse import urlparse

DATA_FILE = "part-00000.parquet"
PLAN_FORMAT = 1


def main(argv: list[str] | None = None) -> None:
    import boto3
    from dagster_pipes import (
        PipesCliArgsParamsLoader,
        PipesS3ContextLoader,
        PipesS3MessageWriter,
        open_dagster_pipes,
    )

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", required=True)
    parser.add_argument("--lake-root", required=True)
    args, _ = parser.parse_known_args(argv)
    s3 = boto3.client("s3")
    with open_dagster_pipes(
        context_loader=PipesS3ContextLoader(s3),
        message_writer=PipesS3MessageWriter(s3, interval=5),
        params_loader=PipesCliArgsParamsLoader(),
    ) as pipes:
        plan = read_plan(args.plan, s3)
        lake = Lake(args.lake_root, s3)
        selected = set(pipes.asset_keys)
        builder = Builder(spark_session(), lake, pipes.partition_key, pipes.log)
        for table in plan["tables"]:
            if f"{table['zone']}/{table['name']}" in selected:
                metadata = builder.build(table)
                if metadata is not None:
                    key = f"{table['zone']}/{table['name']}"
                    pipes.report_asset_materialization(asset_key=key, metadata=metadata)


def read_plan(where: str, s3: Any) -> dict[str, Any]:
    if where.startswith("s3://"):
        bucket, key = split_s3(where)
        text = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
    else:
        with open(where, encoding="utf-8") as file:
            text = file.read()
    plan = json.loads(text)
    if plan.get("format") != PLAN_FORMAT:
        raise ValueError(
            f"{where} is plan format {plan.get('format')}; this script reads format {PLAN_FORMAT}"
        )
    return plan


def spark_session() -> Any:
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.appName("horror_lake").getOrCreate()
    # The same Parquet and time settings as the lake's own Spark engine.
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    spark.sparkContext._jsc.hadoopConfiguration().set(
        "mapreduce.fileoutputcommitter.marksuccessfuljobs", "false"
    )
    return spark


class Builder:
    """Builds tables of one date, remembering which ones failed a blocking figure."""

    def __init__(self, spark: Any, lake: "Lake", partition_key: str, log: Any) -> None:
        self.spark = spark
        self.lake = lake
        self.partition_key = partition_key
        self.log = log
        self.stopped: set[tuple[str, str]] = set()  # failed a blocking figure, or built on one

    def build(self, table: dict[str, Any]) -> dict[str, Any] | None:
        """Build ``table``; its materialization's metadata, or None when it was not built."""
        own = (table["zone"], table["name"])
        upstream = [tuple(source) for source in table["inputs"].values()]
        blocked = [f"{z}/{n}" for z, n in upstream if (z, n) in self.stopped]
        if blocked:
            self.stopped.add(own)
            self.log.warning(
                f"{table['label']}: not built, its inputs {blocked} failed their contract"
            )
            return None
        started = time.monotonic()
        self.bind(table["inputs"])
        written = self.lake.replace(own, self.partition_key, self.spark.sql(table["sql"]))
        metadata: dict[str, Any] = {}
        if table.get("counts"):
            self.bind(table["inputs"])
            metadata.update(self.one_row(table["counts"]["sql"], table["counts"]["columns"]))
        figures = self.measure(table, written)
        zero, above_zero = table["blocking_figures"]
        if any(figures[n] != 0 for n in zero) or any(figures[n] <= 0 for n in above_zero):
            self.stopped.add(own)
        metadata["horror_lake/figures"] = {"raw_value": figures, "type": "json"}
        metadata["horror_lake/plan_version"] = {"raw_value": table["code_version"], "type": "text"}
        metadata["glue_seconds"] = {
            "raw_value": round(time.monotonic() - started, 2),
            "type": "float",
        }
        return metadata

    def bind(self, inputs: dict[str, list[str]]) -> None:
        for name, (zone, table) in inputs.items():
            path = self.lake.data_file((zone, table), self.partition_key)
            self.spark.read.parquet(path).createOrReplaceTempView(name)

    def measure(self, table: dict[str, Any], written: str) -> dict[str, int]:
        measure = table.get("measure")
        if not measure:
            return {}
        self.spark.read.parquet(written).createOrReplaceTempView(measure["this"])
        self.bind(measure["references"])
        figures = self.one_row(measure["sql"], measure["names"])
        return {name: int(value or 0) for name, value in figures.items()}

    def one_row(self, sql: str, names: list[str]) -> dict[str, Any]:
        [row] = self.spark.sql(sql).collect()
        return dict(zip(names, row, strict=True))


class Lake:
    """The lake's folders, on S3 (through boto3) or on a local disk (a run outside Glue)."""

    def __init__(self, root: str, s3: Any) -> None:
        self.root = root.rstrip("/")
        self.s3 = s3

    def partition(self, table: tuple[str, str], partition_key: str) -> str:
        zone, name = table
        return f"{self.root}/{zone}/{name}/ingestion_date={partition_key}"

    def data_file(self, table: tuple[str, str], partition_key: str) -> str:
        return f"{self.partition(table, partition_key)}/{DATA_FILE}"

    def replace(self, table: tuple[str, str], partition_key: str, frame: Any) -> str:
        """Write ``frame`` as the partition's one file, aside first, then moved over the old
        one (one object copy on S3: readers see the old file or the new one)."""
        folder = self.partition(table, partition_key)
        aside = f"{folder}/.{DATA_FILE}.{uuid.uuid4().hex}.tmp"
        target = f"{folder}/{DATA_FILE}"
        try:
            frame.coalesce(1).write.mode("overwrite").parquet(aside)
            [data] = [path for path in self.files(aside) if not _hidden(path)]
            self.move(data, target)
        finally:
            self.delete_tree(aside)
        for stray in self.files(folder):
            if stray != target and not _hidden(stray):
                self.delete(stray)
        return target

    def files(self, folder: str) -> list[str]:
        if not folder.startswith("s3://"):
            if not os.path.isdir(folder):
                return []
            return [os.path.join(d, f) for d, _, names in os.walk(folder) for f in names]
        bucket, prefix = split_s3(folder + "/")
        found = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            found += [f"s3://{bucket}/{o['Key']}" for o in page.get("Contents", [])]
        return found

    def move(self, source: str, target: str) -> None:
        if not source.startswith("s3://"):
            os.replace(source, target)
            return
        (source_bucket, source_key), (bucket, key) = split_s3(source), split_s3(target)
        self.s3.copy({"Bucket": source_bucket, "Key": source_key}, bucket, key)
        self.s3.delete_object(Bucket=source_bucket, Key=source_key)

    def delete(self, path: str) -> None:
        if path.startswith("s3://"):
            bucket, key = split_s3(path)
            self.s3.delete_object(Bucket=bucket, Key=key)
        elif os.path.exists(path):
            os.remove(path)

    def delete_tree(self, folder: str) -> None:
        if folder.startswith("s3://"):
            for path in self.files(folder):
                self.delete(path)
        else:
            shutil.rmtree(folder, ignore_errors=True)


def _hidden(path: str) -> bool:
    """Spark's side files (.crc checksums, _SUCCESS) and files being written aside."""
    return path.rsplit("/", 1)[-1].startswith((".", "_"))


def split_s3(uri: str) -> tuple[str, str]:
    parsed = urlparse(uri)
    return parsed.netloc, parsed.path.lstrip("/")


if __name__ == "__main__":
    main()
