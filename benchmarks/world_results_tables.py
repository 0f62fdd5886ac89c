"""The measured tables of the world build (assets/world/results.json) as markdown, for docs/WORLD.md.

    python benchmarks/world_results_tables.py [--root assets/world]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def md(df, floatfmt: str = "{:.2f}") -> str:
    cols = list(df.columns)
    lines = ["| " + " | ".join(str(c) for c in cols) + " |", "|" + "---|" * len(cols)]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(floatfmt.format(v) if isinstance(v, float) else str(v) for v in row) + " |")
    return "\n".join(lines)


def pm(mean, sd) -> str:
    return f"{mean:.2f} ± {sd:.2f}" if sd == sd else f"{mean:.2f}"  # sd is NaN with one seed


def main() -> None:
    import pandas as pd

    from engine.world.recipe import WORLD_DIR
    from engine.world.results import load_results

    ap = argparse.ArgumentParser()
    ap.add_argument("--root", type=Path, default=WORLD_DIR)
    args = ap.parse_args()
    res = load_results(args.root)
    m = res["recall_mean"]
    for metric in ("accuracy", "mean_rank", "top_prob", "right_kind"):
        t = m.assign(v=[pm(a, b) for a, b in zip(m[f"{metric}_mean"], m[f"{metric}_sd"])])
        t = t.pivot(index="style", columns="exposure", values="v")
        t.columns = [f"{c} {'(held out)' if c == 0 else ''}".strip() for c in t.columns]
        print(f"\n**{metric}** (mean ± sd over {int(m['seeds'].max())} seeds; probes per cell: "
              f"{', '.join(f'{e}: {p}' for e, p in m[m['style'] == 'trained'][['exposure', 'probes']].values)})\n")
        print(md(t.reset_index()))
    print(f"\nchance (mean over relations): {m['chance'].iloc[0]:.3f}")
    r = res["recall_by_relation"]
    r = r[r["style"] == "trained"].groupby(["relation", "exposure"])["accuracy"].mean().unstack()
    print("\n**accuracy by relation, trained phrasing** (mean over seeds)\n")
    print(md(r.reset_index()))
    h = res["hallucination_mean"]
    h = h.assign(accuracy=[pm(a, b) for a, b in zip(h["accuracy_mean"], h["accuracy_sd"])],
                 top_prob=[pm(a, b) for a, b in zip(h["top_prob_mean"], h["top_prob_sd"])],
                 right_kind=[pm(a, b) for a, b in zip(h["right_kind_mean"], h["right_kind_sd"])],
                 entropy_bits=[pm(a, b) for a, b in zip(h["entropy_bits_mean"], h["entropy_bits_sd"])])
    print("\n**hallucination: known against held-out people** (mean ± sd over seeds)\n")
    print(md(h[["style", "group", "probes", "accuracy", "top_prob", "entropy_bits", "right_kind"]]))
    c = res["cutoff"]
    c = c[c["model"].str.startswith("cutoff") | (c["model"] == "seed-0")]
    print("\n**knowledge cutoffs: events (moves, elections) before and after each model's cutoff**\n")
    print(md(c[["model", "cutoff", "style", "period", "probes", "accuracy", "said_latest_read", "top_prob",
                "right_kind", "read_mentions"]].sort_values(["model", "style", "period"])))


if __name__ == "__main__":
    main()
