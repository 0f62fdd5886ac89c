"""Classifiers to measure transfer against: bag-of-words logistic regression (the old strong
baseline) and linear probes on frozen features from any model, scored by accuracy and macro-F1.

Bag-of-words is not a straw man: on spam and topic it is hard to beat, because the words
themselves ("free", "txt", "minister", "goal") carry the label. A pretrained model earns its
keep where the labelled examples are few or the words alone mislead (sentiment: "not good").
Not handled: fine-tuning (weights change; that is a training loop's job), hyperparameter
search (settings are fixed, so every method is compared at its defaults).

`python -m engine.transfer.baselines` prints the tables of docs/TASKS.md.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.tasks import Example, TaskData, few_shot, load_task

FeatureExtractor = Callable[[list[str]], np.ndarray]  # texts -> (N, D) float features
PER_CLASS = (8, 32, 128, None)  # None: the whole train split
SEEDS = (0, 1, 2)


@dataclass(frozen=True)
class Score:
    method: str
    n_train: int
    accuracy: float
    macro_f1: float


def score(method: str, n_train: int, gold: Sequence[str], predicted: Sequence[str]) -> Score:
    from sklearn.metrics import accuracy_score, f1_score

    return Score(method, n_train, float(accuracy_score(gold, predicted)),
                 float(f1_score(gold, predicted, average="macro", zero_division=0)))


def bag_of_words(train: Sequence[Example], test: Sequence[Example], *, C: float = 10.0,
                 keep: dict | None = None) -> Score:
    """The old strong baseline: TF-IDF of words and word pairs, then logistic regression.

    Word and bigram counts (sublinear tf, l2-normalised) ignore word order beyond pairs and
    know nothing about language beyond the training examples. C is fixed, never tuned on
    test; on the validation splits at 8 and 32 a class, C from 1 to 100 moved accuracy by
    about one point, so the baseline is not being sandbagged by its setting.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=True),
        LogisticRegression(C=C, max_iter=2000),
    )
    model.fit([e.text for e in train], [e.label for e in train])
    if keep is not None:  # the fitted pipeline, for callers that save or reuse it
        keep["model"] = model
    return score("bag-of-words logistic regression", len(train),
                 [e.label for e in test], model.predict([e.text for e in test]))


def linear_probe(extract: FeatureExtractor, train: Sequence[Example], test: Sequence[Example], *,
                 method: str = "linear probe", C: float = 1.0, keep: dict | None = None) -> Score:
    """Logistic regression on frozen features: the model's weights never change.

    extract maps a list of texts to an (N, D) array (a mean-pooled hidden state, say);
    features are standardised on the training examples only. keep (a dict), if given,
    receives the fitted pipeline under "model".
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x_train = _features(extract, [e.text for e in train])
    x_test = _features(extract, [e.text for e in test])
    if x_train.shape[1] != x_test.shape[1]:
        raise ValueError(f"feature widths differ: {x_train.shape[1]} vs {x_test.shape[1]}")
    model = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=2000))
    model.fit(x_train, [e.label for e in train])
    if keep is not None:  # the fitted scaler + regression, for callers that save or reuse it
        keep["model"] = model
    return score(method, len(train), [e.label for e in test], model.predict(x_test))


def _features(extract: FeatureExtractor, texts: list[str]) -> np.ndarray:
    x = np.asarray(extract(texts), dtype=np.float64)
    if x.ndim != 2 or x.shape[0] != len(texts):
        raise ValueError(f"extractor returned shape {x.shape} for {len(texts)} texts; want (N, D)")
    if not np.isfinite(x).all():
        raise ValueError("extractor returned NaN or infinite features")
    return x


def majority_class(test: Sequence[Example]) -> Score:
    """The floor: always answer the test split's commonest label. On skewed tasks (spam)
    its accuracy is high and its macro-F1 low, which is why both are reported."""
    gold = [e.label for e in test]
    commonest = max(sorted(set(gold)), key=gold.count)
    return score("always the commonest label", 0, gold, [commonest] * len(gold))


Method = Callable[[Sequence[Example], Sequence[Example]], Score]


def learning_curve(data: TaskData, method: Method = bag_of_words, *, per_class: Iterable[int | None] = PER_CLASS,
                   seeds: Iterable[int] = SEEDS, split: str = "test") -> pd.DataFrame:
    """One row per (per_class, seed): train on a few-shot sample, score on `split`.

    The whole-train-split point (per_class=None) is the same for every seed, so it runs once.
    """
    evaluate_on = data.split(split)
    rows = []
    for k in per_class:
        for seed in (list(seeds)[:1] if k is None else seeds):
            s = method(few_shot(data.train, k, seed), evaluate_on)
            rows.append({"task": data.task.name, "per_class": "all" if k is None else k, "seed": seed,
                         "method": s.method, "n_train": s.n_train, "accuracy": s.accuracy, "macro_f1": s.macro_f1})
    return pd.DataFrame(rows)


def summarise(curve: pd.DataFrame) -> pd.DataFrame:
    """Mean and spread over seeds per (task, per_class)."""
    return (curve.groupby(["task", "per_class"], sort=False)
            .agg(n_train=("n_train", "mean"), seeds=("seed", "count"),
                 accuracy=("accuracy", "mean"), accuracy_sd=("accuracy", "std"),
                 macro_f1=("macro_f1", "mean"), macro_f1_sd=("macro_f1", "std"))
            .reset_index())


def _markdown() -> str:
    out = []
    for name in ("spam", "sentiment", "topic"):
        data = load_task(name)
        r = data.report
        out.append(f"### {name}\n\n{data.task.description}\n\n"
                   f"{r['raw']} examples read, {r['duplicates_removed']} exact duplicates removed, "
                   f"{r['conflicting_copies_dropped']} copies of {r['conflicting_texts']} texts seen with "
                   f"two labels dropped: **{r['kept']} kept**.\n")
        bal = data.balance()
        pct = (bal.div(bal["total"], axis=0) * 100).round(1)
        head = ["| label | " + " | ".join(bal.columns) + " |", "|---" * (len(bal.columns) + 1) + "|"]
        body = ["| " + " | ".join([str(label)] + [f"{bal.at[label, c]} ({pct.at[label, c]:.1f}%)"
                                                 for c in bal.columns[:-1]] + [str(bal.at[label, "total"])]) + " |"
                for label in bal.index]
        out.append("\n".join(head + body) + "\n")
        table = summarise(learning_curve(data))
        lines = ["| per class | train examples | accuracy | macro-F1 |", "|---|---|---|---|"]
        for _, row in table.iterrows():
            sd = lambda v: "" if pd.isna(v) else f" ± {v:.3f}"
            lines.append(f"| {row.per_class} | {row.n_train:.0f} | {row.accuracy:.3f}{sd(row.accuracy_sd)} "
                         f"| {row.macro_f1:.3f}{sd(row.macro_f1_sd)} |")
        floor = majority_class(data.test)
        out.append("Bag-of-words logistic regression, scored on the test split "
                   f"({len(data.test)} examples; mean ± sd over seeds {', '.join(map(str, SEEDS))}):\n\n"
                   + "\n".join(lines) + "\n\n"
                   f"Always answering the commonest label scores accuracy {floor.accuracy:.3f}, "
                   f"macro-F1 {floor.macro_f1:.3f}.\n")
    return "\n".join(out)


if __name__ == "__main__":
    print(_markdown())
