"""Ingestion-date partitions shared by every asset."""

import datetime as dt

import dagster as dg

FIRST_INGESTION_DATE = "2020-01-01"

# end_offset=1 makes today's (UTC) date a partition, so a run on the landing day can build it.
daily_partitions = dg.DailyPartitionsDefinition(
    start_date=FIRST_INGESTION_DATE, timezone="UTC", end_offset=1
)


def today_partition_key() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()
