"""The reference builds' questions, answered by the refined tables and views, each figure checked
against an independent computation: the TMDB snapshot's JSON and the CSVs read with Python, or
the refined Parquet files read with pyarrow and summed in Python (never the lake's own SQL)."""

import hashlib
import json
import shutil
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from horror_lake.engines.lake_sql import open_lake, run_query
from horror_lake.lake.location import lake_location
from horror_lake.modeling.project import lake_project
from horror_lake.sample.generator import SampleSummary
from horror_lake.settings import Settings, view_parameters
from horror_lake_tests.conftest import PARTITION, BuiltLake, run_job
from horror_lake_tests.lake_reading import genres_of, read_source, read_table, titles

MIN_BUDGET = Settings().roi_min_budget_usd


def view(lake: Path, sql: str) -> list[dict[str, Any]]:
    parameters = view_parameters(Settings())
    columns, rows = run_query(
        open_lake(lake_location(str(lake)), lake_project().views, parameters), sql
    )
    return [dict(zip(columns, row, strict=True)) for row in rows]


def refined(built: BuiltLake, table: str) -> list[dict[str, Any]]:
    return read_table(built.path, "refined", table, PARTITION).to_pylist()


def stable_id(text: str) -> int:
    return int(hashlib.md5(text.encode()).hexdigest()[:15], 16)


def snapshot_details(sample: SampleSummary) -> dict[str, dict[str, Any]]:
    """Each title's /movie or /tv answer in the snapshot, by IMDb id (from its find answer)."""
    records = [
        json.loads(line)
        for line in (sample.movies.path.parent / "tmdb_snapshot.jsonl").read_text().splitlines()
    ]
    by_path = {r["path"]: r["body"] for r in records}
    details = {}
    for record in records:
        if record["path"].startswith("/find/"):
            for kind in ("movie", "tv"):
                for result in record["body"][f"{kind}_results"]:
                    details[record["path"][6:]] = by_path[f"/{kind}/{result['id']}"]
    return details


def horror_ids(sample: SampleSummary) -> dict[str, str]:
    """Horror title ids and their type, from the CSVs (an id in both files is a movie)."""
    found = {}
    for kind, written in (("series", sample.series), ("movie", sample.movies)):
        for title_id, row in titles(read_source(written.path)).items():
            if "Horror" in genres_of(row["genero"]):
                found[title_id] = kind
    return found


def test_collections_come_from_tmdb_and_none_is_invented(
    built: BuiltLake, sample: SampleSummary
) -> None:
    horror = horror_ids(sample)
    expected: dict[int, list[str]] = defaultdict(list)
    names = {}
    for imdb_id, body in snapshot_details(sample).items():
        collection = body.get("belongs_to_collection")
        if collection and horror.get(imdb_id) == "movie":
            expected[collection["id"]].append(imdb_id)
            names[collection["id"]] = collection["name"]
    assert expected, "the sample's snapshot has franchises"
    dim = {r["collection_id"]: r for r in refined(built, "dim_colecao")}
    assert {k: (r["collection_name"], r["horror_movies"]) for k, r in dim.items()} == {
        k: (names[k], len(v)) for k, v in expected.items()
    }
    films = {r["title_id"]: r["collection_id"] for r in refined(built, "dim_filme")}
    in_collections = {t for ids in expected.values() for t in ids}
    assert {t for t, c in films.items() if c is not None} == in_collections
    assert all(films[t] == c for c, ids in expected.items() for t in ids)


def test_franchise_share_figures(built: BuiltLake) -> None:
    films = [r for r in refined(built, "dim_filme") if r["title_type"] == "movie"]
    total_revenue = sum(r["revenue_usd"] or 0 for r in films)
    total_popularity = sum(r["popularity"] or 0 for r in films)
    rows = {r["collection_id"]: r for r in view(built.path, "select * from franchise_share")}
    members: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for film in films:
        if film["collection_id"] is not None:
            members[film["collection_id"]].append(film)
    assert set(rows) == set(members)
    for collection_id, films_in in members.items():
        row = rows[collection_id]
        assert row["horror_movies"] == len(films_in)
        assert row["revenue_share"] == share(films_in, "revenue_usd", total_revenue)
        assert row["popularity_share"] == share(films_in, "popularity", total_popularity)
        rated = sorted(films_in, key=lambda f: (-(f["average_rating"] or -1), f["title_id"]))
        assert row["best_rated_title"] == rated[0]["primary_title"]
        grossing = sorted(
            (f for f in films_in if f["revenue_usd"] is not None),
            key=lambda f: (-f["revenue_usd"], f["title_id"]),
        )
        if grossing:
            assert (row["top_grossing_title"], row["top_gross_usd"]) == (
                grossing[0]["primary_title"],
                grossing[0]["revenue_usd"],
            )


def share(films: list[dict[str, Any]], column: str, total: float) -> object:
    """A franchise's share of a total; unknown (None) when none of its movies has the figure."""
    known = [f[column] for f in films if f[column] is not None]
    return pytest.approx(sum(known) / total, abs=5e-5) if known else None


def test_titles_ranked_by_profit_and_by_return(built: BuiltLake) -> None:
    films = [r for r in refined(built, "dim_filme") if r["profit_usd"] is not None]
    profit = view(built.path, "select * from title_profit_ranking order by profit_rank, title_id")
    assert [r["title_id"] for r in profit] == [
        f["title_id"] for f in sorted(films, key=lambda f: (-f["profit_usd"], f["title_id"]))
    ]
    assert profit[0]["profit_rank"] == 1
    assert {r["title_id"] for r in profit if r["lost_money"]} == {
        f["title_id"] for f in films if f["revenue_usd"] < f["budget_usd"]
    }
    roi = view(built.path, "select * from title_roi_ranking order by roi_rank, title_id")
    eligible = [f for f in films if f["budget_usd"] >= MIN_BUDGET]
    assert len(roi) == len(eligible) < len(films) + 1
    best = max(eligible, key=lambda f: (f["revenue_usd"] - f["budget_usd"]) / f["budget_usd"])
    assert roi[0]["title_id"] == best["title_id"]
    assert roi[0]["dollars_returned_per_dollar"] == pytest.approx(
        best["revenue_usd"] / best["budget_usd"], abs=1e-4
    )


def test_a_tiny_budget_does_not_win_the_roi_ranking(built: BuiltLake, tmp_path: Path) -> None:
    """The minimum budget is a setting; without it a $1 budget would top the ranking."""
    films = [r for r in refined(built, "dim_filme") if r["profit_usd"] is not None]
    lake = tmp_path / "lake"
    shutil.copytree(built.path, lake)
    cheapest = min(films, key=lambda f: f["budget_usd"])
    assert cheapest["budget_usd"] >= 1
    parameters = {"roi_min_budget_usd": 0}
    con = open_lake(lake_location(str(lake)), lake_project().views, parameters)
    _, everything = run_query(con, "select count(*) from title_roi_ranking")
    assert everything[0][0] == len(films)


def test_dollars_returned_per_dollar_overall_and_per_decade(built: BuiltLake) -> None:
    films = [r for r in refined(built, "dim_filme") if r["profit_usd"] is not None]
    rows = view(built.path, "select * from money_by_decade")
    overall = next(r for r in rows if r["is_overall"])
    budget, revenue = sum(f["budget_usd"] for f in films), sum(f["revenue_usd"] for f in films)
    assert overall["titles_with_money"] == len(films)
    assert overall["dollars_returned_per_dollar"] == round(revenue / budget, 2)
    decades: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for film in films:
        if film["release_decade"] is not None:
            decades[film["release_decade"]].append(film)
    by_decade = {r["release_decade"]: r for r in rows if not r["is_overall"]}
    assert set(by_decade) == set(decades)
    for decade, members in decades.items():
        money = sum(f["revenue_usd"] for f in members) / sum(f["budget_usd"] for f in members)
        assert by_decade[decade]["dollars_returned_per_dollar"] == round(money, 2)


def test_every_credit_of_a_horror_title_is_in_its_cast(
    built: BuiltLake, sample: SampleSummary
) -> None:
    horror = horror_ids(sample)
    csv_pairs = {
        (r["title_id"], r["artist_name"])
        for r in read_table(built.path, "trusted", "trusted_artists", PARTITION).to_pylist()
        if r["title_id"] in horror
    }
    tmdb_pairs = set()
    for imdb_id, body in snapshot_details(sample).items():
        if imdb_id in horror:
            credits = body["credits"]
            people = sorted(credits["cast"], key=lambda p: p["order"])[:10]
            people += [p for p in credits["crew"] if p["job"] == "Director"]
            tmdb_pairs |= {(imdb_id, p["name"]) for p in people}
    cast = view(built.path, "select * from title_cast")
    assert {(r["title_id"], r["artist_name"]) for r in cast} == csv_pairs | tmdb_pairs
    by_title: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in cast:
        by_title[row["title_id"]].append(row)
    for rows in by_title.values():
        assert sorted(r["billing_position"] for r in rows) == list(range(1, len(rows) + 1))
    # Billing follows TMDB's order: the top-billed cast member is first.
    for imdb_id, body in snapshot_details(sample).items():
        cast_order = sorted(body["credits"]["cast"], key=lambda p: p["order"])
        if imdb_id in horror and cast_order:
            first = next(r for r in by_title[imdb_id] if r["billing_position"] == 1)
            assert first["artist_name"] == cast_order[0]["name"]


def test_artists_and_their_horror_title_counts(built: BuiltLake) -> None:
    facts = refined(built, "fato_filme_artista")
    counts = Counter(r["artist_id"] for r in facts)
    rows = view(built.path, "select * from artist_horror_titles")
    assert {r["artist_id"]: r["horror_titles"] for r in rows} == dict(counts)
    top = max(counts.values())
    assert {r["artist_id"] for r in rows if r["horror_titles_rank"] == 1} == {
        a for a, n in counts.items() if n == top
    }
    artists = {r["artist_id"]: r for r in refined(built, "dim_artista")}
    for artist_id in counts:
        artist = artists[artist_id]
        birth = "" if artist["birth_year"] is None else str(artist["birth_year"])
        assert artist_id == stable_id(f"{artist['artist_name']}|{birth}")


def test_every_view_has_scalar_columns_only(built: BuiltLake) -> None:
    """QuickSight and several Athena clients can't read arrays: views explode them."""
    con = open_lake(
        lake_location(str(built.path)), lake_project().views, view_parameters(Settings())
    )
    for view_def in lake_project().views:
        types = con.sql(f"select * from {view_def.name} limit 0").types
        nested = [str(t) for t in types if "[]" in str(t) or str(t).startswith(("STRUCT", "MAP"))]
        assert not nested, (view_def.name, nested)


def test_keys_stay_put_when_a_genre_that_sorts_first_appears(
    built: BuiltLake, sample: SampleSummary, tmp_path: Path
) -> None:
    later = "2024-03-02"
    landing = tmp_path / "landing"
    shutil.copytree(sample.movies.path.parent, landing)
    dated = landing / later
    dated.mkdir()
    lines = sample.movies.path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].split("|")
    genre = header.index("genero")
    for number, line in enumerate(lines[1:], start=1):
        fields = line.split("|")
        if len(fields) == len(header) and "Horror" in fields[genre]:
            fields[genre] = "Aardvark Horror," + fields[genre]
            lines[number] = "|".join(fields)
            break
    (dated / "movies.csv").write_text("".join(lines), encoding="utf-8")
    lake = tmp_path / "lake"
    shutil.copytree(built.path, lake)
    assert run_job(lake, landing, later).success
    before = {r["genre_name"]: r["genre_id"] for r in refined(built, "dim_genero")}
    after = {
        r["genre_name"]: r["genre_id"]
        for r in read_table(lake, "refined", "dim_genero", later).to_pylist()
    }
    assert set(after) - set(before) == {"Aardvark Horror"}
    assert min(after) == "Aardvark Horror"  # it sorts first
    assert {g: after[g] for g in before} == before
    assert all(i == stable_id(g) for g, i in after.items())
    artists_before = {r["artist_id"] for r in refined(built, "dim_artista")}
    artists_after = {
        r["artist_id"] for r in read_table(lake, "refined", "dim_artista", later).to_pylist()
    }
    assert artists_before == artists_after
