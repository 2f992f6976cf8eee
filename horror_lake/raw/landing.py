"""The landing folder, where the source exports arrive (local folder or s3:// prefix)."""

import dagster as dg
import pyarrow as pa
import pyarrow.fs as pafs

from horror_lake import settings
from horror_lake.lake.location import StorageError, StorageLocation, storage_location


class LandingFileError(RuntimeError):
    """A landing file is missing or can't be read; the message says which and why."""


class LandingResource(dg.ConfigurableResource):
    """Landing folder: ``path`` if set, else ``HORROR_LAKE_LANDING``, else ``data/landing``.

    For ingestion date D the file is taken from ``<landing>/D/<file>`` when that exists
    (backfills of earlier landings), else from ``<landing>/<file>``.
    """

    path: str | None = None

    def location(self) -> StorageLocation:
        now = settings.current()
        return storage_location(self.path or now.landing, now.s3_endpoint, now.aws_region)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        try:
            self.location().check_reachable()
        except (StorageError, settings.SettingError) as error:
            raise dg.Failure(
                description=f"HORROR_LAKE_LANDING {error}", allow_retries=False
            ) from None

    def candidates(self, file_name: str, partition_key: str) -> list[str]:
        location = self.location()
        return [location.path(partition_key, file_name), location.path(file_name)]

    def locate(self, file_name: str, partition_key: str) -> str | None:
        """The path of ``file_name`` for ``partition_key``, or None when it is not there."""
        location = self.location()
        for path in self.candidates(file_name, partition_key):
            info = location.filesystem.get_file_info(path)
            if info.type == pafs.FileType.File:
                return path
            if info.type == pafs.FileType.Directory:
                raise LandingFileError(f"{location.uri(path)} is a directory, expected a file")
        return None

    def find(self, file_name: str, partition_key: str) -> str:
        """The path of ``file_name`` for ``partition_key``; the error names where it looked."""
        path = self.locate(file_name, partition_key)
        if path is not None:
            return path
        location = self.location()
        looked = " or ".join(location.uri(p) for p in self.candidates(file_name, partition_key))
        raise LandingFileError(
            f"landing file {file_name} not found: looked for {looked}. Set HORROR_LAKE_LANDING "
            f"to the folder holding it, or make sample data with "
            f"`horror-lake sample --out {location.root}`."
        )

    def version(self, path: str) -> str:
        """What identifies this copy of the file without reading it: its size and modification
        time. Used as the raw tables' data version, so tables built from an older copy show as
        stale in the UI once a new one is ingested."""
        return self.location().file_version(path) or "missing"  # gone since found: open fails

    def read(self, path: str) -> bytes:
        with self.open(path) as stream:
            try:
                return stream.read()
            except OSError as error:
                raise LandingFileError(f"cannot read {self.uri(path)}: {error}") from None

    def open(self, path: str) -> pa.NativeFile:
        """A stream over the file (read block by block, never whole)."""
        location = self.location()
        try:
            return location.filesystem.open_input_stream(path)
        except OSError as error:
            raise LandingFileError(f"cannot read {location.uri(path)}: {error}") from None

    def uri(self, path: str) -> str:
        return self.location().uri(path)
