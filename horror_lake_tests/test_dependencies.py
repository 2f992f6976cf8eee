"""The dependency list is true: every package the code imports is declared (runtime for the
package, dev for tests and benchmarks), the runtime list holds nothing only tests use, and the
lock files pin every declared package."""

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def names(requirements: list[str]) -> set[str]:
    return {normalized(re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0]) for r in requirements}


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def imported_distributions(folder: Path) -> set[str]:
    """The distributions that provide the third-party modules imported anywhere in ``folder``."""
    providers = packages_distributions()
    local = {path.stem for path in folder.glob("*.py")}  # the folder's own modules
    found = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top in sys.stdlib_module_names or top.startswith("horror_lake") or top in local:
                    continue
                found |= {normalized(d) for d in providers.get(top, [top])}
    return found


RUNTIME = names(PROJECT["dependencies"])
DEV = names(PROJECT["optional-dependencies"]["dev"])


def test_every_import_of_the_package_is_a_runtime_dependency() -> None:
    # Modules that come with a declared package (pyspark's and dagster's own) count as it.
    provided_by_declared = {"py4j", "dagster-pipes", "dagster-shared", "pydantic", "botocore"}
    missing = imported_distributions(REPO / "horror_lake") - RUNTIME - provided_by_declared
    assert missing == set()


def test_tests_and_benchmarks_use_only_declared_packages() -> None:
    used = imported_distributions(REPO / "horror_lake_tests") | imported_distributions(
        REPO / "bench"
    )
    provided_by_declared = {"py4j", "dagster-pipes", "dagster-shared", "pydantic", "botocore"}
    assert used - RUNTIME - DEV - provided_by_declared == set()
    assert not ({"psutil", "selenium", "moto", "matplotlib", "pytest"} & RUNTIME)


def test_the_lock_files_pin_every_declared_package() -> None:
    def pinned(lock: str) -> set[str]:
        text = (REPO / lock).read_text(encoding="utf-8")
        return {normalized(m) for m in re.findall(r"^([A-Za-z0-9_.\-]+)==", text, flags=re.M)}

    assert RUNTIME - pinned("requirements.lock") == set()
    assert (RUNTIME | DEV) - pinned("requirements-dev.lock") == set()
