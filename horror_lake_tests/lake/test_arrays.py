"""Arrow values built without pandas are the values pyarrow's own converters build, and a run
imports no pandas."""

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from horror_lake.lake import arrays
from horror_lake.raw.tmdb.fetch import RAW_TMDB_SCHEMA
from horror_lake.sample.generator import SampleSummary
from horror_lake.trusted.tmdb import CREDIT, TRUSTED_TMDB_SCHEMA

UTC = dt.UTC
CASES: list[tuple[Any, pa.DataType]] = [
    (["a", None, "ção ☠", ""], pa.string()),
    ([], pa.string()),
    ([None, None], pa.string()),
    (["x" * 70_000, "y"], pa.large_string()),
    ([1, None, -5, 2**62], pa.int64()),
    ([7, -1], pa.int32()),
    ([255, 0], pa.uint8()),
    ([1.5, None, 2, -0.0], pa.float64()),
    ([True, None, False] * 7, pa.bool_()),
    ([dt.date(2020, 1, 2), None, dt.date(1960, 5, 1)], pa.date32()),
    (
        [dt.datetime(2020, 1, 2, 3, 4, 5, 678901, tzinfo=UTC), None, dt.datetime(1969, 12, 31)],
        pa.timestamp("us", tz="UTC"),
    ),
    ([dt.datetime(2001, 2, 3, 4, 5, 6, 7000, tzinfo=UTC)], pa.timestamp("ms")),
    ([["x", "y"], None, [], ["z"]], pa.list_(pa.string())),
    ([{"person_id": 1, "name": "n", "billing_order": 3}, None, {}], CREDIT),
    ([[{"person_id": 1, "role": "cast"}], None, []], pa.list_(CREDIT)),
    (np.array([1, 2, 3], np.int64)[::2] + 5, pa.int64()),
    (np.array([True, False, True, True, False, True, True, True, False]), pa.bool_()),
    (np.array(["a", "bé"], object), pa.string()),
]


@pytest.mark.parametrize(("values", "type_"), CASES, ids=[str(t) for _, t in CASES])
def test_an_array_is_the_one_pyarrow_builds(values: Any, type_: pa.DataType) -> None:
    built = arrays.array(values, type_)
    built.validate(full=True)
    assert built.equals(pa.array(values, type_))
    if len(values):
        assert arrays.scalar(values[0], type_).equals(pa.scalar(values[0], type_))


def tmdb_rows() -> list[dict[str, Any]]:
    fetched = dt.datetime(2026, 11, 27, 7, 0, 1, 250000, tzinfo=UTC)
    return [
        {"imdb_id": "tt1", "tmdb_id": 9, "genres": ["Horror"], "fetched_at": fetched,
         "credits": [{"person_id": 3, "name": "Ana", "role": "cast", "billing_order": 0}],
         "release_date": dt.date(1980, 5, 9), "popularity": 3, "listed_by_tmdb": True},
        {"imdb_id": "tt2", "tmdb_id": None, "genres": [], "fetched_at": fetched, "credits": None},
    ]  # fmt: skip


def test_tables_and_python_values_read_as_pyarrows() -> None:
    """A table from rows (keys the schema lacks left out, missing ones null), and its rows read
    back: the same values, time zones included, as pyarrow's own (``repr`` too: TMDB answers'
    data version is a hash of it)."""
    for schema in (TRUSTED_TMDB_SCHEMA, RAW_TMDB_SCHEMA):
        built = arrays.table(tmdb_rows(), schema)
        assert built.equals(pa.Table.from_pylist(tmdb_rows(), schema=schema))
        assert repr(arrays.to_python(built)) == repr(built.to_pylist())
        fetched_at = built.column("fetched_at")
        assert repr(arrays.to_python(fetched_at)) == repr(fetched_at.to_pylist())
        imdb_ids = built.column("imdb_id")
        assert arrays.to_python(imdb_ids) == ["tt1", "tt2"]

    when = [dt.datetime(2026, 3, 8, 4, 30, tzinfo=UTC), None]
    elsewhere = arrays.array(when, pa.timestamp("us", tz="America/Sao_Paulo"))
    assert repr(arrays.to_python(elsewhere)) == repr(elsewhere.to_pylist())

    answers = arrays.table(
        [{"source": s} for s in ("api", None, "snapshot", "api")], RAW_TMDB_SCHEMA
    )
    assert arrays.where_equal(answers, "source", "api").equals(
        answers.filter(pc.field("source") == "api")
    )
    mask = pa.chunked_array([pa.array([True, None, False, True]), pa.array([False, True])])
    sliced = pa.chunked_array([mask.chunk(0).slice(1), mask.chunk(1)])
    for chunked in (mask, sliced, pa.chunked_array([], pa.bool_())):
        expected = pc.fill_null(chunked, False).to_numpy()
        assert arrays.flags(chunked).tolist() == expected.tolist()


@pytest.mark.parametrize(
    ("values", "type_", "message"),
    [
        (["a", 1], pa.string(), "1 is not a string value"),
        ([True], pa.int64(), "True is not a int64 value"),
        (["1"], pa.int64(), "'1' is not a int64 value"),
        ([dt.datetime(2020, 1, 1)], pa.date32(), "is not a date32"),
        (["2020-01-01"], pa.timestamp("us", tz="UTC"), "'2020-01-01' is not a timestamp"),
        ([2**40], pa.int32(), "out of bounds for int32"),
        (np.array([2**40]), pa.int32(), "int64 array is not a int32 array without loss"),
        ([b"x"], pa.binary(), "no binary array is built"),
    ],
)
def test_a_value_of_another_type_is_refused_by_name(
    values: list[Any], type_: pa.DataType, message: str
) -> None:
    with pytest.raises((TypeError, OverflowError), match=message):
        arrays.array(values, type_)


RUN = """
import json, sys
from horror_lake_tests.conftest import run_job
results = [run_job(lake, landing).success for lake, landing in zip(sys.argv[1::2], sys.argv[2::2])]
print(json.dumps({"success": results, "pandas": "pandas" in sys.modules}))
"""


@pytest.mark.slow
def test_a_run_imports_no_pandas(tmp_path: Path, sample: SampleSummary) -> None:
    """pyarrow imports pandas on the first Python value it converts, about 0.2 s. The whole job
    on the sample with its TMDB snapshot, then on its CSV files alone (empty TMDB tables), in a
    process of their own, never does."""
    landing = sample.movies.path.parent
    csv_only = tmp_path / "csv_only"
    csv_only.mkdir()
    for source in (sample.movies.path, sample.series.path):
        shutil.copy(source, csv_only / source.name)
    arguments = [str(tmp_path / "lake"), str(landing), str(tmp_path / "lake2"), str(csv_only)]
    done = subprocess.run(
        [sys.executable, "-c", RUN, *arguments], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome == {"success": [True, True], "pandas": False}
