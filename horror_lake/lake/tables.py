"""One partition of one lake table: write it atomically, read it back, describe it.

Each partition is a single Parquet file, ``part-00000.parquet``. It is written aside and then
moved over the old file (``lake.atomic``), so a reader sees the old partition or the new one,
never half of either, and re-writing a partition replaces it instead of adding rows.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from horror_lake.lake.atomic import replaced_file, replacing
from horror_lake.lake.location import LakeLocation

if TYPE_CHECKING:
    import pyarrow.dataset as ds

DATA_FILE = "part-00000.parquet"
ROW_GROUP_ROWS = 256 * 1024


@dataclass(frozen=True)
class LakeTable:
    """A reference to ``<zone>/<table>/ingestion_date=<partition_key>`` in a lake.

    Assets receive these as inputs instead of data, so each engine reads the partition its own
    way (DuckDB natively or through pyarrow, Spark through its Hadoop filesystem).
    """

    location: LakeLocation
    zone: str
    name: str
    partition_key: str

    @property
    def directory(self) -> str:
        return self.location.partition_dir(self.zone, self.name, self.partition_key)

    @property
    def data_path(self) -> str:
        return f"{self.directory}/{DATA_FILE}"

    @property
    def uri(self) -> str:
        return self.location.uri(self.directory)

    def exists(self) -> bool:
        return self.location.exists(self.data_path)

    @property
    def local_path(self) -> str | None:
        """The data file as a local path, or None when the lake is on S3."""
        return None if self.location.is_s3 else self.data_path

    def read(self) -> pa.Table:
        """The whole partition in memory (for small tables)."""
        return self.parquet_file().read()

    def dataset(self) -> "ds.Dataset":
        """The partition as a pyarrow dataset: scanned in batches, only the columns asked for."""
        import pyarrow.dataset as ds  # imports pandas: only where a dataset is scanned

        if not self.exists():
            raise self._missing()
        return ds.dataset(self.data_path, filesystem=self.location.filesystem, format="parquet")

    def parquet_file(self) -> pq.ParquetFile:
        if not self.exists():
            raise self._missing()
        return pq.ParquetFile(self.location.filesystem.open_input_file(self.data_path))

    def _missing(self) -> FileNotFoundError:
        return FileNotFoundError(
            f"{self.zone}/{self.name} has no partition {self.partition_key} at {self.uri}; "
            "materialize it first"
        )

    def write(self, data: pa.Table | pa.RecordBatchReader) -> None:
        """Replace the partition with ``data`` (written aside, then moved into place)."""
        with replaced_file(self.location, self.data_path) as sink:
            _write_parquet(sink, data)
        self._delete_strays()

    @property
    def hadoop_uri(self) -> str:
        """The partition folder as Spark's Hadoop filesystem addresses it."""
        return self.location.hadoop_uri(self.directory)

    def write_with(self, writer: Callable[[str], None]) -> None:
        """Replace the partition with what ``writer`` writes at the path it is given: one
        Parquet file, or a folder holding one (``location.hadoop_uri`` names it for Spark).

        It is written aside and moved into place, so a reader sees the old partition or the new
        one; a run killed halfway leaves a hidden file that the next write clears.
        """
        with replacing(self.location, self.data_path) as aside:
            writer(aside)
        self._delete_strays()

    def _delete_strays(self) -> None:
        """Remove data files another writer layout left in the partition folder."""
        selector = pafs.FileSelector(self.directory, allow_not_found=True)
        for info in self.location.filesystem.get_file_info(selector):
            if info.path != self.data_path and not info.base_name.startswith("."):
                self.location.delete(info.path)


def _write_parquet(sink: pa.NativeFile, data: pa.Table | pa.RecordBatchReader) -> None:
    with pq.ParquetWriter(sink, data.schema) as writer:
        if isinstance(data, pa.Table):
            writer.write_table(data, row_group_size=ROW_GROUP_ROWS)
        else:
            for batch in data:
                writer.write_batch(batch, row_group_size=ROW_GROUP_ROWS)


@dataclass(frozen=True)
class PartitionFacts:
    row_count: int
    uri: str
    schema: pa.Schema
    preview: pa.Table


def describe(table: LakeTable, preview_rows: int = 5) -> PartitionFacts:
    """Row count, schema and a few rows of the partition, read back from its Parquet file."""
    parquet = table.parquet_file()
    head = next(parquet.iter_batches(batch_size=preview_rows), None)
    # Not schema.empty_table() for an empty partition: that imports pandas (see lake/arrays.py).
    preview = pa.Table.from_batches([head] if head is not None else [], parquet.schema_arrow)
    return PartitionFacts(
        row_count=parquet.metadata.num_rows,
        uri=table.uri,
        schema=parquet.schema_arrow,
        preview=preview.slice(0, preview_rows),
    )
