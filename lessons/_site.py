"""The page table: every page's file, address, title, icon and section, and the road from
text to assistant. app.py builds the navigation from it; the glossary, the home page's stage
cards and the "Next:" links read it too, so no page imports app.py.

Plain data and pathlib only: the home page imports this, and it must paint fast.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

HOME_SECTION = "Start"
HOME_TITLE = "Pretraining Explorer"


@dataclass(frozen=True)
class PageSpec:
    section: str  # sidebar heading the page sits under
    file: str  # script path relative to the repository root
    url_path: str  # the page's address: /<url_path>
    title: str  # label in the navigation and in links
    icon: str  # Material icon shown beside the title
    imports: str = "models"  # what it imports (lessons/_imports.TIERS); app.py warms that first, one thread at a time


HOME = PageSpec(HOME_SECTION, "lessons/home.py", "", "Home", ":material/home:", imports="charts")  # at /

# One line per page. A page is registered only when its file exists, so a
# lesson that is not written yet never shows up as a placeholder.
PAGES: tuple[PageSpec, ...] = (
    PageSpec("Tokens", "lessons/tokens.py", "tokens", "Tokens", ":material/data_array:", imports="data"),
    PageSpec("Pretraining", "lessons/next_token.py", "next-token", "Next-token prediction", ":material/keyboard_tab:"),
    PageSpec("Pretraining", "lessons/lab.py", "lab", "Pretraining lab", ":material/science:"),
    PageSpec("Tuning", "lessons/transfer.py", "transfer", "Transfer learning", ":material/call_split:"),
    PageSpec("What a model knows", "lessons/knowledge.py", "knowledge", "Recall and hallucination",
             ":material/psychology:"),
    PageSpec("What a model knows", "lessons/cutoff.py", "cutoff", "Knowledge cutoff", ":material/event_busy:"),
    PageSpec("Tuning", "lessons/tuning.py", "tuning", "Tuning cannot add facts", ":material/tune:"),
    PageSpec("Reference", "lessons/glossary.py", "glossary", "Glossary", ":material/menu_book:", imports="charts"),
)



def available_pages() -> list[PageSpec]:
    """The rows of PAGES whose script is on disk, in table order."""
    return [p for p in PAGES if (ROOT / p.file).is_file()]


def page_by_url_path() -> dict[str, PageSpec]:
    """Registered pages by url_path (the home page is not in the table)."""
    return {p.url_path: p for p in available_pages()}


# The road from raw text to an assistant. Each stage names the url_paths of the
# pages that show it; a stage whose pages do not exist yet is described with no link.
STAGES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "1 · Tokens",
        "Text is cut into tokens, the pieces a model actually reads, by a tokenizer fixed before training starts.",
        ("tokens",),
    ),
    (
        "2 · Pretraining",
        "One model learns to guess the next token across a vast amount of unlabelled text. "
        "The result is a base model: fluent, knowledgeable, but not yet helpful.",
        ("next-token", "lab"),
    ),
    (
        "3 · Tuning",
        "A short, cheap second round of training on a small labelled set teaches the base model "
        "a job: classify texts, or answer questions in a chat. It changes how the model behaves "
        "far more than what it knows.",
        ("transfer", "tuning"),
    ),
    (
        "4 · Assistant",
        "The tuned model answers questions. It knows only what its pretraining text held, up to "
        "a cutoff date, and fills gaps with confident guesses.",
        ("knowledge", "cutoff"),
    ),
)


def page_link_target(url_path: str) -> str | None:
    """The file st.page_link needs for a page's url_path, or None when the page is not on disk."""
    spec = page_by_url_path().get(url_path)
    return spec.file if spec else None
