#!/usr/bin/env bash
# Install time: a fresh virtual environment plus `pip install -r requirements.txt`,
# timed from nothing. Uses pip's cache like a returning user would; pass
# --no-cache to time a first install (slower, and it downloads everything).
#
#     bash benchmarks/bench_install.sh [--no-cache]
set -euo pipefail
cd "$(dirname "$0")/.."
venv="$(mktemp -d)/venv"
trap 'rm -rf "$(dirname "$venv")"' EXIT
pip_flags=()
if [ "${1:-}" = "--no-cache" ]; then pip_flags+=(--no-cache-dir); fi

start=$(date +%s.%N)
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "${pip_flags[@]}" -r requirements.txt
end=$(date +%s.%N)
size=$(du -sm "$venv" | cut -f1)
printf 'fresh venv + pip install -r requirements.txt: %.0f s, %s MB on disk (python %s)\n' \
    "$(python3 -c "print($end - $start)")" "$size" "$("$venv/bin/python" -c 'import platform; print(platform.python_version())')"
