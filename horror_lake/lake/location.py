"""Where the lake lives: a local folder or an ``s3://bucket/prefix``, behind one pyarrow filesystem.

This module is the one place that turns a root setting into a filesystem and builds lake paths.
"""

import os
from dataclasses import dataclass
from functools import cache, cached_property
from urllib.parse import urlparse

import pyarrow.fs as pafs

PARTITION_COLUMN = "ingestion_date"


def s3_filesystem(bucket: str) -> pafs.S3FileSystem:
    """An S3 filesystem configured from the standard AWS environment.

    Credentials come from the AWS default chain (env, profile, instance role); the endpoint from
    ``AWS_ENDPOINT_URL_S3`` or ``AWS_ENDPOINT_URL`` so the same code talks to AWS or a local S3 API.
    """
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if region is None and endpoint is None:
        region = pafs.resolve_s3_region(bucket)
    # Fail in seconds, not minutes, when the endpoint is down (the SDK default retries ~10x).
    options: dict[str, object] = {
        "region": region or "us-east-1",
        "connect_timeout": 5,
        "request_timeout": 60,
        "retry_strategy": pafs.AwsStandardS3RetryStrategy(max_attempts=3),
    }
    if endpoint:
        parsed = urlparse(endpoint)
        options["endpoint_override"] = parsed.netloc or parsed.path
        options["scheme"] = parsed.scheme or "https"
    return pafs.S3FileSystem(**options)


class StorageError(RuntimeError):
    """The lake or landing storage can't be used; the message names where and why."""


def s3_endpoint() -> str:
    return (
        os.environ.get("AWS_ENDPOINT_URL_S3")
        or os.environ.get("AWS_ENDPOINT_URL")
        or "the AWS S3 endpoint"
    )


def explain_storage_error(location: "StorageLocation", error: OSError) -> str:
    """A plain sentence for a filesystem error: which root, which endpoint, what went wrong.

    pyarrow's own text is kept at the end (it names the bucket and key, never credentials).
    """
    text = str(error)
    secret = os.environ.get("AWS_SECRET_ACCESS_KEY")
    if secret:
        text = text.replace(secret, "***")
    if not location.is_s3:
        return f"{location.root}: {text}"
    upper = text.upper()
    if "NETWORK_CONNECTION" in upper or "COULD NOT CONNECT" in upper or "CURLCODE" in upper:
        problem = f"cannot reach the S3 endpoint {s3_endpoint()}"
    elif "NO_SUCH_BUCKET" in upper or "NOT FOUND" in upper and "BUCKET" in upper:
        problem = f"bucket '{location.bucket}' does not exist"
    elif any(
        code in upper
        for code in (
            "ACCESS_DENIED",
            "ACCESSDENIED",
            "INVALID_ACCESS_KEY",
            "SIGNATURE",
            "FORBIDDEN",
        )
    ):
        problem = (
            f"access to bucket '{location.bucket}' was denied: check the AWS credentials "
            "(environment, profile or role) and the bucket policy"
        )
    else:
        problem = "the S3 request failed"
    return f"{location.root}: {problem} ({text})"


@dataclass(frozen=True)
class StorageLocation:
    """A root folder, local or on S3, with the filesystem that reaches it.

    ``root`` is a local path (relative paths resolve against the working directory) or an
    ``s3://bucket/prefix`` URI.
    """

    root: str

    @property
    def is_s3(self) -> bool:
        return self.root.startswith("s3://")

    @cached_property
    def filesystem(self) -> pafs.FileSystem:
        if self.is_s3:
            return s3_filesystem(self.bucket)
        return pafs.LocalFileSystem()

    @property
    def bucket(self) -> str:
        return urlparse(self.root).netloc

    @cached_property
    def base_path(self) -> str:
        """The root as a path for ``filesystem`` (``bucket/prefix`` on S3, absolute locally)."""
        if self.is_s3:
            parsed = urlparse(self.root)
            return f"{parsed.netloc}/{parsed.path.strip('/')}".rstrip("/")
        return os.path.abspath(os.path.expanduser(self.root))

    def path(self, *parts: str) -> str:
        return "/".join([self.base_path, *parts])

    def uri(self, path: str) -> str:
        """A path of ``filesystem`` written the way a user would paste it (s3://... or /abs)."""
        return f"s3://{path}" if self.is_s3 else path

    def hadoop_uri(self, path: str) -> str:
        """A path of ``filesystem`` as Hadoop (Spark) names it: ``s3a://...`` or ``file://...``."""
        return f"s3a://{path}" if self.is_s3 else f"file://{path}"

    def exists(self, path: str) -> bool:
        return self.filesystem.get_file_info(path).type != pafs.FileType.NotFound

    def check_reachable(self) -> None:
        """On S3, that the endpoint answers and the bucket exists and lets us in.

        Called when a run starts, so a wrong setting fails it at once with a plain message
        instead of as a missing input halfway through.
        """
        if not self.is_s3:
            return
        try:
            info = self.filesystem.get_file_info(self.bucket)
        except OSError as error:
            raise StorageError(explain_storage_error(self, error)) from None
        if info.type == pafs.FileType.NotFound:
            raise StorageError(
                f"{self.root}: bucket '{self.bucket}' does not exist at {s3_endpoint()}; "
                "create it or fix the setting"
            )


@dataclass(frozen=True)
class LakeLocation(StorageLocation):
    """The lake root; tables live at ``<root>/<zone>/<table>/ingestion_date=YYYY-MM-DD/``."""

    def partition_dir(self, zone: str, table: str, partition_key: str) -> str:
        return self.path(zone, table, f"{PARTITION_COLUMN}={partition_key}")

    def staging_dir(self, zone: str, table: str, partition_key: str) -> str:
        """Where a partition is written before it is moved into place.

        Names starting with ``_`` are skipped by Hive-style readers (Spark, Athena, Glue crawlers),
        so a half-written file here is never read as data.
        """
        return self.path(zone, table, "_staging", f"{PARTITION_COLUMN}={partition_key}")

    def progress_dir(self, zone: str, table: str, partition_key: str) -> str:
        """Work saved by an unfinished run of a partition (e.g. API answers already fetched)."""
        return self.path(zone, table, "_progress", f"{PARTITION_COLUMN}={partition_key}")

    def partition_keys(self, zone: str, table: str) -> list[str]:
        """The table's partitions present in the lake, oldest first."""
        prefix = f"{PARTITION_COLUMN}="
        selector = pafs.FileSelector(self.path(zone, table), allow_not_found=True)
        names = (info.base_name for info in self.filesystem.get_file_info(selector))
        return sorted(name[len(prefix) :] for name in names if name.startswith(prefix))


@cache
def storage_location(root: str) -> StorageLocation:
    """One location (and so one filesystem client) per root for the life of the process."""
    return StorageLocation(root)


@cache
def lake_location(root: str) -> LakeLocation:
    return LakeLocation(root)
