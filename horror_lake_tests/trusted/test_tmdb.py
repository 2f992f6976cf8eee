"""Flattening TMDB answers: real response shapes, TMDB's conventions, and odd but legal data."""

import datetime as dt
import json

import pyarrow as pa

from horror_lake.raw.tmdb.fetch import rows_table
from horror_lake.trusted.tmdb import TRUSTED_TMDB_SCHEMA, flatten_details, latest_titles, merge

DAY1 = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
DAY2 = dt.datetime(2024, 3, 2, tzinfo=dt.UTC)
MOVIE = {
    "id": 4232,
    "title": "Scream",
    "original_title": "Scream",
    "release_date": "1996-12-20",
    "popularity": 41.5,
    "vote_average": 7.4,
    "vote_count": 7500,
    "budget": 15000000,
    "revenue": 0,
    "runtime": 111,
    "genres": [{"id": 27, "name": "Horror"}, {"id": 9648, "name": "Mystery"}],
    "keywords": {"keywords": [{"id": 1, "name": "Slasher"}, {"id": 2, "name": "masked killer"}]},
    "credits": {
        "cast": [{"name": "David Arquette", "order": 2}, {"name": "Neve Campbell", "order": 0}],
        "crew": [
            {"name": "Kevin Williamson", "job": "Writer"},
            {"name": "Wes Craven", "job": "Director"},
        ],
    },
}
TV = {
    "id": 1402,
    "name": "The Walking Dead",
    "original_name": "The Walking Dead",
    "first_air_date": "2010-10-31",
    "episode_run_time": [],
    "last_episode_to_air": {"runtime": 44},
    "genres": [{"id": 18, "name": "Drama"}],
    "keywords": {"results": [{"id": 3, "name": "zombie"}]},
    "credits": {"cast": [], "crew": []},
    "created_by": [{"name": "Frank Darabont"}],
    "external_ids": {"imdb_id": "tt1520211"},
}


def answer(imdb_id, endpoint, body, at, tmdb_id=None, media_type=None, status=200):
    return {
        "imdb_id": imdb_id,
        "tmdb_id": tmdb_id,
        "media_type": media_type,
        "endpoint": endpoint,
        "http_status": status,
        "body": json.dumps(body),
        "fetched_at": at,
        "source": "api",
    }


def found(imdb_id, media_type, details, at, status=200):
    tmdb_id = details.get("id", 1)
    return [
        answer(
            imdb_id,
            f"/find/{imdb_id}",
            {f"{media_type}_results": [{"id": tmdb_id}]},
            at,
            tmdb_id,
            media_type,
        ),
        answer(imdb_id, f"/{media_type}/{tmdb_id}", details, at, tmdb_id, media_type, status),
    ]


def test_a_movie_is_typed_and_zero_money_means_unknown() -> None:
    row = flatten_details("tt0117571", 4232, "movie", json.dumps(MOVIE), DAY1)
    assert row is not None
    assert row["release_date"] == dt.date(1996, 12, 20)
    assert row["budget_usd"] == 15000000 and row["revenue_usd"] is None
    assert row["director"] == "Wes Craven"
    assert row["lead_cast"] == ["Neve Campbell", "David Arquette"]
    assert row["keywords"] == ["masked killer", "slasher"]
    assert row["genres"] == ["Horror", "Mystery"]
    pa.Table.from_pylist([row], schema=TRUSTED_TMDB_SCHEMA)  # fits the schema


def test_a_tv_show_uses_its_own_field_names() -> None:
    row = flatten_details("tt1520211", 1402, "tv", json.dumps(TV), DAY1)
    assert row is not None
    assert (row["title"], row["release_date"]) == ("The Walking Dead", dt.date(2010, 10, 31))
    assert row["runtime_minutes"] == 44  # no episode_run_time: the last episode's
    assert row["keywords"] == ["zombie"] and row["director"] == "Frank Darabont"
    assert row["budget_usd"] is None


def test_mistyped_or_missing_fields_become_null() -> None:
    odd = {
        "title": 12,
        "release_date": "sometime",
        "popularity": "high",
        "budget": True,
        "genres": None,
    }
    row = flatten_details("tt1", 1, "movie", json.dumps(odd), DAY1)
    assert row is not None
    assert row["title"] is None and row["release_date"] is None and row["popularity"] is None
    assert row["budget_usd"] is None and row["genres"] == [] and row["lead_cast"] == []
    assert flatten_details("tt1", 1, "movie", "[1, 2]", DAY1) is None


def test_the_latest_answer_wins_and_not_found_drops_a_title() -> None:
    rows = [
        *found("tt1", "movie", {"id": 5, "title": "Old"}, DAY1),
        *found("tt1", "movie", {"id": 5, "title": "New"}, DAY2),
        *found("tt2", "movie", {"id": 6, "title": "Gone"}, DAY1),
        answer("tt2", "/find/tt2", {"movie_results": [], "tv_results": []}, DAY2),
        *found("tt3", "movie", {"id": 7}, DAY1, status=404),
        answer(None, "/genre/movie/list", {"genres": []}, DAY1),
    ]
    titles = latest_titles(rows_table(rows))
    assert titles["tt1"] is not None and titles["tt1"]["title"] == "New"
    assert titles["tt2"] is None and titles["tt3"] is None and None not in titles


def test_merge_carries_forward_keeps_known_titles_and_one_row_per_tmdb_title() -> None:
    previous = merge(
        None,
        {
            "tt1": flatten_details("tt1", 5, "movie", json.dumps({"title": "A"}), DAY1),
            "tt2": flatten_details("tt2", 6, "movie", json.dumps({"title": "B"}), DAY1),
            "tt9": flatten_details("tt9", 9, "movie", json.dumps({"title": "C"}), DAY1),
        },
        ["tt1", "tt2", "tt9"],
    )
    newest = {
        "tt2": None,  # TMDB no longer has it
        "tt3": flatten_details("tt3", 5, "movie", json.dumps({"title": "A dup"}), DAY2),
        "tt4": flatten_details("tt4", 5, "tv", json.dumps({"name": "Same id, TV"}), DAY2),
        "tt5": flatten_details("tt5", 8, "movie", json.dumps({"title": "D"}), DAY2),
        "tt6": flatten_details("tt6", 8, "movie", json.dumps({"imdb_id": "tt6"}), DAY2),
    }
    merged = merge(previous, newest, ["tt1", "tt2", "tt3", "tt4", "tt5", "tt6"])
    assert merged.schema == TRUSTED_TMDB_SCHEMA
    # tt9 left today's CSVs; tt3 points at tt1's movie and loses to the smaller id; tv 5 is
    # a different title from movie 5; movie 8 is tt6's, as TMDB itself lists it.
    assert merged["imdb_id"].to_pylist() == ["tt1", "tt4", "tt6"]
