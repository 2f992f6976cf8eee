"""Every setting of the lake, read from the environment in this one module.

Nothing reads the environment at import: resources call ``current()`` when a run starts (and the
CLI when a command starts), so one code location serves every environment and a bad value fails
the run at once, naming the variable. Secrets (the TMDB token or key, AWS keys) are not kept in
``Settings``: ``tmdb_credentials()`` and ``aws_secret()`` hand them to the code that needs them.
"""

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

ENGINES = ("duckdb", "spark", "glue")


class SettingError(ValueError):
    """A setting has a value that can't be used; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    lake_root: str = "lake"  # HORROR_LAKE_ROOT: a folder or s3://bucket/prefix
    landing: str = "data/landing"  # HORROR_LAKE_LANDING
    engine: str = "duckdb"  # HORROR_LAKE_ENGINE
    spark_master: str = "local[*]"  # HORROR_LAKE_SPARK_MASTER
    spark_conf: dict[str, str] = field(default_factory=dict)  # HORROR_LAKE_SPARK_CONF (JSON)
    # HORROR_LAKE_SPARK_CLASS_ARCHIVE: the folder of a local driver JVM's class archive, None
    # for none (engines/class_archive.py).
    spark_class_archive: str | None = None
    # HORROR_LAKE_DUCKDB_MEMORY_LIMIT: beyond it joins and sorts spill. 1 GB keeps a whole run
    # under 1.5 GB up to 10x the full-size files (a 2-core, 8 GB laptop runs it beside other
    # work); "max" leaves DuckDB's own default, 80% of the RAM.
    duckdb_memory_limit: str = "1GB"
    duckdb_temp_directory: str | None = None  # HORROR_LAKE_DUCKDB_TEMP_DIRECTORY
    glue_database: str | None = None  # HORROR_LAKE_GLUE_DATABASE
    glue_job_name: str | None = None  # HORROR_LAKE_GLUE_JOB_NAME, for the glue engine
    glue_scripts: str | None = None  # HORROR_LAKE_GLUE_SCRIPTS: s3:// prefix of the job's files
    pipes_bucket: str | None = None  # HORROR_LAKE_PIPES_BUCKET: Pipes context and messages
    pipes_prefix: str = "dagster-pipes"  # HORROR_LAKE_PIPES_PREFIX
    athena_output: str | None = None  # HORROR_LAKE_ATHENA_OUTPUT: s3:// query result location
    athena_workgroup: str | None = None  # HORROR_LAKE_ATHENA_WORKGROUP
    roi_min_budget_usd: float = 10_000.0  # HORROR_LAKE_ROI_MIN_BUDGET_USD, for ROI rankings
    tmdb_base_url: str = "https://api.themoviedb.org/3"  # TMDB_BASE_URL
    tmdb_rate_limit: float = 35.0  # TMDB_RATE_LIMIT, requests per second
    tmdb_refresh_days: float = 30.0  # TMDB_REFRESH_DAYS
    tmdb_timeout_seconds: float = 10.0  # TMDB_TIMEOUT_SECONDS
    tmdb_max_attempts: int = 6  # TMDB_MAX_ATTEMPTS
    aws_region: str | None = None  # AWS_REGION or AWS_DEFAULT_REGION
    s3_endpoint: str | None = None  # AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL


def current(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings as the environment has them now (defaults where unset or blank)."""
    env = _Environment(os.environ if environ is None else environ)
    defaults = Settings()
    engine = (env.text("HORROR_LAKE_ENGINE") or defaults.engine).lower()
    if engine not in ENGINES:
        raise SettingError(
            f"unknown engine {engine!r} (HORROR_LAKE_ENGINE); choose one of: {', '.join(ENGINES)}"
        )
    return Settings(
        lake_root=env.text("HORROR_LAKE_ROOT") or defaults.lake_root,
        landing=env.text("HORROR_LAKE_LANDING") or defaults.landing,
        engine=engine,
        spark_master=env.text("HORROR_LAKE_SPARK_MASTER") or defaults.spark_master,
        spark_conf=env.json_object("HORROR_LAKE_SPARK_CONF"),
        spark_class_archive=env.cache_folder("HORROR_LAKE_SPARK_CLASS_ARCHIVE", "spark"),
        duckdb_memory_limit=env.text("HORROR_LAKE_DUCKDB_MEMORY_LIMIT")
        or defaults.duckdb_memory_limit,
        duckdb_temp_directory=env.text("HORROR_LAKE_DUCKDB_TEMP_DIRECTORY"),
        glue_database=env.text("HORROR_LAKE_GLUE_DATABASE"),
        glue_job_name=env.text("HORROR_LAKE_GLUE_JOB_NAME"),
        glue_scripts=env.s3_uri("HORROR_LAKE_GLUE_SCRIPTS"),
        pipes_bucket=env.text("HORROR_LAKE_PIPES_BUCKET"),
        pipes_prefix=(env.text("HORROR_LAKE_PIPES_PREFIX") or defaults.pipes_prefix).strip("/"),
        athena_output=env.s3_uri("HORROR_LAKE_ATHENA_OUTPUT"),
        athena_workgroup=env.text("HORROR_LAKE_ATHENA_WORKGROUP"),
        roi_min_budget_usd=env.number(
            "HORROR_LAKE_ROI_MIN_BUDGET_USD", defaults.roi_min_budget_usd
        ),
        tmdb_base_url=env.text("TMDB_BASE_URL") or defaults.tmdb_base_url,
        tmdb_rate_limit=env.number("TMDB_RATE_LIMIT", defaults.tmdb_rate_limit),
        tmdb_refresh_days=env.number("TMDB_REFRESH_DAYS", defaults.tmdb_refresh_days),
        tmdb_timeout_seconds=env.number("TMDB_TIMEOUT_SECONDS", defaults.tmdb_timeout_seconds),
        tmdb_max_attempts=int(env.number("TMDB_MAX_ATTEMPTS", defaults.tmdb_max_attempts)),
        aws_region=env.text("AWS_REGION") or env.text("AWS_DEFAULT_REGION"),
        s3_endpoint=env.text("AWS_ENDPOINT_URL_S3") or env.text("AWS_ENDPOINT_URL"),
    )


@dataclass(frozen=True)
class GlueSettings:
    """What starting the Glue job takes (HORROR_LAKE_ENGINE=glue)."""

    job_name: str
    scripts: str
    pipes_bucket: str
    pipes_prefix: str


def glue_settings(now: Settings) -> GlueSettings:
    """The Glue settings of ``now``, or an error naming every one that is missing."""
    values = {
        "HORROR_LAKE_GLUE_JOB_NAME": now.glue_job_name,
        "HORROR_LAKE_GLUE_SCRIPTS": now.glue_scripts,
        "HORROR_LAKE_PIPES_BUCKET": now.pipes_bucket,
    }
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise SettingError(f"HORROR_LAKE_ENGINE=glue needs {', '.join(missing)}")
    assert now.glue_job_name and now.glue_scripts and now.pipes_bucket
    return GlueSettings(now.glue_job_name, now.glue_scripts, now.pipes_bucket, now.pipes_prefix)


def athena_settings(now: Settings) -> tuple[str, str]:
    """(database, result location) for Athena, or an error naming what to set."""
    if now.athena_output is None:
        raise SettingError("HORROR_LAKE_ATHENA_OUTPUT is not set")
    if now.glue_database is None:
        raise SettingError(
            "HORROR_LAKE_ATHENA_OUTPUT is set but HORROR_LAKE_GLUE_DATABASE is not: Athena "
            "reads the lake through the Glue database the tables are registered in"
        )
    if not now.lake_root.startswith("s3://"):
        raise SettingError(
            "HORROR_LAKE_ATHENA_OUTPUT is set but HORROR_LAKE_ROOT is a local folder: "
            "Athena reads only a lake on S3"
        )
    return now.glue_database, now.athena_output


def view_parameters(now: Settings) -> dict[str, object]:
    """The values the analytic views' ``:parameters`` take."""
    return {"roi_min_budget_usd": now.roi_min_budget_usd}


def tmdb_credentials(environ: Mapping[str, str] | None = None) -> tuple[str | None, str | None]:
    """(TMDB_API_TOKEN, TMDB_API_KEY), blank as None. Never logged, never stored in config."""
    env = _Environment(os.environ if environ is None else environ)
    return env.text("TMDB_API_TOKEN"), env.text("TMDB_API_KEY")


def tmdb_token_secret(environ: Mapping[str, str] | None = None) -> str | None:
    """TMDB_API_TOKEN_SECRET: the name or ARN of the AWS Secrets Manager secret holding the
    TMDB token (the name, not the value, so it may be logged)."""
    return _Environment(os.environ if environ is None else environ).text("TMDB_API_TOKEN_SECRET")


def aws_secret() -> str | None:
    """The AWS secret key, only so that error messages can be scrubbed of it."""
    return _Environment(os.environ).text("AWS_SECRET_ACCESS_KEY")


def sql_cache(environ: Mapping[str, str] | None = None) -> str | None:
    """HORROR_LAKE_SQL_CACHE: the folder of resolved and translated SQL (``sql_cache.py``),
    ``off`` for none; read when the code location loads, since models are resolved then."""
    env = _Environment(os.environ if environ is None else environ)
    return env.cache_folder("HORROR_LAKE_SQL_CACHE", "sql")


def sensor_interval_seconds(default: int = 30) -> int:
    """HORROR_LAKE_SENSOR_INTERVAL_SECONDS: read when the code location loads, since Dagster
    fixes a sensor's interval in its definition."""
    text = _Environment(os.environ).text("HORROR_LAKE_SENSOR_INTERVAL_SECONDS")
    if text is None:
        return default
    if not text.isdigit() or int(text) < 1:
        raise SettingError(
            f"HORROR_LAKE_SENSOR_INTERVAL_SECONDS must be whole seconds, got {text!r}"
        )
    return int(text)


class _Environment:
    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ

    def text(self, name: str) -> str | None:
        value = self.environ.get(name, "").strip()
        return value or None

    def cache_folder(self, name: str, kind: str) -> str | None:
        """The folder ``name`` names, None for ``off``, else ``kind`` in the user's cache."""
        folder = self.text(name)
        if folder is not None:
            return None if folder.lower() == "off" else folder
        home = self.text("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        return os.path.join(home, "horror_lake", kind)

    def number(self, name: str, default: float) -> float:
        text = self.text(name)
        if text is None:
            return default
        try:
            value = float(text)
        except ValueError:
            raise SettingError(f"{name} must be a number, got {text!r}") from None
        if value <= 0:
            raise SettingError(f"{name} must be greater than 0, got {text!r}")
        return value

    def s3_uri(self, name: str) -> str | None:
        text = self.text(name)
        if text is not None and not (text.startswith("s3://") and len(text) > len("s3://")):
            raise SettingError(f"{name} must be an s3:// location, got {text!r}")
        return text.rstrip("/") if text else None

    def json_object(self, name: str) -> dict[str, str]:
        text = self.text(name)
        if text is None:
            return {}
        try:
            value = json.loads(text)
        except ValueError as error:
            raise SettingError(f"{name} is not JSON: {error}") from None
        if not isinstance(value, dict):
            raise SettingError(f"{name} must be a JSON object of Spark settings")
        return {str(k): str(v) for k, v in value.items()}
