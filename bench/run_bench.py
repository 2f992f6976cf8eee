"""Benchmark: the whole horror_lake job against the physical floor, in interleaved pairs.

Usage: .venv/bin/python bench/run_bench.py [--suite csv|small|spark|tmdb|scale|all]
       [--repeat 3] [--out bench/results]

- csv: the job on full-size files (movies.csv ~160 MB, series.csv ~75 MB, dirty) against the
  floor (pyarrow reads both CSVs as strings and writes Parquet), and where the job's time goes.
- small: the job on the demo sample (what a user feels on every materialization) against the
  cost of importing dagster, duckdb and pyarrow.
- spark: the job on the Spark engine (local[2]) against a plain PySpark job written the way
  the reference Glue jobs were, at full size; and on a 420-title sample against the JVM's own
  SparkSession start-up plus one trivial query.
- tmdb: raw_tmdb against a local server enforcing TMDB's rate limit (bench/tmdb_bench.py).
- scale: 1x, 4x and 10x the full-size files, job and floor, time and memory, and a chart
  (bench/scale_bench.py).

Each pair runs the floor, then the command, each in its own process; a noisy neighbour hurts
both alike and each ratio compares runs made side by side. Reported: the median and the range
of each, and of the per-pair ratios. Results go to <out>/latest.json and stdout as Markdown.
"""

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from breakdown import breakdown
from measure import JOB, PAIRED_HEADER, PYTHON, Paired, measure, paired
from workloads import (
    FLOOR_IMPORTS,
    FLOOR_PYARROW,
    FULL_MOVIES,
    FULL_SERIES,
    fresh,
    job_env,
    make_sample,
)


def job_against_floor(
    name: str,
    landing: Path,
    scratch: Path,
    floor_name: str,
    floor: list[str],
    repeat: int,
    **settings: str,
) -> tuple[Paired, str]:
    """The job paired with a floor; each job run gets a fresh lake (a Dagster home and the SQL
    cache are kept, as a user's are), and the last run is broken down. One run before the
    pairs, not counted, fills the SQL cache and the OS's file cache."""
    lake, home = scratch / "lake", scratch / "home"
    env = job_env(landing, lake, home, **settings)
    fresh(lake)
    measure("warm-up", JOB, env)
    result = paired(name, JOB, env, floor_name, floor, repeat, before_each=lambda: fresh(lake))
    detail = breakdown(home, result.runs[-1].seconds)
    text = "\n".join([detail.summary(), "", *detail.rows()])
    return result, text


def csv_suite(out: Path, repeat: int, report: dict[str, object]) -> bool:
    landing = out / "landing"
    sizes = make_sample(landing, FULL_MOVIES, FULL_SERIES)
    with tempfile.TemporaryDirectory() as scratch:
        floor = [PYTHON, "-c", FLOOR_PYARROW, str(landing), scratch]
        result, detail = job_against_floor(
            "horror_lake_job (dagster job execute, DuckDB)",
            landing,
            Path(scratch),
            "pyarrow CSV->Parquet",
            floor,
            repeat,
        )
    print(f"\n## Full size {sizes}, {os.cpu_count()} cores, {repeat} pairs\n\n{PAIRED_HEADER}")
    print(result.row())
    print(f"\nWhere the last job run's time went: {detail}")
    report["csv"] = {"files_mb": sizes, **result.summary(), "breakdown": detail}
    return result.ok


def small_suite(out: Path, repeat: int, report: dict[str, object]) -> bool:
    landing = out / "small_landing"
    sizes = make_sample(landing, 2000, 800, tmdb=True)
    with tempfile.TemporaryDirectory() as scratch:
        result, detail = job_against_floor(
            "horror_lake_job on the demo sample",
            landing,
            Path(scratch),
            "import dagster, duckdb, pyarrow",
            [PYTHON, "-c", FLOOR_IMPORTS],
            repeat,
        )
    print(f"\n## Demo sample {sizes} with its TMDB snapshot, {repeat} pairs\n\n{PAIRED_HEADER}")
    print(result.row())
    print(f"\nWhere the last job run's time went: {detail}")
    report["small"] = {"files_mb": sizes, **result.summary(), "breakdown": detail}
    return result.ok


def spark_suite(out: Path, repeat: int, report: dict[str, object]) -> bool:
    from spark_bench import PLAIN_PYSPARK, SPARK_FLOOR

    spark = {"HORROR_LAKE_ENGINE": "spark", "HORROR_LAKE_SPARK_MASTER": "local[2]"}
    landing = out / "landing"
    make_sample(landing, FULL_MOVIES, FULL_SERIES)
    small = out / "spark_small_landing"
    make_sample(small, 300, 120, tmdb=True)
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        plain = [PYTHON, "-c", PLAIN_PYSPARK, str(landing), f"{scratch}/plain"]
        full, full_detail = job_against_floor(
            "horror_lake_job, Spark engine (local[2]), full size",
            landing,
            Path(scratch) / "full",
            "plain PySpark job (Glue style)",
            plain,
            repeat,
            **spark,
        )
        results.append(full)
        tiny, tiny_detail = job_against_floor(
            "horror_lake_job, Spark engine (local[2]), 420 titles",
            small,
            Path(scratch) / "small",
            "SparkSession start-up + one trivial query",
            [PYTHON, "-c", SPARK_FLOOR],
            repeat,
            **spark,
        )
        results.append(tiny)
    print(f"\n## Spark engine, {repeat} pairs\n\n{PAIRED_HEADER}")
    for result in results:
        print(result.row())
    print(f"\nFull size, the last Spark run: {full_detail}")
    print(f"\n420 titles, the last Spark run: {tiny_detail}")
    report["spark"] = {
        "full": {**full.summary(), "breakdown": full_detail},
        "small": {**tiny.summary(), "breakdown": tiny_detail},
    }
    return all(r.ok for r in results)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--suite", choices=("all", "csv", "small", "spark", "tmdb", "scale"), default="all"
    )
    parser.add_argument("--repeat", type=int, default=3, help="pairs per comparison (3)")
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    options = parser.parse_args()
    out = options.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    report: dict[str, object] = {"cpu_count": os.cpu_count()}
    ok = True
    chosen = options.suite
    if chosen in ("all", "small"):
        ok &= small_suite(out, options.repeat, report)
    if chosen in ("all", "csv"):
        ok &= csv_suite(out, options.repeat, report)
    if chosen in ("all", "spark"):
        ok &= spark_suite(out, options.repeat, report)
    if chosen in ("all", "tmdb"):
        from tmdb_bench import run_tmdb_bench

        report["tmdb"] = run_tmdb_bench(out, movies=4500, series=1600, rates=[None, 38.0])
    if chosen in ("all", "scale"):
        from scale_bench import run_scale_bench

        report["scale"] = run_scale_bench(out, options.repeat)
    (out / "latest.json").write_text(json.dumps(report, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
