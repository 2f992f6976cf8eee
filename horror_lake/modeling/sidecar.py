"""The sidecar: ``<zone>/models/<table>.yml``, a table's documentation and contract in one file.

A sidecar says what the table is (description, grain), documents every column (with an optional
type that is checked against what is written) and lists the rules the data must keep. Each rule
blocks everything downstream when it fails (``severity: error``, the default) or only warns
(``severity: warn``). Short forms keep the common case short::

    description: Horror titles by genre.
    grain: one row per horror title x genre
    primary_key: [title_id, genre_id]
    row_count_drop: {max_share: 0.5}          # warn when a partition has half the rows or less
    input_counts:                             # recorded with each materialization
      - {name: lines_without_title_id, tables: [raw_movies], where: not is_title_id(id)}
    columns:
      - name: title_id
        type: string
        description: IMDb id of the title.
        references: refined.dim_filme.title_id            # or a list: the value is in any of them
      - name: title_type
        description: movie or series.
        accepted_values: [movie, series]                   # or {values: [...], severity: warn}
      - name: average_rating
        description: IMDb users' average rating.
        range: {min: 0, max: 10, severity: warn}
    unit_tests:                                            # run by the test suite, on DuckDB
      - name: a title with two genres is two rows
        given: {dim_filme: [{title_id: tt1, genres: [Horror, Comedy]}], dim_genero: [...]}
        expect: [{title_id: tt1, genre_id: 1}, {title_id: tt1, genre_id: 2}]

Pure Python (pydantic and PyYAML), no Dagster.
"""

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

Severity = Literal["error", "warn"]
# libyaml's loader when PyYAML has it: ten times faster, and every code location load reads
# every sidecar.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SidecarError(ValueError):
    """A sidecar can't be read; the message names the file, the field and the problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rule(_Strict):
    severity: Severity = "error"
    name: str | None = None  # the check's name, when the default one won't do


class NotNull(Rule):
    pass


class References(Rule):
    to: tuple[str, ...] = Field(min_length=1)  # "zone.table.column": the value is in any of them

    @field_validator("to")
    @classmethod
    def _three_parts(cls, targets: tuple[str, ...]) -> tuple[str, ...]:
        for target in targets:
            if len(target.split(".")) != 3:
                raise ValueError(f"{target!r} is not zone.table.column")
        return targets


class AcceptedValues(Rule):
    values: tuple[str | int | float | bool, ...] = Field(min_length=1)


class Range(Rule):
    min: float | None = None
    max: float | None = None


class RowCountDrop(Rule):
    """Warns (by default) when a partition has fewer rows than the previous one by more than
    ``max_share`` of them."""

    severity: Severity = "warn"
    max_share: float = Field(gt=0, le=1)


class ShareOf(Rule):
    """This table's rows as a share of its rows plus ``table``'s stay at most ``max``."""

    severity: Severity = "warn"
    table: str  # "zone.table"
    max: float = Field(ge=0, le=1)


class InputCount(_Strict):
    """A count over input rows recorded with every materialization, e.g. the raw lines a trusted
    table leaves out, so nothing is dropped silently. ``where`` is Spark SQL (macros allowed);
    without it every row counts."""

    name: str
    tables: tuple[str, ...] = Field(min_length=1)
    where: str | None = None


class UnitTest(_Strict):
    """Tiny hand-written inputs and the rows the model must return for them.

    ``given`` maps each input table to its rows (columns left out are null); ``expect`` lists
    the rows, compared on the columns they name, in any order."""

    name: str
    given: dict[str, list[dict[str, Any]]]
    expect: list[dict[str, Any]]


def _shorthand(value: object, field: str) -> object:
    if value is True:
        return {}
    if value is False or value is None:
        return None
    if field == "references" and isinstance(value, str):
        return {"to": [value]}
    if field == "references" and isinstance(value, list):
        return {"to": value}
    if field == "accepted_values" and isinstance(value, list):
        return {"values": value}
    return value


class Column(_Strict):
    name: str
    description: str = Field(min_length=1)
    type: str | None = None  # Spark SQL type name; checked against the written table
    not_null: NotNull | None = None
    references: References | None = None
    accepted_values: AcceptedValues | None = None
    range: Range | None = None

    @field_validator("not_null", "references", "accepted_values", "range", mode="before")
    @classmethod
    def _short_forms(cls, value: object, info: Any) -> object:
        return _shorthand(value, info.field_name)


class Sidecar(_Strict):
    description: str = Field(min_length=1)
    grain: str = Field(min_length=1)
    primary_key: tuple[str, ...] = ()
    unique: tuple[tuple[str, ...], ...] = ()
    not_empty: Rule | None = Rule()
    row_count_drop: RowCountDrop | None = None
    share_of: ShareOf | None = None
    columns: tuple[Column, ...] = ()
    input_counts: tuple[InputCount, ...] = ()
    unit_tests: tuple[UnitTest, ...] = ()

    @field_validator("not_empty", mode="before")
    @classmethod
    def _not_empty(cls, value: object) -> object:
        return _shorthand(value, "not_empty")

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


def read_sidecar(path: Path) -> Sidecar:
    """Parse and validate ``path``; every problem is reported with the file and field."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except yaml.YAMLError as error:
        raise SidecarError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise SidecarError(f"{path}: expected a mapping (description, grain, columns, ...)")
    try:
        sidecar = Sidecar.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in problem['loc']) or '(top)'}: {problem['msg']}"
            for problem in error.errors()
        )
        raise SidecarError(f"{path}: {problems}") from None
    _check_columns_named(sidecar, path)
    return sidecar


def _check_columns_named(sidecar: Sidecar, path: Path) -> None:
    names = [c.name for c in sidecar.columns]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise SidecarError(f"{path}: columns listed twice: {repeated}")
    if not names:
        return
    keys = [*sidecar.primary_key, *(c for cols in sidecar.unique for c in cols)]
    unknown = sorted({k for k in keys if k not in names})
    if unknown:
        raise SidecarError(f"{path}: primary_key/unique name columns not listed: {unknown}")
