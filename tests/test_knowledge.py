"""Knowledge probes: candidate scoring checked by hand on a stand-in model whose
distribution we set, and against engine.probes on a real (random) GPT."""
import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch

from engine.world.knowledge import recall_by_exposure, score_probes, score_world

WORDS = ["[UNK]", "Ann", "Bob", "was", "born", "in", "worked", "for", "the", "Alpha", "Beta", "Gamma",
         "Red", "Blue", "Mill"]


def word_tokenizer():
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(WORDS)}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]")


class TableModel(torch.nn.Module):
    """Next-token probabilities looked up by the whole prefix (as words); anything
    not in the table is uniform. Lets a test know every number in advance."""

    def __init__(self, table: dict[str, dict[str, float]]):
        super().__init__()
        self.table = table
        self.dummy = torch.nn.Parameter(torch.zeros(1))
        self.config = SimpleNamespace(n_positions=64)

    def forward(self, input_ids, **kw):
        b, t = input_ids.shape
        logits = torch.zeros(b, t, len(WORDS))
        for i in range(b):
            for j in range(t):
                key = " ".join(WORDS[k] for k in input_ids[i, : j + 1].tolist())
                if key in self.table:
                    p = torch.full((len(WORDS),), 1e-9)
                    for w, q in self.table[key].items():
                        p[WORDS.index(w)] = q
                    logits[i, j] = torch.log(p)
        return SimpleNamespace(logits=logits)


TABLE = {
    "Ann was born in": {"Alpha": 0.2, "Beta": 0.5, "Gamma": 0.1, "the": 0.2},
    "Bob was born in": {"the": 0.7, "Gamma": 0.2, "Alpha": 0.05, "Beta": 0.05},
    "Ann worked for": {"Red": 0.6, "Blue": 0.4},
    "Ann worked for Red": {"Mill": 0.5, "the": 0.5},
    "Ann worked for Blue": {"Mill": 1.0},
}
SETS = {"town": ["Alpha", "Beta", "Gamma"], "organisation": ["Red Mill", "Blue Mill"]}


def hand_case():
    lm = SimpleNamespace(model=TableModel(TABLE), tokenizer=word_tokenizer())
    probes = pd.DataFrame([
        {"fact_id": "F1", "style": "trained", "prompt": "Ann was born in", "answer": "Alpha", "answer_kind": "town"},
        {"fact_id": "F2", "style": "trained", "prompt": "Bob was born in", "answer": "Gamma", "answer_kind": "town"},
        {"fact_id": "F3", "style": "trained", "prompt": "Ann worked for", "answer": "Red Mill",
         "answer_kind": "organisation"},
    ])
    facts = pd.DataFrame([{"fact_id": "F1", "exposure": 4, "held_out": False, "relation": "birth_town"},
                          {"fact_id": "F2", "exposure": 0, "held_out": True, "relation": "birth_town"},
                          {"fact_id": "F3", "exposure": 4, "held_out": False, "relation": "employer"}])
    return score_probes(lm, probes, SETS, facts=facts)


def test_hand_checked_single_token_answers():
    r = hand_case().set_index("fact_id")
    # Ann: candidates 0.2, 0.5, 0.1 -> renormalised 0.25, 0.625, 0.125; truth Alpha is second
    assert not r.at["F1", "correct"] and r.at["F1", "rank"] == 2
    assert r.at["F1", "model_answer"] == "Beta"
    assert r.at["F1", "p_truth"] == pytest.approx(0.25, abs=1e-6)
    assert r.at["F1", "top_prob"] == pytest.approx(0.625, abs=1e-6)
    h = -sum(p * math.log2(p) for p in (0.25, 0.625, 0.125))
    assert r.at["F1", "entropy_bits"] == pytest.approx(h, abs=1e-6)
    assert r.at["F1", "candidate_mass"] == pytest.approx(0.8, abs=1e-6)
    assert r.at["F1", "right_kind"]  # top token overall (Beta) is a town
    # Bob: Gamma wins among towns (0.2 of 0.3), but the top token overall is "the": wrong kind
    assert r.at["F2", "correct"] and r.at["F2", "rank"] == 1
    assert r.at["F2", "p_truth"] == pytest.approx(0.2 / 0.3, abs=1e-6)
    assert not r.at["F2", "right_kind"] and r.at["F2", "top_token"] == "the"


def test_hand_checked_multi_token_answers():
    r = hand_case().set_index("fact_id")
    # Red Mill: 0.6 * 0.5 = 0.3; Blue Mill: 0.4 * 1.0 = 0.4 -> truth ranks second, p = 0.3 / 0.7
    assert r.at["F3", "rank"] == 2 and not r.at["F3", "correct"]
    assert r.at["F3", "p_truth"] == pytest.approx(0.3 / 0.7, abs=1e-6)
    assert r.at["F3", "candidate_mass"] == pytest.approx(0.7, abs=1e-6)
    assert r.at["F3", "model_answer"] == "Blue Mill"


def test_recall_by_exposure_counts_held_out_as_never_seen():
    table = recall_by_exposure(hand_case())
    assert list(table.exposure) == [0, 4]
    seen = table[table.exposure == 4].iloc[0]
    assert seen.probes == 2 and seen.accuracy == 0.0 and seen.mean_rank == 2.0
    never = table[table.exposure == 0].iloc[0]
    assert never.accuracy == 1.0 and never.right_kind == 0.0 and never.chance == pytest.approx(1 / 3)


def test_real_model_agrees_with_continuation_logprob():
    """On a random GPT and a small BPE (so answers span several tokens), the
    batched scores equal engine.probes' token-by-token log-probabilities."""
    from engine import ourtokenizer
    from engine.models import new_model
    from engine.probes import continuation_logprob
    from engine.world.generate import generate_world

    world = generate_world(seed=1, n_people=14, buckets=(1, 2), held_out=2, n_towns=6, n_orgs=4)
    tok = ourtokenizer.train_bpe(world.documents.text, vocab_size=300)
    lm = SimpleNamespace(model=new_model("tiny", tok.get_vocab_size(), seed=0).eval(),
                         tokenizer=ourtokenizer.as_transformers(tok))
    facts = world.facts.groupby("relation").head(1)
    results = score_world(lm, world, facts)
    assert len(results) == 4 * len(facts) and results["rank"].between(1, 50).all()
    assert {"exposure", "held_out", "relation", "right_kind"} <= set(results.columns)
    row = results[results.answer_kind == "town"].iloc[0]
    towns = world.answers_of_kind("town")
    assert any(len(tok.encode(" " + t).ids) > 1 for t in towns)
    logps = np.array([continuation_logprob(lm, row.prompt, " " + t).total_nats for t in towns])
    p = np.exp(logps - logps.max())
    p /= p.sum()
    assert row.p_truth == pytest.approx(p[towns.index(row.answer)], rel=1e-4)
    assert row["rank"] == int((p > p[towns.index(row.answer)]).sum()) + 1


def test_candidate_distribution_hand_checked():
    from engine.world.knowledge import candidate_distribution

    lm = SimpleNamespace(model=TableModel(TABLE), tokenizer=word_tokenizer())
    d = candidate_distribution(lm, "Ann was born in", SETS["town"])
    assert [a for a, _ in d["candidates"]] == ["Beta", "Alpha", "Gamma"]  # best first
    assert [p for _, p in d["candidates"]] == pytest.approx([0.625, 0.25, 0.125], abs=1e-6)
    assert d["candidate_mass"] == pytest.approx(0.8, abs=1e-6) and d["right_kind"] and not d["truncated"]
    d = candidate_distribution(lm, "Ann worked for", SETS["organisation"])
    assert dict(d["candidates"]) == pytest.approx({"Blue Mill": 0.4 / 0.7, "Red Mill": 0.3 / 0.7}, abs=1e-6)
    long = candidate_distribution(lm, "the " * 100 + "Ann was born in", SETS["town"])
    assert long["truncated"]  # the context window (64) keeps the prompt's end
    with pytest.raises(ValueError):
        candidate_distribution(lm, "", SETS["town"])
