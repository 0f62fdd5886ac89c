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
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (module_name, help_text) in COMMANDS.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue  # command not built yet
        module.add_arguments(sub.add_parser(name, help=help_text, description=help_text))
    args = parser.parse_args(argv)
    module = importlib.import_module(COMMANDS[args.command][0])
    return int(module.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
