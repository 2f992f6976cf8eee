"""The house shows its architecture: raw -> trusted -> refined -> dashboards over a ground floor of
lake I/O and engines. No module imports from a layer above it, modules don't import each other
in a circle, and the command line starts without loading Dagster."""

import ast
import subprocess
import sys
from pathlib import Path

from horror_lake.modeling.project import PACKAGE_DIR

# Lowest first. A module may import its own layer and the ones below it.
LAYERS = [
    {"settings", "partitions", "event_log"},
    {"lake"},
    {"engines"},
    {"modeling"},
    {"raw"},
    {"trusted"},
    {"refined"},
    {"dashboards"},
    {"tables", "definitions", "automation"},
    {"cli", "sample"},
]


def layer_of(module: str) -> int:
    part = module.split(".")[1] if "." in module else ""
    return next(i for i, names in enumerate(LAYERS) if part in names or part == "")


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE_DIR.rglob("*.py"):
        parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(path: Path, top_level_only: bool) -> set[str]:
    """horror_lake modules imported by ``path`` (at module level only, if asked)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found = set()
    for node in nodes:
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.startswith("horror_lake")
        ):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("horror_lake")}
    return found


def test_no_module_imports_from_a_layer_above_it() -> None:
    upward = []
    for name, path in modules().items():
        if name == "horror_lake":
            continue
        for imported in imports(path, top_level_only=False):
            if imported != "horror_lake" and layer_of(imported) > layer_of(name):
                upward.append(f"{name} imports {imported}")
    assert upward == []


def test_modules_do_not_import_each_other_in_a_circle() -> None:
    graph = {name: imports(path, top_level_only=True) for name, path in modules().items()}
    state: dict[str, str] = {}

    def visit(name: str, trail: list[str]) -> None:
        if state.get(name) == "open":
            raise AssertionError("import circle: " + " -> ".join([*trail, name]))
        if state.get(name) == "done" or name not in graph:
            return
        state[name] = "open"
        for imported in graph[name]:
            visit(imported, [*trail, name])
        state[name] = "done"

    for name in graph:
        visit(name, [])


def test_the_benchmark_modules_do_not_import_each_other_in_a_circle() -> None:
    bench = PACKAGE_DIR.parent / "bench"
    names = {path.stem for path in bench.glob("*.py")}
    graph = {}
    for path in bench.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        graph[path.stem] = {name for name in imported if name in names}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(
            step == goal or (step not in seen and reaches(step, goal, seen | {step}))
            for step in graph[start]
        )

    assert [name for name in graph if reaches(name, name, set())] == []


def test_the_command_line_and_the_package_start_without_dagster(tmp_path: Path) -> None:
    script = (
        "import sys, horror_lake\n"
        "from horror_lake import cli\n"
        f"cli.main(['sample', '--out', {str(tmp_path)!r}, '--movies', '20', '--series', '5'])\n"
        "cli.main(['athena-ddl', '--database', 'horror'])\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dagster', 'pyspark')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert (tmp_path / "movies.csv").exists()


def test_the_code_location_is_the_definitions_module() -> None:
    workspace = (PACKAGE_DIR.parent / "workspace.yaml").read_text(encoding="utf-8")
    assert "module_name: horror_lake.definitions" in workspace
    init = PACKAGE_DIR / "__init__.py"
    assert not imports(init, top_level_only=True)
