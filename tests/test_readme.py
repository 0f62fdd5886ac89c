"""The README's two set-up commands are the ones people and CI actually run."""
from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
CI_RUN = ROOT / ".ci" / "run"


def code_blocks(text: str) -> list[str]:
    return [b.strip() for b in re.findall(r"```(?:bash|sh)\n(.*?)```", text, flags=re.S)]


def test_readme_has_exactly_two_setup_commands():
    blocks = code_blocks(README)
    assert blocks == [
        "python3 -m venv .venv && . .venv/bin/activate && pip install -r requirements.txt && streamlit run app.py",
        "python3 -m venv .venv && . .venv/bin/activate && pip install -r requirements-dev.txt && python -m pytest",
    ]


def test_ci_runs_the_readme_test_command_verbatim():
    test_command = code_blocks(README)[1]
    lines = [line.strip() for line in CI_RUN.read_text(encoding="utf-8").splitlines()]
    assert test_command in lines
    assert os.access(CI_RUN, os.X_OK), ".ci/run must be executable"
    assert "set -euo pipefail" in lines


def test_readme_links_resolve():
    for target in re.findall(r"\]\(((?!https?:)[^)#]+)\)", README):
        assert (ROOT / target).exists(), f"README links to missing {target}"


def test_readme_names_no_package_index_host():
    assert not re.search(r"pypi\.org|download\.pytorch\.org|files\.pythonhosted", README)
