"""Command line: `python -m engine COMMAND ...`.

Each command's module is imported only when that command runs, so
`python -m engine data` never pays for importing torch.
"""
from __future__ import annotations

import argparse
import importlib
import sys

# command -> (module, help). Each module exposes add_arguments(parser) and run(args) -> int.
COMMANDS = {
    "data": ("engine.datapack_cli", "fetch and verify the offline data pack"),
    "pretrain": ("engine.pretrain_cli", "pretrain a decoder-only model from a preset"),
    "build": ("engine.build", "rebuild committed artifacts in assets/"),
    "imports": ("engine.imports_cli", "print the engine's module import graph (--cycles: its import circles)"),
    "measure": ("engine.measure_cli", "run a slow measurement a page quotes (e.g. smollm-cutoff)"),
}


def build_parser() -> argparse.ArgumentParser:
    """The whole command line's parser (tests parse every command the app prints with it)."""
    parser = argparse.ArgumentParser(prog="python -m engine", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (module_name, help_text) in COMMANDS.items():
        module = importlib.import_module(module_name)  # light: command modules import heavy things in run()
        module.add_arguments(sub.add_parser(name, help=help_text, description=help_text))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    module = importlib.import_module(COMMANDS[args.command][0])
    return int(module.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
