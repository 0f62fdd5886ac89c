"""The folder rules, checked from the source with `ast` (nothing is imported or run):

- the engine never imports streamlit, not even inside a function;
- no import circle among engine modules (imports at the top and inside functions both count);
- a page (lessons/) imports from the engine only `from engine import X`,
  `from engine.<core module> import ...` or `from engine.<lesson package> import ...`: nothing
  deeper, and no name starting with `_`;
- no lessons/ file over 300 lines, no engine module over 500;
- PRETRAINING_EXPLORER_* variables are read from the environment only in engine/settings.py.
"""
from __future__ import annotations

import ast
from pathlib import Path

from engine.imports_cli import ENGINE_DIR, find_cycles, import_graph

ROOT = ENGINE_DIR.parent
LESSONS_DIR = ROOT / "lessons"
SETTINGS = ENGINE_DIR / "settings.py"
PREFIX = "PRETRAINING_EXPLORER_"
MAX_LESSON_LINES, MAX_ENGINE_LINES = 300, 500


def _python_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def _tree(path: Path) -> ast.AST:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imports(tree: ast.AST):
    """(line, module, names) for every import anywhere in the tree; names is None for `import m`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, None
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.lineno, node.module or "", [alias.name for alias in node.names]


CORE_MODULES = {p.stem for p in ENGINE_DIR.glob("*.py") if p.stem != "__init__"}
LESSON_PACKAGES = {p.parent.name for p in ENGINE_DIR.glob("*/__init__.py")}


def test_the_rules_see_the_engine():
    assert {"datapack", "models", "settings", "jobs"} <= CORE_MODULES
    assert {"tokens", "lab", "transfer", "world"} <= LESSON_PACKAGES


def test_no_engine_module_imports_streamlit():
    offenders = [f"{path.relative_to(ROOT)}:{line}: {module}"
                 for path in _python_files(ENGINE_DIR)
                 for line, module, _ in _imports(_tree(path))
                 if module == "streamlit" or module.startswith("streamlit.")]
    assert offenders == []


def test_no_import_circle_among_engine_modules():
    cycles = find_cycles(import_graph())
    assert cycles == [], "import circles: " + "; ".join(" -> ".join(cycle) for cycle in cycles)


def page_import_problems(path: Path) -> list[str]:
    """What a lessons/ file imports from the engine beyond the rule (see the module docstring)."""
    problems = []
    for line, module, names in _imports(_tree(path)):
        parts = module.split(".")
        if parts[0] != "engine":
            continue
        where = f"{path.relative_to(ROOT)}:{line}"
        if names is None and len(parts) > 1:
            problems.append(f"{where}: `import {module}`: write `from engine import {parts[1]}`")
            continue
        if len(parts) > 2 or (len(parts) == 2 and parts[1] not in CORE_MODULES | LESSON_PACKAGES):
            problems.append(f"{where}: `from {module} import ...` reaches too deep (engine.<module or package> only)")
        for name in names or ():
            if name.startswith("_"):
                problems.append(f"{where}: imports the private name {name!r} from {module}")
            if len(parts) == 1 and name not in CORE_MODULES | LESSON_PACKAGES:
                problems.append(f"{where}: `from engine import {name}`: no engine module or package is called that")
    return problems


def test_pages_import_the_engine_only_through_its_front_doors():
    problems = [p for path in _python_files(LESSONS_DIR) for p in page_import_problems(path)]
    assert problems == [], "\n".join(problems)


def test_the_page_rule_itself(tmp_path):
    page = tmp_path / "lessons" / "x.py"
    page.parent.mkdir()
    page.write_text("from engine import models, transfer\nfrom engine.transfer import results\n"
                    "from engine.models import load_artifact\nfrom engine.transfer.results import f\n"
                    "from engine.models import _quiet\nimport engine.world.results\n")
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        problems = page_import_problems(page)
    finally:
        ROOT = saved
    assert [p.split(": ", 1)[0] for p in problems] == ["lessons/x.py:4", "lessons/x.py:5", "lessons/x.py:6"]


def _line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_lesson_files_stay_under_300_lines():
    long_pages = {str(p.relative_to(ROOT)): n for p in _python_files(LESSONS_DIR)
                  if (n := _line_count(p)) > MAX_LESSON_LINES}
    assert long_pages == {}, f"lessons/ files over {MAX_LESSON_LINES} lines"


def test_engine_modules_stay_under_500_lines():
    long_modules = {str(p.relative_to(ROOT)): n for p in _python_files(ENGINE_DIR)
                    if (n := _line_count(p)) > MAX_ENGINE_LINES}
    assert long_modules == {}, f"engine modules over {MAX_ENGINE_LINES} lines"


def _is_environ(node: ast.AST) -> bool:
    """os.environ, or a bare `environ` (from os import environ)."""
    return ((isinstance(node, ast.Attribute) and node.attr == "environ")
            or (isinstance(node, ast.Name) and node.id == "environ"))


def _names_our_variable(key: ast.AST, constants: dict[str, str]) -> bool:
    """The key is a PRETRAINING_EXPLORER_ name: a literal, a module constant holding one, settings.X,
    or an f-string / concatenation that starts with the prefix."""
    if isinstance(key, ast.Constant) and isinstance(key.value, str):
        return key.value.startswith(PREFIX)
    if isinstance(key, ast.Name):
        return constants.get(key.id, "").startswith(PREFIX)
    if isinstance(key, ast.Attribute) and isinstance(key.value, ast.Name) and key.value.id == "settings":
        return True
    if isinstance(key, ast.JoinedStr) and key.values:
        return _names_our_variable(key.values[0], constants)
    if isinstance(key, ast.BinOp):
        return _names_our_variable(key.left, constants) or (
            isinstance(key.left, ast.Name) and key.left.id == "PREFIX")
    return False


def environment_reads(path: Path) -> list[str]:
    """Lines of `path` that read a PRETRAINING_EXPLORER_ variable from os.environ / os.getenv."""
    tree = _tree(path)
    constants = {target.id: node.value.value for node in ast.walk(tree) if isinstance(node, ast.Assign)
                 and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
                 for target in node.targets if isinstance(target, ast.Name)}
    found = []
    for node in ast.walk(tree):
        key = None
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in ("get", "pop") and _is_environ(func.value):
                key = node.args[0]
            elif (isinstance(func, ast.Attribute) and func.attr == "getenv") or (
                    isinstance(func, ast.Name) and func.id == "getenv"):
                key = node.args[0]
        elif isinstance(node, ast.Subscript) and _is_environ(node.value):
            key = node.slice
        elif isinstance(node, ast.Compare) and any(_is_environ(c) for c in node.comparators):
            key = node.left
        if key is not None and _names_our_variable(key, constants):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_our_variables_are_read_only_in_settings():
    files = [p for p in _python_files(ENGINE_DIR) + _python_files(LESSONS_DIR) + [ROOT / "app.py"]
             if p != SETTINGS]
    reads = [line for path in files for line in environment_reads(path)]
    assert reads == [], "read these through engine.settings: " + ", ".join(reads)


def test_the_environment_rule_itself(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text('import os\nENV = "PRETRAINING_EXPLORER_X"\nA = os.environ.get(ENV)\n'
                      'B = os.environ["PRETRAINING_EXPLORER_Y"]\nC = os.getenv("HOME")\n'
                      'D = "PRETRAINING_EXPLORER_Z" in os.environ\n')
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert environment_reads(sample) == ["x.py:3", "x.py:4", "x.py:6"]
    finally:
        ROOT = saved
