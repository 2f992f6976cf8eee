"""dagster-aws's Athena resource, as a run with Athena configured uses it.

Imported only by a run with ``HORROR_LAKE_ATHENA_OUTPUT`` set: dagster-aws takes ~0.7 s to
import, which every run and every load of the code location would pay if the resource were
one of the definitions' resources.
"""

from dagster_aws.athena import AthenaClientResource

from horror_lake import settings
from horror_lake.lake.athena import Athena


class AthenaResource(AthenaClientResource):
    """``AthenaClientResource`` (workgroup, polling, credentials), with the region, result
    location and database from the settings, which its own ``execute_query`` can't pass."""

    def athena(self) -> Athena:
        now = settings.current()
        database, output = settings.athena_settings(now)
        import boto3

        client = boto3.client(
            "athena",
            region_name=now.aws_region,
            aws_access_key_id=self.aws_access_key_id,
            aws_secret_access_key=self.aws_secret_access_key,
        )
        return Athena(
            client,
            database,
            output,
            now.athena_workgroup or self.workgroup,
            float(self.polling_interval * self.max_polls),
        )
