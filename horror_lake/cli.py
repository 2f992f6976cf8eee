"""The ``horror-lake`` command line.

Each command is a subparser with its own handler, so more commands can be added without
touching the others. Handlers import what they need themselves: ``horror-lake --help`` must
not pay for Dagster, Arrow or the sample generator.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

Handler = Callable[[argparse.Namespace], int]


def main(argv: list[str] | None = None) -> int:
    """Run one ``horror-lake`` command; returns the process exit code."""
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    return handler(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="horror-lake", description="Tools for the horror movies-and-series data lake."
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    _add_sample_command(commands)
    return parser


def _add_sample_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sample = commands.add_parser(
        "sample",
        help="write realistic IMDb-style movies.csv and series.csv files",
        description=(
            "Write movies.csv and series.csv, pipe-delimited like the IMDb exports, into OUT. "
            "Unless --clean, they hold a little counted dirt (duplicate, blank, short and "
            "broken lines, bad years) and series.csv uses CRLF and a UTF-8 BOM. Beside them, "
            "tmdb_snapshot.jsonl holds the answers TMDB would give for the horror titles "
            "(the offline TMDB source). The same options always write the same bytes."
        ),
    )
    sample.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    sample.add_argument(
        "--movies", type=_count, default=2000, metavar="N", help="movie titles (default 2000)"
    )
    sample.add_argument(
        "--series", type=_count, default=800, metavar="N", help="series titles (default 800)"
    )
    sample.add_argument("--seed", type=int, default=42, metavar="S", help="random seed (42)")
    sample.add_argument("--clean", action="store_true", help="write no dirty lines")
    sample.add_argument(
        "--no-tmdb",
        dest="tmdb",
        action="store_false",
        help="skip tmdb_snapshot.jsonl (recorded TMDB answers for the horror titles)",
    )
    sample.set_defaults(handler=_run_sample)


def _count(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {number}")
    return number


def _run_sample(args: argparse.Namespace) -> int:
    from horror_lake.sample.generator import write_sample

    summary = write_sample(
        args.out, movies=args.movies, series=args.series, seed=args.seed, dirty=not args.clean
    )
    for written in (summary.movies, summary.series):
        size_mb = written.path.stat().st_size / 1_000_000
        print(
            f"{written.path}: {written.titles} titles, {written.data_lines} lines, {size_mb:.1f} MB"
        )
    if args.tmdb:
        from horror_lake.sample.tmdb_snapshot import write_tmdb_snapshot

        snapshot = write_tmdb_snapshot(args.out, seed=args.seed)
        print(
            f"{snapshot.path}: {snapshot.answers} TMDB answers for {snapshot.horror_titles} "
            f"horror titles ({snapshot.on_tmdb} on TMDB)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
