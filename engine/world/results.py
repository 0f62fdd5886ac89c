"""The generated world's committed models and measured results, for the knowledge pages.

    world = load_world()                      # regenerated from assets/world/manifest.json (cached)
    lm = load_world_model("seed-0")           # a fresh float32 copy each call: cache it read-only
    results = load_results()                  # pandas tables: recall, hallucination, cutoff
    answer_distribution(lm, world, "F00012")  # the model's candidates for a fact, best first
    recall_by_wording({"seed-0": lm}, world)  # trained-phrasing recall: was its wording among the fact's own?

Models: seed-0, seed-1, seed-2 (read every document; training seeds of one
world) and cutoff-2028, cutoff-2032, cutoff-2036 (read documents up to that
year; one run continued slice by slice). Anything missing, corrupt or built
from another world raises WorldArtifactError naming `python -m engine build world`.

Not handled: HTML escaping (pages escape reader text where it meets markup)
and caching models (lessons/_models.py holds the shared ones; tuning works on a copy).
"""
from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import pandas as pd

from engine.models import ArtifactError, load_artifact, weights_fingerprint
from engine.paths import sha256_file
from engine.textinput import clean_user_text
from engine.world.events import context_prompt, event_facts, shortest_document
from engine.world.phrasing import ANSWER_KIND, TRAIN
from engine.world.recipe import (
    MANIFEST_FILE, MODELS_SUBDIR, REBUILD_COMMAND, RESULTS_FILE, WORLD_DIR, Recipe, generate_from, world_fingerprint,
)

MAX_NAME_CHARS = 60  # an invented name longer than this is cut (and the reader told)
MAX_DOCUMENT_CHARS = 2_000  # a pasted document is cut to this before it meets the context window
RESULT_TABLES = ("recall", "recall_mean", "recall_by_relation", "hallucination", "hallucination_mean", "cutoff",
                 "cutoff_by_year")
RELATION_WORDS = {"birth_town": "birthplace", "birth_year": "year of birth", "occupation": "occupation",
                  "employer": "employer", "moved_to": "moved to", "mayor_of": "mayor of", "founded_in": "founded in"}


class WorldArtifactError(Exception):
    """The world's artifacts are missing or corrupt; the message says how to rebuild them."""


def _fix() -> str:
    return f"Rebuild them with: {REBUILD_COMMAND}"


# --- loading ---------------------------------------------------------------------------------


def read_manifest(root: Path = WORLD_DIR) -> dict:
    """assets/world/manifest.json (cheap: no torch), or WorldArtifactError."""
    path = Path(root) / MANIFEST_FILE
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise WorldArtifactError(f"The world's artifacts are missing (no {path}). {_fix()}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise WorldArtifactError(f"The world's manifest {path} is not valid JSON ({exc}). {_fix()}") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("models"), dict) or "world" not in manifest:
        raise WorldArtifactError(f"The world's manifest {path} lacks its world or models. {_fix()}")
    return manifest


def world_model_names(root: Path = WORLD_DIR) -> list[str]:
    """Names load_world_model accepts: seeds first, then cutoff variants by date."""
    models = read_manifest(root)["models"]
    return sorted(models, key=lambda n: (n.startswith("cutoff"), models[n].get("cutoff") or "", n))


def model_cutoff(name: str, root: Path = WORLD_DIR) -> str:
    """The last date a model read ('YYYY-MM-DD')."""
    return read_manifest(root)["models"][name]["cutoff"]


@lru_cache(maxsize=4)
def _load_world_cached(root: str, world_json: str, fingerprint: str):
    world = generate_from(Recipe(world=json.loads(world_json)))
    if world_fingerprint(world) != fingerprint:
        raise WorldArtifactError(
            "The world generated today differs from the one the committed models read "
            f"(engine/world/generate.py changed since the build?). {_fix()}")
    return world


def load_world(root: Path = WORLD_DIR):
    """The World the models read, regenerated from the manifest's arguments and
    checked against its fingerprint (cached; about a second the first time)."""
    manifest = read_manifest(root)
    try:
        return _load_world_cached(str(root), json.dumps(manifest["world"], sort_keys=True),
                                  str(manifest.get("world_fingerprint", "")))
    except TypeError as exc:
        raise WorldArtifactError(f"The world's manifest has arguments the generator refuses ({exc}). {_fix()}") from None


def load_world_model(name: str, root: Path = WORLD_DIR):
    """A world model (engine.models.LoadedModel, float32, eval mode): a fresh copy each call."""
    names = world_model_names(root)
    if name not in names:
        raise WorldArtifactError(f"No world model named {name!r}; there are {', '.join(names)}. {_fix()}")
    try:
        lm = load_artifact(name, root=Path(root) / MODELS_SUBDIR)
    except ArtifactError as exc:
        detail = str(exc).split(" Rebuild it with:")[0]
        raise WorldArtifactError(f"{detail} {_fix()}") from None
    expected = read_manifest(root).get("world_fingerprint")
    if lm.manifest.get("world_fingerprint") != expected:
        raise WorldArtifactError(f"The world model {name!r} was built from another world than the manifest's. {_fix()}")
    return lm


def load_results(root: Path = WORLD_DIR) -> dict:
    """The measured tables as pandas DataFrames (keys RESULT_TABLES) plus "meta" (a dict).

    recall: per model/seed, probe style ("trained" = training template 0's
      prefix, "new" = phrasings never in training) and exposure (0 = held out):
      probes, accuracy, mean_rank, top_prob, p_truth, entropy_bits, right_kind, chance.
    recall_mean: the same over seeds: <metric>_mean, <metric>_sd, probes, chance, seeds.
    recall_by_relation: recall split by relation as well.
    hallucination (+ _mean): per style and group ("never read (held out)",
      "read 1-2 times", "read 4+ times", "all known people"): accuracy, top_prob, right_kind, ...
    cutoff: per model (with its cutoff date), style ("trained", "new", "with
      document" = trained probe after a post-cutoff document) and period
      ("before"/"after" the cutoff): accuracy, top_prob, right_kind,
      said_latest_read (named the town it last read about the person), read_mentions.
    cutoff_by_year: accuracy and said_latest_read per model, style and event year.
    """
    manifest = read_manifest(root)
    path = Path(root) / RESULTS_FILE
    try:
        if manifest.get("results_sha256") and sha256_file(path) != manifest["results_sha256"]:
            raise WorldArtifactError(f"The world's results {path} do not match the sha256 in its manifest. {_fix()}")
        raw = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise WorldArtifactError(f"The world's results are missing (no {path}). {_fix()}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise WorldArtifactError(f"The world's results {path} are not valid JSON ({exc}). {_fix()}") from None
    missing = [k for k in RESULT_TABLES if not isinstance(raw.get(k), list)]
    if missing:
        raise WorldArtifactError(f"The world's results lack {', '.join(missing)}. {_fix()}")
    out = {k: pd.DataFrame(raw[k]) for k in RESULT_TABLES}
    out["meta"] = dict(raw.get("meta") or {}, manifest=manifest)
    return out


# --- what the world says about someone ---------------------------------------------------------


def person_card(world, name: str) -> dict:
    """A person's facts, how often each was read, and the documents about them.

    {"name", "person_id", "held_out", "exposure" (the person's bucket: documents
    stating each static fact), "facts": [{fact_id, relation, answer, date,
    exposure}], "documents": [{doc_id, date, kind, text}] oldest first}.
    KeyError if no such person.
    """
    people = world.people
    rows = people[people["name"] == name]
    if not len(rows):
        raise KeyError(f"No person named {name!r} in the world")
    p = rows.iloc[0]
    facts = world.facts[world.facts["subject"] == name]
    docs = world.documents[world.documents["subject"] == name].sort_values(["date", "doc_id"])
    return {
        "name": name, "person_id": p["person_id"], "held_out": bool(p["held_out"]), "exposure": int(p["bucket"]),
        "facts": [{"fact_id": f.fact_id, "relation": f.relation, "answer": f.answer, "answer_kind": f.answer_kind,
                   "date": f.date, "exposure": int(f.exposure)} for f in facts.itertuples()],
        "documents": [{"doc_id": d.doc_id, "date": d.date, "kind": d.kind, "text": d.text} for d in docs.itertuples()],
    }


def _fact_row(world, fact):
    if isinstance(fact, str):
        rows = world.facts[world.facts["fact_id"] == fact]
        return rows.iloc[0] if len(rows) else None
    return fact


def answer_distribution(lm, world, prompt_or_fact, top: int = 10, *, kind: str | None = None,
                        style: str = "trained", template: int = 0) -> dict:
    """The model's distribution over the candidate answers, best first.

    prompt_or_fact: a fact_id (or a row of world.facts), probed with its
    `style` phrasing ("trained", or "new" with `template` 0-2); or any prompt
    text with `kind` ("town", "year", "occupation", "organisation").
    Returns {"prompt", "kind", "truth" (or None), "candidates": [(answer, prob)]
    (top `top`, renormalised over every candidate of the kind), "rank_of_truth",
    "candidate_mass", "top_token", "right_kind", "truncated"}.
    """
    from engine.world.knowledge import candidate_distribution  # lazy: torch, only when a model is asked

    fact = _fact_row(world, prompt_or_fact)
    if fact is not None:
        probes = [p for p in world.cloze_probes(fact) if p["style"] == style]
        if not probes:
            raise ValueError(f"unknown probe style {style!r}: 'trained' or 'new'")
        probe = probes[min(max(template, 0), len(probes) - 1)]
        prompt, kind, truth = probe["prompt"], fact["answer_kind"], fact["answer"]
    else:
        if kind is None:
            raise ValueError("a free prompt needs kind= ('town', 'year', 'occupation' or 'organisation')")
        prompt, truth = str(prompt_or_fact), None
    answers = world.answers_of_kind(kind)
    dist = candidate_distribution(lm, prompt, answers)
    ranked = [a for a, _ in dist["candidates"]]
    return {"prompt": prompt, "kind": kind, "truth": truth, "candidates": dist["candidates"][: max(1, int(top))],
            "rank_of_truth": ranked.index(truth) + 1 if truth in ranked else None,
            "candidate_mass": dist["candidate_mass"], "top_token": dist["top_token"],
            "right_kind": dist["right_kind"], "truncated": dist["truncated"]}


def exposure_label(n: int) -> str:
    """How a number of documents reads on an axis or in a list: 'never read' or 'read 4×'."""
    return "never read" if n == 0 else f"read {n}×"


def person_choices(world, buckets) -> tuple[dict, str | None]:
    """(name -> "Name · read 8×" for everyone, by exposure then name; the default: the first person
    in the middle exposure bucket or above)."""
    people = world.people.sort_values(["bucket", "name"])
    labels = {r.name: f"{r.name} · {exposure_label(int(r.bucket))}" for r in people.itertuples()}
    middle = [r.name for r in people.itertuples() if int(r.bucket) >= buckets[len(buckets) // 2]] if buckets else []
    return labels, (middle[0] if middle else None)


def fact_answer_rows(facts: list[dict], answers: dict) -> list[dict]:
    """One row per fact of a person_card: the truth, how often it was stated, the model's answer
    (answers: fact_id -> answer_distribution), its probability, right or not, the truth's rank."""
    rows = []
    for fact in facts:
        dist = answers[fact["fact_id"]]
        best, p_best = dist["candidates"][0]
        rows.append({"fact": RELATION_WORDS.get(fact["relation"], fact["relation"]), "true answer": fact["answer"],
                     "stated in": fact["exposure"], "model's answer": best, "its probability": p_best,
                     "right?": "yes" if best == fact["answer"] else "no", "rank of the truth": dist["rank_of_truth"]})
    return rows


def clean_name(text: str | None) -> tuple[str, list[str]]:
    """A reader-typed name made safe to put in a prompt: at most MAX_NAME_CHARS,
    one line, no control or format characters, no special-token strings; every
    change reported. Empty after cleaning -> ValueError (say what to type)."""
    name, notices = clean_user_text(text or "", max_chars=10_000)
    if "<|endoftext|>" in name:
        name = name.replace("<|endoftext|>", " ")
        notices.append("The text <|endoftext|> marks the end of a document for the model; it was removed.")
    kept = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in name)
    kept = "".join(c for c in kept if unicodedata.category(c) not in ("Cf", "Cs", "Co"))
    if kept != name:
        notices.append("Line breaks, control and invisible characters were removed from the name.")
    name = re.sub(r"\s+", " ", kept).strip()
    if len(name) > MAX_NAME_CHARS:
        notices.append(f"The name has {len(name):,} characters; only the first {MAX_NAME_CHARS} are used.")
        name = name[:MAX_NAME_CHARS].rstrip()
    if not name:
        raise ValueError("Type a name first, for example Dara Voskell.")
    return name, notices


def invented_person_answers(lm, world, full_name: str, relation: str = "birth_town", top: int = 10) -> dict:
    """Ask the model about a person the reader made up, with the trained phrasing of `relation`.

    Returns answer_distribution's fields plus "name" (cleaned), "notices"
    (what cleaning changed) and "in_world" (the name is a person of the world;
    "held_out" says whether the model ever read about them).
    """
    if relation not in TRAIN:
        raise ValueError(f"unknown relation {relation!r}; one of {', '.join(TRAIN)}")
    name, notices = clean_name(full_name)
    prompt = TRAIN[relation][0].split("{ans}")[0].rstrip().format(name=name)
    out = answer_distribution(lm, world, prompt, top, kind=ANSWER_KIND[relation])
    rows = world.people[world.people["name"] == name]
    out.update(name=name, notices=notices, relation=relation, in_world=bool(len(rows)),
               held_out=bool(rows.iloc[0]["held_out"]) if len(rows) else None)
    return out


# --- knowledge cutoffs ------------------------------------------------------------------------------


def weights_hash(lm) -> str:
    """sha256 over every weight (engine.models.weights_fingerprint): equal hash, equal weights."""
    return weights_fingerprint(lm.model)


def events_after(world, cutoff: str):
    """Dated events (moves, elections) after a cutoff, with the shortest document stating each."""
    ev = event_facts(world)
    return ev[ev["date"] > cutoff].sort_values("date")


def post_cutoff_document(world, fact) -> dict:
    """The shortest document that states a fact: {doc_id, date, kind, text}."""
    fact = _fact_row(world, fact)
    if fact is None:
        raise KeyError("no such fact")
    doc = shortest_document(world, fact["fact_id"])
    if doc is None:
        raise KeyError(f"no document states {fact['fact_id']} (a held-out person?)")
    return {"doc_id": doc["doc_id"], "date": doc["date"], "kind": doc["kind"], "text": doc["text"]}


def with_context(lm, world, document_text: str, question, top: int = 10) -> dict:
    """The "tool at inference" panel: the answer distribution for `question` (a
    fact_id or fact row, probed with its trained phrasing) without and with
    `document_text` placed before it in the prompt, and the weights' hash before
    and after (equal: reading a document changes the answer, not the model).

    Returns {"without", "with" (answer_distribution dicts), "hash_before",
    "hash_after", "notices"}. A long document keeps its end (the context window
    is short; `with["truncated"]` says so).
    """
    fact = _fact_row(world, question)
    if fact is None:
        raise KeyError(f"no fact {question!r}")
    text, notices = clean_user_text(document_text or "", max_chars=MAX_DOCUMENT_CHARS)
    text = text.replace("<|endoftext|>", " ")
    before = weights_hash(lm)
    without = answer_distribution(lm, world, fact, top)
    probe = world.cloze_probes(fact)[0]["prompt"]
    with_doc = answer_distribution(lm, world, context_prompt(text, probe) if text.strip() else probe, top,
                                   kind=fact["answer_kind"])
    with_doc["truth"] = fact["answer"]
    ranked = [a for a, _ in with_doc["candidates"]]
    with_doc["rank_of_truth"] = ranked.index(fact["answer"]) + 1 if fact["answer"] in ranked else None
    if with_doc["truncated"]:
        notices.append("The document is longer than the model's context window; only its end was read.")
    return {"without": without, "with": with_doc, "hash_before": before, "hash_after": weights_hash(lm),
            "notices": notices}


def example_event(world, first_lm, last_lm, cutoffs: list[str], latest: dict) -> str:
    """The event a first visit of the cutoff page shows: one between the first and the last
    cutoff, read often, that the last model (last_lm) gets right and the first (first_lm) does
    not, best if the first names the town it last read (`latest`: latest_read_answers at the
    first cutoff) and the document in its prompt fixes it; else the most-read such event."""
    events = event_facts(world)
    middle = events[(events["date"] > cutoffs[0]) & (events["date"] <= cutoffs[-1])]
    if not len(middle):
        return events.sort_values("date").iloc[len(events) // 2]["fact_id"]
    middle = middle.sort_values(["exposure", "date"], ascending=[False, True])
    truth = middle.set_index("fact_id")["answer"]
    best, best_score = middle.iloc[0]["fact_id"], -1
    for fact_id in middle["fact_id"][:40]:
        top_last = answer_distribution(last_lm, world, fact_id, 1)["candidates"][0][0]
        top_first = answer_distribution(first_lm, world, fact_id, 1)["candidates"][0][0]
        if top_last != truth[fact_id] or top_first == truth[fact_id]:
            continue
        doc = post_cutoff_document(world, fact_id)["text"]
        with_doc = with_context(first_lm, world, doc, fact_id, top=1)["with"]["candidates"][0][0]
        score = 2 * (with_doc == truth[fact_id]) + (top_first == latest.get(fact_id))
        if score > best_score:
            best, best_score = fact_id, score
        if score == 3:
            break
    return best


def answers_by_model(answers: dict, event, cutoff_of: dict, read: dict, latest: dict) -> list[dict]:
    """One row per model for one event: before or after its cutoff, mentions read, its answer and
    whether that is right, the latest town it read about the person, or wrong. answers: model ->
    answer_distribution; read, latest: model -> mentions read of the event, latest town read."""
    rows = []
    for n, dist in answers.items():
        top_answer, top_p = dist["candidates"][0]
        verdict = ("right" if top_answer == event["answer"] else "the latest thing it read"
                   if top_answer == latest[n] else "wrong")
        rows.append({"model": n, "cutoff": cutoff_of[n],
                     "event is": "after its cutoff" if event["date"] > cutoff_of[n] else "before its cutoff",
                     "mentions read": int(read[n]), "its answer": top_answer, "probability": top_p,
                     "latest town it read": latest[n] or "(none)", "answer is": verdict})
    return rows


# --- the real model on an invented town --------------------------------------------------------------


SMOLLM_TOWN_PROMPTS = {
    "country": "{town} is a small town in the country of",
    "famous": "The town of {town} is best known for its",
    "population": "The population of {town} is about",
}


def smollm_invented_town(lm, town: str, prompt: str = "country", top: int = 10) -> dict:
    """A real model (SmolLM2, via engine.smollm.load) continuing a sentence about
    a town nobody wrote about: {"town", "notices", "prompt", "top": [(token, prob)]}."""
    from engine.probes import next_token_distribution  # lazy: torch, only when a model is asked

    town, notices = clean_name(town)
    template = SMOLLM_TOWN_PROMPTS.get(prompt)
    if template is None:
        raise ValueError(f"unknown prompt {prompt!r}; one of {', '.join(SMOLLM_TOWN_PROMPTS)}")
    text = template.format(town=town)
    dist = next_token_distribution(lm, text, top_k=top)
    return {"town": town, "notices": notices, "prompt": text,
            "top": [(t.text, t.prob) for t in dist.top]}


# --- a real model reading a document at inference ------------------------------------------------------


def smollm_with_context(lm, world, document_text: str, question) -> dict:
    """The "tool at inference" panel on the real SmolLM2: our tiny world models
    never learned to read a document in their prompt (docs/WORLD.md measures
    it), a 135M model pretrained on trillions of tokens did. For `question` (a
    fact_id or fact row) it scores every answer of the fact's kind after the
    fact's trained phrasing, without and with `document_text` before it, and
    hashes the weights before and after.

    Returns {"without", "with": {"prompt", "candidates": [(answer, p)], "top",
    "truth", "rank_of_truth"}, "hash_before", "hash_after", "notices"};
    probabilities are renormalised over the candidates.
    """
    fact = _fact_row(world, question)
    if fact is None:
        raise KeyError(f"no fact {question!r}")
    text, notices = clean_user_text(document_text or "", max_chars=MAX_DOCUMENT_CHARS)
    text = text.replace("<|endoftext|>", " ").strip()
    probe = world.cloze_probes(fact)[0]["prompt"]
    answers = world.answers_of_kind(fact["answer_kind"])
    before = weights_hash(lm)
    without = _smollm_candidates(lm, probe, answers)
    with_doc = _smollm_candidates(lm, f"{text}\n\n{probe}" if text else probe, answers)
    for dist in (without, with_doc):
        ranked = [a for a, _ in dist["candidates"]]
        dist["truth"] = fact["answer"]
        dist["rank_of_truth"] = ranked.index(fact["answer"]) + 1 if fact["answer"] in ranked else None
    return {"without": without, "with": with_doc, "hash_before": before, "hash_after": weights_hash(lm),
            "notices": notices}


SMOLLM_CHUNK = 16  # answers scored per forward pass: all 60 towns at once held ~2 GB of logits


def _smollm_candidates(lm, prompt: str, answers: list[str]) -> dict:
    """log p(" " + answer | prompt) for every answer in one padded batch, renormalised."""
    import torch  # lazy: heavy, and only the SmolLM2 panel needs it

    from engine.probes import encode_plain

    tok = lm.tokenizer
    prefix = encode_plain(tok, prompt)
    cands = [encode_plain(tok, " " + a) for a in answers]
    rows = [prefix + c for c in cands]
    width = max(len(r) for r in rows)
    pad = tok.pad_token_id if tok.pad_token_id is not None else 0
    ids = torch.tensor([r + [pad] * (width - len(r)) for r in rows])
    mask = torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in rows])
    start = len(prefix) - 1  # only the answer positions' distributions are needed
    scores = []
    with torch.no_grad():
        for lo in range(0, len(rows), SMOLLM_CHUNK):  # bounded memory: (chunk, answer length, vocabulary) at a time
            logits = lm.model(input_ids=ids[lo : lo + SMOLLM_CHUNK], attention_mask=mask[lo : lo + SMOLLM_CHUNK]).logits
            logp = torch.log_softmax(logits[:, start:].float(), dim=-1)  # (chunk, width - start, V)
            for i, c in enumerate(cands[lo : lo + SMOLLM_CHUNK]):
                scores.append(sum(float(logp[i, k, t]) for k, t in enumerate(c)))
    s = torch.tensor(scores)
    probs = torch.softmax(s, dim=0).tolist()
    ranked = sorted(zip(answers, probs), key=lambda kv: -kv[1])
    return {"prompt": prompt, "candidates": ranked, "top": ranked[0]}


def recall_by_wording(models: dict, world, exposures=(1, 2, 4, 8)) -> pd.DataFrame:
    """The trained-phrasing probe (training template 0's prefix) split by whether that template
    was among the wordings a fact's own documents used: model, exposure, probe_wording_read,
    facts, accuracy. models: name -> world model; static facts read `exposures` times only."""
    from engine.world.events import static_facts
    from engine.world.knowledge import score_probes  # lazy: torch, only when a model is asked
    facts = static_facts(world)
    facts = facts[~facts["held_out"] & facts["exposure"].isin(exposures)]
    texts = world.documents.explode("fact_ids").groupby("fact_ids")["text"].agg(" ".join)
    read0 = {f.fact_id: TRAIN[f.relation][0].format(name=f.subject, ans=f.answer, year="") in texts.get(f.fact_id, "")
             for f in facts.itertuples()}
    probes = world.probes(facts, styles=("trained",))
    rows = []
    for name, lm in models.items():
        res = score_probes(lm, probes, world.answer_sets, facts=world.facts)
        res = res.assign(probe_wording_read=res["fact_id"].map(read0),
                         exposure=res["fact_id"].map(facts.set_index("fact_id")["exposure"]))
        g = res.groupby(["exposure", "probe_wording_read"])["correct"].agg(["size", "mean"]).reset_index()
        rows += [{"model": name, "exposure": int(r.exposure), "probe_wording_read": bool(r.probe_wording_read),
                  "facts": int(r.size), "accuracy": float(r.mean)} for r in g.itertuples()]
    return pd.DataFrame(rows, columns=["model", "exposure", "probe_wording_read", "facts", "accuracy"])
