"""Where the lake lives: a local folder or an ``s3://bucket/prefix``, behind one pyarrow filesystem.

This module is the one place that turns a root setting into a filesystem and builds lake paths.
"""

import os
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any
from urllib.parse import urlparse

import pyarrow.fs as pafs

from horror_lake import settings

PARTITION_COLUMN = "ingestion_date"


def s3_filesystem(bucket: str, endpoint: str | None, region: str | None) -> pafs.S3FileSystem:
    """An S3 filesystem for ``bucket``; ``endpoint`` None means AWS itself.

    Credentials come from the AWS default chain (env, profile, instance role), so the same code
    talks to AWS or a local S3 API.
    """
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


def explain_storage_error(location: "StorageLocation", error: OSError) -> str:
    """A plain sentence for a filesystem error: which root, which endpoint, what went wrong.

    pyarrow's own text is kept at the end (it names the bucket and key, never credentials).
    """
    text = str(error)
    secret = settings.aws_secret()
    if secret:
        text = text.replace(secret, "***")
    if not location.is_s3:
        return f"{location.root}: {text}"
    upper = text.upper()
    if "NETWORK_CONNECTION" in upper or "COULD NOT CONNECT" in upper or "CURLCODE" in upper:
        problem = f"cannot reach the S3 endpoint {location.endpoint_name}"
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
    ``s3://bucket/prefix`` URI; ``s3_endpoint`` and ``aws_region`` come from the settings.
    """

    root: str
    s3_endpoint: str | None = None
    aws_region: str | None = None

    @property
    def is_s3(self) -> bool:
        return self.root.startswith("s3://")

    @cached_property
    def filesystem(self) -> pafs.FileSystem:
        if self.is_s3:
            return s3_filesystem(self.bucket, self.s3_endpoint, self.aws_region)
        return pafs.LocalFileSystem()

    @property
    def endpoint_name(self) -> str:
        return self.s3_endpoint or "the AWS S3 endpoint"

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

    def file_version(self, path: str) -> str | None:
        """What identifies this copy of a file without reading it, its size and modification
        time; None when there is no file at ``path``."""
        info = self.filesystem.get_file_info(path)
        if info.type == pafs.FileType.NotFound:
            return None
        return f"{info.size}-{info.mtime_ns}"

    def delete(self, path: str) -> None:
        """Remove a file, or a folder and all in it; nothing when it is not there.

        On S3 through boto3: pyarrow leaves an empty "folder" marker object behind every
        delete, and a lake should hold data objects only.
        """
        info = self.filesystem.get_file_info(path)
        if info.type == pafs.FileType.NotFound:
            return
        if not self.is_s3:
            if info.type == pafs.FileType.Directory:
                self.filesystem.delete_dir(path)
            else:
                self.filesystem.delete_file(path)
            return
        selector = pafs.FileSelector(path, recursive=True, allow_not_found=True)
        keys = [path, f"{path}/"]
        if info.type == pafs.FileType.Directory:
            keys += [
                i.path + ("/" if i.type == pafs.FileType.Directory else "")
                for i in self.filesystem.get_file_info(selector)
            ]
        prefix = len(self.bucket) + 1
        for start in range(0, len(keys), 1000):  # S3 deletes at most 1000 keys a request
            objects = [{"Key": key[prefix:]} for key in keys[start : start + 1000]]
            self.s3_client.delete_objects(Bucket=self.bucket, Delete={"Objects": objects})

    def move(self, source: str, target: str) -> None:
        """Rename a file (on S3: copy, then delete the source, leaving no folder marker)."""
        if not self.is_s3:
            self.filesystem.move(source, target)
            return
        prefix = len(self.bucket) + 1
        self.s3_client.copy(
            {"Bucket": self.bucket, "Key": source[prefix:]}, self.bucket, target[prefix:]
        )
        self.delete(source)

    @cached_property
    def s3_client(self) -> Any:
        import boto3

        return boto3.client("s3", endpoint_url=self.s3_endpoint, region_name=self.aws_region)

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
                f"{self.root}: bucket '{self.bucket}' does not exist at {self.endpoint_name}; "
                "create it or fix the setting"
            )


@dataclass(frozen=True)
class LakeLocation(StorageLocation):
    """The lake root; tables live at ``<root>/<zone>/<table>/ingestion_date=YYYY-MM-DD/``."""

    def partition_dir(self, zone: str, table: str, partition_key: str) -> str:
        return self.path(zone, table, f"{PARTITION_COLUMN}={partition_key}")

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
def storage_location(
    root: str, s3_endpoint: str | None = None, aws_region: str | None = None
) -> StorageLocation:
    """One location (and so one filesystem client) per root for the life of the process."""
    return StorageLocation(root, s3_endpoint, aws_region)


@cache
def lake_location(
    root: str, s3_endpoint: str | None = None, aws_region: str | None = None
) -> LakeLocation:
    return LakeLocation(root, s3_endpoint, aws_region)
