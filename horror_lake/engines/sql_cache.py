"""A disk cache for SQL work that depends on nothing but text: resolving a model (parsing, macros,
table names) and translating Spark SQL for an engine.

Importing sqlglot and running it over every model costs about 0.6 s per process (measured on 2
cores: imports 0.1-0.2 s, resolving the project 0.26 s, translations during a run 0.24 s), paid
by every code-location load and every run, while the results change only when a file does.
A function wrapped in ``remembered`` keeps each result in a file named by a hash of its
arguments, under a folder named by a hash of sqlglot's version and of the code that computes
the results (``_CODE``). An edited model or macro is a different argument, so it misses and is
recomputed: nothing stale can be read. No date or data value is ever part of a key (DuckDB binds
them as parameters), so the folder does not grow run by run. A new code version's folder
replaces the oldest but the last few (``KEPT_VERSIONS``).

Where: ``HORROR_LAKE_SQL_CACHE`` (``off`` turns the cache off), else
``$XDG_CACHE_HOME/horror_lake/sql``, else ``~/.cache/horror_lake/sql``. A folder that can't be
written, or an entry that can't be read, costs only the time: the result is computed.
"""

import functools
import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

from horror_lake import settings

Result = TypeVar("Result")
# Folders kept, the newest first: other checkouts on the machine (a branch, a CI clone) keep
# theirs instead of removing each other's.
KEPT_VERSIONS = 4
# The code whose results are kept: a change to any of these files starts a new folder.
_CODE = [
    Path(__file__).resolve(),
    Path(__file__).resolve().parent / "sql.py",
    Path(__file__).resolve().parent / "lake_sql.py",
    Path(__file__).resolve().parents[1] / "modeling" / "project.py",
]


def remembered(function: Callable[..., Result]) -> Callable[..., Result]:
    """``function`` (a pure function of JSON-able arguments, returning JSON-able values) with its
    results kept on disk. Tuples come back as lists."""
    name = f"{function.__module__}.{function.__qualname__}"
    source = Path(sys.modules[function.__module__].__file__ or "").resolve()
    if source not in _CODE:  # its results would outlive an edit of its code
        raise RuntimeError(f"{name}: add {source} to sql_cache._CODE to keep its results")

    @functools.wraps(function)
    def wrapper(*args: Any) -> Result:
        folder = cache_folder()
        if folder is None:
            return function(*args)
        text = json.dumps([name, *args], sort_keys=True, separators=(",", ":"))
        path = folder / f"{hashlib.sha256(text.encode()).hexdigest()}.json"
        try:
            return json.loads(path.read_bytes())  # type: ignore[no-any-return]
        except (OSError, ValueError):
            pass
        result = function(*args)
        _write(path, json.dumps(result))
        return result

    return wrapper


@functools.cache
def cache_folder() -> Path | None:
    """This code version's folder (made on first use, when the oldest beyond ``KEPT_VERSIONS``
    go), or None when the cache is off or can't be made."""
    root = settings.sql_cache()
    if root is None:
        return None
    digest = hashlib.sha256(metadata.version("sqlglot").encode())
    for path in _CODE:
        digest.update(path.read_bytes())
    folder = Path(root) / digest.hexdigest()[:16]
    if folder.is_dir():
        return folder
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    others = [other for other in folder.parent.iterdir() if other != folder and other.is_dir()]
    others.sort(key=_modified, reverse=True)
    for other in others[KEPT_VERSIONS - 1 :]:
        shutil.rmtree(other, ignore_errors=True)
    return folder


def _modified(folder: Path) -> float:
    """When ``folder`` last changed; 0 when another process has just removed it."""
    try:
        return folder.stat().st_mtime
    except OSError:
        return 0.0


def _write(path: Path, text: str) -> None:
    """Written aside then moved, so that a reader never sees half an entry; a failed write
    leaves nothing behind."""
    try:
        handle, aside = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(aside, path)
    except OSError:
        Path(aside).unlink(missing_ok=True)
