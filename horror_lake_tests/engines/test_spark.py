"""The Spark engine, for real: a local SparkSession (local[2]) and a standalone Spark cluster
(a master and a worker started from the pyspark installation on 127.0.0.1). Nothing is mocked."""

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from horror_lake.engines.class_archive import ARCHIVE_MAGIC, ClassArchive
from horror_lake.engines.spark_engine import (
    JAVA_OPTION_VARIABLES,
    QUICK_JIT,
    SHORT_RUN_BYTES,
    THROUGHPUT_GC,
    SparkEngine,
    session_config,
    spark_config,
)
from horror_lake.lake.location import LakeLocation
from horror_lake.lake.tables import LakeTable
from horror_lake.raw.sources import MOVIES_HEADER
from horror_lake.sample.generator import SampleSummary
from horror_lake_tests.conftest import PARTITION, BuiltLake, run_job
from horror_lake_tests.lake_reading import comparable, read_table, same_type
from horror_lake_tests.servers import free_port

pytestmark = pytest.mark.slow  # real Spark sessions and a standalone cluster

SPARK = {"HORROR_LAKE_ENGINE": "spark", "HORROR_LAKE_SPARK_MASTER": "local[2]"}


@pytest.fixture(scope="module")
def spark_built(tmp_path_factory: pytest.TempPathFactory, sample: SampleSummary) -> Path:
    lake = tmp_path_factory.mktemp("spark") / "lake"
    result = run_job(lake, sample.movies.path.parent, settings=SPARK)
    assert result.success
    return lake


def test_every_table_equals_the_duckdb_engines(built: BuiltLake, spark_built: Path) -> None:
    tables = sorted(
        p.relative_to(built.path)
        for zone in ("raw", "trusted", "refined")
        for p in (built.path / zone).iterdir()
        if p.is_dir()
    )
    assert len(tables) >= 14
    for table in tables:
        zone, name = table.parts
        duck = read_table(built.path, zone, name, PARTITION)
        spark = read_table(spark_built, zone, name, PARTITION)
        assert duck.column_names == spark.column_names, table
        for duck_field, spark_field in zip(duck.schema, spark.schema, strict=True):
            assert same_type(duck_field.type, spark_field.type), (table, duck_field, spark_field)
        assert comparable(duck) == comparable(spark), table


def test_spark_writes_one_file_per_partition_and_leaves_no_staging(spark_built: Path) -> None:
    for folder in spark_built.glob(f"*/*/ingestion_date={PARTITION}"):
        assert [p.name for p in folder.iterdir()] == ["part-00000.parquet"], folder
    assert not list(spark_built.rglob(".*")) and not list(spark_built.rglob("_*"))


def test_bad_input_fails_the_same_way_on_both_engines(
    tmp_path: Path, sample: SampleSummary
) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(sample.movies.path.parent, landing)
    (landing / "movies.csv").write_text(",".join(MOVIES_HEADER) + "\ntt1,a\n", encoding="utf-8")
    messages = []
    for settings in ({}, SPARK):
        result = run_job(tmp_path / "lake", landing, raise_on_error=False, settings=settings)
        assert not result.success
        messages.append(
            [
                event.step_failure_data.error.message
                for event in result.all_events
                if event.is_step_failure and event.step_failure_data.error
            ]
        )
    assert messages[0] == messages[1] and "pipe-delimited" in messages[0][0]


def test_a_partition_is_read_once_a_run_until_it_is_written_again(tmp_path: Path) -> None:
    """Spark lists a partition's folder and reads its footer in a job of its own each time it
    reads it; the engine keeps what it read while the file stays the same, and reads a
    partition again once it has been replaced."""
    engine = SparkEngine("local[2]", {})
    table = LakeTable(LakeLocation(str(tmp_path / "lake")), "trusted", "numbers", PARTITION)
    total = "select sum(n) from numbers"
    try:
        table.write(pa.table({"n": [1, 2]}))
        tracker = engine.session.sparkContext.statusTracker()
        jobs = []
        for _ in range(2):
            before = len(tracker.getJobIdsForGroup())
            assert engine.query(total, {"numbers": table}) == [(3,)]
            jobs.append(len(tracker.getJobIdsForGroup()) - before)
        assert jobs[1] == jobs[0] - 1, jobs  # the second query reads no footer
        table.write(pa.table({"n": [5, 6, 7], "m": [1, 1, 1]}))  # a column more
        assert engine.query("select sum(n + m) from numbers", {"numbers": table}) == [(21,)]
    finally:
        engine.close()


def spark_script(
    script: str, *args: str, env: dict[str, str], timeout: float
) -> subprocess.CompletedProcess[str]:
    """``script`` run by a Python process of its own (a JVM is started once per process), with
    the JVM's option variables of this one left out and ``env`` added; it must succeed."""
    environ = {k: v for k, v in os.environ.items() if k not in JAVA_OPTION_VARIABLES}
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environ | env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


FIRST_QUERY = """
import json, os, sys
import pyarrow as pa
from horror_lake.engines.spark_engine import SparkEngine
from horror_lake.lake.location import LakeLocation
from horror_lake.lake.tables import LakeTable

lake, megabytes = sys.argv[1], int(sys.argv[2])
table = LakeTable(LakeLocation(lake), "trusted", "blobs", "2024-01-01")
table.write(pa.table({"blob": [os.urandom(2**20) for _ in range(megabytes)] or [b""]}))
engine = SparkEngine("local[2]", {})
try:
    rows = engine.query("select count(*) from blobs", {"blobs": table})
    bean = engine.session.sparkContext._jvm.java.lang.management.ManagementFactory
    arguments = list(bean.getRuntimeMXBean().getInputArguments())
    collectors = [gc.getName() for gc in bean.getGarbageCollectorMXBeans()]
finally:
    engine.close()
print(json.dumps({"rows": rows[0][0], "arguments": arguments, "collectors": collectors}))
"""


PARALLEL_GC = {"PS Scavenge", "PS MarkSweep"}
SERIAL_GC = {"Copy", "MarkSweepCompact"}


@pytest.mark.parametrize(
    "megabytes, variables, quick, collectors",
    [
        (0, {}, True, PARALLEL_GC),
        (SHORT_RUN_BYTES // 2**20 + 1, {}, False, PARALLEL_GC),
        (0, {"JAVA_TOOL_OPTIONS": "-XX:+UseSerialGC"}, True, SERIAL_GC),
    ],
    ids=["short", "long", "users_collector"],
)
def test_the_jvm_has_the_throughput_gc_and_the_quick_compiler_only_for_a_short_run(
    tmp_path: Path, megabytes: int, variables: dict[str, str], quick: bool, collectors: set[str]
) -> None:
    """The session starts as its first query needs: the driver JVM's own arguments carry C1-only
    when that query reads a few bytes, not when it reads more than SHORT_RUN_BYTES (random,
    incompressible bytes); it collects garbage with the throughput collector, unless the JVM's
    own variables choose a collector (two would keep it from starting). A process of its own: a
    JVM is started once per Python process."""
    env = {"SPARK_CONF_DIR": str(tmp_path), **variables}
    done = spark_script(FIRST_QUERY, str(tmp_path / "lake"), str(megabytes), env=env, timeout=300)
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["rows"] == max(megabytes, 1)
    assert (QUICK_JIT in answer["arguments"]) is quick, answer["arguments"]
    assert (THROUGHPUT_GC in answer["arguments"]) is (collectors == PARALLEL_GC)
    assert set(answer["collectors"]) == collectors


def test_local_jvm_options_follow_the_first_read_and_yield_to_the_users_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in JAVA_OPTION_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SPARK_CONF_DIR", str(tmp_path))
    local = spark_config("local[2]", {})
    quick = {"spark.driver.extraJavaOptions": f"{THROUGHPUT_GC} {QUICK_JIT}"}
    long = {"spark.driver.extraJavaOptions": THROUGHPUT_GC}  # C2 pays for itself
    assert session_config(local, 0) == local | quick
    assert session_config(local, SHORT_RUN_BYTES - 1) == local | quick
    assert session_config(local, SHORT_RUN_BYTES) == local | long
    mine = spark_config("local[2]", {"spark.driver.extraJavaOptions": "-Xss4m"})
    assert session_config(mine, 0) == mine
    for master in ("spark://127.0.0.1:7077", "sc://127.0.0.1:15002"):
        assert session_config(spark_config(master, {}), 0) == spark_config(master, {})

    # A collector chosen anywhere the driver JVM looks stands; only the compiler is added.
    only_quick = {"spark.driver.extraJavaOptions": QUICK_JIT}
    zgc = spark_config("local[2]", {"spark.driver.defaultJavaOptions": "-XX:+UseZGC"})
    assert session_config(zgc, 0) == zgc | only_quick
    assert session_config(zgc, SHORT_RUN_BYTES) == zgc
    monkeypatch.setenv("_JAVA_OPTIONS", "-Xmx2g -XX:+UseShenandoahGC")
    assert session_config(local, 0) == local | only_quick
    monkeypatch.delenv("_JAVA_OPTIONS")
    defaults = tmp_path / "spark-defaults.conf"
    defaults.write_text("spark.driver.defaultJavaOptions  -XX:+UseG1GC\n")
    assert session_config(local, 0) == local | only_quick
    # The installation's own driver options stand, as the config's do.
    defaults.write_text("# a comment\nspark.driver.extraJavaOptions=-Xss4m\n")
    assert session_config(local, 0) == local
    defaults.unlink()

    # The class archive: recorded when missing, then mapped; not where sharing is chosen, nor
    # with a conf folder that has files in it (Java 17 archives no such class path).
    folder = tmp_path / "archive"
    archive = ClassArchive(folder)
    (tmp_path / "log4j2.properties").write_text("rootLogger.level = warn\n")
    assert session_config(local, SHORT_RUN_BYTES, archive) == local | long
    monkeypatch.setenv("SPARK_CONF_DIR", str(tmp_path / "empty"))
    (tmp_path / "empty").mkdir()
    folder.mkdir()
    left = ["spark-a.jsa", "spark-b.jsa", "spark-c.jsa", "spark-d.jsa.999999999.recording"]
    for age, name in enumerate(left):  # other installations' archives, a killed run's recording
        (folder / name).write_bytes(ARCHIVE_MAGIC)
        os.utime(folder / name, (age, age))
    (recording,) = options(session_config(local, SHORT_RUN_BYTES, archive))[1:2]
    assert recording.startswith("-XX:ArchiveClassesAtExit=") and archive.recording is not None
    assert not (folder / left[-1]).exists()  # its process is gone
    target = archive.target
    assert target is not None and not target.exists()
    archive.recording.write_bytes(ARCHIVE_MAGIC + bytes(100))  # what the JVM writes at exit
    archive.keep(0)
    assert sorted(p.name for p in folder.iterdir()) == sorted([*left[1:3], target.name])
    expected = [THROUGHPUT_GC, f"-XX:SharedArchiveFile={target}"]
    assert options(session_config(local, SHORT_RUN_BYTES, archive)) == expected
    monkeypatch.setenv("JAVA_TOOL_OPTIONS", "-Xshare:off")
    assert session_config(local, SHORT_RUN_BYTES, archive) == local | long
    assert session_config(mine, 0, archive) == mine


ARCHIVE_ROUNDS = """
import json, sys
import pyarrow as pa
from horror_lake.engines.spark_engine import SparkEngine
from horror_lake.lake.location import LakeLocation
from horror_lake.lake.tables import LakeTable

lake, folder = sys.argv[1], sys.argv[2]
table = LakeTable(LakeLocation(lake), "trusted", "numbers", "2024-01-01")
table.write(pa.table({"n": list(range(1000))}))
for _ in range(int(sys.argv[3])):
    engine = SparkEngine("local[2]", {}, folder)
    try:
        rows = engine.query("select sum(n), count(*) from numbers", {"numbers": table})
        bean = engine.session.sparkContext._jvm.java.lang.management.ManagementFactory
        arguments = list(bean.getRuntimeMXBean().getInputArguments())
        pid = int(bean.getRuntimeMXBean().getPid())
    finally:
        engine.close()
    print(json.dumps({"rows": [list(r) for r in rows], "arguments": arguments, "pid": pid}))
"""


def test_the_first_session_records_the_class_archive_and_later_jvms_map_spark_from_it(
    tmp_path: Path,
) -> None:
    """The first local session's JVM writes the class archive as the engine closes it; the next
    session, in the same process, starts a JVM that maps Spark's classes from it (the JVM's own
    class loading log says where each class came from). A damaged archive is recorded again,
    and the query runs meanwhile. The folder has a space in its name, as a home folder may."""
    folder = tmp_path / "class archive"
    loads = tmp_path / "classes.%p.log"
    conf = tmp_path / "conf"  # an empty conf folder: Java 17 archives no folder with files
    conf.mkdir()
    env = {"SPARK_CONF_DIR": str(conf), "JDK_JAVA_OPTIONS": f"-Xlog:class+load:file={loads}"}

    def rounds(count: int) -> list[dict[str, Any]]:
        lake = str(tmp_path / "lake")
        done = spark_script(ARCHIVE_ROUNDS, lake, str(folder), str(count), env=env, timeout=600)
        assert "[cds]" not in done.stdout + done.stderr  # the recording JVM's warnings are off
        return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]

    def spark_context_source(pid: int) -> str:
        log = (tmp_path / f"classes.{pid}.log").read_text(errors="replace")
        line = re.search(r"org\.apache\.spark\.SparkContext source: (.*)", log)
        assert line, f"no SparkContext in the class loading log of JVM {pid}"
        return line.group(1)

    first, second = rounds(2)
    archives = sorted(folder.iterdir())
    assert [p.suffix for p in archives] == [".jsa"], archives  # and no recording left behind
    assert first["rows"] == second["rows"] == [[499500, 1000]]
    assert first["pid"] != second["pid"]
    assert any(a.startswith("-XX:ArchiveClassesAtExit=") for a in first["arguments"])
    assert f"-XX:SharedArchiveFile={archives[0]}" in second["arguments"]
    assert spark_context_source(first["pid"]).endswith(".jar")
    assert spark_context_source(second["pid"]) == "shared objects file (top)"

    with open(archives[0], "rb") as archive:
        magic = archive.read(4)
    archives[0].write_bytes(b"not an archive" * 1000)
    (damaged,) = rounds(1)
    assert damaged["rows"] == [[499500, 1000]]
    assert any(a.startswith("-XX:ArchiveClassesAtExit=") for a in damaged["arguments"])
    assert spark_context_source(damaged["pid"]).endswith(".jar")
    with open(archives[0], "rb") as archive:
        assert archive.read(4) == magic


def options(config: dict[str, str]) -> list[str]:
    return config["spark.driver.extraJavaOptions"].split(" ")


def spark_class(*args: str, log: Path) -> subprocess.Popen[bytes]:
    import pyspark

    home = Path(pyspark.__file__).parent
    env = {**os.environ, "SPARK_HOME": str(home), "SPARK_LOCAL_IP": "127.0.0.1"}
    with open(log, "wb") as out:
        return subprocess.Popen(
            [str(home / "bin" / "spark-class"), *args], env=env, stdout=out, stderr=out
        )


def wait_for(log: Path, text: str, process: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while text not in log.read_text(errors="replace"):
        assert process.poll() is None, log.read_text(errors="replace")[-3000:]
        assert time.monotonic() < deadline, f"no {text!r} in {log}"
        time.sleep(0.2)


@pytest.fixture
def standalone_cluster(tmp_path: Path) -> Iterator[str]:
    """A Spark standalone master and one worker (1 core, 1 GB) on 127.0.0.1."""
    port = free_port()
    master_url = f"spark://127.0.0.1:{port}"
    master_log, worker_log = tmp_path / "master.log", tmp_path / "worker.log"
    master = spark_class(
        "org.apache.spark.deploy.master.Master",
        *("--host", "127.0.0.1", "--port", str(port), "--webui-port", str(free_port())),
        log=master_log,
    )
    worker = None
    try:
        wait_for(master_log, "I have been elected leader", master, 90)
        worker = spark_class(
            "org.apache.spark.deploy.worker.Worker",
            master_url,
            *("--host", "127.0.0.1", "--cores", "1", "--memory", "1g"),
            *("--webui-port", str(free_port()), "--work-dir", str(tmp_path / "work")),
            log=worker_log,
        )
        wait_for(worker_log, "Successfully registered with master", worker, 90)
        yield master_url
    finally:
        for process in (worker, master):
            if process is not None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()


def test_the_job_runs_on_a_standalone_cluster(
    standalone_cluster: str, tmp_path: Path, sample: SampleSummary, built: BuiltLake
) -> None:
    lake = tmp_path / "lake"
    settings = {
        "HORROR_LAKE_ENGINE": "spark",
        "HORROR_LAKE_SPARK_MASTER": standalone_cluster,
        "HORROR_LAKE_SPARK_CONF": '{"spark.executor.memory": "768m", "spark.cores.max": "1"}',
    }
    result = run_job(lake, sample.movies.path.parent, settings=settings)
    assert result.success
    work = list((tmp_path / "work").rglob("stderr"))
    assert work, "no executor ran on the worker"
    for zone, name in (("refined", "fato_filme"), ("trusted", "trusted_artists")):
        assert comparable(read_table(lake, zone, name, PARTITION)) == comparable(
            read_table(built.path, zone, name, PARTITION)
        )
    assert (
        pq.ParquetFile(
            lake / "refined" / "dim_filme" / f"ingestion_date={PARTITION}" / "part-00000.parquet"
        ).metadata.num_rows
        > 0
    )
