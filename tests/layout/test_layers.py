"""The package's floors, checked from the source: no module imports from a floor above its own, no run-time
import cycle joins two modules, and the sandbox imports nothing from the client side (ARCHITECTURE.md).

Imports inside functions count too: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "kalshi_nb"

# component (first name under kalshi_nb) -> floor; a module may import its own floor or those below.
FLOORS = {
    "config": 0,
    "errors": 0,
    "timeargs": 1,
    "endpoints": 1,
    "fees": 1,
    "order_v2": 1,
    "ids": 1,
    "frames": 1,
    "display": 1,
    "pauses": 1,
    "bodies": 1,
    "auth": 2,
    "ratelimit": 2,
    "retry": 2,
    "journal": 2,
    "safety": 2,
    "envcheck": 2,
    "ticks": 2,
    "writer": 3,
    "trading": 3,
    "reads": 3,
    "client": 3,
    "defaults": 3,
    "data": 4,
    "analysis": 4,
    "orders": 4,
    "widgets": 5,
    "ticket": 5,
    "plots": 5,
    "feed": 4,
    "liveview": 5,
    "store": 4,
}
SANDBOX = "sandbox"  # its own tree: imports only itself (and third-party libraries)


def _component(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_only(tree: ast.AST) -> set[int]:
    """Ids of the import nodes under ``if TYPE_CHECKING:``: names for hints, not dependencies at run time."""
    hidden: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            hidden.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return hidden


def _imports(path: Path, *, runtime_only: bool = False) -> set[str]:
    """Every kalshi_nb module ``path`` imports, as absolute dotted names."""
    tree = ast.parse(path.read_text(), filename=str(path))
    skip = _type_only(tree) if runtime_only else set()
    here = _module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "kalshi_nb")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.split(".")[0] == "kalshi_nb":
                target = node.module
            else:
                continue
            found.add(target)
            # `from . import config` names a module too
            found.update(
                f"{target}.{a.name}"
                for a in node.names
                if (PACKAGE.parent / Path(*f"{target}.{a.name}".split("."))).with_suffix(".py").exists()
                or (PACKAGE.parent / Path(*f"{target}.{a.name}".split(".")) / "__init__.py").exists()
            )
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


def test_every_component_has_a_floor() -> None:
    components = {_component(_module_name(p)) for p in MODULES} - {"", SANDBOX}
    assert components <= set(FLOORS), (
        f"give these a floor in FLOORS and ARCHITECTURE.md: {components - set(FLOORS)}"
    )


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE.parent)))
def test_imports_point_down(path: Path) -> None:
    name = _module_name(path)
    if name == "kalshi_nb":
        return  # the package's lazy index names everything, by design
    mine = _component(name)
    for target in _imports(path):
        theirs = _component(target)
        if theirs in ("", mine):
            continue
        if mine == SANDBOX:
            pytest.fail(f"{name} imports {target}: the sandbox must import nothing from the client side")
        if theirs == SANDBOX:
            assert mine == "defaults", f"{name} imports the sandbox; only defaults (connect) may start one"
            continue
        assert FLOORS[theirs] <= FLOORS[mine], (
            f"{name} (floor {FLOORS[mine]}) imports {target} (floor {FLOORS[theirs]}): dependencies point down"
        )


def test_no_import_cycles_between_modules() -> None:
    graph = {
        _module_name(p): {t for t in _imports(p, runtime_only=True) if t != _module_name(p)} for p in MODULES
    }
    graph.pop("kalshi_nb", None)
    # A package's __init__ re-exporting its own submodules is not a cycle of responsibilities.
    for name, targets in graph.items():
        graph[name] = {t for t in targets if not name.startswith(t + ".") and t in graph}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycle = [*trail[trail.index(nxt) :], nxt] if nxt in trail else [node, nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
