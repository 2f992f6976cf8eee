"""The sample files checked the way a user would: read back from disk, line by line."""

from __future__ import annotations

import ast
import csv
import dataclasses
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from horror_lake import cli
from horror_lake.sample import generator
from horror_lake.sample.generator import (
    IMDB_GENRES,
    MOVIES_HEADER,
    SERIES_HEADER,
    SampleFile,
    SampleSummary,
    write_sample,
)

NULL = "\\N"
ID = re.compile(r"tt\d{7,8}")
YEAR = re.compile(r"\d{4}")
ACCENTED = re.compile(r"[À-ÿĀ-ž]")


@dataclass
class ReadBack:
    """A file split the way the contract describes: header, blanks, good and bad lines."""

    raw: bytes
    header: str
    blank_lines: int
    good: list[list[str]]  # every line a quote-aware reader accepts with the header's width
    good_texts: list[str]
    short: list[list[str]]  # fewer fields than the header
    broken: list[str]  # a quote that never closes


def read_back(path: Path, width: int) -> ReadBack:
    raw = path.read_bytes()
    text = raw.decode("utf-8").removeprefix("\ufeff")
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.split(newline)
    assert lines[-1] == "", "the file must end with a newline"
    header, body = lines[0], lines[1:-1]
    result = ReadBack(raw, header, 0, [], [], [], [])
    for line in body:
        if line == "":
            result.blank_lines += 1
            continue
        try:
            fields = next(csv.reader([line], delimiter="|", quotechar='"', strict=True))
        except csv.Error:
            result.broken.append(line)
            continue
        if len(fields) == width:
            result.good.append(fields)
            result.good_texts.append(line)
        else:
            assert len(fields) < width, line
            result.short.append(fields)
    return result


def bad_years(file: ReadBack, header: tuple[str, ...]) -> int:
    columns = (header.index("anoLancamento"), header.index("anoNascimento"))
    return sum(
        1
        for fields in file.good
        for column in columns
        if fields[column] != NULL and not YEAR.fullmatch(fields[column])
    )


@pytest.fixture(scope="module")
def summary(tmp_path_factory: pytest.TempPathFactory) -> SampleSummary:
    return write_sample(tmp_path_factory.mktemp("sample"), movies=2000, series=800, seed=42)


@pytest.fixture(scope="module")
def files(summary: SampleSummary) -> dict[str, tuple[SampleFile, tuple[str, ...], ReadBack]]:
    return {
        "movies": (summary.movies, MOVIES_HEADER, read_back(summary.movies.path, 15)),
        "series": (summary.series, SERIES_HEADER, read_back(summary.series.path, 16)),
    }


def test_headers_are_exact(files: dict) -> None:
    assert SERIES_HEADER[4] == "anoTermino"
    assert SERIES_HEADER[:4] + SERIES_HEADER[5:] == MOVIES_HEADER
    assert len(IMDB_GENRES) == 28 == len(set(IMDB_GENRES))
    for sample_file, header, read in files.values():
        assert read.header == "|".join(header)
        assert sample_file.path.name in {"movies.csv", "series.csv"}


def test_same_seed_same_bytes_other_seed_other_bytes(
    tmp_path: Path, summary: SampleSummary
) -> None:
    again = write_sample(tmp_path / "again", movies=2000, series=800, seed=42)
    other = write_sample(tmp_path / "other", movies=2000, series=800, seed=43)
    for name in ("movies", "series"):
        first = getattr(summary, name).path.read_bytes()
        assert getattr(again, name).path.read_bytes() == first
        assert getattr(other, name).path.read_bytes() != first
    assert again.movies == dataclasses.replace(summary.movies, path=again.movies.path)
    assert again.series == dataclasses.replace(summary.series, path=again.series.path)
    assert sorted(p.name for p in (tmp_path / "again").iterdir()) == ["movies.csv", "series.csv"]


def test_counts_match_the_file(files: dict) -> None:
    for sample_file, header, read in files.values():
        dirt = sample_file.dirt
        ids = {fields[0] for fields in read.good}
        assert sample_file.titles == len(ids)
        horror = {f[0] for f in read.good if "Horror" in f[header.index("genero")].split(",")}
        assert sample_file.horror_titles == len(horror)
        data_lines = len(read.good) + len(read.short) + len(read.broken)
        assert sample_file.data_lines == data_lines
        assert sample_file.parseable_lines == len(read.good)
        assert (
            sample_file.parseable_lines == data_lines - dirt.short_lines - dirt.broken_quote_lines
        )
        # Only duplicates repeat a line; every (title, artist) line is otherwise unique.
        repeats = sum(n - 1 for n in Counter(read.good_texts).values())
        assert repeats == dirt.duplicate_lines
        assert read.blank_lines == dirt.blank_lines
        assert len(read.short) == dirt.short_lines
        assert len(read.broken) == dirt.broken_quote_lines
        assert bad_years(read, header) == dirt.bad_year_values


def test_every_kind_of_dirt_is_there(files: dict) -> None:
    for sample_file, header, read in files.values():
        assert min(vars(sample_file.dirt).values()) >= 1, sample_file.dirt
        for fields in read.short:
            assert len(fields) <= len(header) - 2
            assert ID.fullmatch(fields[0])
        for line in read.broken:
            assert line.count("|") == len(header) - 1
            assert line.split("|")[1].startswith('"')
        # Short and broken lines carry their own ids, never a real title's.
        extra_ids = {f[0] for f in read.short} | {line.split("|")[0] for line in read.broken}
        assert not extra_ids & {f[0] for f in read.good}
        # A blank line sits between data lines, never right after the header or at the end.
        body = read.raw.decode("utf-8").removeprefix("\ufeff").replace("\r\n", "\n")
        assert not body.split("\n", 1)[1].startswith("\n")
        assert not body.endswith("\n\n")


def test_clean_sample_has_no_dirt(tmp_path: Path) -> None:
    clean = write_sample(tmp_path, movies=300, series=100, seed=5, dirty=False)
    for sample_file, header in ((clean.movies, MOVIES_HEADER), (clean.series, SERIES_HEADER)):
        raw = sample_file.path.read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw
        assert not sample_file.crlf and not sample_file.bom
        read = read_back(sample_file.path, len(header))
        assert sample_file.dirt == generator.DirtCounts(0, 0, 0, 0, 0)
        assert read.blank_lines == 0 and not read.short and not read.broken
        assert len(read.good) == sample_file.data_lines == sample_file.parseable_lines
        assert len(set(read.good_texts)) == len(read.good_texts)


def test_line_endings_and_bom_on_series_only(files: dict) -> None:
    movies, series = files["movies"][2].raw, files["series"][2].raw
    assert not movies.startswith(b"\xef\xbb\xbf") and b"\r" not in movies
    assert series.startswith(b"\xef\xbb\xbf")
    assert series.count(b"\n") == series.count(b"\r\n") > 0
    assert files["series"][0].crlf and files["series"][0].bom
    assert not files["movies"][0].crlf and not files["movies"][0].bom


def test_titles_look_like_imdb(files: dict) -> None:
    movie_ids = {f[0] for f in files["movies"][2].good}
    series_ids = {f[0] for f in files["series"][2].good}
    assert not movie_ids & series_ids
    in_file_order = list(dict.fromkeys(f[0] for f in files["movies"][2].good))
    assert in_file_order != sorted(in_file_order)
    assert {len(i) for i in movie_ids | series_ids} == {9, 10}
    for _, header, read in files.values():
        col = {name: i for i, name in enumerate(header)}
        by_title: dict[str, set[tuple[str, ...]]] = {}
        for fields in read.good:
            year = fields[col["anoLancamento"]]
            if year != NULL and not YEAR.fullmatch(year):
                continue  # a planted bad year; the other title columns still agree
            by_title.setdefault(fields[0], set()).add(tuple(fields[: col["generoArtista"]]))
        assert all(len(versions) == 1 for versions in by_title.values())
        titles = [next(iter(v)) for v in by_title.values()]
        for title in titles:
            assert ID.fullmatch(title[0])
            assert title[1] and "\n" not in title[1] and not title[1].startswith('"')
            year = title[col["anoLancamento"]]
            assert year == NULL or 1920 <= int(year) <= 2025
            genres = title[col["genero"]]
            if genres != NULL:
                names = genres.split(",")
                assert names == sorted(names) and 1 <= len(names) <= 3
                assert set(names) <= set(IMDB_GENRES)
            rating, votes = title[col["notaMedia"]], title[col["numeroVotos"]]
            assert (rating == NULL) == (votes == NULL)
            if rating != NULL:
                assert re.fullmatch(r"\d{1,2}\.\d", rating) and 1.0 <= float(rating) <= 10.0
                assert int(votes) >= 5
            runtime = title[col["tempoMinutos"]]
            low, high = (20, 70) if "anoTermino" in col else (60, 200)
            assert runtime == NULL or low <= int(runtime) <= high
            if "anoTermino" in col and title[col["anoTermino"]] != NULL:
                assert int(title[col["anoTermino"]]) >= int(year)
        horror = sum("Horror" in t[col["genero"]].split(",") for t in titles) / len(titles)
        assert 0.25 <= horror <= 0.45
        differ = sum(t[1] != t[2] for t in titles) / len(titles)
        assert 0.1 <= differ <= 0.3
        assert any(ACCENTED.search(t[1] + t[2]) for t in titles)


def test_quotes_and_pipes_inside_titles(files: dict) -> None:
    movies = files["movies"][2]
    titles = [(f[1], line) for f, line in zip(movies.good, movies.good_texts, strict=True)]
    with_quote = [(title, line) for title, line in titles if '"' in title]
    with_pipe = [(title, line) for title, line in titles if "|" in title]
    assert with_quote and with_pipe
    for title, line in with_pipe:
        # Quoted CSV-style as a whole, inner quotes doubled.
        assert '|"' + title.replace('"', '""') + '"|' in line
    for title, line in with_quote:
        if "|" not in title:
            # A quote inside a title is an ordinary character; it never opens the field.
            assert "|" + title + "|" in line and not title.startswith('"')


def test_artists_are_reused_and_consistent(files: dict) -> None:
    people: dict[str, set[tuple[str, ...]]] = {}
    lines = 0
    for _, header, read in files.values():
        col = {name: i for i, name in enumerate(header)}
        for fields in read.good:
            lines += 1
            birth = fields[col["anoNascimento"]]
            if birth != NULL and not YEAR.fullmatch(birth):
                continue  # a planted bad year
            person = (fields[col["generoArtista"]], *fields[col["nomeArtista"] :])
            people.setdefault(fields[col["nomeArtista"]], set()).add(person)
    assert all(len(versions) == 1 for versions in people.values())
    assert 0.25 <= len(people) / lines <= 0.5
    persons = [next(iter(v)) for v in people.values()]
    assert any(ACCENTED.search(p[1]) for p in persons)
    for gender, name, birth, death, professions, known in persons:
        assert gender in {"actor", "actress"} and name
        assert professions.split(",")[0] == gender and len(professions.split(",")) <= 3
        if birth != NULL:
            assert 1880 <= int(birth) <= 2005
            assert death == NULL or int(death) > int(birth)
        else:
            assert death == NULL
        assert known == NULL or all(ID.fullmatch(k) for k in known.split(","))
        assert known == NULL or 1 <= len(known.split(",")) <= 4


def test_artists_per_title(files: dict) -> None:
    per_title = Counter(fields[0] for fields in files["movies"][2].good)
    # Duplicated lines add one to their title; allow for it.
    assert min(per_title.values()) >= 1
    assert max(per_title.values()) <= 11
    mean = sum(per_title.values()) / len(per_title)
    assert 4.0 <= mean <= 5.2


def test_the_lake_parser_agrees(files: dict) -> None:
    """The raw layer's own parser finds the same rows, rejects and blanks."""
    parse = pytest.importorskip("horror_lake.raw.parse")
    for sample_file, header, read in files.values():
        parsed = parse.parse_source(read.raw, header, sample_file.path.name)
        assert parsed.rows.num_rows == sample_file.parseable_lines
        assert parsed.rejected_lines == (
            sample_file.dirt.short_lines + sample_file.dirt.broken_quote_lines
        )
        assert parsed.blank_lines == sample_file.dirt.blank_lines
        assert parsed.data_lines == sample_file.data_lines


def test_a_scaled_sample_is_copies_with_ids_of_their_own(tmp_path: Path) -> None:
    """--scale makes big inputs fast: K copies of the lines, each copy's titles distinct, and
    the summary's counts still what a reader finds."""
    from horror_lake.raw.parse import parse_source

    base = write_sample(tmp_path / "base", movies=60, series=20, seed=5)
    scaled = write_sample(tmp_path / "scaled", movies=60, series=20, seed=5, scale=3)
    for one, three, header in (
        (base.movies, scaled.movies, MOVIES_HEADER),
        (base.series, scaled.series, SERIES_HEADER),
    ):
        parsed = parse_source(three.path.read_bytes(), header, three.path.name)
        assert three.data_lines == 3 * one.data_lines == parsed.data_lines
        assert parsed.rows.num_rows == three.parseable_lines
        assert parsed.blank_lines == three.dirt.blank_lines == 3 * one.dirt.blank_lines
        ids = {i for i in parsed.rows.column("id").to_pylist() if i.startswith("tt")}
        assert len(ids) == three.titles == 3 * one.titles
    with pytest.raises(ValueError, match="scale must be 1 or more"):
        write_sample(tmp_path, scale=0)


def test_tiny_samples(tmp_path: Path) -> None:
    empty = write_sample(tmp_path / "empty", movies=0, series=0)
    assert empty.movies.path.read_text() == "|".join(MOVIES_HEADER) + "\n"
    assert empty.movies.data_lines == empty.series.titles == 0
    small = write_sample(tmp_path / "small", movies=3, series=1)
    assert small.movies.titles == 3 and small.series.titles == 1
    read = read_back(small.movies.path, 15)
    assert len({f[0] for f in read.good}) == 3
    with pytest.raises(ValueError):
        write_sample(tmp_path, movies=-1)


def test_cli_sample_writes_the_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "landing"
    assert cli.main(["sample", "--out", str(out), "--movies", "50", "--series", "20"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 3
    assert str(out / "movies.csv") in printed[0] and "50 titles" in printed[0]
    assert str(out / "series.csv") in printed[1] and "20 titles" in printed[1]
    assert str(out / "tmdb_snapshot.jsonl") in printed[2] and "horror titles" in printed[2]
    assert "MB" in printed[0]
    assert read_back(out / "movies.csv", 15).header == "|".join(MOVIES_HEADER)

    clean = tmp_path / "clean"
    assert (
        cli.main(["sample", "--out", str(clean), "--movies", "5", "--series", "2", "--clean"]) == 0
    )
    assert b"\r" not in (clean / "series.csv").read_bytes()
    assert (
        cli.main(["sample", "--out", str(tmp_path / "no_tmdb"), "--movies", "5", "--no-tmdb"]) == 0
    )
    assert not (tmp_path / "no_tmdb" / "tmdb_snapshot.jsonl").exists()
    with pytest.raises(SystemExit):
        cli.main(["sample", "--out", str(out), "--movies", "-1"])
    with pytest.raises(SystemExit):
        cli.main([])


def test_generator_and_cli_stay_light() -> None:
    """generator.py needs only the stdlib, the source headers and the lake's one atomic writer;
    cli.py imports the generator only when a command runs."""
    for module in (generator, cli):
        tree = ast.parse(Path(str(module.__file__)).read_text(encoding="utf-8"))
        imported = [
            alias.name for node in tree.body if isinstance(node, ast.Import) for alias in node.names
        ]
        imported += [node.module or "" for node in tree.body if isinstance(node, ast.ImportFrom)]
        third_party = [
            name
            for name in imported
            if name.split(".")[0] not in sys.stdlib_module_names | {"__future__"}
            and name
            not in (
                "horror_lake.raw.sources",
                "horror_lake.lake.atomic",
                "horror_lake.lake.location",
            )
        ]
        assert not third_party, (module.__name__, third_party)
