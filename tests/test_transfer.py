"""Transfer approaches on a tiny toy task with the tiny stand-in LM: each learns, nothing
shared is changed, features are deterministic and padding-proof. Real models only where
the data pack has them (skipped otherwise)."""

import numpy as np
import pytest
import torch

from engine.transfer import features
from engine.transfer import experiment as transfer
from engine.models import weights_fingerprint
from engine.tasks import Example, Task, TaskData
from tests import tiny_lm

SPORT = ["the team won the match", "a late goal in the final", "the striker scored twice",
         "the coach praised the players", "fans cheered at the stadium", "the keeper saved a penalty"]
MONEY = ["shares fell on the stock market", "the bank raised interest rates", "profits rose at the firm",
         "investors sold their bonds", "the economy grew last quarter", "prices and wages went up"]


def _toy_task(seed: int = 0) -> TaskData:
    rng = np.random.default_rng(seed)

    def make(split, label, phrases, n):
        out = []
        for i in range(n):
            a, b = rng.choice(len(phrases), 2, replace=False)
            out.append(Example(f"{split}/{label}/{i}", f"{phrases[a]}, and {phrases[b]}.", label))
        return out

    splits = {s: tuple(make(s, "sport", SPORT, n) + make(s, "money", MONEY, n))
              for s, n in (("train", 24), ("validation", 10), ("test", 20))}
    task = Task(name="toy", source="", labels=("sport", "money"), description="toy", reader=None)
    return TaskData(task=task, **splits)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    torch.manual_seed(0)
    return tiny_lm.load(tiny_lm.build(tmp_path_factory.mktemp("tiny_transfer")))


BUDGET = transfer.Budget(steps=40, batch_size=8, lrs=(1e-2,), warmup_steps=4)


def test_trained_and_probe_approaches_learn_and_leave_the_base_alone(tiny):
    data = _toy_task()
    before = weights_fingerprint(tiny.model)
    rows = transfer.compare(data, 16, 0, ["bow", "scratch", "ours-frozen", "ours-finetuned"],
                            test_size=30, budget=BUDGET, models={"base": tiny})
    assert weights_fingerprint(tiny.model) == before  # fine-tuning worked on a copy
    assert [r["approach"] for r in rows] == ["bow", "scratch", "ours-frozen", "ours-finetuned"]
    for r in rows:
        assert r["n_test"] == 30 and r["per_class"] == 16 and r["train_seconds"] >= 0
        assert r["accuracy"] >= 0.75, r  # chance is 0.5
    assert rows[1]["lr"] == 1e-2


def test_fine_tune_is_seeded(tiny):
    data = _toy_task()
    kw = dict(validation=data.validation, labels=data.labels, budget=transfer.Budget(steps=5, batch_size=4, lrs=(1e-2,)))
    a, _ = transfer.fine_tune(tiny, data.train[:8] + data.train[-8:], data.test, seed=3, **kw)
    b, _ = transfer.fine_tune(tiny, data.train[:8] + data.train[-8:], data.test, seed=3, **kw)
    assert a == b
    c, info = transfer.from_scratch(data.train[:8] + data.train[-8:], data.test, tokenizer=tiny.tokenizer,
                                    preset="tiny", steps=3, seed=0, **kw)
    assert c.n_train == 16 and info["lr"] == 1e-2


def test_decoder_features_are_deterministic_shaped_and_padding_proof(tiny):
    texts = ["The cat sat on the mat.", "And God said unto Noah, make thee an ark. " * 3, "", "é ✓ <|endoftext|>"]
    features.clear_cache()
    x = features.decoder_features(tiny, texts)
    assert x.shape == (4, tiny.model.config.n_embd) and x.dtype == np.float32 and np.isfinite(x).all()
    features.clear_cache()
    np.testing.assert_allclose(features.decoder_features(tiny, texts), x, atol=1e-6)  # float rounding only
    alone = features.decoder_features(tiny, [texts[0]], batch_size=1)
    features.clear_cache()
    np.testing.assert_allclose(features.decoder_features(tiny, [texts[0]], batch_size=1), alone, atol=1e-6)
    np.testing.assert_allclose(alone[0], x[0], atol=1e-5)  # batched with a longer text: same vector
    assert features.decoder_features(tiny, [texts[0]]) is not None  # cached
    assert features.decoder_features(tiny, texts, pooling="last").shape == x.shape
    long = features.decoder_features(tiny, ["word " * 500])  # truncated to the model's 64 positions
    assert long.shape == (1, x.shape[1])
    with pytest.raises(ValueError):
        features.decoder_features(tiny, texts, pooling="max")


def test_decoder_features_skip_the_lm_head_but_not_the_last_layer(tiny):
    """The body alone gives the same vectors as the whole LM's last hidden state."""
    text = "The cat sat on the mat."
    features.clear_cache()
    x = features.decoder_features(tiny, [text])
    ids = torch.tensor([tiny.tokenizer(text)["input_ids"]])
    with torch.inference_mode():
        hidden = tiny.model(input_ids=ids, output_hidden_states=True).hidden_states[-1]
    np.testing.assert_allclose(x[0], hidden[0].mean(0).numpy(), atol=1e-5)


def _features_in_another_process(folder, model_path, text):
    from engine.transfer import features as f
    from tests import tiny_lm as t

    f.enable_disk_cache(folder)
    f.decoder_features(t.load(model_path), [text])


@pytest.mark.slow
def test_feature_cache_folder_is_shared_by_processes(tmp_path):
    """Two processes adding to one cache file never drop each other's vectors."""
    import multiprocessing

    from tests import tiny_lm

    torch.manual_seed(0)
    model_path = tiny_lm.build(tmp_path / "lm", steps=2)
    lm = tiny_lm.load(model_path)
    features.clear_cache()
    folder = features.enable_disk_cache(tmp_path / "features")
    try:
        features.decoder_features(lm, ["first text"])
        child = multiprocessing.get_context("spawn").Process(
            target=_features_in_another_process, args=(folder, model_path, "the other process's text"))
        child.start()
        child.join(120)
        assert child.exitcode == 0
        before = features.stats["computed"]
        features.decoder_features(lm, ["third text", "the other process's text"])
        assert features.stats["computed"] == before + 1  # the child's vector came from the shared file
        features.clear_cache()
        features.decoder_features(lm, ["first text", "third text", "the other process's text"])
        assert features.stats["computed"] == before + 1  # all three on disk
    finally:
        features.disable_disk_cache()
        features.clear_cache()


def test_bfloat16_models_give_float32_features(tiny):
    import copy

    half = copy.copy(tiny)
    half.model = copy.deepcopy(tiny.model).to(torch.bfloat16)
    x = features.decoder_features(half, ["The dog sat on the rug."])
    assert x.dtype == np.float32 and x.shape == (1, tiny.model.config.n_embd)


def test_stratified_subset_keeps_shares_and_is_fixed():
    data = _toy_task()
    sub = transfer.stratified_subset(data.test, 10, seed=0)
    assert len(sub) == 10 and sum(e.label == "sport" for e in sub) == 5
    assert sub == transfer.stratified_subset(tuple(reversed(data.test)), 10, seed=0)
    assert transfer.stratified_subset(data.test, None) == list(data.test)


def test_real_frozen_bases_learn_the_toy_task(smollm2):
    from engine import datapack, smollm

    if not datapack.is_available("minilm") or not smollm.is_converted():
        pytest.skip("MiniLM or the converted SmolLM2 is not here")
    rows = transfer.compare(_toy_task(), 16, 0, ["smollm2-frozen", "minilm-frozen"], test_size=30)
    for r in rows:
        assert r["accuracy"] >= 0.8, r
    assert features.encoder_features(["a", "b c"]).shape == (2, 384)


def test_markdown_table_means_over_seeds_and_keeps_first_seconds():
    rows = [{"task": "spam", "approach": "scratch", "seed": s, "accuracy": a, "macro_f1": a,
             "train_seconds": t} for s, a, t in ((0, 0.8, 20.0), (1, 0.9, 5.0))]
    table = transfer.markdown_table(rows).splitlines()
    assert table[2] == "| spam | From scratch | 0.850 ± 0.071 | 0.850 ± 0.071 | 20 |"


def test_features_point_their_disk_cache_and_put_it_back(tmp_path):
    before = features.use_disk_cache(tmp_path / "elsewhere")
    try:
        assert features.disk_cache_folder() == tmp_path / "elsewhere"
    finally:
        assert features.use_disk_cache(before) == tmp_path / "elsewhere"
    assert features.disk_cache_folder() == before


def test_model_fingerprint_is_the_one_weight_hash(tiny):
    """features keys its disk cache (and try-it its base check) by engine.models.weights_fingerprint,
    so committed try-it manifests' base_sha256 still match."""
    from engine.models import weights_fingerprint as one_hash

    assert features.model_fingerprint(tiny.model) == one_hash(tiny.model)
