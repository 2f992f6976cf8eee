"""Write aside, then move into place, on a real local filesystem."""

from pathlib import Path

import pytest

from horror_lake.lake.atomic import replaced_file, replacing
from horror_lake.lake.location import storage_location


def test_a_crashed_writers_leftover_is_cleared_by_the_next_write(tmp_path: Path) -> None:
    location = storage_location(str(tmp_path))
    target = tmp_path / "page.html"
    leftover = tmp_path / ".page.html.0123abcd.tmp"
    leftover.write_text("half a page")
    with replaced_file(location, str(target)) as out:
        out.write(b"whole page")
        assert not target.exists()  # readers see nothing new until the move
    assert target.read_text() == "whole page"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.html"]


def test_a_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    location = storage_location(str(tmp_path))
    target = tmp_path / "data.bin"
    target.write_bytes(b"old")
    with pytest.raises(OSError, match="disk full"), replaced_file(location, str(target)) as out:
        out.write(b"new")
        raise OSError("disk full")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["data.bin"]


def test_a_folder_writer_moves_its_one_data_file(tmp_path: Path) -> None:
    """Spark writes a folder (part file, checksums, markers): its one data file is kept."""
    location = storage_location(str(tmp_path))
    target = tmp_path / "part-00000.parquet"
    with replacing(location, str(target)) as aside:
        Path(aside).mkdir()
        (Path(aside) / "part-0001-abc.snappy.parquet").write_bytes(b"data")
        (Path(aside) / ".part-0001-abc.snappy.parquet.crc").write_bytes(b"crc")
        (Path(aside) / "_SUCCESS").write_bytes(b"")
    assert target.read_bytes() == b"data"
    assert [p.name for p in tmp_path.iterdir()] == ["part-00000.parquet"]
    folder_of_two = pytest.raises(RuntimeError, match="expected one data file")
    with folder_of_two, replacing(location, str(target)) as aside:
        Path(aside).mkdir()
        (Path(aside) / "a.parquet").write_bytes(b"1")
        (Path(aside) / "b.parquet").write_bytes(b"2")
    assert target.read_bytes() == b"data"
    assert [p.name for p in tmp_path.iterdir()] == ["part-00000.parquet"]
