"""horror_lake: a horror-themed movies-and-series data lake as Dagster assets.

Importing the package loads nothing heavy, so ``horror-lake sample`` and ``horror-lake sql``
start without Dagster. ``defs`` (the code location) is loaded on first use, which keeps
``dagster job execute -m horror_lake`` working; ``read_table`` reads the lake into pandas:

    from horror_lake import read_table
    films = read_table("dim_filme")                    # the newest partition
    genres = read_table("dim_genero", date="2024-03-01")
"""

from typing import Any

__all__ = ["read_table"]


def __getattr__(name: str) -> Any:
    if name == "defs":
        from horror_lake.definitions import defs

        return defs
    if name == "read_table":
        from horror_lake.lake.reading import read_table

        return read_table
    raise AttributeError(f"module 'horror_lake' has no attribute {name!r}")


def __dir__() -> list[str]:
    return ["defs", "read_table"]
