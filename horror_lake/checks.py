"""Asset checks: every table's promises, evaluated on the partition that was just written.

All checks are blocking: a failure stops everything downstream of the table in that run, so an
empty or broken partition never reaches the Refined zone or the dashboards.
"""

from collections.abc import Iterator
from dataclasses import dataclass

import dagster as dg

from horror_lake.engines.resource import EngineResource
from horror_lake.lake.resources import LakeResource
from horror_lake.lake.tables import LakeTable
from horror_lake.raw.sources import SOURCES, Source

MAX_REJECTED_SHARE = 0.01
SAMPLE_KEYS = 5


@dataclass(frozen=True)
class ForeignKey:
    """Every ``column`` value is a ``referenced_column`` of one of the ``references`` tables."""

    column: str
    references: tuple[dg.AssetKey, ...]
    referenced_column: str
    name: str | None = None  # how the referenced tables are called in the check name

    @property
    def table(self) -> str:
        return self.name or " or ".join(key.path[-1] for key in self.references)

    @property
    def check_name(self) -> str:
        return f"{self.column}_in_{self.table}"


@dataclass(frozen=True)
class TableContract:
    """What a table promises: rows, a unique non-null key, keys that exist in a dimension."""

    key: dg.AssetKey
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    may_be_empty: bool = False  # e.g. TMDB tables when enrichment is off
    unique: tuple[str, ...] = ()  # another unique, non-null column set


def _key(zone: str, table: str) -> dg.AssetKey:
    return dg.AssetKey([zone, table])


CONTRACTS: tuple[TableContract, ...] = (
    *(TableContract(_key("raw", s.table), primary_key=("line_number",)) for s in SOURCES),
    *(
        TableContract(_key("raw", s.rejects_table), primary_key=("line_number",), may_be_empty=True)
        for s in SOURCES
    ),
    TableContract(_key("trusted", "trusted_movies"), primary_key=("title_id",)),
    TableContract(_key("trusted", "trusted_series"), primary_key=("title_id",)),
    TableContract(_key("trusted", "trusted_artists"), primary_key=("title_id", "artist_name")),
    TableContract(_key("refined", "dim_genero"), primary_key=("genre_id",)),
    TableContract(
        _key("trusted", "trusted_tmdb"),
        primary_key=("imdb_id",),
        unique=("media_type", "tmdb_id"),
        foreign_keys=(
            ForeignKey(
                "imdb_id",
                (_key("trusted", "trusted_movies"), _key("trusted", "trusted_series")),
                "title_id",
                name="trusted_titles",
            ),
        ),
        may_be_empty=True,
    ),
    TableContract(_key("refined", "dim_filme"), primary_key=("title_id",)),
    TableContract(_key("refined", "dim_subgenero"), primary_key=("subgenre_id",)),
    TableContract(
        _key("refined", "fato_filme"),
        primary_key=("title_id", "genre_id"),
        foreign_keys=(
            ForeignKey("title_id", (_key("refined", "dim_filme"),), "title_id"),
            ForeignKey("genre_id", (_key("refined", "dim_genero"),), "genre_id"),
        ),
    ),
    TableContract(
        _key("refined", "fato_filme_subgenero"),
        primary_key=("title_id", "subgenre_id"),
        foreign_keys=(
            ForeignKey("title_id", (_key("refined", "dim_filme"),), "title_id"),
            ForeignKey("subgenre_id", (_key("refined", "dim_subgenero"),), "subgenre_id"),
        ),
        may_be_empty=True,
    ),
)


def build_table_checks(contract: TableContract) -> dg.AssetChecksDefinition:
    """All of a table's checks in one step (a step costs more than the checks themselves)."""
    columns = ", ".join(contract.primary_key)
    specs = []
    if not contract.may_be_empty:
        specs.append(
            dg.AssetCheckSpec(
                "not_empty",
                asset=contract.key,
                blocking=True,
                description="The partition's Parquet file exists and holds at least one row.",
            )
        )
    if contract.primary_key:
        specs.append(
            dg.AssetCheckSpec(
                "primary_key",
                asset=contract.key,
                blocking=True,
                description=f"({columns}) is unique and never null.",
            )
        )
    if contract.unique:
        specs.append(
            dg.AssetCheckSpec(
                "unique_" + "_".join(contract.unique),
                asset=contract.key,
                blocking=True,
                description=f"({', '.join(contract.unique)}) is unique and never null.",
            )
        )
    for fk in contract.foreign_keys:
        specs.append(
            dg.AssetCheckSpec(
                fk.check_name,
                asset=contract.key,
                blocking=True,
                additional_deps=list(fk.references),
                description=f"Every {fk.column} is a {fk.referenced_column} of {fk.table}.",
            )
        )

    @dg.multi_asset_check(specs=specs, name=f"{contract.key.path[-1]}_checks")
    def _checks(
        context: dg.AssetCheckExecutionContext, lake: LakeResource, engine: EngineResource
    ) -> Iterator[dg.AssetCheckResult]:
        table = lake.table(contract.key, context.partition_key)
        if not contract.may_be_empty:
            yield not_empty(contract.key, table)
        if contract.primary_key:
            yield unique_key(contract.key, "primary_key", contract.primary_key, table, engine)
        if contract.unique:
            name = "unique_" + "_".join(contract.unique)
            yield unique_key(contract.key, name, contract.unique, table, engine)
        for fk in contract.foreign_keys:
            dimensions = [lake.table(key, table.partition_key) for key in fk.references]
            yield foreign_key(contract.key, fk, table, dimensions, engine)

    return _checks


def not_empty(key: dg.AssetKey, table: LakeTable) -> dg.AssetCheckResult:
    if not table.exists():
        return dg.AssetCheckResult(
            asset_key=key,
            check_name="not_empty",
            passed=False,
            metadata={"problem": f"no Parquet file at {table.uri}"},
        )
    rows = table.parquet_file().metadata.num_rows
    return dg.AssetCheckResult(
        asset_key=key,
        check_name="not_empty",
        passed=rows > 0,
        metadata={"row_count": rows, "path": dg.MetadataValue.path(table.uri)},
    )


def unique_key(
    key: dg.AssetKey,
    check_name: str,
    key_columns: tuple[str, ...],
    table: LakeTable,
    engine: EngineResource,
) -> dg.AssetCheckResult:
    columns = ", ".join(key_columns)
    any_null = " or ".join(f"{c} is null" for c in key_columns)
    null_keys, duplicate_keys = engine.query(
        f"""
        with key_rows as (select {columns} from t),
        duplicates as (
            select {columns} from key_rows group by {columns} having count(*) > 1
        )
        select
            (select count(*) from key_rows where {any_null}) as null_keys,
            (select count(*) from duplicates) as duplicate_keys
        """,
        {"t": table},
    )[0]
    examples = (
        engine.query(
            f"select {columns} from t group by {columns} having count(*) > 1 "
            f"order by {columns} limit {SAMPLE_KEYS}",
            {"t": table},
        )
        if duplicate_keys
        else []
    )
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=check_name,
        passed=null_keys == 0 and duplicate_keys == 0,
        metadata={
            "null_keys": null_keys,
            "duplicate_keys": duplicate_keys,
            "duplicate_examples": str([list(row) for row in examples]),
        },
    )


def foreign_key(
    key: dg.AssetKey,
    fk: ForeignKey,
    table: LakeTable,
    dimensions: list[LakeTable],
    engine: EngineResource,
) -> dg.AssetCheckResult:
    names = [f"dimension_{i}" for i in range(len(dimensions))]
    referenced = " union all ".join(f"select {fk.referenced_column} from {n}" for n in names)
    orphans = engine.query(
        f"""
        with referenced as ({referenced})
        select distinct fact.{fk.column}
        from fact
        left join referenced on fact.{fk.column} = referenced.{fk.referenced_column}
        where referenced.{fk.referenced_column} is null
        order by fact.{fk.column}
        """,
        {"fact": table, **dict(zip(names, dimensions, strict=True))},
    )
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=fk.check_name,
        passed=not orphans,
        metadata={
            "orphan_keys": len(orphans),
            "orphan_examples": str([row[0] for row in orphans[:SAMPLE_KEYS]]),
        },
    )


def rejected_share_check(source: Source) -> dg.AssetChecksDefinition:
    rows_key, rejects_key = _key("raw", source.table), _key("raw", source.rejects_table)

    @dg.asset_check(
        asset=rejects_key,
        name="rejected_share",
        additional_deps=[rows_key],
        description=(
            f"Warns when more than {MAX_REJECTED_SHARE:.0%} of {source.file_name}'s data lines "
            "were rejected."
        ),
    )
    def _check(context: dg.AssetCheckExecutionContext, lake: LakeResource) -> dg.AssetCheckResult:
        rejected = lake.table(rejects_key, context.partition_key).parquet_file().metadata.num_rows
        parsed = lake.table(rows_key, context.partition_key).parquet_file().metadata.num_rows
        share = rejected / max(parsed + rejected, 1)
        return dg.AssetCheckResult(
            passed=share <= MAX_REJECTED_SHARE,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"rejected_lines": rejected, "data_lines": parsed + rejected, "share": share},
        )

    return _check


asset_checks = [
    *(build_table_checks(contract) for contract in CONTRACTS),
    *(rejected_share_check(source) for source in SOURCES),
]
