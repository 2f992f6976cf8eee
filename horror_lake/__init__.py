"""horror_lake: a horror-themed movies-and-series data lake as Dagster assets."""

from horror_lake.definitions import defs

__all__ = ["defs"]
