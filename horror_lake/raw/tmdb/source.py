"""Where a run's TMDB answers come from, decided when the run starts.

The API when ``TMDB_API_TOKEN``, ``TMDB_API_KEY`` or ``TMDB_API_TOKEN_SECRET`` (an AWS Secrets
Manager secret holding the token) is set, else the sample snapshot in the landing folder, else
nowhere (the CSV half of the lake is built as usual and TMDB columns stay null).
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

    The token and key are read from the environment or from the Secrets Manager secret that
    ``TMDB_API_TOKEN_SECRET`` names (through dagster-aws's resource, see secret.py), never from
    config, so they never show in run config, logs or the UI. The secret is read once per run,
    when raw_tmdb opens its source.
    """

    in_flight: int = IN_FLIGHT

    def credentials(self) -> Credentials:
        """The environment's credentials, or the secret's; both set is an error.

        Both set fails instead of picking one: a deployment that names a secret and still has a
        token in its environment is misconfigured, and a run that silently used the other one
        would hide that until the forgotten token expires or leaks.
        """
        token, api_key = settings.tmdb_credentials()
        secret_id = settings.tmdb_token_secret()
        if secret_id is None:
            return Credentials(token=token, api_key=api_key)
        if token or api_key:
            both = " and ".join(
                name
                for name, value in (("TMDB_API_TOKEN", token), ("TMDB_API_KEY", api_key))
                if value
            )
            raise dg.Failure(
                description=(
                    f"TMDB credentials are set twice: TMDB_API_TOKEN_SECRET ({secret_id}) and "
                    f"{both}. "
                    "Unset one of them."
                ),
                allow_retries=False,
            )
        # dagster-aws takes ~0.7 s to import: only runs that read a secret pay for it.
        from horror_lake.raw.tmdb.secret import SecretError, read_token_secret

        try:
            return read_token_secret(secret_id)
        except SecretError as error:
            raise dg.Failure(description=str(error), allow_retries=False) from None

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
