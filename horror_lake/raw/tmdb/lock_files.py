"""Where a journal's lock file lives, and the three atomic operations the lock needs.

- create it only if there is none: locally a complete file hard-linked into place (fails when
  the name exists, as O_CREAT|O_EXCL does, and a reader never sees half a file); on S3 a PUT
  with ``If-None-Match: *``;
- replace it only if it is still the version read (compare-and-swap): locally under a
  ``flock`` on its folder, on S3 a PUT with ``If-Match`` on the ETag;
- delete it only if it is still that version: the same, with DELETE on S3.

Locally these are plain ``os`` calls rather than the lake's write-aside helper, which has no
create-if-absent nor compare-and-swap.
"""

import fcntl
import hashlib
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from botocore.exceptions import ClientError

from horror_lake.lake.location import StorageLocation

LOCK_FILE = "_lock.json"


class LockStore(Protocol):
    """Where a lock file lives, with the atomic operations the lock needs. A tag identifies
    one version of the file (an ETag, or a digest of the content)."""

    uri: str

    def create(self, body: bytes) -> str | None: ...  # None: there is one already
    def read(self) -> tuple[bytes, str] | None: ...  # None: there is none
    def swap(self, body: bytes, tag: str) -> str | None: ...  # None: it is not ``tag``
    def delete(self, tag: str) -> None: ...  # only if it is still ``tag``


def lock_store(location: StorageLocation, folder: str) -> LockStore:
    """The lock file of a journal folder (a path of ``location.filesystem``)."""
    path = f"{folder}/{LOCK_FILE}"
    if location.is_s3:
        return S3LockStore(location, path)
    return LocalLockStore(path)


class LocalLockStore:
    def __init__(self, path: str) -> None:
        self.path = path
        self.uri = path
        self.folder = os.path.dirname(path)

    def create(self, body: bytes) -> str | None:
        os.makedirs(self.folder, exist_ok=True)
        aside = self._write_aside(body)
        try:
            os.link(aside, self.path)  # fails if the name exists: O_EXCL with whole content
        except FileExistsError:
            return None
        finally:
            os.unlink(aside)
        return _digest(body)

    def read(self) -> tuple[bytes, str] | None:
        try:
            with open(self.path, "rb") as file:
                body = file.read()
        except FileNotFoundError:
            return None
        return body, _digest(body)

    def swap(self, body: bytes, tag: str) -> str | None:
        with self._guard() as guarded:
            found = self.read() if guarded else None
            if found is None or found[1] != tag:
                return None
            os.replace(self._write_aside(body), self.path)
            return _digest(body)

    def delete(self, tag: str) -> None:
        with self._guard() as guarded:
            found = self.read() if guarded else None
            if found is not None and found[1] == tag:
                os.unlink(self.path)

    @contextmanager
    def _guard(self) -> Iterator[bool]:
        """The folder flocked, so that read-compare-write is one step for every process."""
        try:
            fd = os.open(self.folder, os.O_RDONLY)
        except FileNotFoundError:
            yield False  # the folder is gone, and the lock with it
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield True
        finally:
            os.close(fd)

    def _write_aside(self, body: bytes) -> str:
        # A leading dot: Parquet dataset readers of the journal folder skip it.
        aside = f"{self.folder}/.{LOCK_FILE}.{uuid.uuid4().hex}.tmp"
        with open(aside, "wb") as file:
            file.write(body)
            file.flush()
            os.fsync(file.fileno())
        return aside


class S3LockStore:
    # S3 answers 412 when a condition fails, and 409 when another conditional write to the same
    # key is in flight (the other one wins).
    LOST = {"PreconditionFailed", "ConditionalRequestConflict", "NoSuchKey", "404", "412", "409"}

    def __init__(self, location: StorageLocation, path: str) -> None:
        self.client: Any = location.s3_client
        self.bucket = location.bucket
        self.key = path[len(self.bucket) + 1 :]
        self.uri = location.uri(path)

    def create(self, body: bytes) -> str | None:
        return self._put(body, IfNoneMatch="*")

    def read(self) -> tuple[bytes, str] | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.key)
        except self.client.exceptions.NoSuchKey:
            return None
        return answer["Body"].read(), str(answer["ETag"])

    def swap(self, body: bytes, tag: str) -> str | None:
        return self._put(body, IfMatch=tag)

    def delete(self, tag: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.key, IfMatch=tag)
        except ClientError as error:
            if _code(error) not in self.LOST:
                raise

    def _put(self, body: bytes, **condition: str) -> str | None:
        try:
            answer = self.client.put_object(
                Bucket=self.bucket, Key=self.key, Body=body, **condition
            )
        except ClientError as error:
            if _code(error) in self.LOST:
                return None
            raise
        return str(answer["ETag"])


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()
