"""DDP on CPU: two gloo processes train the tiny preset and end with identical weights."""
import os
import socket

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from engine import models
from engine.presets import get_preset
from engine.train import config_from_preset, train
from tests.test_train import IDS, VAL, VOCAB

STEPS = 12


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(rank: int, world: int, port: int, out: str) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE=str(world))
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    try:
        preset = get_preset("tiny")
        model = models.new_model(preset, VOCAB)
        result = train(model, IDS, VAL, config_from_preset(preset, steps=STEPS))
        flat = torch.cat([p.detach().flatten() for p in model.parameters()])
        torch.save({"weights": flat, "losses": [l for _, l in result.train_losses],
                    "tokens_seen": result.tokens_seen, "val": result.evals[-1]["val_loss"]}, f"{out}/rank{rank}.pt")
    finally:
        dist.destroy_process_group()


@pytest.mark.slow
def test_two_processes_agree_and_learn(tmp_path):
    mp.spawn(_worker, args=(2, _free_port(), str(tmp_path)), nprocs=2, join=True)
    r0, r1 = (torch.load(tmp_path / f"rank{r}.pt") for r in (0, 1))
    assert torch.equal(r0["weights"], r1["weights"])  # gradients were averaged every step
    assert r0["losses"] != r1["losses"]  # ...over different batches on each rank
    assert r0["tokens_seen"] == 2 * STEPS * get_preset("tiny").batch_size * get_preset("tiny").context
    assert np.mean(r0["losses"][-3:]) < r0["losses"][0] - 0.5

    single = models.new_model(get_preset("tiny"), VOCAB)
    alone = train(single, IDS, VAL, config_from_preset(get_preset("tiny"), steps=STEPS))
    assert abs(alone.evals[-1]["val_loss"] - r0["val"]) < 0.5  # same recipe, same ballpark
