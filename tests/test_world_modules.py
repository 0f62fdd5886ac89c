"""engine/world stays small and one-directional: no module over 500 lines, no import circle
among its modules (top-level imports), nothing from streamlit."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "engine" / "world"


def top_level_world_imports(path: Path) -> set[str]:
    """The engine.world modules a file imports at its top level (not inside functions)."""
    found = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "engine.world":
                found |= {a.name for a in node.names}
            elif node.module.startswith("engine.world."):
                found.add(node.module.split(".")[2])
    return found


def test_no_module_over_500_lines_and_no_streamlit():
    for path in PACKAGE.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert len(text.splitlines()) <= 500, path.name
        assert "import streamlit" not in text and "from streamlit" not in text, path.name


def test_no_import_circle_inside_engine_world():
    graph = {p.stem: top_level_world_imports(p) for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, " -> ".join(path + (module,))
        if module in done:
            return
        for nxt in graph.get(module, ()):
            visit(nxt, path + (module,))
        done.add(module)

    for module in graph:
        visit(module, ())


def test_the_package_docstring_names_every_public_module():
    doc = (PACKAGE / "__init__.py").read_text(encoding="utf-8")
    for path in PACKAGE.glob("*.py"):
        if path.stem != "__init__":
            assert f"`{path.stem}`" in doc, path.stem
