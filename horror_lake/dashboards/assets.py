"""The dashboard (QuickSight's job in the reference builds): one self-contained HTML page.

Every figure comes from a SQL query over the refined tables (``dashboards/queries/*.sql``, run
by the engine like any model). The queries return small cubes by title type x decade, so the
page's filters recombine them in the browser; the page embeds them as JSON next to its own
JavaScript and opens offline from disk.
"""

import base64
import datetime as dt
import decimal
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg

from horror_lake import settings
from horror_lake.engines.resource import EngineResource
from horror_lake.lake.atomic import replaced_file
from horror_lake.lake.resources import LakeResource
from horror_lake.lake.tables import LakeTable
from horror_lake.modeling.checks import asset_key
from horror_lake.modeling.project import LakeProject, Statement
from horror_lake.partitions import daily_partitions

HERE = Path(__file__).resolve().parent
QUERIES = HERE / "queries"
DATA_MARKER = "/*__DASHBOARD_DATA__*/null"
KEY = dg.AssetKey(["dashboards", "horror_dashboard"])


def build_assets(project: LakeProject) -> list[dg.AssetsDefinition]:
    return [dashboard_asset(project.statements_in(QUERIES))]


def run_queries(
    engine: EngineResource,
    queries: Mapping[str, Statement],
    inputs: Mapping[str, LakeTable],
    **values: object,
) -> dict[str, Any]:
    """Each query's rows as a list of records, keyed by the query's file name. ``:parameters``
    come from the settings (the ROI ranking's minimum budget), then from ``values``. Rows are
    sorted (the page orders what it shows), so that the same tables always make the same page:
    engines return grouped rows in whatever order their threads finished."""
    parameters = {**settings.view_parameters(settings.current()), **values}
    data: dict[str, Any] = {}
    for name, query in queries.items():
        bound = {table: inputs[table] for table in query.inputs}
        rows = sorted(
            (_plain(row) for row in engine.query(query.spark_sql, bound, parameters, query.label)),
            key=repr,
        )
        data[name] = [dict(zip(query.columns, row, strict=True)) for row in rows]
    return data


def _plain(row: tuple) -> list[Any]:
    """JSON-ready values (engines may return Decimal sums)."""
    return [float(v) if isinstance(v, decimal.Decimal) else v for v in row]


def render_page(data: dict[str, Any]) -> str:
    template = (HERE / "template.html").read_text(encoding="utf-8")
    # </script> inside the JSON would end the script element early.
    payload = json.dumps(data, ensure_ascii=False, default=str).replace("</", "<\\/")
    return template.replace(DATA_MARKER, payload)


def headline(data: dict[str, Any]) -> dict[str, Any]:
    years = data["year_cube"]
    titles = sum(r["titles"] for r in years)
    rated = sum(r["rated_titles"] for r in years)
    rating = sum(r["sum_rating"] or 0 for r in years) / rated if rated else None
    genres: dict[str, int] = {}
    for r in data["genre_cube"]:
        genres[r["genre_name"]] = genres.get(r["genre_name"], 0) + r["titles"]
    top_genre = max(genres, key=lambda g: genres[g]) if genres else None
    return {
        "horror_titles": titles,
        "movies": sum(r["titles"] for r in years if r["title_type"] == "movie"),
        "series": sum(r["titles"] for r in years if r["title_type"] == "series"),
        "average_rating": round(rating, 2) if rating is not None else None,
        "most_common_co_genre": top_genre,
        "has_tmdb_data": bool(data["subgenre_cube"]),
    }


def decade_chart_svg(data: dict[str, Any]) -> str:
    """A small bar chart of horror titles per decade, for the materialization metadata."""
    per_decade: dict[int, int] = {}
    for r in data["year_cube"]:
        if r["release_decade"] is not None:
            decade = r["release_decade"]
            per_decade[decade] = per_decade.get(decade, 0) + r["titles"]
    decades = sorted(per_decade)
    top = max(per_decade.values(), default=1)
    width, height = 24 * max(len(decades), 1), 120
    bars = "".join(
        f'<rect x="{i * 24 + 2}" y="{height - 20 - 90 * per_decade[d] / top:.1f}" width="20" '
        f'height="{90 * per_decade[d] / top:.1f}" fill="#8b0000"/>'
        f'<text x="{i * 24 + 12}" y="{height - 6}" font-size="8" text-anchor="middle">'
        f"{str(d)[2:]}s</text>"
        for i, d in enumerate(decades)
    )
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">{bars}</svg>'


def write_page(lake: LakeResource, partition_key: str, html: str) -> str:
    """``<root>/dashboards/ingestion_date=D/index.html``, written aside then moved into place."""
    location = lake.location()
    path = location.path("dashboards", f"ingestion_date={partition_key}", "index.html")
    with replaced_file(location, path) as out:
        out.write(html.encode("utf-8"))
    return location.uri(path)


def dashboard_asset(queries: Mapping[str, Statement]) -> dg.AssetsDefinition:
    """The page's inputs are the tables its queries read."""
    reads = {
        name: asset_key(*key) for query in queries.values() for name, key in query.inputs.items()
    }

    @dg.asset(
        key=KEY,
        partitions_def=daily_partitions,
        group_name="dashboards",
        deps=list(reads.values()),
        kinds={"html"},
        code_version=code_version(queries),
    )
    def horror_dashboard(
        context: dg.AssetExecutionContext, engine: EngineResource, lake: LakeResource
    ) -> dg.MaterializeResult:
        """One self-contained HTML page about horror subgenres and what audiences prefer, at
        ``<lake root>/dashboards/ingestion_date=D/index.html``."""
        inputs = lake.inputs(reads, context.partition_key)
        figures = {name: query for name, query in queries.items() if name != "cast_list"}
        data = run_queries(engine, figures, inputs)
        # The casts of the titles the page lists, and no others: small at any input size.
        listed = sorted({row["title_id"] for row in data["title_list"]})
        data |= run_queries(
            engine, {"cast_list": queries["cast_list"]}, inputs, listed_titles=listed
        )
        data["meta"] = {
            "ingestion_date": context.partition_key,
            "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        uri = write_page(lake, context.partition_key, render_page(data))
        chart = base64.b64encode(decade_chart_svg(data).encode()).decode()
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(uri),
                **{k: v for k, v in headline(data).items() if v is not None},
                "titles_per_decade": dg.MetadataValue.md(
                    f"![horror titles per decade](data:image/svg+xml;base64,{chart})"
                ),
            }
        )

    return horror_dashboard


def code_version(queries: Mapping[str, Statement]) -> str:
    """A hash of the queries and the page template."""
    digest = hashlib.sha256((HERE / "template.html").read_bytes())
    for query in queries.values():
        digest.update(query.spark_sql.encode())
    return digest.hexdigest()[:16]
