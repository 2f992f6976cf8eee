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
    _add_sql_command(commands)
    _add_athena_ddl_command(commands)
    _add_docs_command(commands)
    _add_glue_command(commands)
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
    sample.add_argument(
        "--scale",
        type=_count,
        default=1,
        metavar="K",
        help=(
            "write each file K times over, each copy with ids of its own: big inputs at disk "
            "speed (--movies 245000 --series 110000 --scale 4 is about 1 GB)"
        ),
    )
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

    if args.scale < 1:
        print("horror-lake sample: --scale must be 1 or more", file=sys.stderr)
        return 2
    summary = write_sample(
        args.out,
        movies=args.movies,
        series=args.series,
        seed=args.seed,
        dirty=not args.clean,
        scale=args.scale,
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


def _add_sql_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sql = commands.add_parser(
        "sql",
        help="run read-only SQL over the lake with DuckDB (the local Athena)",
        description=(
            "Run SQL over the lake wherever it lives (HORROR_LAKE_ROOT, local or s3://). Every "
            "table is a view over all its partitions with an ingestion_date column, plus "
            "<table>_latest over its newest partition, plus the refined analytic views. Only "
            "SELECT and EXPLAIN statements run; the lake is never modified."
        ),
    )
    source = sql.add_mutually_exclusive_group(required=True)
    source.add_argument("query", nargs="?", help="the SQL text")
    source.add_argument("-f", "--file", type=Path, help="read the SQL from this file")
    sql.add_argument("--root", help="lake root (default: HORROR_LAKE_ROOT, else lake)")
    sql.add_argument("--format", choices=("table", "csv", "json"), default="table")
    sql.set_defaults(handler=_run_sql)


def _run_sql(args: argparse.Namespace) -> int:
    from horror_lake import settings
    from horror_lake.engines.lake_sql import QueryError, open_lake, run_query
    from horror_lake.lake.location import StorageError, lake_location
    from horror_lake.lake.output import render
    from horror_lake.modeling.project import lake_project

    text = args.file.read_text(encoding="utf-8") if args.file else args.query
    try:
        now = settings.current()
        location = lake_location(args.root or now.lake_root, now.s3_endpoint, now.aws_region)
        location.check_reachable()
        views = lake_project().views
        lake = open_lake(location, views, settings.view_parameters(now))
        columns, rows = run_query(lake, text)
    except (QueryError, StorageError, settings.SettingError) as error:
        print(f"horror-lake sql: {error}", file=sys.stderr)
        return 1
    sys.stdout.write(render(columns, rows, args.format))
    return 0


def _add_athena_ddl_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    ddl = commands.add_parser(
        "athena-ddl",
        help="print the refined analytic views as Athena CREATE VIEW statements",
        description=(
            "The analytic views (horror_lake/refined/views/*.sql, Spark SQL) translated to "
            "Athena's dialect with sqlglot, for the Glue database the lake registers into."
        ),
    )
    ddl.add_argument(
        "--database", default=None, help="Glue database (default: HORROR_LAKE_GLUE_DATABASE)"
    )
    ddl.set_defaults(handler=_run_athena_ddl)


def _run_athena_ddl(args: argparse.Namespace) -> int:
    from horror_lake import settings
    from horror_lake.modeling.project import lake_project

    now = settings.current()
    database = args.database or now.glue_database
    if not database:
        print(
            "horror-lake athena-ddl: give --database or set HORROR_LAKE_GLUE_DATABASE",
            file=sys.stderr,
        )
        return 2
    for view in lake_project().views:
        print(view.athena_ddl(database, settings.view_parameters(now)) + ";\n")
    return 0


def _add_docs_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    docs = commands.add_parser(
        "docs",
        help="write the data dictionary from the tables' sidecars",
        description=(
            "Generate docs/data_dictionary.md from every table's and view's sidecar "
            "(horror_lake/<zone>/models/*.yml, horror_lake/refined/views/*.yml)."
        ),
    )
    docs.add_argument(
        "--out", type=Path, default=Path("docs/data_dictionary.md"), help="the page to write"
    )
    docs.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if the page is stale"
    )
    docs.set_defaults(handler=_run_docs)


def _run_docs(args: argparse.Namespace) -> int:
    from horror_lake.modeling.docs import data_dictionary, write_data_dictionary
    from horror_lake.modeling.project import lake_project

    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != data_dictionary(lake_project()):
            print(f"horror-lake docs: {args.out} is stale; run horror-lake docs", file=sys.stderr)
            return 1
        return 0
    changed = write_data_dictionary(lake_project(), args.out)
    print(f"{args.out}: {'written' if changed else 'unchanged'}")
    return 0


def _add_glue_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    glue = commands.add_parser("glue", help="deploy the Glue job of HORROR_LAKE_ENGINE=glue")
    actions = glue.add_subparsers(title="actions", metavar="ACTION", required=True)
    deploy = actions.add_parser(
        "deploy",
        help="upload the Glue job's script and plan; create or update the job",
        description=(
            "Compile the SQL models into the plan the Glue job runs, upload it with the job's "
            "script under --scripts, and create the Glue job (or update it when its definition "
            "changed). Running it again changes nothing. AWS credentials and region come from "
            "the usual AWS settings (AWS_REGION, AWS_PROFILE, ...)."
        ),
    )
    deploy.add_argument(
        "--job", default=None, help="Glue job name (default: HORROR_LAKE_GLUE_JOB_NAME)"
    )
    deploy.add_argument(
        "--scripts", default=None, help="s3:// prefix for the files (HORROR_LAKE_GLUE_SCRIPTS)"
    )
    deploy.add_argument("--role", help="IAM role the job runs as (needed to create it)")
    deploy.add_argument("--worker-type", default="G.1X", help="Glue worker type (G.1X)")
    deploy.add_argument("--workers", type=_count, default=2, help="number of workers (2)")
    deploy.add_argument(
        "--max-concurrent-runs", type=_count, default=4, help="dates built at once (4)"
    )
    deploy.set_defaults(handler=_run_glue_deploy)


def _run_glue_deploy(args: argparse.Namespace) -> int:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from horror_lake import settings
    from horror_lake.modeling.glue import GlueError, JobSettings, deploy
    from horror_lake.modeling.project import lake_project

    try:
        now = settings.current()
        scripts = args.scripts or now.glue_scripts
        if args.scripts:
            scripts = settings.current({"HORROR_LAKE_GLUE_SCRIPTS": args.scripts}).glue_scripts
    except settings.SettingError as error:
        print(f"horror-lake glue deploy: {error}", file=sys.stderr)
        return 2
    job_name = args.job or now.glue_job_name
    if not job_name or not scripts:
        print(
            "horror-lake glue deploy: give --job and --scripts (or set "
            "HORROR_LAKE_GLUE_JOB_NAME and HORROR_LAKE_GLUE_SCRIPTS)",
            file=sys.stderr,
        )
        return 2
    job = JobSettings(
        job_name,
        scripts,
        args.role,
        args.worker_type,
        args.workers,
        args.max_concurrent_runs,
    )
    try:
        glue = boto3.client("glue", region_name=now.aws_region)
        s3 = boto3.client("s3", region_name=now.aws_region)
        for line in deploy(job, lake_project(), glue, s3):
            print(line)
    except (GlueError, BotoCoreError, ClientError) as error:
        message = str(error)
        secret = settings.aws_secret()
        print(
            f"horror-lake glue deploy: {message.replace(secret, '***') if secret else message}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
