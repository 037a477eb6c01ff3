"""The layout is a specification: layers import downward only, no module imports itself in
a circle, and no class or function grows past what a reader can hold in mind.

Imports are read from the source (every `import`, including those inside functions and under
`TYPE_CHECKING`: a circle there is still a circle for a reader).
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sim"

# lowest first; a module may import its own layer and the layers before it
LAYERS = (
    ("errors", "io"),
    ("scenario",),
    ("ecosystem",),
    ("analysis",),
    ("experiments",),
    ("studies",),
    ("views",),
    ("cli",),
)
MAX_CLASS_LINES = 400
MAX_FUNCTION_LINES = 60


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sources() -> dict[str, ast.Module]:
    return {module_name(p): ast.parse(p.read_text(), str(p)) for p in PACKAGE.rglob("*.py")}


def imported_modules(name: str, tree: ast.Module, known: set[str]) -> set[str]:
    """The sim modules `name` imports (`from sim.x import y` counts sim.x.y when it is a module)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = name.split(".")[: -node.level + (1 if _is_package(name) else 0) or None]
                base = ".".join([*package, base] if base else package)
            found.add(base)
            found |= {f"{base}.{a.name}" for a in node.names}
    return {m for m in found if m in known and m != name}


def _is_package(name: str) -> bool:
    return (PACKAGE.parent / name.replace(".", "/") / "__init__.py").exists()


def import_graph() -> nx.DiGraph:
    trees = sources()
    graph = nx.DiGraph()
    graph.add_nodes_from(trees)
    for name, tree in trees.items():
        for target in imported_modules(name, tree, set(trees)):
            # a package's __init__ re-exporting its own modules is not a dependency of theirs
            if not target.startswith(name + "."):
                graph.add_edge(name, target)
    return graph


def layer(module: str) -> int | None:
    top = module.split(".")[1] if "." in module else None
    return next((i for i, names in enumerate(LAYERS) if top in names), None)


def test_there_are_no_import_circles():
    cycles = list(nx.simple_cycles(import_graph()))
    assert not cycles, "import circles:\n" + "\n".join(" -> ".join([*c, c[0]]) for c in cycles)


def test_every_module_belongs_to_a_layer():
    unplaced = [m for m in import_graph() if m != "sim" and layer(m) is None]
    assert not unplaced


def test_layers_import_only_downward():
    upward = [
        f"{a} -> {b}"
        for a, b in import_graph().edges
        if a != "sim" and layer(b) is not None and layer(b) > layer(a)
    ]
    assert not upward, "imports that climb the layers:\n" + "\n".join(sorted(upward))


def test_the_model_never_imports_experiments_analysis_or_views():
    graph = import_graph()
    model = [m for m in graph if m.startswith("sim.ecosystem")]
    reached = set().union(*(nx.descendants(graph, m) for m in model))
    assert not {m for m in reached if layer(m) is not None and layer(m) > layer("sim.ecosystem")}


def _spans(tree: ast.Module):
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            yield node, node.end_lineno - node.lineno + 1


@pytest.mark.parametrize(
    ("kind", "limit"), [(ast.ClassDef, MAX_CLASS_LINES), (ast.FunctionDef, MAX_FUNCTION_LINES)]
)
def test_no_class_or_function_is_too_long(kind, limit):
    long = [
        f"{name}.{node.name}: {lines} lines"
        for name, tree in sources().items()
        for node, lines in _spans(tree)
        if isinstance(node, kind) and lines > limit
    ]
    assert not long, f"longer than {limit} lines:\n" + "\n".join(sorted(long))


def test_the_checks_see_a_circle_and_a_climb(tmp_path):
    """The graph builder is not vacuous: a synthetic upward import is found."""
    tree = ast.parse("from sim.views.plots import STYLE\n")
    known = {"sim.views.plots", "sim.ecosystem.model"}
    assert imported_modules("sim.ecosystem.model", tree, known) == {"sim.views.plots"}
    assert layer("sim.views.plots") > layer("sim.ecosystem.model")
