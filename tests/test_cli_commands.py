"""Every `python -m engine ...` command the app prints for a reader to run is one the CLI accepts.

The commands are read from the source (string constants, f-strings' constant parts, never
docstrings) of engine/ and lessons/, each cut at a backtick, a quote or the end of the line, and
parsed by engine.__main__.build_parser(): a command that would end in argparse's usage error, or
that names a module (`python -m engine.world.tuning`) instead of the CLI, fails here.
"""
from __future__ import annotations

import ast
import importlib
import re
import shlex
from pathlib import Path

import pytest

from engine import build
from engine.__main__ import build_parser

ROOT = Path(__file__).resolve().parent.parent
COMMAND = re.compile(r"python3? -m engine[^`'\"\n]*")
HOLE = "\x00"  # where an f-string puts a value only known at run time


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def printed_commands() -> list[tuple[str, str]]:
    """(where, command) for every `python -m engine` in a string of engine/ or lessons/."""
    out = []
    for folder in ("engine", "lessons"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            skip = _docstrings(tree)
            for node in ast.walk(tree):
                if isinstance(node, ast.JoinedStr):
                    skip.update(id(v) for v in node.values)
            for node in ast.walk(tree):
                if id(node) in skip:
                    continue
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    text = node.value
                elif isinstance(node, ast.JoinedStr):
                    text = "".join(v.value if isinstance(v, ast.Constant) else HOLE for v in node.values)
                else:
                    continue
                for match in COMMAND.finditer(text):
                    out.append((f"{path.relative_to(ROOT)}:{node.lineno}", match.group(0).strip().rstrip(".,;:)")))
    return out


COMMANDS = printed_commands()


def test_the_app_prints_commands_at_all():
    """The collector finds the commands we know are there (a broken regex would pass everything)."""
    found = {command for _, command in COMMANDS}
    assert {"python -m engine build base", "python -m engine data smollm2"} <= found


@pytest.mark.parametrize(("where", "command"), COMMANDS, ids=[f"{w} {c}" for w, c in COMMANDS])
def test_printed_command_is_accepted_by_the_cli(where, command):
    words = command.split(HOLE)[0].split()
    assert words[:3] in (["python", "-m", "engine"], ["python3", "-m", "engine"]), (
        f"{where}: {command!r} runs a module, not the CLI: print `python -m engine COMMAND ...` instead")
    argv = shlex.split(" ".join(words[3:]))
    if not argv:
        return  # the CLI named alone (a usage line's prog): nothing to parse
    try:
        args = build_parser().parse_args(argv)
    except SystemExit:
        pytest.fail(f"{where}: the CLI refuses {command!r} (usage error)", pytrace=False)
    if args.command == "build":
        rest = [a for a in args.rest if a != "--"]
        if args.target in build.DELEGATED:
            parser = getattr(importlib.import_module(build.DELEGATED[args.target]), "build_parser", None)
            if parser is not None and "--help" not in rest:
                try:
                    parser().parse_args(rest)
                except SystemExit:
                    pytest.fail(f"{where}: `build {args.target}` refuses {rest!r}", pytrace=False)
        else:
            assert not rest, f"{where}: {command!r}: `build {args.target}` takes no extra words {rest!r}"


def test_build_refuses_extra_words_for_its_own_targets():
    with pytest.raises(SystemExit):
        build.run(build_parser().parse_args(["build", "base", "writes", "it"]))
