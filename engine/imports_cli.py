"""`python -m engine imports [--cycles]`: the engine's own import graph, read from the source.

Built with `ast` from every file under engine/, so nothing is imported or run: each module maps
to the engine modules it imports, at the top of the file or inside a function (a lazy import is
still a dependency, and still closes a circle). tests/test_architecture.py uses the same graph.

Not handled: imports made by name at run time (`importlib.import_module("engine.x")`), which
the CLI's command table and the build's delegated targets use on purpose.
"""
from __future__ import annotations

import argparse
import ast
from pathlib import Path

ENGINE_DIR = Path(__file__).resolve().parent
PACKAGE = ENGINE_DIR.name  # "engine"


def module_name(path: Path, root: Path = ENGINE_DIR) -> str:
    """engine/transfer/build.py -> 'engine.transfer.build'; a package's __init__.py -> the package."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def module_files(root: Path = ENGINE_DIR) -> dict[str, Path]:
    """Every engine module's dotted name -> its file (caches and hidden folders left out)."""
    files = {}
    for path in sorted(root.rglob("*.py")):
        if any(part.startswith((".", "__pycache__")) for part in path.relative_to(root).parts):
            continue
        files[module_name(path, root)] = path
    return files


def imported_names(tree: ast.AST, module: str, *, is_package: bool = False) -> set[str]:
    """Every dotted name an `import` or `from ... import` anywhere in the tree may refer to.

    `from engine import corpus` yields both 'engine' and 'engine.corpus' (the name may be a
    module or an attribute); relative imports are resolved against `module`.
    """
    names: set[str] = set()
    here = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = here[: len(here) - (node.level - 1)]  # each extra dot: one package up
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
    return names


def import_graph(root: Path = ENGINE_DIR) -> dict[str, set[str]]:
    """module -> the other engine modules it imports (top level and inside functions)."""
    files = module_files(root)
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        names = imported_names(tree, module, is_package=path.name == "__init__.py")
        graph[module] = {name for name in names if name in files and name != module
                         and name != PACKAGE}  # `from engine import x` is an edge to x, not to engine
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each import circle once, as [a, b, ..., a], from the strongly connected components."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's algorithm; the graph is a few dozen modules
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_one_cycle(graph, component) for component in components]


def _one_cycle(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """A shortest path from the component's first module back to itself, inside the component."""
    members, start = set(component), component[0]
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        nxt_frontier = []
        for node in frontier:
            for nxt in sorted(graph.get(node, ())):
                if nxt == start:
                    return paths[node] + [start]
                if nxt in members and nxt not in paths:
                    paths[nxt] = paths[node] + [nxt]
                    nxt_frontier.append(nxt)
        frontier = nxt_frontier
    return component + [start]  # not reached: a strongly connected component has a cycle


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cycles", action="store_true", help="report import circles only (exit 1 if any)")


def run(args: argparse.Namespace) -> int:
    graph = import_graph()
    if args.cycles:
        cycles = find_cycles(graph)
        for cycle in cycles:
            print("cycle: " + " -> ".join(cycle))
        if not cycles:
            print("no import cycles among engine modules")
        return 1 if cycles else 0
    for module in sorted(graph):
        print(f"{module} -> {', '.join(sorted(graph[module])) or '(no engine imports)'}")
    return 0
