"""What the benchmark runs: the sample inputs (made once and kept), the job's environment, and
the floors it is measured against."""

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FULL_MOVIES, FULL_SERIES = 245_000, 110_000
FLOOR_PYARROW = """
import sys, pyarrow as pa, pyarrow.csv as c, pyarrow.parquet as pq
for name in ("movies", "series"):
    path = f"{sys.argv[1]}/{name}.csv"
    header = open(path, encoding="utf-8-sig").readline().rstrip("\\r\\n").split("|")
    parse = c.ParseOptions(delimiter="|", quote_char=False, invalid_row_handler=lambda r: "skip")
    strings = c.ConvertOptions(column_types={column: pa.string() for column in header})
    table = c.read_csv(path, parse_options=parse, convert_options=strings)
    pq.write_table(table, f"{sys.argv[2]}/{name}.parquet")
"""
FLOOR_IMPORTS = "import dagster, duckdb, pyarrow"


def make_sample(landing: Path, movies: int, series: int, tmdb: bool = False) -> dict[str, float]:
    """A sample written once and kept (the generator's output is the same for the same
    arguments)."""
    stamp = landing / f".sample-{movies}-{series}-{int(tmdb)}"
    if not stamp.exists():
        from horror_lake.sample.generator import write_sample

        shutil.rmtree(landing, ignore_errors=True)
        write_sample(landing, movies=movies, series=series, seed=42)
        if tmdb:
            from horror_lake.sample.tmdb_snapshot import write_tmdb_snapshot

            write_tmdb_snapshot(landing, seed=42)
        stamp.touch()
    return {f.name: round(f.stat().st_size / 2**20, 1) for f in sorted(landing.glob("*.csv"))}


def job_env(
    landing: Path, lake: Path, home: Path, code_dir: Path | None = None, **extra: str
) -> dict[str, str]:
    """The job's settings (its Dagster home, with the ``dagster.yaml`` the package ships, and
    the SQL cache and the Spark class archive in ``home``); with ``code_dir``, the package in
    that folder runs instead of this one (another version, same command, its own
    ``dagster.yaml``)."""
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy((code_dir or REPO) / "dagster.yaml", home / "dagster.yaml")
    env = {
        "HORROR_LAKE_LANDING": str(landing),
        "HORROR_LAKE_ROOT": str(lake),
        "DAGSTER_HOME": str(home),
        # Kept from run to run, as a user's is (engines/sql_cache.py).
        "HORROR_LAKE_SQL_CACHE": str(home / "sql-cache"),
        "HORROR_LAKE_SPARK_CLASS_ARCHIVE": str(home / "spark-class-archive"),
        **extra,
    }
    if code_dir is not None:
        env.update(CODE_DIR=str(code_dir), PYTHONPATH=str(code_dir))
    return env


def fresh(*folders: Path) -> None:
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
