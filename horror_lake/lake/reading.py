"""Reading the lake from pandas (or pyarrow): a table's newest partition, or a given date's.

For analysts in a notebook, without Dagster: the same settings as the job (HORROR_LAKE_ROOT, a
local folder or s3://, and the AWS variables), so `read_table("dim_filme")` reads what the last
run wrote.
"""

import datetime as dt
from typing import Any

import pyarrow as pa

from horror_lake import settings
from horror_lake.lake.location import LakeLocation, lake_location
from horror_lake.lake.tables import LakeTable

ZONES = ("refined", "trusted", "raw")  # where a plain table name is looked for, in this order


def read_table(
    name: str, date: str | dt.date | None = None, root: str | None = None
) -> Any:  # a pandas DataFrame; pandas is imported only when this is called
    """The table ``name`` (``dim_filme`` or ``refined/dim_filme``) as a pandas DataFrame: its
    newest partition, or the partition of ``date``."""
    return read_arrow(name, date, root).to_pandas()


def read_arrow(name: str, date: str | dt.date | None = None, root: str | None = None) -> pa.Table:
    now = settings.current()
    location = lake_location(root or now.lake_root, now.s3_endpoint, now.aws_region)
    zone, table = _find(location, name)
    partitions = location.partition_keys(zone, table)
    if not partitions:
        raise LookupError(f"{zone}/{table} has no partition in {location.root}")
    wanted = partitions[-1] if date is None else str(date)
    if wanted not in partitions:
        raise LookupError(
            f"{zone}/{table} has no partition {wanted} in {location.root} "
            f"(it has {partitions[0]} to {partitions[-1]})"
        )
    return LakeTable(location, zone, table, wanted).read()


def _find(location: LakeLocation, name: str) -> tuple[str, str]:
    if "/" in name:
        zone, table = name.split("/", 1)
        return zone, table
    for zone in ZONES:
        if location.partition_keys(zone, name):
            return zone, name
    raise LookupError(
        f"no table {name!r} in the lake at {location.root} (zones: {', '.join(ZONES)})"
    )
