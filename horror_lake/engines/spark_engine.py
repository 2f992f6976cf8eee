"""The Spark engine: the same SQL files, run by Spark, which reads and writes the lake itself.

The session comes from dagster-pyspark's ``LazyPySparkResource``, started on first use (once per
run); a local one's driver JVM gets the throughput collector, the quick compiler when that first
use reads little, and Spark's classes from an archive (``session_config``, ``class_archive``).
Inputs are read by Spark from the partition folders (``file://`` or ``s3a://``), each once a run
while its file stays the same; a model's result is written by Spark into a folder beside the
partition and its one file is then moved into place like any other partition, so data never
passes through the driver.
"""

import os
import re
import subprocess
from collections.abc import Mapping
from typing import Any

from dagster_pyspark import LazyPySparkResource

from horror_lake.engines.base import ModelError
from horror_lake.engines.class_archive import ClassArchive, spark_conf_folder
from horror_lake.engines.sql import filled
from horror_lake.lake.tables import LakeTable

BASE_CONFIG = {
    "spark.app.name": "horror_lake",
    "spark.sql.session.timeZone": "UTC",
    # Parquet that every reader agrees on (not Spark's legacy INT96 timestamps).
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    # Spark's _SUCCESS marker would be the only other file in the staging folder.
    "spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs": "false",
    "spark.ui.showConsoleProgress": "false",
}


def spark_config(master: str, extra: Mapping[str, str]) -> dict[str, str]:
    """Session settings: the master (``HORROR_LAKE_SPARK_MASTER``), sensible local defaults, then
    ``extra`` (``HORROR_LAKE_SPARK_CONF``, a JSON object of Spark settings) on top."""
    config = dict(BASE_CONFIG)
    if master.startswith("sc://"):
        config["spark.remote"] = master
    else:
        config["spark.master"] = master
    if master.startswith("local"):
        # 200 shuffle partitions is for clusters; a laptop wants a few per core.
        config["spark.sql.shuffle.partitions"] = str(2 * (os.cpu_count() or 2))
        config["spark.ui.enabled"] = "false"
    config.update(extra)
    return config


# A local driver JVM collects garbage with the throughput collector: a batch job has no pauses
# to keep short, and G1's concurrent work takes a core from the tasks. Whole job, local[2], 3
# pairs against G1: full size 84.3 s against 88.6 s, 420 titles 25.9 s against 29.6 s.
THROUGHPUT_GC = "-XX:+UseParallelGC"
# A JVM given two collectors does not start, so a collector chosen elsewhere stands.
A_COLLECTOR = re.compile(r"-XX:\+Use\w+GC\b")
JAVA_OPTION_VARIABLES = ("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS")
EXTRA_OPTIONS = re.compile(r"^\s*spark\.driver\.extraJavaOptions\b", re.MULTILINE)
# Class data sharing chosen elsewhere (an archive of the user's, or none at all) stands.
SHARING = re.compile(r"-Xshare:|-XX:(SharedArchiveFile|ArchiveClassesAtExit)=")

# What the run's first query reads, below which a local driver JVM keeps to its quick compiler.
# The JVM's optimising compiler (C2) earns its CPU back only on long queries; on small inputs
# its compiler threads take the cores from the tasks. Whole job, local[2], one run each: 420
# titles 29 s with C1 only against 38 s; the demo sample 34 s against 44 s; a tenth of full
# size (first query 4.4 MB) 42 s against 45 s; full size (54 MB) 112 s against 89 s.
SHORT_RUN_BYTES = 8 * 2**20
QUICK_JIT = "-XX:TieredStopAtLevel=1"


def session_config(
    config: Mapping[str, str], first_read_bytes: int, archive: ClassArchive | None = None
) -> dict[str, str]:
    """``config`` for a session whose first query reads ``first_read_bytes``: a local driver
    JVM gets the throughput collector unless one is chosen elsewhere, compiles with C1 only
    when started for a short run, and maps Spark's classes from ``archive`` (or records it);
    driver Java options of the user's own stand instead of all three."""
    local = config.get("spark.master", "").startswith("local")
    if not local or "spark.driver.extraJavaOptions" in config:
        return dict(config)
    defaults = _spark_defaults()
    if EXTRA_OPTIONS.search(defaults):
        return dict(config)
    elsewhere = [config.get("spark.driver.defaultJavaOptions", ""), defaults]
    elsewhere += [os.environ.get(name, "") for name in JAVA_OPTION_VARIABLES]
    chosen = "\n".join(elsewhere)
    options = [] if A_COLLECTOR.search(chosen) else [THROUGHPUT_GC]
    options += [QUICK_JIT] if first_read_bytes < SHORT_RUN_BYTES else []
    if archive is not None and not SHARING.search(chosen):
        options += archive.java_options(config)
    if not options:
        return dict(config)
    return {**config, "spark.driver.extraJavaOptions": " ".join(options)}


def _spark_defaults() -> str:
    """The installation's ``spark-defaults.conf``, which spark-submit reads, or nothing."""
    path = spark_conf_folder() / "spark-defaults.conf"
    return path.read_text(errors="replace") if path.is_file() else ""


class SparkResult:
    """A model's DataFrame; the IO manager asks it to write itself into a partition."""

    def __init__(self, frame: Any, label: str) -> None:
        self.frame = frame
        self.label = label

    def write_to(self, table: LakeTable) -> None:
        # One file per partition, the lake's layout for every engine (one object is an atomic
        # replace on S3 too). coalesce, not repartition: the last stage's tasks merge into the
        # writing task instead of paying one more shuffle (trusted_artists at full size: 10.1 s
        # against 11.2 s; with no merge at all, 9.7 s).
        def spark_write(aside: str) -> None:
            uri = table.location.hadoop_uri(aside)
            self.frame.coalesce(1).write.mode("overwrite").parquet(uri)

        try:
            table.write_with(spark_write)
        except Exception as error:
            if _is_spark_error(error):
                raise ModelError(f"{self.label} failed on Spark: {_first_line(error)}") from None
            raise


class SparkEngine:
    """Runs the Spark SQL models as they are written (no translation)."""

    name = "spark"

    def __init__(
        self, master: str, extra_config: Mapping[str, str], class_archive: str | None = None
    ) -> None:
        """``class_archive``: the folder of the driver JVM's class archive, None for none."""
        self.config = spark_config(master, extra_config)
        self.archive = ClassArchive(class_archive) if class_archive else None
        self._resource: LazyPySparkResource | None = None
        # By partition: the version of its file when it was read, and the DataFrame read.
        self._frames: dict[str, tuple[str, Any]] = {}

    @property
    def session(self) -> Any:
        """The run's session; started as for a short run when nothing has been read yet."""
        return self._session({})

    def _session(self, inputs: Mapping[str, LakeTable]) -> Any:
        """The run's session, started for the size of ``inputs`` on first use."""
        if self._resource is None:
            from pyspark import SparkContext

            read = sum(_size(table) for table in inputs.values())
            # Java options reach only a JVM started now: one runs per process, for good.
            archive = self.archive if SparkContext._gateway is None else None
            config = session_config(self.config, read, archive)
            resource = LazyPySparkResource(spark_config=config)
            resource.spark_session  # noqa: B018 (starts it; kept once started, for close)
            self._resource = resource
        return self._resource.spark_session

    def run_model(self, spark_sql: str, label: str, inputs: Mapping[str, LakeTable]) -> SparkResult:
        self._bind(inputs)
        try:
            frame = self.session.sql(spark_sql)
        except Exception as error:
            if _is_spark_error(error):
                raise ModelError(f"{label} failed on Spark: {_first_line(error)}") from None
            raise
        return SparkResult(frame, label)

    def query(
        self,
        spark_sql: str,
        inputs: Mapping[str, LakeTable],
        parameters: Mapping[str, object] | None = None,
        label: str = "query",
    ) -> list[tuple[Any, ...]]:
        if parameters is not None:
            spark_sql = filled(spark_sql, parameters, label)
        self._bind(inputs)
        try:
            return [tuple(row) for row in self.session.sql(spark_sql).collect()]
        except Exception as error:
            if _is_spark_error(error):
                raise ModelError(
                    f"query failed on Spark: {_first_line(error)}\n{spark_sql}"
                ) from None
            raise

    def close(self) -> None:
        self._frames.clear()
        if self._resource is not None:
            self._resource.spark_session.stop()
            self._resource = None
        if self.archive is not None and self.archive.recording is not None:
            self.archive.keep(_end_jvm())

    def _bind(self, inputs: Mapping[str, LakeTable]) -> None:
        """Each input partition as a temporary view named as the SQL reads it."""
        self._session(inputs)
        for name, table in inputs.items():
            self._frame(table).createOrReplaceTempView(name)

    def _frame(self, table: LakeTable) -> Any:
        """The partition as a DataFrame, read once per run for as long as its file stays the same.

        Each read lists the folder and reads a footer in a Spark job of its own (0.07 s warm, 0.2
        s cold), and a run binds its partitions 70 times, 18 of them distinct. A partition written
        since it was read (another modification time or size) is read again.
        """
        version = table.location.file_version(table.data_path)
        if version is None:
            return self.session.read.parquet(table.hadoop_uri)  # Spark's error names the folder
        kept = self._frames.get(table.hadoop_uri)
        if kept is None or kept[0] != version:
            kept = (version, self.session.read.parquet(table.hadoop_uri))
            self._frames[table.hadoop_uri] = kept
        return kept[1]


def _end_jvm(seconds: float = 600) -> int | None:
    """Ends this process's driver JVM, whose SparkContext has stopped, and waits for it (it
    writes the class archive as it exits): its exit code, None if it is not this process's or
    did not end in time. A later session starts a JVM of its own."""
    from pyspark import SparkContext

    gateway = SparkContext._gateway
    process = getattr(gateway, "proc", None)
    if gateway is None or process is None or SparkContext._active_spark_context is not None:
        return None
    gateway.shutdown()
    SparkContext._gateway = SparkContext._jvm = None
    process.stdin.close()  # the JVM exits when its standard input ends
    try:
        return int(process.wait(seconds))
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return None


def _size(table: LakeTable) -> int:
    return table.location.filesystem.get_file_info(table.data_path).size or 0


def _is_spark_error(error: Exception) -> bool:
    from pyspark.errors import PySparkException

    return isinstance(error, PySparkException)


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
