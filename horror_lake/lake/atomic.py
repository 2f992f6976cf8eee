"""Write aside, then move into place: the one way anything is written to the lake or landing.

A reader sees the old file or the new one, never half of either. Locally the new file is written
beside its target under a hidden name (a leading dot, which Hive-style readers such as Spark,
Athena and DuckDB's globs skip) and renamed over it; a crashed writer's leftovers are cleared by
the next write of the same target. On S3 a PUT is already all-or-nothing (a multipart upload
appears only when it completes), so the object is written where it belongs and nothing else is
left behind: no aside copies, no folder markers.
"""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow as pa
import pyarrow.fs as pafs

from horror_lake.lake.location import StorageLocation

ASIDE_SUFFIX = ".tmp"


@contextmanager
def replaced_file(location: StorageLocation, path: str) -> Iterator[pa.NativeFile]:
    """An output stream whose content replaces ``path`` once the block ends without error."""
    if location.is_s3:
        with location.filesystem.open_output_stream(path) as out:
            yield out
        return
    with replacing(location, path) as aside, location.filesystem.open_output_stream(aside) as out:
        yield out


@contextmanager
def replacing(location: StorageLocation, path: str) -> Iterator[str]:
    """Yield a path beside ``path`` for a writer that needs one; when the block ends, what was
    written there replaces ``path`` in one move.

    The writer may create a file at the yielded path, or a folder holding exactly one data file
    (Spark writes folders): that file is what moves into place.
    """
    fs = location.filesystem
    parent, name = path.rsplit("/", 1)
    clear_asides(location, parent, name)
    if not location.is_s3:
        fs.create_dir(parent, recursive=True)
    aside = f"{parent}/.{name}.{uuid.uuid4().hex}{ASIDE_SUFFIX}"
    try:
        yield aside
        info = fs.get_file_info(aside)
        if info.type == pafs.FileType.Directory:
            location.move(_single_data_file(fs, aside), path)
        elif info.type == pafs.FileType.File:
            location.move(aside, path)
        else:
            raise RuntimeError(f"nothing was written to replace {path}")
    finally:
        location.delete(aside)


def clear_asides(location: StorageLocation, folder: str, name: str) -> None:
    """Remove what crashed writers of ``folder/name`` left aside."""
    prefix = f".{name}."
    selector = pafs.FileSelector(folder, allow_not_found=True)
    for info in location.filesystem.get_file_info(selector):
        if info.base_name.startswith(prefix) and info.base_name.endswith(ASIDE_SUFFIX):
            location.delete(info.path)


def _single_data_file(fs: pafs.FileSystem, folder: str) -> str:
    files = [
        info.path
        for info in fs.get_file_info(pafs.FileSelector(folder, recursive=True))
        if info.type == pafs.FileType.File and not info.base_name.startswith((".", "_"))
    ]
    if len(files) != 1:
        raise RuntimeError(f"expected one data file in {folder}, found {len(files)}")
    return files[0]


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` of this host is still there (a crashed writer's is not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    try:  # a killed process its parent has not reaped yet is gone all the same
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True
