"""A TMDB snapshot for sample data: the answers TMDB would give for the sample's horror titles.

Written beside movies.csv and series.csv as ``tmdb_snapshot.jsonl``, one recorded answer per
line (``{"path", "params", "status", "body"}``), in TMDB v3's shapes: ``/find`` results,
``/movie/{id}`` and ``/tv/{id}`` details with keywords and credits appended, and the genre
lists. The offline demo reads it, and the local test server (``tmdb_server``) serves it.
Titles come from the CSVs themselves, so any pair of exports can get a snapshot.
"""

import io
import json
import math
import random
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from horror_lake.lake.atomic import replaced_file
from horror_lake.lake.location import storage_location
from horror_lake.raw.parse import parse_source
from horror_lake.raw.sources import MOVIES, SERIES, Source
from horror_lake.raw.tmdb.fetch import DETAILS_APPEND
from horror_lake.raw.tmdb.transport import SNAPSHOT_FILE

MOVIE_GENRES = {
    "Action": 28, "Adventure": 12, "Animation": 16, "Comedy": 35, "Crime": 80,
    "Documentary": 99, "Drama": 18, "Family": 10751, "Fantasy": 14, "History": 36,
    "Horror": 27, "Music": 10402, "Mystery": 9648, "Romance": 10749, "Science Fiction": 878,
    "TV Movie": 10770, "Thriller": 53, "War": 10752, "Western": 37,
}  # fmt: skip
TV_GENRES = {
    "Action & Adventure": 10759, "Animation": 16, "Comedy": 35, "Crime": 80,
    "Documentary": 99, "Drama": 18, "Family": 10751, "Kids": 10762, "Mystery": 9648,
    "News": 10763, "Reality": 10764, "Sci-Fi & Fantasy": 10765, "Soap": 10766, "Talk": 10767,
    "War & Politics": 10768, "Western": 37,
}  # fmt: skip
# IMDb genre -> TMDB genre name (TV has no Horror genre on TMDB).
MOVIE_NAMES = {"Sci-Fi": "Science Fiction", "Biography": "History", "Musical": "Music"}
TV_NAMES = {
    "Sci-Fi": "Sci-Fi & Fantasy", "Fantasy": "Sci-Fi & Fantasy", "Action": "Action & Adventure",
    "Adventure": "Action & Adventure", "War": "War & Politics", "Thriller": "Mystery",
}  # fmt: skip
SUBGENRE_KEYWORDS = (
    ("slasher", "serial killer", "masked killer"),
    ("zombie", "zombie apocalypse"),
    ("vampire", "vampirism"),
    ("found footage",),
    ("supernatural", "ghost", "haunted house", "poltergeist"),
    ("possession", "demonic possession", "exorcism"),
    ("psychological horror", "paranoia"),
    ("folk horror", "cult", "witchcraft"),
    ("body horror", "parasite"),
    ("monster", "creature feature", "werewolf"),
    ("occult", "curse"),
    ("survival horror", "home invasion"),
)
OTHER_KEYWORDS = (
    "based on novel or book", "small town", "remake", "sequel", "gore", "woman director",
    "isolation", "nightmare", "revenge", "teenager", "independent film", "duringcreditsstinger",
)  # fmt: skip
NOT_ON_TMDB_SHARE = 0.07
COLLECTION_SHARE = 0.12


@dataclass(frozen=True)
class SnapshotSummary:
    path: Path
    horror_titles: int
    on_tmdb: int
    answers: int


@dataclass
class _Title:
    imdb_id: str
    kind: str
    primary_title: str
    original_title: str
    year: int | None
    runtime: int | None
    genres: list[str]
    rating: float | None
    votes: int | None
    actors: list[tuple[str, str]]  # (name, character)
    directors: list[str]
    collection: tuple[int, str] | None = None


def write_tmdb_snapshot(out_dir: Path, seed: int = 42) -> SnapshotSummary:
    """Read ``out_dir``'s movies.csv and series.csv; write ``out_dir/tmdb_snapshot.jsonl``."""
    out_dir = Path(out_dir)
    titles: dict[str, _Title] = {}
    for source in (SERIES, MOVIES):  # an id in both files is a movie, as raw_tmdb decides
        titles.update(_horror_titles(out_dir, source))
    rng = random.Random(f"tmdb:{seed}")
    _group_into_collections(titles, random.Random(f"collections:{seed}"))
    path = out_dir / SNAPSHOT_FILE
    answers = on_tmdb = 0
    next_id = {"movie": 1000 + rng.randrange(1000), "tv": 1000 + rng.randrange(1000)}
    with replaced_file(storage_location(str(out_dir.resolve())), str(path.resolve())) as stream:
        out = io.TextIOWrapper(stream, encoding="utf-8")
        for record in _genre_lists():
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            answers += 1
        for imdb_id in sorted(titles):
            title = titles[imdb_id]
            media_type = "movie" if title.kind == "movie" else "tv"
            tmdb_id = None
            if rng.random() >= NOT_ON_TMDB_SHARE:
                tmdb_id = next_id[media_type]
                next_id[media_type] += 1 + rng.randrange(50)
                on_tmdb += 1
            for record in _answers(rng, title, media_type, tmdb_id):
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                answers += 1
        out.flush()
        out.detach()
    return SnapshotSummary(path, len(titles), on_tmdb, answers)


def _horror_titles(out_dir: Path, source: Source) -> dict[str, _Title]:
    parsed = parse_source(
        (out_dir / source.file_name).read_bytes(), source.header, source.file_name
    )
    titles: dict[str, _Title] = {}
    for row in parsed.rows.to_pylist():
        imdb_id = (row["id"] or "").strip()
        genres = [g.strip() for g in (row["genero"] or "").split(",") if g.strip()]
        if not imdb_id.startswith("tt"):
            continue
        title = titles.get(imdb_id)
        if title is None:
            if "Horror" not in genres:
                continue
            title = titles[imdb_id] = _Title(
                imdb_id=imdb_id,
                kind="movie" if source is MOVIES else "series",
                primary_title=_value(row["tituloPincipal"]) or imdb_id,
                original_title=_value(row["tituloOriginal"]) or imdb_id,
                year=_number(row["anoLancamento"]),
                runtime=_number(row["tempoMinutos"]),
                genres=genres,
                rating=_decimal(row["notaMedia"]),
                votes=_number(row["numeroVotos"]),
                actors=[],
                directors=[],
            )
        name, professions = _value(row["nomeArtista"]), _value(row["profissao"]) or ""
        if name:
            if "director" in professions:
                title.directors.append(name)
            if "actor" in professions or "actress" in professions:
                title.actors.append((name, _value(row["personagem"]) or ""))
    return titles


def _value(text: str | None) -> str | None:
    text = (text or "").strip()
    return None if text in ("", "\\N") else text


def _number(text: str | None) -> int | None:
    value = _value(text)
    return int(value) if value and value.isdigit() else None


def _decimal(text: str | None) -> float | None:
    try:
        return float(_value(text) or "")
    except ValueError:
        return None


def _genre_lists() -> Iterator[dict]:
    for media_type, genres in (("movie", MOVIE_GENRES), ("tv", TV_GENRES)):
        body = {"genres": [{"id": i, "name": n} for n, i in genres.items()]}
        yield {"path": f"/genre/{media_type}/list", "params": {}, "status": 200, "body": body}


def _answers(rng: random.Random, title: _Title, media_type: str, tmdb_id: int | None) -> list:
    find_params = {"external_source": "imdb_id"}
    find_body: dict = {
        "movie_results": [],
        "person_results": [],
        "tv_results": [],
        "tv_episode_results": [],
        "tv_season_results": [],
    }
    records = [{"path": f"/find/{title.imdb_id}", "params": find_params, "status": 200}]
    records[0]["body"] = find_body
    if tmdb_id is None:
        return records
    details = _details(rng, title, media_type, tmdb_id)
    summary_keys = ("id", "popularity", "vote_average", "vote_count", "original_language")
    summary = {k: details[k] for k in summary_keys}
    if media_type == "movie":
        summary |= {k: details[k] for k in ("title", "original_title", "release_date")}
    else:
        summary |= {k: details[k] for k in ("name", "original_name", "first_air_date")}
    summary["genre_ids"] = [genre["id"] for genre in details["genres"]]
    summary["media_type"] = media_type
    find_body[f"{media_type}_results"].append(summary)
    records.append(
        {
            "path": f"/{media_type}/{tmdb_id}",
            "params": {"append_to_response": DETAILS_APPEND[media_type]},
            "status": 200,
            "body": details,
        }
    )
    return records


def _details(rng: random.Random, title: _Title, media_type: str, tmdb_id: int) -> dict:
    tv = media_type == "tv"
    names, ids = (TV_NAMES, TV_GENRES) if tv else (MOVIE_NAMES, MOVIE_GENRES)
    genre_names = dict.fromkeys(names.get(g, g) for g in title.genres)
    genres = [{"id": ids[name], "name": name} for name in genre_names if name in ids]
    date = ""
    if title.year:
        date = f"{title.year:04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    rating = title.rating if title.rating is not None else rng.uniform(3, 8)
    votes = title.votes or rng.randint(0, 50)
    keywords = _keywords(rng)
    cast = [
        {
            "id": _person_id(name),
            "name": name,
            "character": character,
            "order": i,
            "known_for_department": "Acting",
        }
        for i, (name, character) in enumerate(dict(title.actors).items())
    ]
    crew = [
        {"id": _person_id(name), "name": name, "job": "Director", "department": "Directing"}
        for name in dict.fromkeys(title.directors)
    ]
    body: dict = {
        "id": tmdb_id,
        "adult": False,
        "genres": genres,
        "original_language": rng.choice(("en", "en", "en", "es", "ja", "ko", "fr", "pt")),
        "overview": f"{title.primary_title}: a {', '.join(title.genres).lower()} story.",
        "popularity": round(math.exp(rng.gauss(2.0, 1.1)), 3),
        "vote_average": round(min(10.0, max(0.0, rating + rng.gauss(0, 0.5))), 3),
        "vote_count": max(0, int(votes * rng.uniform(0.02, 0.2))),
        "keywords": {"results" if tv else "keywords": keywords},
        "credits": {"cast": cast, "crew": crew},
    }
    if tv:
        body |= {
            "name": title.primary_title,
            "original_name": title.original_title,
            "first_air_date": date,
            "episode_run_time": [title.runtime] if title.runtime else [],
            "number_of_seasons": rng.randint(1, 6),
            "created_by": [{"id": _person_id(n), "name": n} for n in title.directors[:1]],
            "external_ids": {"imdb_id": title.imdb_id, "tvdb_id": rng.randint(70_000, 400_000)},
        }
    else:
        budget, revenue = _money(rng)
        body |= {
            "title": title.primary_title,
            "original_title": title.original_title,
            "imdb_id": title.imdb_id,
            "release_date": date,
            "runtime": title.runtime or 0,
            "budget": budget,
            "revenue": revenue,
            "status": "Released",
            "video": False,
            "belongs_to_collection": None,
        }
        if title.collection is not None:
            collection_id, name = title.collection
            body["belongs_to_collection"] = {
                "id": collection_id,
                "name": name,
                "poster_path": f"/{collection_id}.jpg",
                "backdrop_path": None,
            }
    return body


def _person_id(name: str) -> int:
    """One TMDB person id per name, the same on every title (as TMDB's ids are)."""
    return 10_000 + zlib.crc32(name.encode()) % 9_000_000


def _group_into_collections(titles: dict[str, _Title], rng: random.Random) -> None:
    """About one horror movie in eight starts a franchise that the next one to three movies
    (in id order) join, named after its first movie."""
    movies = [titles[i] for i in sorted(titles) if titles[i].kind == "movie"]
    position = 0
    while position < len(movies):
        if rng.random() < COLLECTION_SHARE:
            size = rng.randint(2, 4)
            first = movies[position]
            collection = (10_000 + len(movies) + position, f"{first.primary_title} Collection")
            for movie in movies[position : position + size]:
                movie.collection = collection
            position += size
        else:
            position += 1


def _keywords(rng: random.Random) -> list[dict]:
    names: list[str] = []
    for group in rng.sample(SUBGENRE_KEYWORDS, rng.choice((0, 1, 1, 2, 2, 3))):
        names.append(rng.choice(group))
    names += rng.sample(OTHER_KEYWORDS, rng.randint(0, 3))
    return [{"id": 1000 + zlib.crc32(n.encode()) % 300_000, "name": n} for n in sorted(set(names))]


def _money(rng: random.Random) -> tuple[int, int]:
    """Budget and revenue in USD; 0 means TMDB doesn't know (as the API says it)."""
    if rng.random() < 0.35:
        return 0, 0
    budget = int(round(math.exp(rng.gauss(15.0, 1.4)), -3))
    if rng.random() < 0.2:
        return budget, 0
    return budget, int(round(budget * math.exp(rng.gauss(0.6, 1.1)), -3))
