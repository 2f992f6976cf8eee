"""Benchmark: the whole horror_lake job against the physical floor, in interleaved pairs.

Usage: .venv/bin/python bench/run_bench.py [--suite csv|small|spark|tmdb|scale|all]
       [--repeat 3] [--out bench/results] [--against DIR]

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
import statistics
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
    against: Path | None,
    **settings: str,
) -> tuple[list[Paired], str]:
    """The job paired with a floor; each job run gets a fresh lake (a Dagster home and the SQL
    cache are kept, as a user's are), and the last run is broken down. One run before the
    pairs, not counted, fills the SQL cache and the OS's file cache. With ``--against DIR``,
    the package in DIR runs beside this one in every round (its own row, the same floor)."""
    versions = {name: job_env(landing, scratch / "lake", scratch / "home", **settings)}
    if against is not None:
        versions[f"{name}, {against}"] = job_env(
            landing, scratch / "other_lake", scratch / "other_home", against, **settings
        )
    lakes = [Path(env["HORROR_LAKE_ROOT"]) for env in versions.values()]
    for env in versions.values():
        fresh(*lakes)
        measure("warm-up", JOB, env)
    results = paired(JOB, versions, floor_name, floor, repeat, lambda: fresh(*lakes))
    last, last_floor = results[0].runs[-1], results[0].floor_runs[-1]
    detail = breakdown(scratch / "home", last.seconds, last.cpu_seconds)
    cores = os.cpu_count() or 1
    least = detail.least_seconds(cores)
    text = "\n".join(
        [
            f"{detail.summary()}. Steps side by side could bring this run to {least:.2f} s at "
            f"best (the fixed cost plus the critical path, or its CPU time over {cores} "
            f"cores), {least / last_floor.seconds:.2f}x its floor's "
            f"{last_floor.seconds:.2f} s",
            "",
            *detail.rows(),
        ]
    )
    if len(results) == 2:
        pairs = list(zip(results[0].runs, results[1].runs, strict=True))
        wall = [a.seconds - b.seconds for a, b in pairs]
        cpu = [a.cpu_seconds - b.cpu_seconds for a, b in pairs]
        text += (
            f"\n\nThis tree minus {against}, per round (below zero: this tree is faster): "
            f"{statistics.median(wall):+.2f} s (median; {min(wall):+.2f} to {max(wall):+.2f}), "
            f"CPU {statistics.median(cpu):+.1f} s ({min(cpu):+.1f} to {max(cpu):+.1f})"
        )
    return results, text


def summaries(results: list[Paired], against: Path | None) -> dict[str, object]:
    """This tree's figures, and the other version's under ``against`` (``--against``)."""
    summary = results[0].summary()
    if len(results) == 2:
        summary["against"] = {"code": str(against), **results[1].summary()}
    return summary


def csv_suite(out: Path, repeat: int, report: dict[str, object], against: Path | None) -> bool:
    landing = out / "landing"
    sizes = make_sample(landing, FULL_MOVIES, FULL_SERIES)
    with tempfile.TemporaryDirectory() as scratch:
        floor = [PYTHON, "-c", FLOOR_PYARROW, str(landing), scratch]
        results, detail = job_against_floor(
            "horror_lake_job (dagster job execute, DuckDB)",
            landing,
            Path(scratch),
            "pyarrow CSV->Parquet",
            floor,
            repeat,
            against,
        )
    print(f"\n## Full size {sizes}, {os.cpu_count()} cores, {repeat} pairs\n\n{PAIRED_HEADER}")
    print("\n".join(result.row() for result in results))
    print(f"\nWhere the last job run's time went: {detail}")
    report["csv"] = {"files_mb": sizes, **summaries(results, against), "breakdown": detail}
    return all(result.ok for result in results)


def small_suite(out: Path, repeat: int, report: dict[str, object], against: Path | None) -> bool:
    landing = out / "small_landing"
    sizes = make_sample(landing, 2000, 800, tmdb=True)
    with tempfile.TemporaryDirectory() as scratch:
        results, detail = job_against_floor(
            "horror_lake_job on the demo sample",
            landing,
            Path(scratch),
            "import dagster, duckdb, pyarrow",
            [PYTHON, "-c", FLOOR_IMPORTS],
            repeat,
            against,
        )
    print(f"\n## Demo sample {sizes} with its TMDB snapshot, {repeat} pairs\n\n{PAIRED_HEADER}")
    print("\n".join(result.row() for result in results))
    print(f"\nWhere the last job run's time went: {detail}")
    report["small"] = {"files_mb": sizes, **summaries(results, against), "breakdown": detail}
    return all(result.ok for result in results)


def spark_suite(out: Path, repeat: int, report: dict[str, object], against: Path | None) -> bool:
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
            against,
            **spark,
        )
        results.extend(full)
        tiny, tiny_detail = job_against_floor(
            "horror_lake_job, Spark engine (local[2]), 420 titles",
            small,
            Path(scratch) / "small",
            "SparkSession start-up + one trivial query",
            [PYTHON, "-c", SPARK_FLOOR],
            repeat,
            against,
            **spark,
        )
        results.extend(tiny)
    print(f"\n## Spark engine, {repeat} pairs\n\n{PAIRED_HEADER}")
    for result in results:
        print(result.row())
    print(f"\nFull size, the last Spark run: {full_detail}")
    print(f"\n420 titles, the last Spark run: {tiny_detail}")
    report["spark"] = {
        "full": {**summaries(full, against), "breakdown": full_detail},
        "small": {**summaries(tiny, against), "breakdown": tiny_detail},
    }
    return all(r.ok for r in results)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--suite", choices=("all", "csv", "small", "spark", "tmdb", "scale"), default="all"
    )
    parser.add_argument("--repeat", type=int, default=3, help="pairs per comparison (3)")
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    parser.add_argument(
        "--against",
        type=Path,
        metavar="DIR",
        help="also run the package in DIR (e.g. a git worktree of an older commit) in every "
        "round, beside this one: before and after, side by side (small, csv, spark)",
    )
    options = parser.parse_args()
    against = options.against.resolve() if options.against else None
    out = options.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    report: dict[str, object] = {"cpu_count": os.cpu_count()}
    ok = True
    chosen = options.suite
    if chosen in ("all", "small"):
        ok &= small_suite(out, options.repeat, report, against)
    if chosen in ("all", "csv"):
        ok &= csv_suite(out, options.repeat, report, against)
    if chosen in ("all", "spark"):
        ok &= spark_suite(out, options.repeat, report, against)
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
