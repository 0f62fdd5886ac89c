"""Tasks: real data-pack files, deduplicated, split by text hash with no leakage; the
bag-of-words baseline learns; linear probes accept any feature extractor."""
from collections import Counter

import numpy as np
import pytest

from engine import tasks
from engine.transfer import baselines
from engine.tasks import Example, few_shot, normalise

# Tests on the real files are marked network: a missing data-pack source is fetched (conftest's data_pack).


@pytest.fixture(scope="module")
def roots(data_pack):
    return {name: data_pack[t.source] for name, t in tasks.TASKS.items()}


@pytest.fixture(scope="module")
def loaded(roots):
    return {name: tasks.load_task(name, root=roots[name]) for name in tasks.TASKS}


def test_registry_has_three_described_tasks():
    assert set(tasks.TASKS) == {"spam", "sentiment", "topic"}
    assert tasks.TASKS["topic"].labels == ("business", "entertainment", "politics", "sports", "tech")
    assert all(len(t.description) > 40 for t in tasks.TASKS.values())
    with pytest.raises(KeyError, match="known: spam"):
        tasks.load_task("nope")


@pytest.mark.network
def test_counts_after_dedupe(loaded):
    reports = {name: d.report for name, d in loaded.items()}
    assert reports["spam"]["raw"] == 4862 and reports["sentiment"]["raw"] == 12808  # plot synopses skipped
    assert reports["topic"]["raw"] == 2225
    for r in reports.values():
        assert r["kept"] == r["raw"] - r["duplicates_removed"] - r["conflicting_copies_dropped"]
    assert reports["spam"]["duplicates_removed"] > 300 and reports["topic"]["duplicates_removed"] > 50


@pytest.mark.slow
@pytest.mark.network
def test_splits_deterministic_across_loads(loaded, roots):
    tasks._read_raw.cache_clear()  # read the files again, not the cached examples
    for name, first in loaded.items():
        again = tasks.load_task(name, root=roots[name])
        assert again.train == first.train and again.validation == first.validation and again.test == first.test


def test_split_depends_only_on_text():
    text = "Free entry in 2 a wkly comp"
    assert tasks.split_of_text(text) == tasks.split_of_text("  Free entry\n in 2 a\twkly comp ")
    assert {tasks.split_of_text(f"message {i}") for i in range(200)} == set(tasks.SPLITS)


@pytest.mark.network
def test_no_text_in_two_splits_and_no_duplicates(loaded):
    for d in loaded.values():
        seen = Counter(normalise(e.text) for s in tasks.SPLITS for e in d.split(s))
        assert max(seen.values()) == 1
        assert len({e.id for s in tasks.SPLITS for e in d.split(s)}) == d.report["kept"]


@pytest.mark.network
def test_splits_stratified(loaded):
    for d in loaded.values():
        bal = d.balance()
        assert list(bal.columns) == [*tasks.SPLITS, "total"] and bal.loc["total", "total"] == d.report["kept"]
        shares = bal.drop(index="total").div(bal.drop(index="total")["total"], axis=0)
        for split, fraction in tasks.SPLIT_FRACTIONS.items():
            assert (bal.drop(index="total")[split] > 0).all()
            assert (shares[split] - fraction).abs().max() < 0.04, (d.task.name, split, shares[split])


def test_dedupe_drops_conflicting_labels():
    raw = [Example("a", "Hello  there", "ham"), Example("b", "hello there", "ham"),
           Example("c", "Hello there ", "ham"), Example("d", "win now", "ham"), Example("e", "win now", "spam")]
    kept, report = tasks.dedupe(raw)
    assert [e.id for e in kept] == ["a", "b"]  # case is kept: only whitespace is normalised
    assert report == {"raw": 5, "duplicates_removed": 1, "conflicting_texts": 1,
                      "conflicting_copies_dropped": 2, "kept": 2}


@pytest.mark.network
def test_few_shot_stratified_and_seeded(loaded):
    train = loaded["topic"].train
    a = few_shot(train, 8, seed=1)
    assert Counter(e.label for e in a) == {label: 8 for label in tasks.TASKS["topic"].labels}
    assert a == few_shot(list(reversed(train)), 8, seed=1)  # order of the input does not matter
    assert a != few_shot(train, 8, seed=2)
    assert set(few_shot(train, 16, seed=1)) <= set(train)
    assert len(few_shot(train, None)) == len(train)
    with pytest.raises(ValueError):
        few_shot(train, 0)


@pytest.mark.network
def test_leakage_helpers(loaded, roots):
    spam = loaded["spam"]
    assert tasks.test_leaks(tasks.unlabelled_train_texts("spam", root=roots["spam"]), "spam", root=roots["spam"]) == []
    planted = "  " + spam.test[0].text.replace(" ", "\n", 1)
    assert tasks.test_leaks(["an innocent text", planted], "spam", root=roots["spam"]) == [planted]
    assert all(tasks.is_test_text(e.text) for e in spam.test)
    assert not any(tasks.is_test_text(e.text) for e in spam.train + spam.validation)


@pytest.mark.network
def test_bbc_test_ids_exclude_every_copy_from_the_corpus(loaded, roots):
    from engine import corpus

    excluded = {f"bbc-news/{i}" for i in tasks.test_ids("topic", root=roots["topic"])}
    assert {e.id for e in loaded["topic"].test} <= {k.removeprefix("bbc-news/") for k in excluded}
    every = list(corpus.read_bbc_articles(roots["topic"]))
    kept = [d for d in every if d.key not in excluded]
    assert len(kept) == 2225 - len(excluded)
    assert tasks.test_leaks([d.text for d in kept], "topic", root=roots["topic"]) == []
    # and the pretraining corpus itself already leaves every test copy out
    docs = corpus.documents(["bbc-news"], roots={"bbc-news": roots["topic"]})
    assert not {d.key for d in docs} & excluded


@pytest.mark.network
def test_bag_of_words_learns_spam_at_32_per_class(loaded):
    d = loaded["spam"]
    s = baselines.bag_of_words(few_shot(d.train, 32, seed=0), d.validation)
    assert s.n_train == 64
    floor = baselines.majority_class(d.validation)  # accuracy ~0.88, macro-F1 ~0.47 on skewed spam
    assert floor.macro_f1 < 0.5 and s.macro_f1 > floor.macro_f1 + 0.15 and s.accuracy > 0.75


@pytest.mark.network
def test_linear_probe_accepts_a_feature_extractor(loaded):
    d = loaded["spam"]

    def crude_features(texts):  # (N, 3): spam is long, has digits and capitals
        return np.array([[len(t), sum(c.isdigit() for c in t), sum(c.isupper() for c in t)] for t in texts])

    s = baselines.linear_probe(crude_features, few_shot(d.train, 32, seed=0), d.validation, method="crude")
    assert s.method == "crude" and s.macro_f1 > 0.6
    with pytest.raises(ValueError, match="want \\(N, D\\)"):
        baselines.linear_probe(lambda texts: np.zeros(len(texts)), d.train[:4], d.validation[:4])


def test_learning_curve_rows():
    train = [Example(f"{lab}{i}", f"{lab}{lab} word{i}", lab) for lab in ("x", "y") for i in range(20)]
    data = tasks.TaskData(tasks.Task("toy", "none", ("x", "y"), "a toy task", lambda root: iter(())),
                          tuple(train), (), tuple(train[:3] + train[-3:]))
    curve = baselines.learning_curve(data, per_class=(4, None), seeds=(0, 1))
    assert list(curve.per_class) == [4, 4, "all"] and list(curve.n_train) == [8, 8, 40]
    assert (curve.accuracy == 1.0).all()
