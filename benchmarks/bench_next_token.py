"""Next-token benchmarks: latency of one next-token distribution on a 64-token
prefix (base model, SmolLM2), and server memory with each model loaded.

    .venv/bin/python benchmarks/bench_next_token.py            # everything available
    .venv/bin/python benchmarks/bench_next_token.py latency
    .venv/bin/python benchmarks/bench_next_token.py memory

Memory runs the page under streamlit's AppTest (the same script runtime a
server uses) in a fresh process per case and reads that process's RSS. When
assets/models/base/ is missing, the base figures use a randomly initialised
model of the base preset's shape (same cost) and say so.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PREFIX_TOKENS = 64
RUNS = 50
TEXT = (
    "And it came to pass, when the king had heard these words, that he rent his clothes, and went up "
    "into the house of the LORD. The prime minister said on Monday that the economy had grown faster "
    "than expected, and the markets rose. To be, or not to be, that is the question: whether it is "
)


def base_model():
    from engine import models

    if (models.MODELS_DIR / "base" / "manifest.json").is_file():
        return models.load_artifact("base"), "assets/models/base"
    from types import SimpleNamespace

    from engine import ourtokenizer

    tok = ourtokenizer.load()
    model = models.new_model("base", vocab_size=len(tok)).eval()
    return SimpleNamespace(name="base", label="random base-shaped", model=model, tokenizer=tok), \
        "random init, base preset shape (artifact not built yet)"


def prefix_of(lm, n: int) -> str:
    from engine import probes

    ids = probes.encode_plain(lm.tokenizer, TEXT * 4)[:n]
    assert len(ids) == n
    return lm.tokenizer.decode(ids)


def time_distribution(lm, runs: int = RUNS) -> dict:
    from engine import probes

    text = prefix_of(lm, PREFIX_TOKENS)
    prepared = probes.prepare_prefix(lm, text)
    for _ in range(5):
        probes.next_token_distribution(lm, text)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        probes.next_token_distribution(lm, text)  # tokenise + forward + softmax + top-k + entropy
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {"tokens": len(prepared.ids), "p50_ms": round(statistics.median(times), 1),
            "p90_ms": round(times[int(0.9 * len(times)) - 1], 1)}


def latency() -> None:
    import torch

    from engine import smollm

    print(f"cpu count: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    lm, what = base_model()
    slm = None
    if smollm.gguf_available():
        t0 = time.perf_counter()
        converted_before = smollm.is_converted()
        slm = smollm.load()
        load_s = time.perf_counter() - t0
        print(f"smollm2 load: {load_s:.2f} s ({'cached safetensors' if converted_before else 'including GGUF conversion'})")
    else:
        print("smollm2: GGUF not fetched (python -m engine data smollm2); skipped")
    default_threads = torch.get_num_threads()
    for threads in sorted({1, default_threads}):  # the page uses 1 (probes.prefer_one_thread)
        torch.set_num_threads(threads)
        print(f"[{threads} thread(s)] base ({what}): {time_distribution(lm)}")
        if slm is not None:
            print(f"[{threads} thread(s)] smollm2: {time_distribution(slm, RUNS // 2)}")


MEMORY_CASE = r"""
import json, os, sys, resource
sys.path.insert(0, {root!r})
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({page!r}, default_timeout=300)
if {model!r} != "base":
    at.query_params["model"] = {model!r}
at.run()
assert not at.exception, [e.value for e in at.exception]
at.button(key="step").click().run()  # one microscope step: a session copy exists too
assert not at.exception, [e.value for e in at.exception]
status = open("/proc/self/status").read()
kb = lambda key: int(next(l for l in status.splitlines() if l.startswith(key)).split()[1])
print(json.dumps({{"rss_mb": kb("VmRSS:") / 1024, "peak_mb": kb("VmHWM:") / 1024}}))
"""


def memory() -> None:
    from engine import models, smollm

    env = dict(os.environ)
    if not (models.MODELS_DIR / "base" / "manifest.json").is_file():
        import tempfile

        lm, what = base_model()  # same shape and size as the real one
        folder = Path(tempfile.mkdtemp(prefix="bench-base-"))
        lm.model.save_pretrained(folder)
        lm.tokenizer.save_pretrained(folder)
        env["PRETRAINING_EXPLORER_NEXT_TOKEN_MODEL_DIR"] = str(folder)
        print(f"base for memory: {what}")
    cases = ["base"] + (["smollm2"] if smollm.is_converted() else [])
    for model in cases:
        code = MEMORY_CASE.format(root=str(ROOT), page=str(ROOT / "lessons" / "next_token.py"), model=model)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=900)
        line = [l for l in out.stdout.splitlines() if l.startswith("{")]
        if out.returncode or not line:
            print(f"{model}: failed\n{out.stderr[-2000:]}")
            continue
        fig = json.loads(line[-1])
        loaded = "base" if model == "base" else "base + SmolLM2"
        print(f"page with {loaded} loaded, after one nudge: RSS {fig['rss_mb']:.0f} MB, peak {fig['peak_mb']:.0f} MB")


if __name__ == "__main__":
    which = sys.argv[1:] or ["latency", "memory"]
    if "latency" in which:
        latency()
    if "memory" in which:
        memory()
