"""The whole lake built in process from a dirty sample, checked against an independent reading
of the landing files (Python's csv module, not the production parser or SQL)."""

import hashlib
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from horror_lake.sample.generator import SampleSummary
from horror_lake_tests.conftest import PARTITION, BuiltLake, run_job
from horror_lake_tests.lake_reading import (
    as_int,
    genres_of,
    read_source,
    read_table,
    titles,
    value,
)

TABLES = {
    "raw": ["raw_movies", "raw_series", "raw_movies_rejects", "raw_series_rejects", "raw_tmdb"],
    "trusted": [
        "trusted_movies",
        "trusted_series",
        "trusted_artists",
        "trusted_tmdb",
        "trusted_credits",
    ],
    "refined": [
        "dim_filme",
        "dim_genero",
        "fato_filme",
        "dim_subgenero",
        "fato_filme_subgenero",
        "dim_colecao",
        "dim_artista",
        "fato_filme_artista",
    ],
}


def test_every_table_lands_as_hive_partitioned_parquet(built: BuiltLake) -> None:
    for zone, tables in TABLES.items():
        for table in tables:
            folder = built.path / zone / table / f"ingestion_date={PARTITION}"
            assert [p.name for p in folder.iterdir()] == ["part-00000.parquet"], folder
    assert not list(built.path.rglob(".*")), "files written aside were left behind"
    assert not list(built.path.rglob("_*")), "staging or progress folders were left behind"


def test_raw_keeps_every_line(built: BuiltLake, sample: SampleSummary) -> None:
    for name, sample_file in (("movies", sample.movies), ("series", sample.series)):
        source = read_source(sample_file.path)
        rows = read_table(built.path, "raw", f"raw_{name}", PARTITION).sort_by("line_number")
        rejects = read_table(built.path, "raw", f"raw_{name}_rejects", PARTITION)
        assert rows.num_rows == len(source.rows)
        assert rejects.num_rows == source.rejected > 0
        assert rows.num_rows + rejects.num_rows == sample_file.data_lines
        assert rows.column_names[: len(source.header)] == source.header
        assert {"source_file", "line_number", "ingested_at"} <= set(rows.column_names)
        assert rows.column("id").to_pylist() == [r["id"] for r in source.rows]
        assert set(rejects.column("reason").to_pylist()) and all(rejects.column("line").to_pylist())


def test_trusted_titles_are_typed_and_unique(built: BuiltLake, sample: SampleSummary) -> None:
    for name, sample_file in (("movies", sample.movies), ("series", sample.series)):
        expected = titles(read_source(sample_file.path))
        table = read_table(built.path, "trusted", f"trusted_{name}", PARTITION)
        by_id = {row["title_id"]: row for row in table.to_pylist()}
        assert len(by_id) == table.num_rows == len(expected) == sample_file.titles
        for title_id, source_row in expected.items():
            row = by_id[title_id]
            assert row["primary_title"] == value(source_row["tituloPincipal"])
            assert row["release_year"] == as_int(source_row["anoLancamento"])
            assert row["runtime_minutes"] == as_int(source_row["tempoMinutos"])
            assert row["vote_count"] == as_int(source_row["numeroVotos"])
            assert (row["genres"] or []) == genres_of(source_row["genero"])
            rating = value(source_row["notaMedia"])
            assert row["average_rating"] == (float(rating) if rating else None)
        assert str(table.schema.field("release_year").type) == "int32"
        assert str(table.schema.field("genres").type).startswith("list<")


def test_trusted_artists_one_row_per_title_and_artist(
    built: BuiltLake, sample: SampleSummary
) -> None:
    expected = set()
    for sample_file in (sample.movies, sample.series):
        for row in read_source(sample_file.path).rows:
            title_id, artist = value(row["id"]), value(row["nomeArtista"])
            if title_id and artist and title_id.startswith("tt"):
                expected.add((title_id, artist))
    table = read_table(built.path, "trusted", "trusted_artists", PARTITION)
    pairs = list(zip(table["title_id"].to_pylist(), table["artist_name"].to_pylist(), strict=True))
    assert len(pairs) == len(set(pairs))
    assert set(pairs) == expected
    assert set(table["artist_gender"].drop_null().to_pylist()) <= {"male", "female"}


def test_refined_star_schema_holds_the_horror_titles(
    built: BuiltLake, sample: SampleSummary
) -> None:
    horror = {}
    all_genres = set()
    for sample_file in (sample.movies, sample.series):
        for title_id, row in titles(read_source(sample_file.path)).items():
            genres = genres_of(row["genero"])
            all_genres.update(genres)
            if "Horror" in genres:
                horror.setdefault(title_id, genres)
    dim_filme = read_table(built.path, "refined", "dim_filme", PARTITION)
    dim_genero = read_table(built.path, "refined", "dim_genero", PARTITION)
    fato = read_table(built.path, "refined", "fato_filme", PARTITION)

    assert set(dim_filme["title_id"].to_pylist()) == set(horror)
    assert set(dim_filme["title_type"].to_pylist()) == {"movie", "series"}
    assert set(dim_genero["genre_name"].to_pylist()) == all_genres
    assert dim_genero["genre_id"].to_pylist() == [
        int(hashlib.md5(name.encode()).hexdigest()[:15], 16)
        for name in dim_genero["genre_name"].to_pylist()
    ]
    assert fato.num_rows == sum(len(g) for g in horror.values())
    genre_ids = dict(
        zip(dim_genero["genre_name"].to_pylist(), dim_genero["genre_id"].to_pylist(), strict=True)
    )
    fact_keys = set(zip(fato["title_id"].to_pylist(), fato["genre_id"].to_pylist(), strict=True))
    assert fact_keys == {(t, genre_ids[g]) for t, gs in horror.items() for g in gs}
    horror_rows = fato.filter(pc.field("is_horror_genre"))
    assert horror_rows.num_rows == len(horror)


def test_rematerializing_a_partition_replaces_it(tmp_path: Path, sample: SampleSummary) -> None:
    lake, landing = tmp_path / "lake", sample.movies.path.parent
    assert run_job(lake, landing).success
    before = {t: read_table(lake, z, t, PARTITION) for z, ts in TABLES.items() for t in ts}
    assert run_job(lake, landing).success
    after = {t: read_table(lake, z, t, PARTITION) for z, ts in TABLES.items() for t in ts}
    for table, rows in after.items():
        assert rows.num_rows == before[table].num_rows, table
        if not table.startswith("raw"):
            assert in_order(rows).equals(in_order(before[table])), table
    raw = after["raw_movies"]
    assert len(set(raw["line_number"].to_pylist())) == raw.num_rows
    assert run_job(lake, landing, "2024-03-02").success
    second = read_table(lake, "trusted", "trusted_movies", "2024-03-02")
    assert second.num_rows == after["trusted_movies"].num_rows
    assert read_table(lake, "trusted", "trusted_movies", PARTITION).num_rows == second.num_rows


def in_order(table: pa.Table) -> pa.Table:
    """Rows sorted by every scalar column, so two writes of the same data compare equal."""
    keys = [f.name for f in table.schema if not pa.types.is_list(f.type)]
    return table.sort_by([(k, "ascending") for k in keys])


def test_materialization_metadata_describes_the_table(built: BuiltLake) -> None:
    events = built.result.get_asset_materialization_events()
    by_table = {e.asset_key.path[-1]: e.materialization.metadata for e in events}
    others = {"horror_dashboard", "athena_views"}
    assert set(by_table) == {t for tables in TABLES.values() for t in tables} | others
    fato = by_table["fato_filme"]
    assert (
        fato["row_count"].value
        == read_table(built.path, "refined", "fato_filme", PARTITION).num_rows
    )
    assert fato["path"].value.endswith(f"fato_filme/ingestion_date={PARTITION}")
    assert "title_id" in fato["preview"].value
    assert [c.name for c in fato["dagster/column_schema"].value.columns][:2] == [
        "title_id",
        "genre_id",
    ]
    raw = by_table["raw_movies"]
    assert raw["data_lines"].value == raw["parsed_rows"].value + raw["rejected_lines"].value
    assert raw["rejected_lines"].value > 0 and raw["blank_lines"].value > 0


def test_every_check_passes_on_the_sample(built: BuiltLake) -> None:
    evaluations = built.result.get_asset_check_evaluations()
    failed = [(e.asset_key.to_user_string(), e.check_name) for e in evaluations if not e.passed]
    assert failed == []
    by_check = {(e.asset_key.path[-1], e.check_name): e for e in evaluations}
    fato = by_check[("fato_filme", "contract")].metadata
    for rule in ("genre_id_in_dim_genero", "title_id_in_dim_filme", "primary_key", "columns"):
        assert fato[rule].value.startswith("passed"), rule
    assert (
        by_check[("trusted_artists", "contract")]
        .metadata["primary_key"]
        .value.startswith("passed: 0 duplicate and 0 null keys")
    )
    assert by_check[("dim_filme", "not_empty")].metadata["row_count"].value > 0


@pytest.mark.parametrize("zone", ["trusted", "refined"])
def test_zone_tables_use_snake_case_columns(built: BuiltLake, zone: str) -> None:
    for table in TABLES[zone]:
        for column in read_table(built.path, zone, table, PARTITION).column_names:
            assert column == column.lower() and " " not in column, (table, column)
