"""Where a run's TMDB answers come from, decided when the run starts.

The API when ``TMDB_API_TOKEN`` or ``TMDB_API_KEY`` is set, else the sample snapshot in the
landing folder, else nowhere (the CSV half of the lake is built as usual and TMDB columns stay
null).
"""

import datetime as dt
from dataclasses import dataclass

import dagster as dg

from horror_lake import settings
from horror_lake.raw.landing import LandingResource
from horror_lake.raw.tmdb.client import TmdbClient
from horror_lake.raw.tmdb.credentials import Credentials
from horror_lake.raw.tmdb.transport import SNAPSHOT_FILE, HttpTransport, SnapshotTransport

IN_FLIGHT = 8


class TmdbResource(dg.ConfigurableResource):
    """TMDB API settings, read from the environment when the run starts (see settings.py).

    The token and key are read from the environment only (never config), so they never show
    in run config, logs or the UI.
    """

    in_flight: int = IN_FLIGHT

    def credentials(self) -> Credentials:
        token, api_key = settings.tmdb_credentials()
        return Credentials(token=token, api_key=api_key)

    @property
    def refresh_age(self) -> dt.timedelta:
        return dt.timedelta(days=settings.current().tmdb_refresh_days)


@dataclass(frozen=True)
class TmdbSource:
    """Where this run's TMDB answers come from, and the client that gets them."""

    name: str  # "api", "sample" or "none"
    client: TmdbClient | None
    described: str


def open_source(tmdb: TmdbResource, landing: LandingResource, partition_key: str) -> TmdbSource:
    now = settings.current()
    credentials = tmdb.credentials()
    if credentials.secrets:
        transport = HttpTransport(
            now.tmdb_base_url, credentials, now.tmdb_timeout_seconds, pool_size=tmdb.in_flight
        )
        client = TmdbClient(transport, credentials, now.tmdb_rate_limit, now.tmdb_max_attempts)
        return TmdbSource("api", client, transport.base_url)
    path = landing.locate(SNAPSHOT_FILE, partition_key)
    if path is None:
        return TmdbSource("none", None, "nowhere")
    lines = landing.read(path).decode("utf-8").splitlines()
    snapshot = SnapshotTransport(lines, landing.uri(path))
    client = TmdbClient(snapshot, credentials, None, now.tmdb_max_attempts)
    return TmdbSource("sample", client, landing.uri(path))
