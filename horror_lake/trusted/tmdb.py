"""trusted_tmdb: TMDB's JSON answers flattened into one typed row per TMDB title.

Pure Python over Arrow (TMDB data is thousands of titles, not millions). A title's latest
answer wins; a title TMDB no longer knows (find without results, details 404) drops out.
"""

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

import pyarrow as pa

from horror_lake.lake import arrays

FETCHED_AT = pa.timestamp("us", tz="UTC")
LEAD_CAST = 5
TOP_BILLED = 10  # cast members kept in credits, in billing order
CREDIT = pa.struct(
    [
        pa.field("person_id", pa.int64()),
        pa.field("name", pa.string()),
        pa.field("role", pa.string()),  # "director" or "cast"
        pa.field("character_name", pa.string()),
        pa.field("billing_order", pa.int32()),
    ]
)
TRUSTED_TMDB_SCHEMA = pa.schema(
    [
        pa.field("tmdb_id", pa.int64()),
        pa.field("imdb_id", pa.string()),
        pa.field("media_type", pa.string()),
        pa.field("title", pa.string()),
        pa.field("original_title", pa.string()),
        pa.field("release_date", pa.date32()),
        pa.field("popularity", pa.float64()),
        pa.field("vote_average", pa.float64()),
        pa.field("vote_count", pa.int64()),
        pa.field("budget_usd", pa.int64()),
        pa.field("revenue_usd", pa.int64()),
        pa.field("runtime_minutes", pa.int32()),
        pa.field("genres", pa.list_(pa.string())),
        pa.field("keywords", pa.list_(pa.string())),
        pa.field("director", pa.string()),
        pa.field("lead_cast", pa.list_(pa.string())),
        pa.field("collection_id", pa.int64()),
        pa.field("collection_name", pa.string()),
        pa.field("credits", pa.list_(CREDIT)),
        pa.field("fetched_at", FETCHED_AT),
    ]
)
Record = dict[str, Any]


def latest_titles(raw: pa.Table) -> dict[str, Record | None]:
    """Per imdb_id, the flattened title from its latest answers, or None if TMDB lacks it.

    ``raw`` holds raw_tmdb rows of one or more partitions; rows without imdb_id (genre lists)
    are ignored. The latest find answer decides; its details answer must be the same fetch's.
    """
    finds: dict[str, Record] = {}
    details: dict[tuple[str, int, str], Record] = {}
    for row in arrays.to_python(
        raw.select(
            ["imdb_id", "tmdb_id", "media_type", "endpoint", "http_status", "body", "fetched_at"]
        )
    ):
        imdb_id = row["imdb_id"]
        if not imdb_id:
            continue
        if row["endpoint"].startswith("/find/"):
            if imdb_id not in finds or row["fetched_at"] >= finds[imdb_id]["fetched_at"]:
                finds[imdb_id] = row
        elif row["tmdb_id"] is not None:
            key = (imdb_id, row["tmdb_id"], row["media_type"])
            if key not in details or row["fetched_at"] >= details[key]["fetched_at"]:
                details[key] = row
    titles: dict[str, Record | None] = {}
    for imdb_id, find in finds.items():
        answer = details.get((imdb_id, find["tmdb_id"], find["media_type"]))
        if answer is None or find["http_status"] != 200 or answer["http_status"] != 200:
            titles[imdb_id] = None
        else:
            titles[imdb_id] = flatten_details(
                imdb_id, find["tmdb_id"], find["media_type"], answer["body"], answer["fetched_at"]
            )
    return titles


def flatten_details(
    imdb_id: str, tmdb_id: int, media_type: str, body: str, fetched_at: dt.datetime
) -> Record | None:
    """One typed row from a ``/movie/{id}`` or ``/tv/{id}`` answer; tolerant of missing or
    mistyped fields (they become null), None if the body is not a JSON object."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    tv = media_type == "tv"
    keywords = _dict(data.get("keywords")).get("results" if tv else "keywords")
    credits = _dict(data.get("credits"))
    runtime = _first_int(data.get("episode_run_time")) if tv else _int(data.get("runtime"))
    if tv and runtime is None:
        runtime = _int(_dict(data.get("last_episode_to_air")).get("runtime"))
    return {
        "tmdb_id": tmdb_id,
        "imdb_id": imdb_id,
        "media_type": media_type,
        "title": _text(data.get("name" if tv else "title")),
        "original_title": _text(data.get("original_name" if tv else "original_title")),
        "release_date": _date(data.get("first_air_date" if tv else "release_date")),
        "popularity": _float(data.get("popularity")),
        "vote_average": _float(data.get("vote_average")),
        "vote_count": _int(data.get("vote_count")),
        "budget_usd": _money(data.get("budget")),
        "revenue_usd": _money(data.get("revenue")),
        "runtime_minutes": runtime if runtime else None,
        "genres": sorted(_names(data.get("genres"))),
        "keywords": sorted({name.lower() for name in _names(keywords)}),
        "director": _director(credits, data.get("created_by") if tv else None),
        "lead_cast": _lead_cast(credits.get("cast")),
        "collection_id": _int(_dict(data.get("belongs_to_collection")).get("id")),
        "collection_name": _text(_dict(data.get("belongs_to_collection")).get("name")),
        "credits": _credits(credits, data.get("created_by") if tv else None),
        "fetched_at": fetched_at,
        # Not a column: whether TMDB lists this IMDb id itself (used to settle duplicates).
        "listed_by_tmdb": imdb_id
        in (data.get("imdb_id"), _dict(data.get("external_ids")).get("imdb_id")),
    }


def merge(
    previous: pa.Table | None, newest: dict[str, Record | None], known_titles: Iterable[str]
) -> pa.Table:
    """Earlier rows updated with the newest answers, kept to titles in today's CSV tables,
    one row per TMDB title (when two IMDb ids point to one TMDB title, the id TMDB itself
    lists wins, else the smallest)."""
    rows: dict[str, Record] = {}
    if previous is not None:
        rows = {row["imdb_id"]: row for row in arrays.to_python(previous)}
    for imdb_id, record in newest.items():
        if record is None:
            rows.pop(imdb_id, None)
        else:
            rows[imdb_id] = record
    known = set(known_titles)
    by_tmdb: dict[tuple[str, int], Record] = {}
    candidates = sorted(
        (record for imdb_id, record in rows.items() if imdb_id in known),
        key=lambda record: (not record.get("listed_by_tmdb", False), record["imdb_id"]),
    )
    for record in candidates:
        by_tmdb.setdefault((record["media_type"], record["tmdb_id"]), record)
    ordered = sorted(by_tmdb.values(), key=lambda r: r["imdb_id"])
    return arrays.table(ordered, TRUSTED_TMDB_SCHEMA)


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _first_int(value: object) -> int | None:
    if isinstance(value, list) and value:
        return _int(value[0])
    return None


def _float(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _money(value: object) -> int | None:
    """TMDB says 0 when it doesn't know a budget or revenue."""
    amount = _int(value)
    return amount if amount and amount > 0 else None


def _date(value: object) -> dt.date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _names(items: object) -> list[str]:
    if not isinstance(items, list):
        return []
    return [
        item["name"].strip()
        for item in items
        if isinstance(item, dict) and isinstance(item.get("name"), str) and item["name"].strip()
    ]


def _director(credits: dict, created_by: object) -> str | None:
    crew = credits.get("crew")
    if isinstance(crew, list):
        for person in crew:
            if isinstance(person, dict) and person.get("job") == "Director":
                name = _text(person.get("name"))
                if name:
                    return name
    names = _names(created_by)
    return names[0] if names else None


def _credits(credits: dict, created_by: object) -> list[dict[str, object]]:
    """The directors (for TV, else the creators) and the top-billed cast, with TMDB's person
    ids; people without an id or a name are left out."""
    directing = [p for p in _people(credits.get("crew")) if p.get("job") == "Director"] or _people(
        created_by
    )
    found = [_credit(person, "director", None) for person in directing]
    cast = sorted(_people(credits.get("cast")), key=_billing_order)[:TOP_BILLED]
    found += [_credit(person, "cast", _int(person.get("order"))) for person in cast]
    return found


def _people(items: object) -> list[dict]:
    if not isinstance(items, list):
        return []
    return [p for p in items if isinstance(p, dict) and _int(p.get("id")) and _text(p.get("name"))]


def _credit(person: dict, role: str, order: int | None) -> dict[str, object]:
    return {
        "person_id": _int(person.get("id")),
        "name": _text(person.get("name")),
        "role": role,
        "character_name": _text(person.get("character")) if role == "cast" else None,
        "billing_order": order,
    }


def _lead_cast(cast: object) -> list[str]:
    if not isinstance(cast, list):
        return []
    people = [p for p in cast if isinstance(p, dict) and _text(p.get("name"))]
    people.sort(key=_billing_order)
    return [p["name"].strip() for p in people[:LEAD_CAST]]


def _billing_order(person: dict) -> int:
    order = _int(person.get("order"))
    return order if order is not None else 10**6
