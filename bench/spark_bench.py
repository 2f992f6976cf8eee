"""The Spark suite's floors (run_bench.py --suite spark).

PLAIN_PYSPARK is a job written the way the reference Glue jobs were: read each CSV with header
and inferSchema, drop duplicate rows, cast columns with withColumn, explode the genres, write
Parquet. It does less than the lake (no line accounting, no rejects, no checks, no dimensional
model). SPARK_FLOOR is what any Spark job pays before its first row: the JVM and a SparkSession
started, one trivial query.
"""

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

SPARK_FLOOR = r"""
from pyspark.sql import SparkSession
spark = SparkSession.builder.master("local[2]").appName("floor").getOrCreate()
spark.sql("select 1 as one").collect()
spark.stop()
"""
