"""Training loop: loss falls, same seed gives the same losses, stop signals work, resume continues exactly."""
import threading

import numpy as np
import pytest
import torch

from engine import models
from engine.presets import get_preset
from engine.train import (StopTraining, TrainConfig, config_from_preset, eval_windows, get_batch, lr_at,
                          train)

VOCAB = 48


def synthetic_ids(n=4000, seed=0):
    """A learnable stream: a few fixed 'words' in random order (N,) uint16."""
    rng = np.random.default_rng(seed)
    words = [rng.integers(1, VOCAB, size=rng.integers(3, 7)) for _ in range(12)]
    out = np.concatenate([np.append(words[i], 0) for i in rng.integers(0, len(words), size=n // 4)])
    return out.astype(np.uint16)


IDS = synthetic_ids()
VAL = {"a": synthetic_ids(600, seed=0)[:500], "b": IDS[:300]}


def tiny(steps=30, **kw):
    preset = get_preset("tiny")
    return models.new_model(preset, VOCAB), config_from_preset(preset, steps=steps, **kw)


def test_batches_are_shifted_windows_fixed_by_seed_step_rank():
    x, y = get_batch(IDS, 4, 16, seed=1, step=3)
    assert x.shape == y.shape == (4, 16) and x.dtype == torch.int64
    assert torch.equal(x[:, 1:], y[:, :-1])
    assert torch.equal(get_batch(IDS, 4, 16, seed=1, step=3)[0], x)
    assert not torch.equal(get_batch(IDS, 4, 16, seed=1, step=3, rank=1)[0], x)
    assert eval_windows(IDS, 8, 16).shape == (8, 17)


def test_schedule_warms_up_then_decays_to_the_floor():
    cfg = TrainConfig(lr=1.0, warmup_steps=10, min_lr_ratio=0.1)
    assert lr_at(0, 0, cfg) == pytest.approx(0.1)
    assert lr_at(0.0, 10, cfg) == pytest.approx(1.0)
    assert lr_at(0.5, 50, cfg) == pytest.approx(0.55)
    assert lr_at(1.0, 100, cfg) == pytest.approx(0.1)


def test_loss_falls_and_callback_sees_progress():
    model, cfg = tiny(steps=40, callback_every=10, eval_every=20)
    seen = []
    result = train(model, IDS, VAL, cfg, callback=seen.append)
    first, last = result.train_losses[0][1], np.mean([l for _, l in result.train_losses[-5:]])
    assert last < first - 1.0
    assert result.evals[0]["val_loss"] > result.evals[-1]["val_loss"]
    assert set(result.val_losses) == {"a", "b"}
    assert [i["step"] for i in seen][:4] == [10, 20, 30, 40]
    assert {"step", "tokens_seen", "train_loss", "lr", "elapsed"} <= set(seen[0])
    assert "val_loss" in seen[1] and "val_losses" in seen[1]
    assert seen[-1]["done"] and result.tokens_seen == 40 * cfg.batch_size * cfg.context
    assert result.stopped_by == "steps" and not model.training


def test_same_seed_same_losses():
    runs = []
    for _ in range(2):
        model, cfg = tiny(steps=12)
        runs.append([l for _, l in train(model, IDS, None, cfg).train_losses])
    assert runs[0] == runs[1]


@pytest.mark.parametrize("how", ["return", "raise", "event"])
def test_stopping(how):
    model, cfg = tiny(steps=1000, callback_every=1)
    stop = threading.Event()

    def callback(info):
        if info["step"] >= 5:
            if how == "return":
                return True
            if how == "raise":
                raise StopTraining
            stop.set()

    result = train(model, IDS, VAL, cfg, callback=callback, stop=stop)
    assert result.step == 5
    assert result.stopped_by == ("stop" if how == "event" else "callback")


def test_wall_time_bound():
    model, cfg = tiny(steps=10**6, max_seconds=0.5)
    result = train(model, IDS, None, cfg)
    assert result.stopped_by == "time" and 0 < result.step < 10**6


def test_resume_continues_exactly(tmp_path):
    ckpt = tmp_path / "ckpt.pt"
    model, cfg = tiny(steps=16)
    straight = train(model, IDS, None, cfg)

    model, cfg = tiny(steps=16, checkpoint_path=ckpt, callback_every=4)
    first = train(model, IDS, None, cfg, callback=lambda info: info["step"] >= 8)  # interrupted
    assert first.step == 8 and ckpt.is_file()
    model, cfg = tiny(steps=16, checkpoint_path=ckpt, resume=True)  # fresh weights, then restored
    resumed = train(model, IDS, None, cfg)
    assert resumed.step == 16
    assert [l for _, l in resumed.train_losses] == pytest.approx([l for _, l in straight.train_losses], abs=1e-5)


def test_too_little_text_is_a_clear_error():
    model, cfg = tiny(steps=2)
    with pytest.raises(ValueError, match="need at least"):
        train(model, IDS[:10], None, cfg)


def test_fused_output_layer_and_loss_match_plain_cross_entropy():
    from engine.fused_ce import linear_cross_entropy

    g = torch.Generator().manual_seed(0)
    h = torch.randn(70, 16, generator=g, dtype=torch.float64, requires_grad=True)  # 70: chunks don't divide it
    w = torch.randn(50, 16, generator=g, dtype=torch.float64, requires_grad=True)
    y = torch.randint(0, 50, (70,), generator=g)
    want = torch.nn.functional.cross_entropy(h @ w.T, y)
    want_grads = torch.autograd.grad(want * 3.0, (h, w))
    got = linear_cross_entropy(h, w, y, chunk=32)
    got_grads = torch.autograd.grad(got * 3.0, (h, w))
    assert torch.allclose(got, want)
    assert all(torch.allclose(a, b) for a, b in zip(got_grads, want_grads))


def test_training_loss_is_the_models_own_loss():
    from engine.train import next_token_loss

    model, _ = tiny()
    x, y = get_batch(IDS, 4, 16, seed=0, step=0)
    fused = next_token_loss(model, x, y)  # grad enabled: the fused path
    with torch.no_grad():
        plain = next_token_loss(model, x, y)  # no grad: logits, then F.cross_entropy
        windows = torch.cat([x, y[:, -1:]], dim=1)  # (B, T+1)
        own = model(input_ids=windows, labels=windows).loss  # transformers shifts the labels itself
    assert torch.allclose(fused, plain, atol=1e-5)
    with torch.no_grad():
        assert torch.allclose(next_token_loss(model, windows[:, :-1], windows[:, 1:]), own, atol=1e-5)
