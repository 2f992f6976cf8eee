"""The size curve (run_bench.py --suite scale): the job and the floor at 1x, 4x and 10x the
full-size files, wall time and peak memory side by side, and a chart for the README.

Inputs are `horror-lake sample --scale K` of the full-size sample (each copy with ids of its
own), made once and kept. Also the Spark engine at 4x, where the driver (the Python process
that runs Dagster) must stay small: the JVM does the data work.
"""

import shutil
import statistics
import tempfile
from pathlib import Path

from measure import JOB, PYTHON, Measurement, measure
from workloads import FLOOR_PYARROW, FULL_MOVIES, FULL_SERIES, fresh, job_env

SCALES = (1, 4, 10)
CHART = Path("docs/scale.png")


def scaled_landing(out: Path, scale: int) -> Path:
    landing = out / f"scale_{scale}x"
    stamp = landing / f".sample-{scale}"
    if not stamp.exists():
        from horror_lake.sample.generator import write_sample

        shutil.rmtree(landing, ignore_errors=True)
        write_sample(landing, movies=FULL_MOVIES, series=FULL_SERIES, seed=42, scale=scale)
        stamp.touch()
    return landing


def run_scale_bench(out: Path, repeat: int) -> dict[str, object]:
    rows = []
    for scale in SCALES:
        landing = scaled_landing(out, scale)
        mb = sum(f.stat().st_size for f in landing.glob("*.csv")) / 1e6
        jobs: list[Measurement] = []
        floors: list[Measurement] = []
        with tempfile.TemporaryDirectory() as scratch:
            lake, home = Path(scratch) / "lake", Path(scratch) / "home"
            for _ in range(repeat):
                floors.append(
                    measure("floor", [PYTHON, "-c", FLOOR_PYARROW, str(landing), scratch])
                )
                fresh(lake, home)
                jobs.append(measure("job", JOB, job_env(landing, lake, home)))
        rows.append(_row(scale, mb, jobs, floors))
    spark = _spark_at(out, 4)
    _print(rows, spark)
    _chart(rows, out)
    return {"sizes": rows, "spark_4x": spark}


def _row(scale: int, mb: float, jobs: list[Measurement], floors: list[Measurement]) -> dict:
    ratios = [j.seconds / f.seconds for j, f in zip(jobs, floors, strict=True)]
    return {
        "scale": scale,
        "input_mb": round(mb),
        "job_seconds": statistics.median(j.seconds for j in jobs),
        "job_seconds_range": [min(j.seconds for j in jobs), max(j.seconds for j in jobs)],
        "job_peak_rss_mb": max(j.peak_rss_mb for j in jobs),
        "floor_seconds": statistics.median(f.seconds for f in floors),
        "floor_peak_rss_mb": max(f.peak_rss_mb for f in floors),
        "ratio_median": round(statistics.median(ratios), 2),
        "ratio_range": [round(min(ratios), 2), round(max(ratios), 2)],
        "ok": all(m.returncode == 0 for m in [*jobs, *floors]),
    }


def _spark_at(out: Path, scale: int) -> dict[str, object]:
    landing = scaled_landing(out, scale)
    with tempfile.TemporaryDirectory() as scratch:
        lake, home = Path(scratch) / "lake", Path(scratch) / "home"
        fresh(lake, home)
        env = job_env(
            landing, lake, home, HORROR_LAKE_ENGINE="spark", HORROR_LAKE_SPARK_MASTER="local[2]"
        )
        run = measure("spark", JOB, env)
    return {
        "scale": scale,
        "seconds": run.seconds,
        "driver_peak_rss_mb": run.main_peak_rss_mb,
        "with_jvm_peak_rss_mb": run.peak_rss_mb,
        "ok": run.returncode == 0,
    }


def _print(rows: list[dict], spark: dict[str, object]) -> None:
    print("\n## Size curve (median of the pairs)\n")
    print("| input | job wall s (range) | job peak RSS MB | floor wall s | floor peak RSS MB | "
          "job / floor (range) |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        low, high = r["job_seconds_range"]
        print(
            f"| {r['scale']}x ({r['input_mb']} MB) | {r['job_seconds']:.1f} ({low:.1f}-"
            f"{high:.1f}) | {r['job_peak_rss_mb']:.0f} | {r['floor_seconds']:.1f} | "
            f"{r['floor_peak_rss_mb']:.0f} | {r['ratio_median']}x ({r['ratio_range'][0]}-"
            f"{r['ratio_range'][1]}) |"
        )
    print(
        f"\nSpark engine (local[2]) at {spark['scale']}x: {spark['seconds']} s, driver (Python) "
        f"peak RSS {spark['driver_peak_rss_mb']} MB, "
        f"with the JVM {spark['with_jvm_peak_rss_mb']} MB"
    )


def _chart(rows: list[dict], out: Path) -> None:
    """Time and memory against input size, job and floor, as a PNG (docs/scale.png)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["input_mb"] / 1000 for r in rows]
    figure, (times, memory) = plt.subplots(1, 2, figsize=(10, 4))
    times.plot(sizes, [r["job_seconds"] for r in rows], "o-", color="#8b0000", label="job")
    times.plot(sizes, [r["floor_seconds"] for r in rows], "o--", color="#555", label="floor")
    times.set(xlabel="input (GB)", ylabel="wall time (s)", title="Time")
    memory.plot(sizes, [r["job_peak_rss_mb"] for r in rows], "o-", color="#8b0000", label="job")
    memory.plot(sizes, [r["floor_peak_rss_mb"] for r in rows], "o--", color="#555", label="floor")
    memory.set(xlabel="input (GB)", ylabel="peak RSS (MB)", title="Memory")
    for axis in (times, memory):
        axis.grid(alpha=0.3)
        axis.legend()
        axis.set_ylim(bottom=0)
    figure.suptitle("horror_lake_job against the pyarrow floor, 2 cores")
    figure.tight_layout()
    for path in (out / "scale.png", CHART):
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, dpi=110)
