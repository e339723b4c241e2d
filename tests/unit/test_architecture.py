"""The package's imports keep the layout of ARCHITECTURE.md: arrows only point down, no node
imports another node, and no modules import each other in a loop.

Every import counts, also those inside functions and under TYPE_CHECKING: a lazy import is
still a dependency, only a later one.
"""

from __future__ import annotations

import ast
from pathlib import Path

from postgraph.settings import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "postgraph"

# Floors, lowest first. A module may import its own wing and any wing on a lower floor.
# graph/ has three floors: the builder sits above nodes/ and the writer above the builder;
# the rest of graph/ (state, context, pins, kit, budget, routing, checkpointing) below nodes/.
FLOORS: dict[str, int] = {
    "settings": 0, "errors": 0,
    "domain": 1, "text": 1, "services": 1,
    "llm": 2, "search": 2, "stores": 2, "factcheck": 2,
    "post": 3, "ingest": 3, "registry": 3,
    "prompts": 4, "observability": 4, "quality": 4, "reporting": 4,
    "graph": 5,
    "nodes": 6,
    "graph.builder": 7,
    "graph.writer": 8,
    "api": 9, "gate": 9, "monitor": 9,
    "cli": 10,
    "__main__": 11,
}
ADAPTERS_AND_DOMAIN_LOGIC = ("ingest", "search", "stores", "llm", "factcheck", "post", "quality", "reporting")
ABOVE_THEM = ("graph", "graph.builder", "graph.writer", "nodes", "api", "gate", "monitor", "cli")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_modules() -> dict[str, Path]:
    return {module_name(path): path for path in PACKAGE.rglob("*.py")}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that `name` imports (a `from x import y` of a submodule counts
    as importing it)."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name and target != "postgraph":
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = package_modules()
    known = set(modules)
    return {name: imports_of(name, path, known) for name, path in modules.items()}


def wing(module: str) -> str:
    parts = module.split(".")[1:]
    if not parts:
        return "postgraph"
    if parts[0] == "graph" and len(parts) > 1 and f"graph.{parts[1]}" in FLOORS:
        return f"graph.{parts[1]}"
    return parts[0]


def upward_arrows(graph: dict[str, set[str]]) -> list[str]:
    found = []
    for source, targets in graph.items():
        for target in targets:
            a, b = wing(source), wing(target)
            if a != b and FLOORS[b] >= FLOORS[a]:
                found.append(f"{source} -> {target} ({a} floor {FLOORS[a]}, {b} floor {FLOORS[b]})")
    return sorted(found)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_every_wing_has_a_floor() -> None:
    unknown = {wing(m) for m in import_graph()} - set(FLOORS) - {"postgraph"}
    assert not unknown, f"wings without a floor in ARCHITECTURE.md and this test: {sorted(unknown)}"


def test_arrows_only_point_down() -> None:
    assert upward_arrows(import_graph()) == []


def test_adapters_and_domain_logic_never_import_the_graph_nodes_api_or_cli() -> None:
    graph = import_graph()
    wrong = [f"{s} -> {t}" for s, targets in graph.items() for t in targets
             if wing(s) in ADAPTERS_AND_DOMAIN_LOGIC and wing(t) in ABOVE_THEM]
    assert wrong == []


def node_to_node(graph: dict[str, set[str]]) -> list[str]:
    return sorted(f"{s} -> {t}" for s, targets in graph.items() for t in targets
                  if s.startswith("postgraph.nodes.") and t.startswith("postgraph.nodes."))


def test_no_node_imports_another_node() -> None:
    assert node_to_node(import_graph()) == []


def test_no_import_cycles() -> None:
    assert cycles(import_graph()) == []


def test_the_checker_sees_an_upward_arrow_a_node_to_node_import_and_a_cycle() -> None:
    """The rules above can fail: planted edges are caught."""
    graph = {name: set(targets) for name, targets in import_graph().items()}
    graph["postgraph.factcheck.verdicts"].add("postgraph.graph.state")
    graph["postgraph.nodes.finalize"].add("postgraph.nodes.fact_check")
    graph["postgraph.text"].add("postgraph.post.rules")
    assert "postgraph.factcheck.verdicts -> postgraph.graph.state (factcheck floor 2, graph floor 5)" in upward_arrows(graph)
    assert node_to_node(graph) == ["postgraph.nodes.finalize -> postgraph.nodes.fact_check"]
    assert any("postgraph.text" in component and "postgraph.post.rules" in component for component in cycles(graph))
    assert len(package_modules()) > 50 and len(import_graph()["postgraph.graph.builder"]) >= 8
