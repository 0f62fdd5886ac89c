"""A tiny stand-in causal LM for tests: a byte-level BPE trained with
`tokenizers` and a 2-layer GPT2LMHeadModel trained briefly on a few lines.

Used where a test is about the page or the probes, not about the real model.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

TEXT = (
    "And the LORD said unto Moses, Speak unto the children of Israel.\n"
    "And God said unto Noah, Make thee an ark.\n"
    "The cat sat on the mat. The dog sat on the rug.\n"
    "To be, or not to be, that is the question.\n"
    "The king said unto his servants, Go and fetch the horse.\n"
    "The prime minister said on Monday that the economy grew.\n"
    "a small rug; a piece of carpet placed on a floor.\n"
) * 4


@dataclass
class TinyLM:
    name: str
    label: str
    model: object
    tokenizer: object
    manifest: dict = field(default_factory=dict)


def build(out_dir: Path, *, steps: int = 60, seed: int = 0) -> Path:
    """Train the stand-in and save it (model + tokenizer) with save_pretrained."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    torch.manual_seed(seed)
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=["<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(TEXT.splitlines(), trainer=trainer)
    tok = PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<|endoftext|>", bos_token="<|endoftext|>")

    cfg = GPT2Config(
        vocab_size=len(tok), n_positions=64, n_embd=32, n_layer=2, n_head=2,
        bos_token_id=tok.eos_token_id, eos_token_id=tok.eos_token_id,
    )
    model = GPT2LMHeadModel(cfg)
    ids = torch.tensor([tok.eos_token_id] + tok(TEXT)["input_ids"])
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    model.train()
    for step in range(steps):
        start = (step * 17) % max(1, len(ids) - 64)
        x = ids[start : start + 64][None]
        loss = model(input_ids=x, labels=x).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    out_dir = Path(out_dir)
    model.save_pretrained(out_dir)
    tok.save_pretrained(out_dir)
    return out_dir


def load(path: Path) -> TinyLM:
    from transformers import AutoModelForCausalLM, PreTrainedTokenizerFast

    model = AutoModelForCausalLM.from_pretrained(path, dtype="float32").eval()
    tok = PreTrainedTokenizerFast.from_pretrained(path)
    return TinyLM(name="tiny", label="tiny stand-in", model=model, tokenizer=tok)
