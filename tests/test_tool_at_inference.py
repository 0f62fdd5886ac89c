"""The "tool at inference" panel: a document in the prompt may change the
answer, never the weights. Our world models cannot read (docs/WORLD.md), so the
panel also asks the real SmolLM2, which computes in bfloat16 where it can."""
from __future__ import annotations

import pytest
import torch

from engine import smollm
from engine.models import weights_fingerprint


def test_fingerprint_works_for_bfloat16_weights_and_sees_a_change():
    model = torch.nn.Linear(4, 3).to(torch.bfloat16)
    before = weights_fingerprint(model)
    assert before == weights_fingerprint(model)
    with torch.no_grad():
        model.weight[0, 0] += 1
    assert weights_fingerprint(model) != before


@pytest.mark.slow
def test_smollm2_follows_a_post_cutoff_document_and_keeps_its_weights(smollm2_gguf):
    from engine.world import results as wr

    world = wr.load_world()
    facts = world.facts
    events = facts[(facts.relation == "moved_to") & (~facts.held_out)].head(4)
    lm = smollm.load()
    ranks_without, ranks_with = [], []
    for _, fact in events.iterrows():
        doc = wr.post_cutoff_document(world, fact)
        result = wr.smollm_with_context(lm, world, doc["text"], fact["fact_id"])
        assert result["hash_before"] == result["hash_after"]
        assert abs(sum(p for _, p in result["with"]["candidates"]) - 1) < 1e-4
        ranks_without.append(result["without"]["rank_of_truth"])
        ranks_with.append(result["with"]["rank_of_truth"])
    # reading the document moves the true town up for most questions
    assert sum(w < wo for w, wo in zip(ranks_with, ranks_without)) >= 3
    assert sum(ranks_with) < sum(ranks_without)
