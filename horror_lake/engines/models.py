"""SQL models: one Spark SQL file per trusted/refined table, translated for other engines."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]
SOURCE_DIALECT = "spark"


@dataclass(frozen=True)
class SqlModel:
    """``horror_lake/<zone>/models/<name>.sql``: reads tables by their names, ends in ``final``."""

    zone: str
    name: str

    @property
    def path(self) -> Path:
        return PACKAGE_DIR / self.zone / "models" / f"{self.name}.sql"

    @property
    def label(self) -> str:
        return f"{self.zone}/models/{self.name}.sql"

    def sql(self, dialect: str = SOURCE_DIALECT) -> str:
        """The model's SQL in ``dialect`` (the file itself for Spark)."""
        return translate(_read(self.path), dialect)

    def tables_read(self) -> set[str]:
        """Names of the lake tables the model reads (CTE names excluded)."""
        return tables_read(_read(self.path))


@cache
def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@cache
def translate(spark_sql: str, dialect: str) -> str:
    if dialect == SOURCE_DIALECT:
        return spark_sql
    import sqlglot  # noqa: PLC0415 (half a second of import, paid only by engines that translate)

    return ";\n".join(sqlglot.transpile(spark_sql, read=SOURCE_DIALECT, write=dialect))


def tables_read(spark_sql: str) -> set[str]:
    from sqlglot import exp, parse_one  # noqa: PLC0415

    tree = parse_one(spark_sql, read=SOURCE_DIALECT)
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    return {table.name for table in tree.find_all(exp.Table)} - ctes
