"""Settings are read from the environment in one place, and a bad value names its variable."""

import re
from pathlib import Path

import pytest

from horror_lake import settings


def test_defaults_and_blank_values() -> None:
    now = settings.current({"HORROR_LAKE_ROOT": "  ", "TMDB_RATE_LIMIT": ""})
    assert (now.lake_root, now.engine, now.tmdb_rate_limit) == ("lake", "duckdb", 35.0)


def test_values_are_read_and_typed() -> None:
    now = settings.current(
        {
            "HORROR_LAKE_ENGINE": "Spark",
            "HORROR_LAKE_SPARK_CONF": '{"spark.executor.memory": "4g", "spark.cores.max": 2}',
            "TMDB_MAX_ATTEMPTS": "3",
            "AWS_DEFAULT_REGION": "eu-west-1",
        }
    )
    assert now.engine == "spark"
    assert now.spark_conf == {"spark.executor.memory": "4g", "spark.cores.max": "2"}
    assert (now.tmdb_max_attempts, now.aws_region) == (3, "eu-west-1")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("HORROR_LAKE_ENGINE", "oracle", "unknown engine 'oracle' (HORROR_LAKE_ENGINE)"),
        ("TMDB_RATE_LIMIT", "fast", "TMDB_RATE_LIMIT must be a number, got 'fast'"),
        ("TMDB_REFRESH_DAYS", "-1", "TMDB_REFRESH_DAYS must be greater than 0"),
        ("HORROR_LAKE_SPARK_CONF", "[1]", "HORROR_LAKE_SPARK_CONF must be a JSON object"),
        ("HORROR_LAKE_SPARK_CONF", "{oops", "HORROR_LAKE_SPARK_CONF is not JSON"),
    ],
)
def test_a_bad_value_names_the_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(settings.SettingError) as error:
        settings.current({name: value})
    assert message in str(error.value)


def test_cache_folders_follow_their_variable_else_the_users_cache_folder() -> None:
    assert settings.current({"XDG_CACHE_HOME": "/c"}).spark_class_archive == "/c/horror_lake/spark"
    assert settings.sql_cache({"XDG_CACHE_HOME": "/c"}) == "/c/horror_lake/sql"
    mine = {"HORROR_LAKE_SPARK_CLASS_ARCHIVE": "/mine", "HORROR_LAKE_SQL_CACHE": "Off"}
    assert settings.current(mine).spark_class_archive == "/mine"
    assert settings.sql_cache(mine) is None
    assert settings.current({"HORROR_LAKE_SPARK_CLASS_ARCHIVE": "off"}).spark_class_archive is None


def test_secrets_stay_out_of_the_settings() -> None:
    environ = {"TMDB_API_TOKEN": "secret-token", "AWS_SECRET_ACCESS_KEY": "aws-secret"}
    assert "secret" not in repr(settings.current(environ))
    assert settings.tmdb_credentials(environ) == ("secret-token", None)


def test_every_setting_the_package_reads_is_in_the_readmes_configuration_table() -> None:
    """A user configures the lake from the README: a variable the code reads but the table
    leaves out is a setting nobody can find."""
    package = Path(settings.__file__).parent
    read = {
        name
        for source in package.rglob("*.py")
        for name in re.findall(r"\"((?:HORROR_LAKE|TMDB)_[A-Z0-9_]+)\"", source.read_text())
    }
    readme = (package.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Configuration", 1)[1].split("\n### ", 1)[0]
    documented = set(re.findall(r"^\| `([A-Z0-9_]+)`", table, flags=re.MULTILINE))
    assert read, "no setting found in the package"
    assert read - documented == set()
