"""The layout's rules, checked over the source (issue 18): a newcomer finds each concern in one
room, and these keep it so.

- no module over 400 lines, no function over 60 without saying why in its docstring;
- dialect branches (a comparison with "sqlite"/"postgresql", an isinstance of an adapter
  class) only in the adapter package and in URL parsing;
- no import cycle between the project's modules (imports inside functions included);
- `transforms/` pure: no I/O, no database, no dialect; the core never imports `devtools`
  except the `demo` command.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("v2_backfill", "flows", "transforms", "expectations", "sql", "devtools")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
LONG_REASON = "Long because"
"""How a function's docstring starts the sentence that says why it is longer than the rule."""
DIALECT_ROOMS = ("v2_backfill/db/", "v2_backfill/config.py")
DIALECTS = {"sqlite", "postgresql"}
ADAPTERS = {"SqliteDatabase", "PostgresDatabase"}


def modules() -> Iterator[tuple[str, ast.Module]]:
    """(path relative to the root, parsed module) of every module of the project's packages."""
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            yield relative, ast.parse(path.read_text(encoding="utf-8"), relative)


def module_name(relative: str) -> str:
    name = relative.removesuffix(".py").replace("/", ".")
    return name.removesuffix(".__init__")


def test_no_module_over_400_lines():
    long = {
        relative: len((ROOT / relative).read_text(encoding="utf-8").splitlines())
        for relative, _ in modules()
    }
    assert {k: v for k, v in long.items() if v > MAX_MODULE_LINES} == {}


def test_no_function_over_60_lines_without_a_reason():
    offenders = []
    for relative, tree in modules():
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES and LONG_REASON not in (ast.get_docstring(node) or ""):
                offenders.append(f"{relative}:{node.lineno} {node.name} ({length} lines)")
    assert offenders == []


def _dialect_branches(tree: ast.Module) -> Iterator[int]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for operand in operands:
                values = operand.elts if isinstance(operand, ast.Tuple | ast.Set) else [operand]
                if any(isinstance(v, ast.Constant) and v.value in DIALECTS for v in values):
                    yield node.lineno
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "isinstance":
            names = {getattr(n, "id", getattr(n, "attr", None)) for n in ast.walk(node.args[1])}
            if names & ADAPTERS:
                yield node.lineno


def test_dialect_branches_only_in_the_adapter_and_url_parsing():
    outside = [
        f"{relative}:{line}"
        for relative, tree in modules()
        if not relative.startswith(DIALECT_ROOMS)
        for line in _dialect_branches(tree)
    ]
    assert outside == []


def _imports(relative: str, tree: ast.Module) -> set[str]:
    """The project modules `relative` imports, anywhere in it (lazy imports included)."""
    names: set[str] = set()
    package = module_name(relative).rsplit(".", 1)[0] if not relative.endswith("__init__.py") \
        else module_name(relative)  # fmt: skip
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def test_no_import_cycle():
    graph: dict[str, set[str]] = {}
    trees = dict(modules())
    known = {module_name(relative) for relative in trees}
    for relative, tree in trees.items():
        graph[module_name(relative)] = (_imports(relative, tree) & known) - {module_name(relative)}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph[node]):
            if target.startswith(f"{node}.") or node.startswith(f"{target}."):
                continue  # a package and its own modules
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_transforms_are_pure():
    banned = {"sqlalchemy", "psycopg", "sqlite3", "sql", "v2_backfill", "prefect", "pandas", "os"}
    found = {
        relative: sorted(name for name in _imports(relative, tree) if name.split(".")[0] in banned)
        for relative, tree in modules()
        if relative.startswith("transforms/")
    }
    assert {k: v for k, v in found.items() if v} == {}
    assert [f"{r}:{line}" for r, t in modules() if r.startswith("transforms/")
            for line in _dialect_branches(t)] == []  # fmt: skip


def test_the_core_leaves_the_demo_generator_to_devtools():
    users = sorted(
        relative
        for relative, tree in modules()
        if relative.startswith(("v2_backfill/", "flows/", "transforms/"))
        and any(name.startswith("devtools") for name in _imports(relative, tree))
    )
    assert all(relative.startswith("v2_backfill/cli") for relative in users), users
