"""Corpus: readers turn each source's raw layout into clean documents; the split is stable."""
import json

import pytest

from engine import corpus

PLAY = """# Othello

## ACT I

### SCENE I. Venice. A street.

_Enter RODERIGO and IAGO_

**RODERIGO**  
Tush! never tell me; I take it much unkindly  
That thou, Iago, who hast had my purse

**IAGO**  
_\\[Aside]_ 'Sblood, but you will not hear me:  
And I\\--God bless the mark!

_Exit_

## ACT II

### SCENE I. A sea-port in Cyprus.

**MONTANO**  
What from the cape can you discern at sea?
"""

WORDNET = """  1 This software and database is being provided to you, the LICENSEE, by
  2 Princeton University under the following license.
02084071 05 n 02 dog 0 domestic_dog 0 001 @ 02083346 n 0000 | a member of the genus Canis; "the dog barked all night"
01005063 00 a 01 grand(a) 0 000 | of high rank
"""


OURS = ("shakespeare", "bible", "bbc-news", "wordnet")  # the sources this file fakes


@pytest.fixture
def roots(tmp_path):
    (tmp_path / "sh" / "tragedies").mkdir(parents=True)
    (tmp_path / "sh" / "tragedies" / "othello.md").write_text(PLAY)
    (tmp_path / "bi").mkdir()
    verses = [("Genesis", 1, 1, "In the beginning God created the heaven and the earth."),
              ("Genesis", 1, 2, "And the earth was without form, and void."),
              ("Exodus", 1, 1, "Now these are the names of the children of Israel.")]
    (tmp_path / "bi" / "kjv.jsonl").write_text("\n".join(
        json.dumps({"citation": f"{b} {c}:{v}", "text": t, "book": b, "chapter": c, "verse": v})
        for b, c, v, t in verses) + "\n")
    (tmp_path / "bbc" / "business").mkdir(parents=True)
    (tmp_path / "bbc" / "business" / "001.txt").write_bytes("Ad sales boost\n\nProfits rose \xa31m.\n".encode("latin-1"))
    (tmp_path / "bbc" / "tech" ).mkdir()
    (tmp_path / "bbc" / "tech" / "002.txt").write_text("New phone\n\nIt is fast – très.\n", encoding="utf-8")
    (tmp_path / "wn").mkdir()
    for pos in corpus.WORDNET_POS:
        (tmp_path / "wn" / f"data.{pos}").write_text(WORDNET if pos == "noun" else "")
    return {"shakespeare": tmp_path / "sh", "bible": tmp_path / "bi", "bbc-news": tmp_path / "bbc",
            "wordnet": tmp_path / "wn"}


def test_shakespeare_scenes_are_clean_scripts(roots):
    docs = corpus.documents(["shakespeare"], roots=roots)
    assert [d.id for d in docs] == ["othello/000", "othello/001"]
    first, second = docs[0].text, docs[1].text
    assert first.startswith("Othello\n\nACT I\n\nSCENE I. Venice. A street.")
    assert "RODERIGO:\nTush! never tell me" in first
    assert "[Aside] 'Sblood" in first and "I--God bless" in first
    assert not any(ch in first + second for ch in "*_#\\")
    assert second.startswith("ACT II\n\nSCENE I. A sea-port")  # the act heading opens the next scene


def test_bible_chapters(roots):
    docs = corpus.documents(["bible"], roots=roots)
    assert [d.id for d in docs] == ["Genesis/1", "Exodus/1"]
    assert docs[0].text == ("Genesis 1\n\nIn the beginning God created the heaven and the earth.\n"
                            "And the earth was without form, and void.")


def test_bbc_ids_are_label_slash_file_and_any_encoding_reads(roots):
    docs = list(corpus.read_bbc_articles(roots["bbc-news"]))
    assert [d.key for d in docs] == ["bbc-news/business/001.txt", "bbc-news/tech/002.txt"]
    assert "£1m" in docs[0].text and "très" in docs[1].text
    # documents() keeps only the topic task's train articles; exclude removes more
    in_corpus = [d.key for d in corpus.documents(["bbc-news"], roots=roots)]
    kept = corpus.documents(["bbc-news"], roots=roots, exclude={"bbc-news/tech/002.txt"})
    assert [d.key for d in kept] == [k for k in in_corpus if k != "bbc-news/tech/002.txt"]


def test_wordnet_glosses(roots):
    docs = corpus.documents(["wordnet"], roots=roots)
    assert [d.text for d in docs] == [
        'dog, domestic dog (n.): a member of the genus Canis; "the dog barked all night"',
        "grand (n.): of high rank",
    ]


def test_split_is_by_key_alone_and_near_the_fraction():
    keys = [f"src/{i}" for i in range(20000)]
    splits = [corpus.split_of(k) for k in keys]
    assert splits == [corpus.split_of(k) for k in keys]  # deterministic
    share = splits.count("val") / len(splits)
    assert abs(share - corpus.VAL_FRACTION) < 0.01
    # a document's side never depends on which other documents exist
    assert corpus.split_of("bbc-news/business/001.txt") == corpus.Document("bbc-news", "business/001.txt", "").split


def test_statistics_by_source_and_split(roots):
    docs = corpus.documents(OURS, roots=roots)
    rows = corpus.statistics(docs)
    assert {"bible", "wordnet", "shakespeare"} <= {r["source"] for r in rows} <= set(OURS)
    assert sum(r["documents"] for r in rows) == len(docs)
    assert sum(r["bytes"] for r in rows) == sum(len(d.text.encode()) for d in docs)

    class Chars:  # any object with encode(str) -> list
        @staticmethod
        def encode(text):
            return list(text)

    rows = corpus.statistics(docs, Chars())
    assert sum(r["tokens"] for r in rows) == sum(len(d.text) for d in docs)


def test_new_sources_register_as_readers(roots, tmp_path):
    @corpus.reader("facts-test")
    def read_facts(root):
        yield corpus.Document("facts-test", "1", "In 2031 the bridge opened.")

    try:
        docs = corpus.documents(["bible", "facts-test"], roots={**roots, "facts-test": tmp_path})
        assert docs[-1].key == "facts-test/1"
    finally:
        corpus.READERS.pop("facts-test")


@pytest.mark.network
def test_real_corpus_sources(data_pack):
    roots = {name: data_pack[name] for name in OURS}
    assert len(list(corpus.read_bbc_articles(roots["bbc-news"]))) == 2225
    rows = corpus.statistics(corpus.documents(OURS, roots=roots))
    counts = {}
    for r in rows:
        counts[r["source"]] = counts.get(r["source"], 0) + r["documents"]
    assert 1400 < counts["bbc-news"] < 1700 and counts["bible"] == 1189  # topic-task train articles only
    assert counts["wordnet"] > 100_000 and counts["shakespeare"] > 700
