"""Benchmark: the whole horror_lake job on full-size sample files beside a bare CSV->Parquet floor.

Usage: .venv/bin/python bench/run_bench.py [--suite all|csv|tmdb] [--movies 245000]
       [--series 110000] [--out bench/results]

Each measured command runs in its own process, --repeat times (interleaved, so a noisy
neighbour hurts all of them alike); the median wall time is reported, and peak memory is the
largest resident set of the process tree, sampled every 20 ms. Results are printed as a Markdown
table and saved to <out>/latest.json. The TMDB suite (bench/tmdb_bench.py) fetches from a local
server that enforces TMDB's rate limit.
"""

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

FLOOR_PYARROW = """
import sys, pyarrow.csv as c, pyarrow.parquet as pq
for name in ("movies", "series"):
    opts = c.ParseOptions(delimiter="|", quote_char=False, invalid_row_handler=lambda r: "skip")
    pq.write_table(c.read_csv(f"{sys.argv[1]}/{name}.csv", parse_options=opts),
                   f"{sys.argv[2]}/{name}.parquet")
"""
FLOOR_DUCKDB = """
import sys, duckdb
for name in ("movies", "series"):
    duckdb.sql(f"copy (select * from read_csv('{sys.argv[1]}/{name}.csv', delim='|', quote='',"
               f" all_varchar=true, ignore_errors=true)) to '{sys.argv[2]}/{name}.parquet'")
"""


@dataclass(frozen=True)
class Measurement:
    name: str
    seconds: float
    peak_rss_mb: float
    returncode: int


def measure(name: str, args: list[str], env: dict[str, str] | None = None) -> Measurement:
    started = time.perf_counter()
    process = psutil.Popen(
        args, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss(process))
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if process.returncode != 0:
        print(f"{name} failed:\n{stderr[-3000:]}", file=sys.stderr)
    return Measurement(name, round(seconds, 2), round(peak / 2**20, 1), process.returncode)


def median_run(name: str, measurements: list[Measurement]) -> Measurement:
    return Measurement(
        name,
        statistics.median(m.seconds for m in measurements),
        max(m.peak_rss_mb for m in measurements),
        max(m.returncode for m in measurements),
    )


def tree_rss(process: psutil.Process) -> int:
    total = 0
    for member in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += member.memory_info().rss
    return total


def make_sample(landing: Path, movies: int, series: int) -> dict[str, float]:
    stamp = landing / f".sample-{movies}-{series}"
    if not stamp.exists():
        from horror_lake.sample.generator import write_sample

        shutil.rmtree(landing, ignore_errors=True)
        write_sample(landing, movies=movies, series=series, seed=42)
        stamp.touch()
    return {f.name: round(f.stat().st_size / 2**20, 1) for f in sorted(landing.glob("*.csv"))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--movies", type=int, default=245_000, help="movie titles (~1.1 M lines)")
    parser.add_argument("--series", type=int, default=110_000, help="series titles (~0.5 M lines)")
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    parser.add_argument("--repeat", type=int, default=3, help="runs per command (median kept)")
    parser.add_argument("--suite", choices=("all", "csv", "tmdb", "spark"), default="all")
    options = parser.parse_args()

    out = options.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    report: dict[str, object] = {}
    ok = True
    if options.suite in ("all", "csv"):
        ok = csv_suite(options, out, report)
    sys.path.insert(0, str(Path(__file__).parent))
    if options.suite in ("all", "tmdb"):
        from tmdb_bench import run_tmdb_bench

        report["tmdb"] = run_tmdb_bench(out, movies=4500, series=1600, rates=[None, 38.0])
    if options.suite in ("all", "spark"):
        from spark_bench import run_spark_bench

        landing = out / "landing"
        make_sample(landing, options.movies, options.series)
        spark = run_spark_bench(landing)
        report["spark"] = [asdict(r) for r in spark]
        ok = ok and all(r.returncode == 0 for r in spark)
    (out / "latest.json").write_text(json.dumps(report, indent=2))
    return 0 if ok else 1


def csv_suite(options: argparse.Namespace, out: Path, report: dict[str, object]) -> bool:
    """The whole job on full-size files beside the CSV->Parquet floors."""
    landing = out / "landing"
    sizes = make_sample(landing, options.movies, options.series)
    python = sys.executable
    dagster = str(Path(python).parent / "dagster")
    runs: dict[str, list[Measurement]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch) / "dagster_home"
        home.mkdir()
        env = {
            "HORROR_LAKE_LANDING": str(landing),
            "HORROR_LAKE_ROOT": str(out / "lake"),
            "DAGSTER_HOME": str(home),
        }
        job = [dagster, "job", "execute", "-m", "horror_lake", "-j", "horror_lake_job"]
        commands = [
            (
                "floor: pyarrow CSV->Parquet",
                [python, "-c", FLOOR_PYARROW, str(landing), scratch],
                {},
            ),
            ("floor: DuckDB CSV->Parquet", [python, "-c", FLOOR_DUCKDB, str(landing), scratch], {}),
            ("horror_lake_job (dagster job execute, DuckDB)", job, env),
        ]
        for _ in range(options.repeat):
            for name, args, extra_env in commands:
                runs.setdefault(name, []).append(measure(name, args, extra_env))
    results = [median_run(name, measurements) for name, measurements in runs.items()]

    floor = min(r.seconds for r in results[:2])
    report["csv"] = {
        "files_mb": sizes,
        "cpu_count": os.cpu_count(),
        "results": [asdict(r) for r in results],
        "runs": {name: [m.seconds for m in ms] for name, ms in runs.items()},
        "job_over_floor": round(results[-1].seconds / floor, 2),
    }
    print(f"Input: {sizes} on {os.cpu_count()} cores, median of {options.repeat} runs\n")
    print("| run | wall (s) | peak RSS (MB) | x floor |")
    print("|---|---:|---:|---:|")
    for r in results:
        print(f"| {r.name} | {r.seconds} | {r.peak_rss_mb} | {r.seconds / floor:.1f} |")
    return all(r.returncode == 0 for r in results)


if __name__ == "__main__":
    sys.exit(main())
