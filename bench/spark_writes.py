"""Each SQL model's Spark write: one file per partition (the lake's layout) against one per task.

Usage: .venv/bin/python bench/spark_writes.py LAKE_ROOT DATE [--repeat 3]

LAKE_ROOT holds partition DATE of every table (a run of the job wrote it, on either engine).
In one local[2] session, each model's query is written three ways a round: merged into one
file (``coalesce(1)``, what ``SparkResult.write_to`` does), as Spark's tasks leave it (a file
each, what multi-file partitions would write), and into one file after a shuffle
(``repartition(1)``); the order turns each round, after one uncounted round that warms the JVM.
Prints each model's median and range, and those of the rounds' totals: what multi-file
partitions could save at most, before the cost of committing a folder atomically.
"""

import argparse
import shutil
import statistics
import tempfile
import time

from horror_lake.engines.spark_engine import SparkEngine
from horror_lake.lake.resources import LakeResource
from horror_lake.modeling.checks import asset_key
from horror_lake.modeling.project import lake_project

LAYOUTS = ("one file", "a file per task", "one file after a shuffle")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lake_root")
    parser.add_argument("date")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    lake = LakeResource(root=args.lake_root)
    engine = SparkEngine("local[2]", {})
    out = tempfile.mkdtemp(prefix="spark-writes-")
    seconds: dict[tuple[str, str], list[float]] = {}
    try:
        for round_ in range(args.repeat + 1):
            for table in lake_project().sql_tables():
                statement = table.statement
                assert statement is not None
                reads = {name: asset_key(*key) for name, key in statement.inputs.items()}
                inputs = lake.inputs(reads, args.date)
                for layout in LAYOUTS if round_ % 2 else reversed(LAYOUTS):
                    frame = engine.run_model(statement.spark_sql, table.label, inputs).frame
                    if layout == LAYOUTS[0]:
                        frame = frame.coalesce(1)
                    elif layout == LAYOUTS[2]:
                        frame = frame.repartition(1)
                    shutil.rmtree(out, ignore_errors=True)
                    start = time.perf_counter()
                    frame.write.parquet(f"file://{out}")
                    if round_:  # the first round warms the JVM
                        elapsed = time.perf_counter() - start
                        seconds.setdefault((table.label, layout), []).append(elapsed)
    finally:
        engine.close()
        shutil.rmtree(out, ignore_errors=True)
    print(f"| model | {' s, median (range) | '.join(LAYOUTS)} s, median (range) |")
    print("|---|" + "---:|" * len(LAYOUTS))
    labels = list(dict.fromkeys(label for label, _ in seconds))
    for label in [*labels, "all"]:
        cells = []
        for layout in LAYOUTS:
            runs = (
                [sum(r) for r in zip(*(seconds[x, layout] for x in labels), strict=True)]
                if label == "all"
                else seconds[label, layout]
            )
            cells.append(f"{statistics.median(runs):.2f} ({min(runs):.2f}-{max(runs):.2f})")
        print(f"| {label} | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
