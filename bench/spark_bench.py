"""Spark benchmark: the job on the Spark engine (local[2]) beside the DuckDB engine and beside a
plain PySpark job written the way the reference Glue jobs were, all on the full-size files.

The plain job reads each CSV with header and inferSchema, drops duplicate rows, casts columns
with withColumn, explodes the genres and writes Parquet: less than the lake does (no line
accounting, no rejects, no checks, no dimensional model). Called by run_bench.py
(``--suite spark``).
"""

import sys
import tempfile
from pathlib import Path

from run_bench import Measurement, measure

PLAIN_PYSPARK = r"""
import sys
from pyspark.sql import SparkSession, functions as F
landing, out = sys.argv[1], sys.argv[2]
spark = (SparkSession.builder.master("local[2]").appName("plain")
         # Glue 4 runs Spark 3.3, where a failed cast gives null (Spark 4 defaults to ANSI).
         .config("spark.sql.ansi.enabled", "false").getOrCreate())
for name in ("movies", "series"):
    df = (spark.read.option("header", True).option("inferSchema", True).option("sep", "|")
          .option("nullValue", r"\N").csv(f"{landing}/{name}.csv"))
    df = df.dropDuplicates()
    df = (df.withColumn("anoLancamento", F.col("anoLancamento").cast("int"))
            .withColumn("tempoMinutos", F.col("tempoMinutos").cast("int"))
            .withColumn("notaMedia", F.col("notaMedia").cast("double"))
            .withColumn("numeroVotos", F.col("numeroVotos").cast("int")))
    df.write.mode("overwrite").parquet(f"{out}/{name}")
    genres = df.select("id", F.explode(F.split(F.col("genero"), ",")).alias("genero"))
    genres.dropDuplicates().write.mode("overwrite").parquet(f"{out}/{name}_genres")
spark.stop()
"""


def run_spark_bench(landing: Path) -> list[Measurement]:
    python = sys.executable
    dagster = str(Path(python).parent / "dagster")
    job = [dagster, "job", "execute", "-m", "horror_lake", "-j", "horror_lake_job"]
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch) / "home"
        home.mkdir()
        base = {"HORROR_LAKE_LANDING": str(landing), "DAGSTER_HOME": str(home)}
        runs = [
            ("horror_lake_job, DuckDB engine", job, {"HORROR_LAKE_ROOT": f"{scratch}/duck"}),
            (
                "horror_lake_job, Spark engine (local[2])",
                job,
                {
                    "HORROR_LAKE_ROOT": f"{scratch}/spark",
                    "HORROR_LAKE_ENGINE": "spark",
                    "HORROR_LAKE_SPARK_MASTER": "local[2]",
                },
            ),
            (
                "plain PySpark job (Glue style)",
                [python, "-c", PLAIN_PYSPARK, str(landing), f"{scratch}/plain"],
                {},
            ),
        ]
        for name, args, env in runs:
            results.append(measure(name, args, {**base, **env}))
    print("\n| run | wall (s) | peak RSS (MB) |")
    print("|---|---:|---:|")
    for r in results:
        print(f"| {r.name} | {r.seconds} | {r.peak_rss_mb} |")
    return results
