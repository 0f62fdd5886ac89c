"""Small checks shared by the pages' AppTests."""
from streamlit.testing.v1 import AppTest


def assert_clean(at: AppTest) -> None:
    """The script ran to the end with no exception shown on the page."""
    assert not at.exception, [e.value for e in at.exception]


def all_text(at: AppTest) -> str:
    """Every piece of text the page wrote: markdown, captions and alerts."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]
    parts += [w.value for w in at.warning] + [e.value for e in at.error] + [s.value for s in at.success]
    return "\n".join(str(p) for p in parts)


def page_with_query(path: str, *, timeout: float, **query) -> AppTest:
    """The page at `path` opened as a shared link would open it: `query` in its URL."""
    at = AppTest.from_file(path, default_timeout=timeout)
    for k, v in query.items():
        at.query_params[k] = v
    return at


def markdown_body(at: AppTest) -> str:
    """The page's markdown, joined (the lesson and the readings, without captions or alerts)."""
    return "\n".join(str(m.value) for m in at.markdown)
