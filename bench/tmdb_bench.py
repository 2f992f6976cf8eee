"""TMDB fetch benchmark: raw_tmdb against a local server that enforces TMDB's limit.

The server (horror_lake.sample.tmdb_server) allows 40 requests per second (429 beyond, without
Retry-After, the harder case), answers after ~50 ms, and serves the snapshot written for a
sample with at least 2,000 horror titles. Each configuration materializes raw_tmdb for a fresh
lake with `dagster asset materialize`, then runs the same partition again: that second run must
make no detail requests. Called by run_bench.py (``--suite tmdb``).
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pyarrow.parquet as pq

SERVER_LIMIT = 40.0
LATENCY_SECONDS = 0.05
TOKEN = "bench-token-not-a-secret"
PARTITION = "2024-03-01"


def make_landing(landing: Path, movies: int, series: int) -> None:
    stamp = landing / f".tmdb-sample-{movies}-{series}"
    if stamp.exists():
        return
    from horror_lake.sample.generator import write_sample
    from horror_lake.sample.tmdb_snapshot import write_tmdb_snapshot

    write_sample(landing, movies=movies, series=series, seed=11)
    write_tmdb_snapshot(landing, seed=11)
    stamp.touch()


def materialize(lake: Path, landing: Path, home: Path, base_url: str, rate: float | None) -> None:
    env = {
        **os.environ,
        "HORROR_LAKE_ROOT": str(lake),
        "HORROR_LAKE_LANDING": str(landing),
        "DAGSTER_HOME": str(home),
        "TMDB_API_TOKEN": TOKEN,
        "TMDB_BASE_URL": base_url,
    }
    if rate:
        env["TMDB_RATE_LIMIT"] = str(rate)
    command = [
        str(Path(sys.executable).parent / "dagster"),
        *("asset", "materialize", "-m", "horror_lake", "--partition", PARTITION),
        *("--select", "raw/raw_movies,raw/raw_series,raw/raw_tmdb"),
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"raw_tmdb failed:\n{done.stderr[-3000:]}")


def run_config(landing: Path, snapshot: list[str], rate: float | None) -> dict[str, object]:
    from horror_lake.sample.tmdb_server import ServerSettings, TmdbTestServer

    settings = ServerSettings(
        token=TOKEN,
        limit_per_second=SERVER_LIMIT,
        retry_after_on_limit=False,
        latency_seconds=LATENCY_SECONDS,
    )
    with tempfile.TemporaryDirectory() as scratch, TmdbTestServer(snapshot, settings) as server:
        lake, home = Path(scratch) / "lake", Path(scratch) / "home"
        home.mkdir()
        materialize(lake, landing, home, server.base_url, rate)
        first = list(server.received)
        materialize(lake, landing, home, server.base_url, rate)
        second = server.received[len(first) :]
        raw = pq.read_table(lake / "raw" / "raw_tmdb" / f"ingestion_date={PARTITION}")
    horror = horror_titles(snapshot)
    answered = {
        imdb_id
        for imdb_id, endpoint in zip(
            raw["imdb_id"].to_pylist(), raw["endpoint"].to_pylist(), strict=True
        )
        if imdb_id and endpoint.startswith("/find/")
    }
    times = sorted(r.at for r in first)
    span = times[-1] - times[0]
    throttled = sum(r.status == 429 for r in first)
    # Sustained: requests per second over the middle 80% of the fetch (no ramp-up/down).
    middle = times[len(times) // 10 : len(times) * 9 // 10]
    sustained = (len(middle) - 1) / (middle[-1] - middle[0]) if len(middle) > 1 else 0.0
    return {
        "client_limit_per_second": rate or 35.0,
        "horror_titles": len(horror),
        "requests": len(first),
        "fetch_seconds": round(span, 1),
        "sustained_requests_per_second": round(sustained, 1),
        "share_of_server_limit": round(sustained / SERVER_LIMIT, 3),
        "answered_429": throttled,
        "share_429": round(throttled / len(first), 4),
        "titles_lost": len(horror - answered),
        "second_run_requests": len(second),
        "second_run_detail_requests": sum(r.path.startswith(("/movie/", "/tv/")) for r in second),
    }


def horror_titles(snapshot: list[str]) -> set[str]:
    return {
        json.loads(line)["path"].removeprefix("/find/")
        for line in snapshot
        if line.startswith('{"path": "/find/')
    }


def run_tmdb_bench(out: Path, movies: int, series: int, rates: list[float | None]) -> list[dict]:
    landing = out / "tmdb_landing"
    make_landing(landing, movies, series)
    snapshot = (landing / "tmdb_snapshot.jsonl").read_text(encoding="utf-8").splitlines()
    results = [run_config(landing, snapshot, rate) for rate in rates]
    print(f"\nTMDB: {results[0]['horror_titles']} horror titles, server limit {SERVER_LIMIT:g}/s")
    print("| client limit | requests | fetch (s) | sustained req/s | of server limit | 429s | "
          "titles lost | 2nd run detail requests |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['client_limit_per_second']}/s | {r['requests']} | {r['fetch_seconds']} | "
            f"{r['sustained_requests_per_second']} | {float(r['share_of_server_limit']):.0%} | "
            f"{r['answered_429']} ({float(r['share_429']):.1%}) | {r['titles_lost']} | "
            f"{r['second_run_detail_requests']} |"
        )
    return results
