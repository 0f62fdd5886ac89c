"""Pretraining reads the classification tasks' domains but never their held-out text."""
import pytest

from engine import corpus, tasks

pytestmark = pytest.mark.network  # reads (and if needed fetches) the real data pack


@pytest.fixture(scope="module")
def corpus_texts(data_pack):
    docs = corpus.documents(["bbc-news", "sms-spam", "rotten-tomatoes"])
    return [d.text for d in docs]


@pytest.mark.parametrize("task", ["spam", "sentiment", "topic"])
def test_no_validation_or_test_text_reaches_pretraining(corpus_texts, task):
    data = tasks.load_task(task)
    held_out = {tasks.normalise(e.text) for e in data.validation + data.test}
    leaked = [t for t in corpus_texts if tasks.normalise(t) in held_out]
    assert leaked == []


@pytest.mark.parametrize("task", ["spam", "sentiment"])
def test_task_train_text_is_in_the_corpus_without_labels(corpus_texts, task):
    data = tasks.load_task(task)
    present = {tasks.normalise(t) for t in corpus_texts}
    train = [tasks.normalise(e.text) for e in data.train]
    assert sum(t in present for t in train) == len(train)
    assert not any(t.startswith(tuple(data.labels)) and "\t" in t for t in corpus_texts)
