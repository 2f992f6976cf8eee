"""horror_lake: a horror-themed movies-and-series data lake as Dagster assets.

Importing the package loads nothing heavy, so ``horror-lake sample`` and ``horror-lake sql``
start without Dagster. ``defs`` (the code location) is loaded on first use, which keeps
``dagster job execute -m horror_lake`` working.
"""

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "defs":
        from horror_lake.definitions import defs

        return defs
    raise AttributeError(f"module 'horror_lake' has no attribute {name!r}")


def __dir__() -> list[str]:
    return ["defs"]
