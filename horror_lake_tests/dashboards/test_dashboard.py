"""The dashboard page: its figures against independent counts over the refined Parquet, and the
page itself in a real headless Chromium (Debian's chromium + chromedriver, via selenium)."""

import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

from horror_lake.settings import Settings
from horror_lake_tests.conftest import PARTITION, BuiltLake
from horror_lake_tests.lake_reading import read_table


def page_path(lake: Path) -> Path:
    return lake / "dashboards" / f"ingestion_date={PARTITION}" / "index.html"


def page_data(lake: Path) -> dict:
    html = page_path(lake).read_text(encoding="utf-8")
    match = re.search(r"const DATA = (.*?);\n", html)
    assert match, "no embedded data"
    return json.loads(match.group(1))


def test_the_page_is_self_contained_and_in_the_metadata(built: BuiltLake) -> None:
    html = page_path(built.path).read_text(encoding="utf-8")
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html and "<script src" not in html
    event = next(
        e
        for e in built.result.get_asset_materialization_events()
        if e.asset_key.to_user_string() == "dashboards/horror_dashboard"
    )
    metadata = event.materialization.metadata
    assert metadata["path"].value == str(page_path(built.path))
    dim = read_table(built.path, "refined", "dim_filme", PARTITION)
    assert metadata["horror_titles"].value == dim.num_rows
    assert "data:image/svg+xml;base64," in metadata["titles_per_decade"].value


def test_embedded_figures_match_independent_counts(built: BuiltLake) -> None:
    data = page_data(built.path)
    dim = read_table(built.path, "refined", "dim_filme", PARTITION).to_pylist()
    # Titles per decade and type.
    expected: dict[tuple, int] = defaultdict(int)
    for title in dim:
        expected[(title["title_type"], title["release_decade"])] += 1
    embedded: dict[tuple, int] = defaultdict(int)
    for row in data["year_cube"]:
        embedded[(row["title_type"], row["release_decade"])] += row["titles"]
    assert embedded == expected
    # Average IMDb rating of horror titles per co-genre.
    ratings: dict[str, list[float]] = defaultdict(list)
    for title in dim:
        for genre in title["genres"]:
            if genre != "Horror" and title["average_rating"] is not None:
                ratings[genre].append(title["average_rating"])
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
    for row in data["genre_cube"]:
        sums[row["genre_name"]][0] += row["sum_rating"] or 0
        sums[row["genre_name"]][1] += row["rated_titles"]
    for genre, values in ratings.items():
        assert sums[genre][0] / sums[genre][1] == pytest.approx(sum(values) / len(values))
    # Dollars returned per dollar for one subgenre, and the titles that lost money.
    subgenres = {
        r["subgenre_id"]: r["subgenre_name"]
        for r in read_table(built.path, "refined", "dim_subgenero", PARTITION).to_pylist()
    }
    facts = read_table(built.path, "refined", "fato_filme_subgenero", PARTITION).to_pylist()
    money = [f for f in facts if f["profit_usd"] is not None]
    assert money, "the sample's TMDB snapshot should give money figures"
    name = subgenres[money[0]["subgenre_id"]]
    mine = [f for f in money if subgenres[f["subgenre_id"]] == name]
    page = [r for r in data["subgenre_cube"] if r["subgenre_name"] == name]
    assert sum(r["sum_revenue_usd"] or 0 for r in page) / sum(
        r["sum_budget_usd"] or 0 for r in page
    ) == pytest.approx(sum(f["revenue_usd"] for f in mine) / sum(f["budget_usd"] for f in mine))
    losers = sorted((t["profit_usd"], t["title_id"]) for t in dim if (t["profit_usd"] or 0) < 0)
    listed = sorted(
        (r["profit_usd"], r["title_id"]) for r in data["title_list"] if r["is_money_loser"]
    )
    assert listed[:3] == losers[:3]


def test_franchise_money_and_cast_figures_match_the_parquet(built: BuiltLake) -> None:
    data = page_data(built.path)
    dim = read_table(built.path, "refined", "dim_filme", PARTITION).to_pylist()
    names = {
        r["collection_id"]: r["collection_name"]
        for r in read_table(built.path, "refined", "dim_colecao", PARTITION).to_pylist()
    }
    # Each franchise's share of the known horror revenue, the top one first.
    total = sum(t["revenue_usd"] or 0 for t in dim)
    shares: dict[str, float] = defaultdict(float)
    for title in dim:
        if title["collection_id"] is not None and title["revenue_usd"]:
            shares[names[title["collection_id"]]] += title["revenue_usd"] / total
    cube_total = sum(r["sum_known_revenue_usd"] or 0 for r in data["year_cube"])
    page_shares: dict[str, float] = defaultdict(float)
    for row in data["franchise_cube"]:
        page_shares[row["collection_name"]] += (row["sum_revenue_usd"] or 0) / cube_total
    assert cube_total == total
    assert {k: round(v, 9) for k, v in page_shares.items() if v} == {
        k: round(v, 9) for k, v in shares.items()
    }
    # The most profitable and best-return titles of one type and decade.
    money = [t for t in dim if t["profit_usd"] is not None]
    kind, decade = money[0]["title_type"], money[0]["release_decade"]
    cell = [t for t in money if (t["title_type"], t["release_decade"]) == (kind, decade)]
    listed = [
        r for r in data["title_list"] if (r["title_type"], r["release_decade"]) == (kind, decade)
    ]
    profitable = sorted((t for t in cell if t["profit_usd"] > 0), key=lambda t: -t["profit_usd"])
    assert {r["title_id"] for r in listed if r["is_most_profitable"]} == {
        t["title_id"] for t in profitable[:10]
    }
    minimum = Settings().roi_min_budget_usd
    rois = sorted((t for t in cell if t["budget_usd"] >= minimum), key=lambda t: -t["roi"])
    assert {r["title_id"] for r in listed if r["is_best_roi"]} == {t["title_id"] for t in rois[:10]}
    # A listed title's cast: its first five billed artists, TMDB's billing first.
    credits = read_table(built.path, "refined", "fato_filme_artista", PARTITION).to_pylist()
    artists = {
        r["artist_id"]: r["artist_name"]
        for r in read_table(built.path, "refined", "dim_artista", PARTITION).to_pylist()
    }
    title_id = next(r["title_id"] for r in data["title_list"] if r["is_top_rated"])
    billed = sorted(
        (c for c in credits if c["title_id"] == title_id),
        key=lambda c: (
            c["billing_order"] is None,
            c["billing_order"] or 0,
            artists[c["artist_id"]],
        ),
    )
    page_cast = sorted(
        (r["billing_position"], r["artist_name"])
        for r in data["cast_list"]
        if r["title_id"] == title_id
    )
    assert [name for _, name in page_cast] == [artists[c["artist_id"]] for c in billed[:5]]
    assert {r["title_id"] for r in data["cast_list"]} <= {r["title_id"] for r in data["title_list"]}


def test_every_chart_is_drawn_in_chromium_and_the_filters_work(
    built: BuiltLake, browser: object, tmp_path: Path
) -> None:
    from selenium.webdriver.support.ui import Select

    driver = browser  # selenium's Chrome driver
    driver.get(page_path(built.path).as_uri())  # type: ignore[attr-defined]
    errors = [
        entry
        for entry in driver.get_log("browser")  # type: ignore[attr-defined]
        if entry["level"] in ("SEVERE", "ERROR")
    ]
    assert errors == []
    sections = driver.find_elements("css selector", "section")  # type: ignore[attr-defined]
    assert len(sections) == 15
    for section in sections:
        name = section.get_attribute("data-chart") or section.get_attribute("data-list")
        assert section.find_elements("css selector", ".mark"), f"{name} has nothing drawn"
        assert not section.find_elements("css selector", ".empty"), name
    screenshot = tmp_path / "dashboard.png"
    driver.save_screenshot(str(screenshot))  # type: ignore[attr-defined]
    assert screenshot.stat().st_size > 10_000

    tiles = driver.find_element("id", "kpis")  # type: ignore[attr-defined]
    everything = tiles.text
    total = int(everything.split("\n")[0].replace(",", ""))
    Select(driver.find_element("id", "type")).select_by_value("series")  # type: ignore[attr-defined]
    series_only = int(tiles.text.split("\n")[0].replace(",", ""))
    dim = read_table(built.path, "refined", "dim_filme", PARTITION)
    assert total == dim.num_rows
    assert series_only == dim["title_type"].to_pylist().count("series")
    decade = Select(driver.find_element("id", "decade"))  # type: ignore[attr-defined]
    decade.select_by_value("2010")
    in_2010s = int(tiles.text.split("\n")[0].replace(",", ""))
    assert in_2010s == sum(
        1 for t in dim.to_pylist() if t["title_type"] == "series" and t["release_decade"] == 2010
    )
