"""Generate realistic IMDb-style, pipe-delimited source files for the horror lake.

``write_sample`` writes ``movies.csv`` and ``series.csv``: one header line, then one line per
(title, artist) in the layout of the real exports, with a controlled, exactly counted amount of
dirt (duplicates, blank lines, short lines, a broken quote, non-numeric years) so the ingestion
layers have something real to reject and clean.

Pure standard library and a single seeded ``random.Random`` per concern, so the same arguments
always give byte-identical files.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import random
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from horror_lake.lake.atomic import replaced_file
from horror_lake.lake.location import storage_location
from horror_lake.raw.sources import MOVIES_HEADER, SERIES_HEADER

IMDB_GENRES: tuple[str, ...] = (
    "Action",
    "Adult",
    "Adventure",
    "Animation",
    "Biography",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Family",
    "Fantasy",
    "Film-Noir",
    "Game-Show",
    "History",
    "Horror",
    "Music",
    "Musical",
    "Mystery",
    "News",
    "Reality-TV",
    "Romance",
    "Sci-Fi",
    "Short",
    "Sport",
    "Talk-Show",
    "Thriller",
    "War",
    "Western",
)

NULL = "\\N"
DELIMITER = "|"
MOVIES_FILE = "movies.csv"
SERIES_FILE = "series.csv"

_LAST_YEAR = 2025
# Half below ten million (7 digits) and half above (8), like IMDb's ids today.
_ID_RANGE = range(1, 20_000_000)
# Artists per title, k = 1..10, mean 4.55.
_CAST_SIZE_WEIGHTS = (10, 14, 16, 15, 12, 10, 8, 6, 5, 4)
_ARTIST_POOL_SHARE = 0.4
_WRITE_CHUNK_LINES = 50_000
# Each copy of a scaled file gets ids of its own, above every id the generator draws.
_COPY_ID_SHIFT = _ID_RANGE.stop


@dataclass(frozen=True)
class DirtCounts:
    """Exactly how many dirty lines (or values) of each kind were written into one file."""

    duplicate_lines: int
    blank_lines: int
    short_lines: int
    broken_quote_lines: int
    bad_year_values: int


@dataclass(frozen=True)
class SampleFile:
    """One written file and the figures a reader of it should find."""

    path: Path
    titles: int
    horror_titles: int
    data_lines: int  # non-blank lines after the header
    parseable_lines: int  # data_lines minus short and broken-quote lines
    dirt: DirtCounts
    crlf: bool
    bom: bool


@dataclass(frozen=True)
class SampleSummary:
    """Both files written by one ``write_sample`` call."""

    movies: SampleFile
    series: SampleFile


# Share of a file's good lines that each kind of dirt amounts to.
_DIRT_RATES: dict[str, float] = {
    "duplicate_lines": 0.003,
    "blank_lines": 0.0005,
    "short_lines": 0.0005,
    "broken_quote_lines": 0.0002,
    "bad_year_values": 0.002,
}
_NO_DIRT = DirtCounts(0, 0, 0, 0, 0)
_BAD_YEARS = ("19xx", "unknown", "n/a", "198?", "20O5", "s/d", "approx. 1970", "?", "TBD")


def write_sample(
    out_dir: Path,
    movies: int = 2000,
    series: int = 800,
    seed: int = 42,
    dirty: bool = True,
    scale: int = 1,
) -> SampleSummary:
    """Write ``movies.csv`` and ``series.csv`` into ``out_dir`` (created if missing).

    ``movies`` and ``series`` are numbers of distinct titles; each title gets 1 to 10 artist
    lines. With ``dirty`` the files carry a small, exactly counted amount of dirt, and
    ``series.csv`` uses CRLF line endings and a UTF-8 BOM; without it both files are clean,
    LF-terminated and BOM-less. ``scale`` writes each file that many times over, every copy's
    title ids moved to a range of its own, so files grow to any size at the speed of the disk
    (every count in the summary grows with it). The same arguments always give byte-identical
    files.
    """
    if movies < 0 or series < 0:
        raise ValueError(f"title counts must be >= 0, got movies={movies}, series={series}")
    if scale < 1:
        raise ValueError(f"scale must be 1 or more, got {scale}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    # Everything in the good lines comes from `rng`; dirt has its own generator so that the
    # clean and dirty files share the very same good lines.
    rng = random.Random(seed)
    movie_casts = _cast_sizes(rng, movies)
    series_casts = _cast_sizes(rng, series)
    # Extra ids for short and broken lines are reserved even when clean, for the same reason.
    movie_quota = _dirt_quota(movies, sum(movie_casts))
    series_quota = _dirt_quota(series, sum(series_casts))
    movie_extra = movie_quota.short_lines + movie_quota.broken_quote_lines
    series_extra = series_quota.short_lines + series_quota.broken_quote_lines
    ids = _draw_ids(rng, movies + series + movie_extra + series_extra)
    movie_ids, rest = ids[:movies], ids[movies:]
    series_ids, rest = rest[:series], rest[series:]
    movie_extra_ids, series_extra_ids = rest[:movie_extra], rest[movie_extra:]

    titles = _TitleMaker(rng)
    movie_titles = [titles.columns(title_id, series=False) for title_id in movie_ids]
    series_titles = [titles.columns(title_id, series=True) for title_id in series_ids]

    pool = _ArtistPool(max(10, round(_ARTIST_POOL_SHARE * (sum(movie_casts) + sum(series_casts)))))
    movie_cast_ids = pool.cast(rng, movie_titles, movie_casts)
    series_cast_ids = pool.cast(rng, series_titles, series_casts)
    artists = pool.render(rng)
    characters = _character_pools(rng)
    # Built just before writing, so only one file's lines are in memory at a time.
    dirt_rng = random.Random(f"dirt:{seed}")
    movie_file = _finish_file(
        out_dir / MOVIES_FILE,
        MOVIES_HEADER,
        _title_lines(rng, movie_titles, movie_cast_ids, artists, characters),
        movie_titles,
        movie_quota if dirty else _NO_DIRT,
        movie_extra_ids,
        dirt_rng,
        crlf_and_bom=False,
        scale=scale,
    )
    series_file = _finish_file(
        out_dir / SERIES_FILE,
        SERIES_HEADER,
        _title_lines(rng, series_titles, series_cast_ids, artists, characters),
        series_titles,
        series_quota if dirty else _NO_DIRT,
        series_extra_ids,
        dirt_rng,
        crlf_and_bom=dirty,
        scale=scale,
    )
    return SampleSummary(movies=movie_file, series=series_file)


# --- sizes and ids ---------------------------------------------------------------------------


def _cast_sizes(rng: random.Random, titles: int) -> list[int]:
    """How many artist lines each title gets."""
    return rng.choices(range(1, 11), weights=_CAST_SIZE_WEIGHTS, k=titles)


def _dirt_quota(titles: int, lines: int) -> DirtCounts:
    """Dirt wanted for a file: proportional, but at least one of each once it has 20 titles."""

    def amount(rate: float) -> int:
        wanted = round(rate * lines)
        return max(1, wanted) if titles >= 20 else wanted

    return DirtCounts(**{kind: amount(rate) for kind, rate in _DIRT_RATES.items()})


def _draw_ids(rng: random.Random, count: int) -> list[str]:
    """Unique, unordered ``tt`` ids, 7 digits below ten million and 8 above (as IMDb does)."""
    return [f"tt{number:07d}" for number in rng.sample(_ID_RANGE, count)]


# --- word lists ------------------------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _phrases(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(";") if part.strip())


def _compounds(prefixes: str, suffixes: str) -> tuple[str, ...]:
    """Plausible place or family names from syllables: Raven + moor, Stein + berg."""
    return tuple(p + s for p in prefixes.split() for s in suffixes.split())


_DARK_ADJECTIVES = _words(
    "Evil Dark Silent Hollow Crimson Forgotten Hidden Last Black Cursed Wicked Pale Unholy "
    "Sinister Lost Buried Nameless Howling Bleeding Final Rotting Endless Haunted Screaming "
    "Dead Blind Hungry Twisted Ancient Midnight Burning Drowned Faceless Eternal Restless"
)
_DARK_NOUNS = _words(
    "Ritual Offering Possession Harvest Descent Conjuring Children Orphan Visitor Presence "
    "Thing Fog Shining Omen Grudge Ring Well Doll Door Room Hour Night Mirror Exorcism "
    "Awakening Asylum Cabin Entity Creature Thirst Hunger Sacrifice Nun Basement Attic Hive "
    "Hollow Swarm Crypt Tomb Coven Summoning Infection Lodge Bride Witch Twins Messenger"
)
_DARK_HEADS = _phrases(
    "The Curse; The House; Night; The Return; The Legend; The Secret; Children; The Revenge; "
    "Dawn; Day; Attack; Rise; Bride; The Shadow; Island; Castle; The Tomb; The Mask; Cult; "
    "Song; The Witch; Hunger; Blood; Terror; Invasion; Brides; Planet; The Last House; "
    "The Fall; The Haunting; Ghosts; Whispers; The Keeper; Spawn; Scream; The Evil; Mark; "
    "Curse; Return; Creature; The Beast; Tales; The Thing; Cry; Vengeance; Horror"
)
_DARK_TAILS = _phrases(
    "of the Dead; of the Living Dead; of the Damned; of the Vampire; of the Werewolf; "
    "of the Mummy; from Beyond; from the Crypt; in the Attic; in the Woods; at Midnight; "
    "of the Witch; of Frankenstein; of Dracula; on Haunted Hill; in the Dark; of the Zombies; "
    "of the Demon; Below; Within; from Hell; of the Black Lagoon; of the Lost Souls; "
    "in the Cellar; Under the Stairs; of the Devil; Beneath the Lake; of Blood"
)
_PLACES = _compounds(
    "Raven Black Grim Hollow Ash Crow Wolf Dread Mourn Thorn Winter Dark Bone Shadow Blood "
    "Cold Mist Elder Grey Salem Hex Witch Gallow Barrow Fen",
    "wood moor field hill brook ridge vale haven gate wick ford mere cross stone",
)
_LOCALES = _words("Manor Asylum Road Lake Woods Hall Cemetery Hospital Farm Chapel Motel Island")
_SEQUELS = _phrases(
    " 2; 3; II; III; : Part 2; : The Return; : Resurrection; : The Final Chapter; Returns; "
    ": Origins; 4: The Reckoning; : Bloodlines; : The Beginning; 2: Judgment Day"
)
_PLAIN_ADJECTIVES = _words(
    "Little Big Last Perfect Secret Golden Wild Sweet Lonely Broken Endless American "
    "Midnight Silent Great Lucky Happy Hidden Second Long Crazy Young Dangerous Beautiful "
    "Lost Blue Open Quiet Hard Hot"
)
_PLAIN_NOUNS = _words(
    "Summer Road Dream Heart Game Family Promise Journey Detective Kingdom Wedding Island "
    "Season River Love Dance Story Life Holiday Chance Escape War City Hotel Affair Truth "
    "Friends Heist Champion Voice Letter Garden Country Sister Brother Runaway Fortune Ride"
)
_CITIES = _words("Paris Tokyo Rio Brooklyn Texas Vegas Berlin Manhattan Lisbon Havana Rome")
_FOREIGN_TITLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "pt": (
        _phrases(
            "A Maldição; O Exorcista; A Noite; O Mistério; A Casa; O Chamado; A Lenda; "
            "O Segredo; A Volta; O Despertar; A Filha; O Retorno; As Almas; Os Mortos; "
            "A Bruxa; O Pesadelo; A Sombra; O Grito; Encarnação; O Estranho Mundo"
        ),
        _phrases(
            "da Casa; do Além; dos Mortos; das Trevas; de Santa Luzia; da Floresta; "
            "do Pântano; da Meia-Noite; do Diabo; de São João; da Lua Cheia; do Sertão; "
            "das Almas Perdidas; do Cemitério; da Fazenda Maldita; do Demônio; de Zé do Caixão"
        ),
    ),
    "es": (
        _phrases(
            "La Noche; El Espíritu; La Maldición; El Orfanato; La Casa; El Día; La Leyenda; "
            "El Regreso; Los Ojos; La Llorona; El Secreto; La Marca; El Grito; Las Brujas; "
            "El Ataque; El Espinazo; La Cabaña"
        ),
        _phrases(
            "del Terror; de los Muertos; de la Bruja; sin Nombre; del Diablo; "
            "en la Oscuridad; de la Colmena; del Más Allá; de Medianoche; del Lobo; "
            "de las Almas; del Niño; de Ánimas; del Cementerio; de la Momia Azteca"
        ),
    ),
    "fr": (
        _phrases(
            "Les Yeux; La Nuit; Le Château; La Maison; Le Spectre; La Malédiction; "
            "Le Retour; La Belle; Le Cri; L'Ombre; La Marque; Le Secret; La Main; "
            "Les Enfants; L'Étrange Affaire; La Fiancée"
        ),
        _phrases(
            "sans visage; des morts; de l'au-delà; des ténèbres; du diable; sous la lune; "
            "de la peur; à minuit; du vampire; de la sorcière; d'outre-tombe; du cimetière; "
            "du loup-garou; près du lac; de Frankenstein"
        ),
    ),
    "de": (
        _phrases(
            "Die Nacht; Das Haus; Der Fluch; Die Rückkehr; Das Grauen; Der Schrei; "
            "Die Stunde; Das Schloss; Der Schatten; Die Augen; Das Geheimnis; Die Kinder; "
            "Der Tanz; Die Legende; Das Erwachen; Die Braut"
        ),
        _phrases(
            "der Untoten; des Vampirs; am Friedhof; aus dem Jenseits; im Moor; der Hexe; "
            "des Grauens; der Wölfe; ohne Gesicht; im Nebel; der Toten; des Dämons; "
            "der Finsternis; von Schloss Drachenfels; über dem Abgrund; des Dr. Mabuse"
        ),
    ),
}
_PIPE_SUBTITLES = _phrases(
    "Jigsaw; Director's Cut; Uncut; Extended Edition; Part II; Origins; The Beginning; "
    "Remastered; Chapter One; Legacy; Unrated"
)

# Weights roughly follow IMDb's genre frequencies; Horror is handled separately.
_PLAIN_GENRE_WEIGHTS: dict[str, float] = {
    "Drama": 30,
    "Comedy": 18,
    "Documentary": 8,
    "Action": 8,
    "Thriller": 8,
    "Romance": 8,
    "Crime": 7,
    "Adventure": 5,
    "Mystery": 4,
    "Family": 3,
    "Fantasy": 3,
    "Sci-Fi": 3,
    "Animation": 2,
    "Biography": 2,
    "History": 2,
    "Music": 2,
    "Musical": 1,
    "War": 1.5,
    "Western": 1,
    "Sport": 1,
    "Short": 1,
    "Adult": 0.5,
    "Film-Noir": 0.3,
    "News": 0.2,
    "Reality-TV": 0.2,
    "Talk-Show": 0.1,
    "Game-Show": 0.1,
}
_SERIES_GENRE_BOOST: dict[str, float] = {
    "Reality-TV": 6,
    "Talk-Show": 3,
    "Game-Show": 2,
    "News": 2,
    "Animation": 5,
    "Documentary": 6,
}
_HORROR_COMPANION_WEIGHTS: dict[str, float] = {
    "Thriller": 30,
    "Mystery": 18,
    "Drama": 12,
    "Comedy": 10,
    "Sci-Fi": 8,
    "Fantasy": 8,
    "Action": 6,
    "Crime": 2,
    "Adventure": 1.5,
    "Animation": 1,
    "Romance": 1,
    "Short": 1,
    "Documentary": 0.5,
    "Western": 0.3,
    "War": 0.3,
    "Music": 0.3,
    "Family": 0.3,
}
_HORROR_SHARE = 0.35


# --- titles ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Title:
    """A title's columns, already joined, and whether IMDb would list it as Horror."""

    title_id: str
    columns: str
    horror: bool


_T = TypeVar("_T")


def _pick(random_: Callable[[], float], options: Sequence[_T]) -> _T:
    """``rng.choice`` for hot loops: one float draw instead of a bit-rejection loop."""
    return options[int(random_() * len(options))]


class _Weighted(Generic[_T]):
    """Weighted draws with one bisect each (``rng.choices`` costs several times more)."""

    def __init__(self, items: Sequence[_T], weights: Sequence[float]) -> None:
        self.items = tuple(items)
        self.cumulative = list(itertools.accumulate(weights))
        self.total = self.cumulative[-1]
        self.last = len(self.items) - 1

    def draw(self, random_: Callable[[], float]) -> _T:
        return self.items[bisect.bisect(self.cumulative, random_() * self.total, 0, self.last)]

    def draw_distinct(self, random_: Callable[[], float], count: int) -> set[_T]:
        """Up to ``count`` different items (fewer only if unlucky; never more)."""
        picked: set[_T] = set()
        for _ in range(count * 4):
            if len(picked) == count:
                break
            picked.add(self.draw(random_))
        return picked


def _genre_weights(weights: dict[str, float]) -> _Weighted[str]:
    return _Weighted(tuple(weights), tuple(weights.values()))


class _TitleMaker:
    """Makes the title columns: names in five languages, years, runtime, genres, rating."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._random = rng.random
        self._horror_companions = _genre_weights(_HORROR_COMPANION_WEIGHTS)
        self._horror_companion_counts = _Weighted((0, 1, 2), (25, 40, 35))
        self._movie_genres = _genre_weights(_PLAIN_GENRE_WEIGHTS)
        series_weights = dict(_PLAIN_GENRE_WEIGHTS)
        for genre, boost in _SERIES_GENRE_BOOST.items():
            series_weights[genre] += boost
        self._series_genres = _genre_weights(series_weights)
        self._genre_counts = _Weighted((1, 2, 3), (35, 35, 30))
        self._foreign_titles = tuple(_FOREIGN_TITLES.values())

    def columns(self, title_id: str, series: bool) -> _Title:
        """All title columns of one title, joined with ``|``."""
        rng = self._rng
        horror = self._random() < _HORROR_SHARE
        primary, original = self._names(horror)
        year = _release_year(rng) if self._random() >= 0.02 else None
        fields = [title_id, _field(primary), _field(original), _year_text(year)]
        if series:
            fields.append(_end_year(rng, year))
        fields.append(_runtime(rng, series))
        genres = self._genres(horror, series)
        fields.append(genres)
        fields.extend(_rating_and_votes(rng, horror, series))
        return _Title(title_id, DELIMITER.join(fields), "Horror" in genres.split(","))

    def _names(self, horror: bool) -> tuple[str, str]:
        """Primary and original title; ~20% are foreign films known by an English name."""
        roll = self._random()
        if roll < 0.20:
            return self._oddities(self._english(horror)), self._foreign()
        base = self._foreign() if roll < 0.32 else self._english(horror)
        base = self._oddities(base)
        return base, base

    def _english(self, horror: bool) -> str:
        random_ = self._random
        if not horror and random_() < 0.6:
            form = random_()
            if form < 0.4:
                title = f"{_pick(random_, _PLAIN_ADJECTIVES)} {_pick(random_, _PLAIN_NOUNS)}"
            elif form < 0.7:
                title = f"The {_pick(random_, _PLAIN_ADJECTIVES)} {_pick(random_, _PLAIN_NOUNS)}"
            elif form < 0.85:
                title = f"{_pick(random_, _PLAIN_NOUNS)} in {_pick(random_, _CITIES)}"
            else:
                title = f"The {_pick(random_, _PLAIN_NOUNS)}"
        else:
            form = random_()
            if form < 0.3:
                title = f"The {_pick(random_, _DARK_ADJECTIVES)} {_pick(random_, _DARK_NOUNS)}"
            elif form < 0.55:
                title = f"{_pick(random_, _DARK_HEADS)} {_pick(random_, _DARK_TAILS)}"
            elif form < 0.7:
                title = f"{_pick(random_, _PLACES)} {_pick(random_, _LOCALES)}"
            elif form < 0.85:
                title = f"{_pick(random_, _DARK_HEADS)} of {_pick(random_, _PLACES)}"
            else:
                title = f"{'The ' if random_() < 0.6 else ''}{_pick(random_, _DARK_NOUNS)}"
        if random_() < 0.08:
            sequel = _pick(random_, _SEQUELS)
            title += sequel if sequel.startswith(":") else f" {sequel}"
        return title

    def _foreign(self) -> str:
        random_ = self._random
        heads, tails = _pick(random_, self._foreign_titles)
        head = _pick(random_, heads)
        return head if random_() < 0.1 else f"{head} {_pick(random_, tails)}"

    def _oddities(self, title: str) -> str:
        """Rarely put a quoted word inside the title, or a ``|`` in it."""
        random_ = self._random
        if random_() < 0.01:
            words = title.split(" ")
            if len(words) == 1:
                words = ["The", words[0], "Returns"]
            elif len(words) == 2:
                words.append("Returns")
            # Never the first word: a field starting with a quote would be read as quoted.
            inner = range(1, len(words) - 1)
            middle = _pick(random_, [i for i in inner if words[i][:1].isupper()] or inner)
            words[middle] = f'"{words[middle]}"'
            title = " ".join(words)
        if random_() < 0.005:
            title = f"{title} | {_pick(random_, _PIPE_SUBTITLES)}"
        return title

    def _genres(self, horror: bool, series: bool) -> str:
        random_ = self._random
        if random_() < 0.01:
            return NULL
        if horror:
            companions = self._horror_companion_counts.draw(random_)
            picked = self._horror_companions.draw_distinct(random_, companions)
            picked.add("Horror")
        else:
            pool = self._series_genres if series else self._movie_genres
            picked = pool.draw_distinct(random_, self._genre_counts.draw(random_))
        return ",".join(sorted(picked))


def _field(text: str) -> str:
    """Quote a value CSV-style only when it holds the delimiter, as the exports do."""
    if DELIMITER in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def _year_text(year: int | None) -> str:
    return NULL if year is None else str(year)


def _release_year(rng: random.Random) -> int:
    """1920-2025, skewed to recent decades like IMDb's catalogue (median around 2008)."""
    while True:
        year = _LAST_YEAR - int(rng.expovariate(1 / 22))
        if year >= 1920:
            return year


def _end_year(rng: random.Random, start: int | None) -> str:
    if start is None or rng.random() < 0.4:
        return NULL  # still running
    return str(min(_LAST_YEAR, start + int(rng.expovariate(1 / 3))))


def _runtime(rng: random.Random, series: bool) -> str:
    if rng.random() < 0.05:
        return NULL
    if series:
        minutes = rng.gauss(42, 10)
        return str(min(70, max(20, round(minutes))))
    roll = rng.random()
    if roll < 0.04:
        minutes = rng.uniform(60, 80)
    elif roll < 0.12:
        minutes = rng.uniform(120, 200)
    else:
        minutes = rng.gauss(100, 10)
    return str(min(200, max(60, round(minutes))))


def _rating_and_votes(rng: random.Random, horror: bool, series: bool) -> tuple[str, str]:
    """Horror rates lower on IMDb; votes are lognormal, so a few titles get 100k+."""
    if rng.random() < 0.01:
        return NULL, NULL
    rating = min(10.0, max(1.0, rng.gauss(5.3 if horror else 6.1, 1.2)))
    votes = int(rng.lognormvariate(5.1 if series else 5.6, 1.7)) + 5
    return f"{rating:.1f}", str(votes)


# --- artists ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Culture:
    """Name lists and naming habits of one language area."""

    weight: float  # share of the artists
    male: tuple[str, ...]
    female: tuple[str, ...]
    surnames: tuple[str, ...]
    middle_name: float = 0.0  # share with two given names
    hyphenated: bool = False  # Jean-Pierre rather than José Carlos
    middle_initial: float = 0.0
    double_surname: float = 0.0
    feminine: Callable[[str], str] = str


def _polish_feminine(surname: str) -> str:
    for ending, female in (("ski", "ska"), ("cki", "cka"), ("dzki", "dzka")):
        if surname.endswith(ending):
            return surname[: -len(ending)] + female
    return surname


def _czech_feminine(surname: str) -> str:
    if surname.endswith("ý"):
        return surname[:-1] + "á"
    if surname.endswith("ek"):
        return surname[:-2] + "ková"
    if surname.endswith("ec"):
        return surname[:-2] + "cová"
    if surname.endswith("a"):
        return surname[:-1] + "ová"
    return surname + "ová"


_CULTURES: tuple[_Culture, ...] = (
    _Culture(  # en
        weight=40,
        male=_words(
            "James John Robert Michael William David Richard Joseph Thomas Charles "
            "Christopher Daniel Matthew Anthony Mark Paul Steven Andrew Kenneth Joshua "
            "Kevin Brian George Edward Ronald Timothy Jason Jeffrey Ryan Jacob Gary "
            "Nicholas Eric Jonathan Stephen Larry Justin Scott Brandon Benjamin Samuel "
            "Gregory Frank Alexander Raymond Patrick Jack Dennis Jerry Tyler Aaron Henry "
            "Peter Vincent Boris Wes Tobe Sam Bruce Lance Ethan Noah Liam Owen Ari Jordan"
        ),
        female=_words(
            "Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen "
            "Nancy Lisa Betty Margaret Sandra Ashley Kimberly Emily Donna Michelle Dorothy "
            "Carol Amanda Melissa Deborah Stephanie Rebecca Sharon Laura Cynthia Kathleen "
            "Amy Shirley Angela Helen Anna Brenda Pamela Nicole Emma Samantha Katherine "
            "Christine Rachel Catherine Janet Ruth Heather Diane Virginia Julie Victoria "
            "Olivia Kelly Lauren Joan Evelyn Megan Andrea Hannah Martha Frances Grace "
            "Zoë Chloë Renée Neve Mia Toni Florence Anya Jamie Barbara Sissy Heather"
        ),
        surnames=_words(
            "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Moore "
            "Jackson White Harris Clark Lewis Robinson Walker Young Allen King Wright Hill "
            "Green Adams Baker Nelson Carter Mitchell Roberts Turner Phillips Campbell "
            "Parker Evans Edwards Collins Stewart Morris Rogers Reed Cook Morgan Bell "
            "Murphy Bailey Cooper Richardson Cox Howard Ward Peterson Gray Watson Brooks "
            "Kelly Sanders Price Bennett Wood Barnes Ross Henderson Coleman Jenkins Perry "
            "Powell Long Patterson Hughes Butler Simmons Foster Bryant Russell Griffin "
            "Hayes Myers Ford Hamilton Graham Sullivan Wallace West Cole Hunt Stone "
            "Carpenter Craven Hooper Karloff Cushing Englund Curtis Weaver O'Brien O'Neil"
        )
        + _compounds(
            "Ash Black Brad Craw Fair Hart Kings Whit Red Lang Stan Brom Chad Hol Wes "
            "Brook Ather Pem Ray Thorn Went Hather Carl Har Ken Mid Ox Pen Rock Sher Wal",
            "ford wood ley ton field well worth by ham wick more ridge dale ington stone",
        ),
        middle_name=0.1,
        middle_initial=0.25,
    ),
    _Culture(  # pt
        weight=9,
        male=_words(
            "João José Antônio Francisco Carlos Paulo Pedro Lucas Luiz Marcos Luís Gabriel "
            "Rafael Daniel Marcelo Bruno Eduardo Felipe Raimundo Rodrigo Sérgio Fábio "
            "Márcio Otávio Caio Vinícius Thiago Mateus Gustavo Leonardo Ângelo Rogério "
            "Cássio Júlio Anselmo Sebastião Joaquim"
        ),
        female=_words(
            "Maria Ana Francisca Antônia Adriana Juliana Márcia Fernanda Patrícia Aline "
            "Sandra Camila Amanda Bruna Jéssica Letícia Júlia Luciana Vanessa Mariana "
            "Gabriela Vitória Beatriz Larissa Cecília Lúcia Glória Inês Débora Mônica "
            "Tânia Flávia Cláudia Sônia Regina Helena Raquel Conceição"
        ),
        surnames=_words(
            "Silva Santos Oliveira Souza Rodrigues Ferreira Alves Pereira Lima Gomes Costa "
            "Ribeiro Martins Carvalho Almeida Lopes Soares Fernandes Vieira Barbosa Rocha "
            "Dias Nascimento Andrade Moreira Nunes Marques Machado Mendes Freitas Cardoso "
            "Ramos Gonçalves Santana Teixeira Araújo Conceição Magalhães Brandão Guimarães "
            "Simões Falcão Assunção Galvão Damião Leão Lobão Romão Marins Bezerra "
            "Cavalcanti Peixoto Coelho Antunes Paixão Mojica"
        ),
        middle_name=0.25,
        double_surname=0.4,
    ),
    _Culture(  # es
        weight=10,
        male=_words(
            "José Juan Antonio Manuel Francisco Luis Javier Miguel Carlos Jesús Alejandro "
            "Pedro Rafael Fernando Pablo Sergio Jorge Alberto Álvaro Raúl Andrés Rubén "
            "Íñigo Adrián Óscar Ramón Víctor Joaquín Nicolás Martín Guillermo Tomás "
            "Agustín Julián Sebastián Iván Hernán Ignacio Jaume Darío Paco Jacinto"
        ),
        female=_words(
            "María Carmen Ana Isabel Laura Cristina Marta Lucía Elena Sara Paula Raquel "
            "Rocío Pilar Beatriz Nuria Silvia Julia Patricia Irene Andrea Mónica Ángela "
            "Sofía Inés Verónica Belén Natalia Lorena Alba Begoña Ainhoa Macarena Soledad "
            "Mercedes Dolores Concepción Itziar Leonor"
        ),
        surnames=_words(
            "García Rodríguez González Fernández López Martínez Sánchez Pérez Gómez Martín "
            "Jiménez Ruiz Hernández Díaz Moreno Muñoz Álvarez Romero Alonso Gutiérrez "
            "Navarro Torres Domínguez Vázquez Ramos Gil Ramírez Serrano Blanco Molina "
            "Morales Suárez Ortega Delgado Castro Ortiz Rubio Marín Sanz Núñez Iglesias "
            "Medina Garrido Cortés Castillo Lozano Guerrero Cano Prieto Méndez Cruz Calvo "
            "Gallego León Peña Herrera Márquez Cabrera Vidal Campos Vega Fuentes Carrasco "
            "Díez Caballero Reyes Nieto Aguilar Pascual Herrero Montero Lorenzo Hidalgo "
            "Giménez Ibáñez Ferrer Durán Benítez Mora Vargas Arias Carmona Crespo Román "
            "Pastor Soto Sáez Velasco Moya Soler Parra Esteban Bravo Gallardo Rojas "
            "Balagueró Plaza Bayona Naschy"
        ),
        middle_name=0.15,
        double_surname=0.55,
    ),
    _Culture(  # fr
        weight=8,
        male=_words(
            "Jean Pierre Michel André Philippe René Louis Alain Jacques Bernard Marcel "
            "Daniel Roger Robert Paul Claude Christian Henri Georges Nicolas François "
            "Patrick Gérard Christophe Joseph Julien Laurent Frédéric Stéphane Éric "
            "Sébastien Thierry Olivier Jérôme Benoît Hervé Loïc Gaël Noël Raphaël Théo "
            "Clément Aurélien Jérémie Luc Yves"
        ),
        female=_words(
            "Marie Jeanne Françoise Monique Catherine Nathalie Isabelle Sylvie Anne "
            "Martine Christine Sophie Valérie Céline Hélène Émilie Chloé Léa Manon Camille "
            "Agnès Béatrice Cécile Élodie Mélanie Anaïs Noémie Zoé Maëlle Inès Éloïse "
            "Géraldine Joséphine Adèle Océane Clémence Amélie Brigitte Juliette Claire Laure"
        ),
        surnames=_words(
            "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon "
            "Laurent Lefèbvre Michel David Bertrand Roux Vincent Fournier Morel Girard "
            "André Lefèvre Mercier Dupont Lambert Bonnet François Legrand Garnier Faure "
            "Rousseau Blanc Guérin Henry Roussel Perrin Morin Mathieu Clément Gauthier "
            "Dumont Fontaine Chevalier Robin Masson Gérard Boyer Denis Lemaire Duval Joly "
            "Roche Roy Noël Lucas Meunier Marchand Dufour Blanchard Barbier Brun Dumas "
            "Brunet Leroux Colin Renard Arnaud Rolland Caron Aubert Giraud Leclerc "
            "Bourgeois Renaud Lemoine Picard Gaillard Lacroix Dupuis Sauvage Bérénger "
            "Lévêque Bélanger Côté Thériault Gagné Bouchard Pelletier Franju Rollin"
        ),
        middle_name=0.25,
        hyphenated=True,
    ),
    _Culture(  # de
        weight=8,
        male=_words(
            "Peter Michael Thomas Andreas Wolfgang Klaus Jürgen Günter Stefan Christian "
            "Uwe Werner Horst Frank Dieter Manfred Ralf Bernd Hans Helmut Jörg Jörn Lutz "
            "Götz Björn Sören Matthias Tobias Florian Sebastian Maximilian Lukas Jonas "
            "Felix Moritz Fritz Max Kurt Rüdiger Friedrich Ludwig Konrad Wilhelm Udo Ulrich"
        ),
        female=_words(
            "Ursula Monika Petra Elisabeth Sabine Renate Helga Karin Brigitte Ingrid Erika "
            "Andrea Gisela Claudia Susanne Gabriele Christa Christine Hannelore Jutta "
            "Gudrun Bärbel Käthe Lena Hanna Anja Katrin Nicole Stefanie Julia Lea Lotte "
            "Greta Frieda Mareike Dörte Anneliese Jördis"
        ),
        surnames=_words(
            "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann "
            "Schäfer Koch Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann "
            "Braun Krüger Hofmann Hartmann Lange Schmitt Werner Schmitz Krause Meier "
            "Lehmann Schmid Schulze Maier Köhler Herrmann König Walter Mayer Huber Kaiser "
            "Fuchs Peters Lang Scholz Möller Weiß Jung Hahn Schubert Vogel Friedrich "
            "Keller Günther Frank Berger Winkler Roth Beck Lorenz Baumann Franke Albrecht "
            "Schuster Ludwig Böhm Winter Kraus Schumacher Krämer Vogt Jäger Otto Sommer "
            "Groß Seidel Heinrich Brandt Haas Schreiber Graf Schulte Dietrich Ziegler Kühn "
            "Pohl Engel Horn Busch Voigt Sauer Arnold Wolff Pfeiffer Nüßlein Görtz Löwe "
            "Rößler Jünger Kötter Düring Buttgereit"
        )
        + _compounds(
            "Rosen Stein Eichen Linden Grün Schwarz Weiß Hohen Falken Adler Blumen Wald "
            "Berg Gold Silber Eisen Lichten Mühl",
            "berg feld bach thal hof mann burg hausen wald",
        ),
        middle_name=0.1,
    ),
    _Culture(  # it
        weight=8,
        male=_words(
            "Giuseppe Giovanni Antonio Mario Luigi Francesco Angelo Vincenzo Pietro "
            "Salvatore Carlo Franco Domenico Bruno Paolo Michele Giorgio Aldo Sergio "
            "Luciano Dario Lucio Mariano Umberto Niccolò Fabrizio Gianluca Ruggero Lamberto"
        ),
        female=_words(
            "Maria Anna Giuseppina Rosa Angela Giovanna Teresa Lucia Carmela Caterina "
            "Francesca Antonietta Carla Elena Concetta Rita Margherita Franca Paola Barbara "
            "Asia Daria Stefania Chiara Federica Ilaria Valentina Eleonora Lucrezia"
        ),
        surnames=_phrases(
            "Rossi; Russo; Ferrari; Esposito; Bianchi; Romano; Colombo; Ricci; Marino; "
            "Greco; Bruno; Gallo; Conti; De Luca; Mancini; Costa; Giordano; Rizzo; "
            "Lombardi; Moretti; Barbieri; Fontana; Santoro; Mariani; Rinaldi; Caruso; "
            "Ferrara; Galli; Martini; Leone; Longo; Gentile; Martinelli; Vitale; Serra; "
            "Coppola; De Santis; D'Angelo; Marchetti; Parisi; Villa; Conte; Ferraro; "
            "Fabbri; Bianco; Marini; Grasso; Valentini; Messina; Sala; De Angelis; Gatti; "
            "Pellegrini; Palumbo; Sanna; Farina; Rizzi; Monti; Cattaneo; Morelli; Amato; "
            "Silvestri; Mazza; Testa; Carbone; Giuliani; Benedetti; Barone; Rossetti; "
            "Caputo; Guerra; Palmieri; Bernardi; Fiore; De Rosa; Ferretti; Bellini; "
            "Basile; Riva; Donati; Battaglia; Sartori; Neri; Milani; Pagano; Ruggiero; "
            "Sorrentino; D'Amico; Orlando; Argento; Fulci; Bava; Soavi; Deodato; Lenzi"
        ),
    ),
    _Culture(  # pl
        weight=4,
        male=_words(
            "Łukasz Paweł Michał Krzysztof Tomasz Piotr Marcin Grzegorz Jakub Wojciech "
            "Mateusz Andrzej Mariusz Dariusz Rafał Kamil Przemysław Bartłomiej Stanisław "
            "Zbigniew Jerzy Maciej Sławomir Jarosław Mirosław"
        ),
        female=_words(
            "Anna Małgorzata Katarzyna Agnieszka Barbara Ewa Magdalena Elżbieta Joanna "
            "Aleksandra Monika Zofia Dorota Beata Jadwiga Halina Grażyna Bożena Urszula "
            "Wiesława Jolanta Żaneta Iwona"
        ),
        surnames=_words(
            "Nowak Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński "
            "Szymański Woźniak Dąbrowski Kozłowski Jankowski Mazur Wojciechowski "
            "Kwiatkowski Krawczyk Kaczmarek Piotrowski Grabowski Zając Pawłowski Michalski "
            "Król Wieczorek Jabłoński Wróbel Nowakowski Majewski Olszewski Stępień "
            "Jaworski Malinowski Dudek Adamczyk Górski Pawlak Sikora Walczak Baran "
            "Rutkowski Michalak Szewczyk Ostrowski Tomaszewski Pietrzak Zalewski "
            "Wróblewski Żuławski Polański Kieślowski Smarzowski Niedźwiecki"
        ),
        feminine=_polish_feminine,
    ),
    _Culture(  # nordic
        weight=4,
        male=_words(
            "Lars Anders Johan Erik Per Karl Nils Jan Mikael Björn Søren Jørgen Ólafur "
            "Sigurður Gunnar Magnús Håkan Åke Göran Ulf Stellan Mads Nikolaj Thorbjørn "
            "Rasmus Aksel Eskil"
        ),
        female=_words(
            "Anna Eva Maria Karin Kristina Lena Sara Ingrid Astrid Sigrid Liv Märta Åsa "
            "Ragnhild Sølvi Guðrún Björk Helga Noomi Tuva Maja Freja Linnéa Ylva Signe "
            "Birgitta Greta Nanna"
        ),
        surnames=_words(
            "Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson "
            "Svensson Gustafsson Pettersson Jónsson Sigurðsson Guðmundsson Hansen Jensen "
            "Nielsen Pedersen Sørensen Rasmussen Jørgensen Møller Kristiansen Thomsen "
            "Bergström Lindqvist Sjöberg Åkesson Öberg Nyström Söderberg Håkansson Ström "
            "Ekström Lindström Skarsgård Lundgren Dahl Berg Haugen Bakke Solberg Østby"
        ),
    ),
    _Culture(  # cz
        weight=3,
        male=_words(
            "Jiří Jan Petr Josef Pavel Martin Tomáš Jaroslav Miroslav Zdeněk Václav Michal "
            "František Jakub Milan Karel Lukáš David Vojtěch Ondřej Radek Bořek"
        ),
        female=_words(
            "Jana Marie Eva Hana Anna Lenka Kateřina Lucie Věra Alena Petra Veronika "
            "Jaroslava Tereza Martina Michaela Jitka Zuzana Ivana Markéta Šárka Dagmar "
            "Božena Ludmila"
        ),
        surnames=_words(
            "Novák Svoboda Novotný Dvořák Černý Procházka Kučera Veselý Horák Němec Marek "
            "Pospíšil Pokorný Hájek Král Jelínek Růžička Beneš Fiala Sedláček Doležal "
            "Zeman Kolář Navrátil Čermák Urban Vaněk Blažek Kříž Kovář Bartoš Vlček Polák "
            "Musil Kopecký Šimek Konečný Malý Holub Štěpánek Staněk Kadlec Dostál Soukup "
            "Šťastný Mareš Moravec Sýkora Tichý Valenta Vávra Matoušek Bláha Říha Ševčík "
            "Bureš Hruška Mašek Pavlík Dušek Janda Hrubý Jireš Švankmajer"
        ),
        feminine=_czech_feminine,
    ),
    _Culture(  # jp
        weight=6,
        male=_words(
            "Hiroshi Takashi Kenji Hideo Kiyoshi Takeshi Satoshi Ryūhei Shūji Kōji Yōsuke "
            "Tadanobu Shinya Kōhei Daisuke Masaru Noboru Tetsuya Kazuo Akira Shin'ya Jun"
        ),
        female=_words(
            "Yūko Megumi Rie Miki Nanako Hitomi Kumiko Aoi Eri Yōko Kyōko Chiaki Hinako "
            "Asami Rinko Miho Nao Sachiko Haruka Ayumi Kanako Yuriko"
        ),
        surnames=_words(
            "Satō Suzuki Takahashi Tanaka Watanabe Itō Yamamoto Nakamura Kobayashi Katō "
            "Yoshida Yamada Sasaki Yamaguchi Matsumoto Inoue Kimura Hayashi Shimizu "
            "Nakata Kurosawa Miike Tsukamoto Ōta Kōno Shiraishi Ōshima Kudō Okuda "
            "Fujiwara Ishii Mori Ikeda Hashimoto Abe Ogawa Sakamoto Shiina Kitamura"
        ),
    ),
)
_CULTURE_SHARES = _Weighted(_CULTURES, [culture.weight for culture in _CULTURES])
# How many of an artist's first titles make their titulosMaisConhecidos.
_KNOWN_FOR = _Weighted((1, 2, 3, 4), (55, 25, 12, 8))

_SIDE_PROFESSIONS = _words("director writer producer composer soundtrack stunts editor")
_GENDERS = ("actor", "actress")


@dataclass(frozen=True)
class _Artists:
    """Per pool index: gender (0 actor, 1 actress), the generoArtista text and the columns
    after personagem, joined. Only artists that appear somewhere are filled in."""

    genders: list[int]
    gender_texts: list[str]
    tails: list[str]


class _ArtistPool:
    """A shared pool of artists: popular ones recur in many titles, every one is consistent."""

    def __init__(self, size: int) -> None:
        self.size = size
        # The titles each artist was cast in first, up to four: their titulosMaisConhecidos.
        self._known: list[list[str] | None] = [None] * size

    def cast(self, rng: random.Random, titles: list[_Title], sizes: list[int]) -> list[list[int]]:
        """Distinct artists for each title, with a long-tailed popularity.

        Horror titles favour the low pool indices and the rest favour the middle, so the
        horror regulars (the scream queens) are not just the busiest artists overall.
        """
        size, half = self.size, self.size // 2
        random_ = rng.random
        known = self._known
        casts: list[list[int]] = []
        for title, count in zip(titles, sizes, strict=True):
            offset = 0 if title.horror else half
            cast = [(int(size * random_() ** 1.5) + offset) % size for _ in range(count)]
            if len(set(cast)) < count:  # rare: redraw the repeats
                cast = list(dict.fromkeys(cast))
                while len(cast) < count:
                    artist = (int(size * random_() ** 1.5) + offset) % size
                    if artist not in cast:
                        cast.append(artist)
            casts.append(cast)
            title_id = title.title_id
            for artist in cast:
                first_titles = known[artist]
                if first_titles is None:
                    known[artist] = [title_id]
                elif len(first_titles) < 4:
                    first_titles.append(title_id)
        return casts

    def render(self, rng: random.Random) -> _Artists:
        """Invent a name, gender, life and career for every artist that was cast."""
        random_ = rng.random
        genders = [0] * self.size
        gender_texts = [""] * self.size
        tails = [""] * self.size
        taken: set[str] = set()
        for artist, titles in enumerate(self._known):
            if titles is None:
                continue
            gender = 1 if random_() < 0.45 else 0
            name = _unique_name(random_, _CULTURE_SHARES.draw(random_), gender == 1, taken)
            birth = _birth_year(rng)
            death = _death_year(rng, birth)
            known = NULL if random_() < 0.03 else ",".join(titles[: _KNOWN_FOR.draw(random_)])
            genders[artist] = gender
            gender_texts[artist] = _GENDERS[gender]
            tails[artist] = (
                f"{name}|{_year_text(birth)}|{_year_text(death)}|"
                f"{_professions(random_, gender)}|{known}"
            )
        return _Artists(genders, gender_texts, tails)


def _unique_name(
    random_: Callable[[], float], culture: _Culture, female: bool, taken: set[str]
) -> str:
    """A name no other artist has, so that a name identifies an artist downstream.

    Later attempts add a second given name or an initial, which multiplies the name space.
    """
    for attempt in range(40):
        name = _artist_name(random_, culture, female, elaborate=attempt >= 2)
        if name not in taken:
            taken.add(name)
            return name
    number = 2
    while f"{name} {_roman(number)}" in taken:
        number += 1
    name = f"{name} {_roman(number)}"
    taken.add(name)
    return name


def _artist_name(
    random_: Callable[[], float], culture: _Culture, female: bool, elaborate: bool
) -> str:
    given_names = culture.female if female else culture.male
    first = _pick(random_, given_names)
    roll = random_()
    if roll < culture.middle_name or (elaborate and roll < 0.5):
        second = _pick(random_, given_names)
        if second != first:
            first = f"{first}-{second}" if culture.hyphenated else f"{first} {second}"
    elif roll < culture.middle_name + culture.middle_initial or elaborate:
        first = f"{first} {_pick(random_, string.ascii_uppercase)}."
    surname = _pick(random_, culture.surnames)
    if female:
        surname = culture.feminine(surname)
    if random_() < culture.double_surname:
        surname = f"{surname} {_pick(random_, culture.surnames)}"
    return f"{first} {surname}"


def _roman(number: int) -> str:
    numerals = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    text = ""
    for value, numeral in numerals:
        while number >= value:
            text += numeral
            number -= value
    return text


def _birth_year(rng: random.Random) -> int | None:
    """1880-2005, mostly in the decades that act in today's catalogue; ~15% unknown."""
    roll = rng.random()
    if roll < 0.15:
        return None
    if roll < 0.19:
        return rng.randint(2001, 2005)  # child actors
    year = 2000 - int(rng.expovariate(1 / 25))
    return year if year >= 1880 else rng.randint(1880, 1930)


def _death_year(rng: random.Random, birth: int | None) -> int | None:
    """About a fifth of artists with a known birth have died; the old ones almost surely."""
    if birth is None:
        return None
    age = _LAST_YEAR - birth
    if rng.random() >= min(1.0, max(0.0, (age - 32) / 72) ** 1.25):
        return None
    return rng.randint(birth + 20, min(_LAST_YEAR, birth + 100))


def _profession_texts(gender: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Every primaryProfession an artist can have: alone, with one or with two side jobs."""
    one = tuple(f"{gender},{side}" for side in _SIDE_PROFESSIONS)
    two = tuple(
        f"{gender},{side},{other}"
        for side in _SIDE_PROFESSIONS
        for other in _SIDE_PROFESSIONS
        if other != side
    )
    return (gender,), one, two


_PROFESSION_TEXTS = tuple(_profession_texts(gender) for gender in _GENDERS)


def _professions(random_: Callable[[], float], gender: int) -> str:
    """actor/actress first, then up to two side jobs (IMDb's primaryProfession)."""
    alone, one, two = _PROFESSION_TEXTS[gender]
    roll = random_()
    return _pick(random_, alone if roll < 0.6 else one if roll < 0.85 else two)


# --- characters and lines --------------------------------------------------------------------

_ROLES = _phrases(
    "Self; Narrator; The Creature; Ghost; Zombie; Victim; The Entity; Demon (voice); "
    "Cult Leader; Possessed Child; Vampire; Werewolf; Survivor; Nurse; Doctor; Priest; "
    "Sheriff; Deputy; Reporter; Babysitter; Hitchhiker; Camp Counselor; The Stranger; "
    "Gravedigger; Zombie #2; Victim #3; Townsperson; Monster; Killer; Masked Killer; Coroner; "
    "Exorcist; Medium; Scientist; Caretaker; Mannequin; Shadow Figure; Le Vampire; "
    "La Sorcière; El Diablo; O Coveiro; Der Henker; La Llorona; Padre Anselmo; Zé do Caixão; "
    "Nosferatu; Die Hexe; A Bruxa; El Monstruo; Le Fantôme; Cultist #4; Girl in Bathtub"
)
_TITLED = (
    ("Dr.", None),
    ("Detective", None),
    ("Sheriff", None),
    ("Professor", None),
    ("Father", 0),
    ("Mrs.", 1),
    ("Herr", 0),
    ("Frau", 1),
    ("Madame", 1),
    ("Señora", 1),
    ("Don", 0),
)


def _character_pools(rng: random.Random) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Characters an actor (index 0) or an actress (index 1) plays, accents included."""
    pools: list[tuple[str, ...]] = []
    for gender in (0, 1):
        characters = list(_ROLES)
        for _ in range(1500):
            culture = _CULTURE_SHARES.draw(rng.random)
            first = rng.choice(culture.female if gender else culture.male)
            last = rng.choice(culture.surnames)
            roll = rng.random()
            if roll < 0.35:
                characters.append(first)
            elif roll < 0.7:
                characters.append(f"{first} {culture.feminine(last) if gender else last}")
            elif roll < 0.85:
                title, only = rng.choice(_TITLED)
                characters.append(f"{title} {last}" if only in (None, gender) else first)
            elif roll < 0.93:
                characters.append(f"{rng.choice(('Young', 'Little', 'Old'))} {first}")
            else:
                characters.append(f"{'Sister' if gender else 'Brother'} {first}")
        pools.append(tuple(characters))
    return pools[0], pools[1]


def _title_lines(
    rng: random.Random,
    titles: list[_Title],
    casts: list[list[int]],
    artists: _Artists,
    characters: tuple[tuple[str, ...], tuple[str, ...]],
) -> list[str]:
    """Every (title, artist) line, a title's lines together, as the exports list them."""
    random_ = rng.random
    genders, gender_texts, tails = artists.genders, artists.gender_texts, artists.tails
    lines: list[str] = []
    append = lines.append
    for title, cast in zip(titles, casts, strict=True):
        columns = title.columns
        for artist in cast:
            character = NULL if random_() < 0.3 else _pick(random_, characters[genders[artist]])
            append(f"{columns}|{gender_texts[artist]}|{character}|{tails[artist]}")
    return lines


# --- dirt and writing ------------------------------------------------------------------------


def _finish_file(
    path: Path,
    header: tuple[str, ...],
    lines: list[str],
    titles: list[_Title],
    quota: DirtCounts,
    extra_ids: list[str],
    rng: random.Random,
    crlf_and_bom: bool,
    scale: int = 1,
) -> SampleFile:
    """Dirty the good lines as ``quota`` asks, write the file (``scale`` copies) and describe
    it."""
    good_lines = len(lines)
    year_fields = (header.index("anoLancamento"), header.index("anoNascimento"))
    out, dirt = _add_dirt(rng, lines, quota, extra_ids, year_fields)
    _write_atomically(path, DELIMITER.join(header), out, crlf_and_bom, scale)
    data_lines = good_lines + dirt.duplicate_lines + dirt.short_lines + dirt.broken_quote_lines
    scaled = DirtCounts(**{k: v * scale for k, v in dataclasses.asdict(dirt).items()})
    return SampleFile(
        path=path,
        titles=len(titles) * scale,
        horror_titles=sum(title.horror for title in titles) * scale,
        data_lines=data_lines * scale,
        parseable_lines=(data_lines - dirt.short_lines - dirt.broken_quote_lines) * scale,
        dirt=scaled,
        crlf=crlf_and_bom,
        bom=crlf_and_bom,
    )


def _add_dirt(
    rng: random.Random,
    lines: list[str],
    quota: DirtCounts,
    extra_ids: Sequence[str],
    year_fields: tuple[int, int],
) -> tuple[list[str], DirtCounts]:
    """Return the lines to write, with dirt mixed in, and exactly what was added.

    Bad years are edited in place; the other kinds are extra lines, inserted before a good
    line's position. Lines with a quote are left alone so that a plain split stays right.
    """
    if quota == _NO_DIRT:
        return lines, _NO_DIRT
    count = len(lines)
    unquoted = [i for i, line in enumerate(lines) if '"' not in line]
    bad = rng.sample(unquoted, min(quota.bad_year_values, len(unquoted)))
    for i in bad:
        fields = lines[i].split(DELIMITER)
        fields[rng.choice(year_fields)] = rng.choice(_BAD_YEARS)
        lines[i] = DELIMITER.join(fields)
    # Dirty copies would hold a bad year too and spoil the exact count.
    bad_set = set(bad)
    untouched = [i for i in range(count) if i not in bad_set]
    templates = [i for i in unquoted if i not in bad_set]

    inserts: list[tuple[int, str]] = []  # (position of the good line it goes before, text)
    duplicates = min(quota.duplicate_lines, len(untouched))
    for i in rng.sample(untouched, duplicates):
        inserts.append((rng.randint(i + 1, count), lines[i]))
    blanks = quota.blank_lines if count >= 2 else 0
    for _ in range(blanks):
        inserts.append((rng.randint(1, count - 1), ""))
    ids = iter(extra_ids)
    shorts = quota.short_lines if templates else 0
    for _ in range(shorts):
        fields = lines[rng.choice(templates)].split(DELIMITER)
        fields[0] = next(ids)
        kept = rng.randint(2, len(fields) - 2)
        inserts.append((rng.randint(0, count), DELIMITER.join(fields[:kept])))
    broken = quota.broken_quote_lines if templates else 0
    for _ in range(broken):
        fields = lines[rng.choice(templates)].split(DELIMITER)
        fields[0] = next(ids)
        fields[1] = '"' + fields[1]  # opens a quoted field that nothing closes
        inserts.append((rng.randint(0, count), DELIMITER.join(fields)))

    inserts.sort(key=lambda insert: insert[0])
    out: list[str] = []
    done = 0
    for position, text in inserts:
        out.extend(lines[done:position])
        done = position
        out.append(text)
    out.extend(lines[done:])
    return out, DirtCounts(duplicates, blanks, shorts, broken, len(bad))


def _write_atomically(
    path: Path, header: str, lines: list[str], crlf_and_bom: bool, scale: int = 1
) -> None:
    """Written aside and moved into place, so a reader never sees half a file."""
    newline = "\r\n" if crlf_and_bom else "\n"
    path = path.resolve()
    with replaced_file(storage_location(str(path.parent)), str(path)) as file:
        file.write((("\ufeff" if crlf_and_bom else "") + header + newline).encode("utf-8"))
        for copy in range(scale):
            shift = copy * _COPY_ID_SHIFT
            for start in range(0, len(lines), _WRITE_CHUNK_LINES):
                chunk = lines[start : start + _WRITE_CHUNK_LINES]
                if shift:
                    chunk = [_shifted(line, shift) for line in chunk]
                file.write((newline.join(chunk) + newline).encode("utf-8"))


def _shifted(line: str, shift: int) -> str:
    """The line with its title id moved up by ``shift`` (lines without a tt id stay as they
    are)."""
    end = line.find(DELIMITER)
    if end < 3 or not line.startswith("tt") or not line[2:end].isdigit():
        return line
    return f"tt{int(line[2:end]) + shift}{line[end:]}"
