"""The world build and its results API: a --quick build loads through
engine.world.results, broken artifacts say how to rebuild, reader-typed names
are bounded and cleaned, and a document in the prompt leaves the weights alone."""
import json
import shutil

import pytest

from engine.world import results as R
from engine.world.build import main
from engine.world.events import latest_read_answers
from engine.world.recipe import REBUILD_COMMAND


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("world") / "world"
    assert main(["--quick", "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def world(built):
    return R.load_world(built)


@pytest.fixture(scope="module")
def lm(built):
    return R.load_world_model("seed-0", built)


def broken_copy(built, tmp_path):
    root = tmp_path / "world"
    shutil.copytree(built, root)
    return root


def test_quick_build_writes_models_results_and_manifests(built, world, lm):
    manifest = R.read_manifest(built)
    names = R.world_model_names(built)
    assert names[:2] == ["seed-0", "seed-1"] and all(n.startswith("cutoff-") for n in names[2:]) and len(names) >= 4
    for name in names:
        m = manifest["models"][name]
        assert m["steps"] > 0 and m["tokens_trained"] > 0 and m["build_seconds"] > 0
        assert m["cutoff"] == ("2040-12-31" if name.startswith("seed") else f"{name[7:]}-12-31")
    # a continued cutoff model counts the seconds of the runs before it
    cut = [manifest["models"][n] for n in names if n.startswith("cutoff")]
    assert cut[1]["build_seconds"] >= cut[0]["build_seconds"] and "replayed" in cut[1]["trained_on"]
    assert lm.manifest["world_fingerprint"] == manifest["world_fingerprint"]
    assert lm.model.config.vocab_size >= len(lm.tokenizer)
    assert len(world.people) == manifest["world"]["n_people"] + manifest["world"]["held_out"]


def test_results_tables_have_what_the_pages_read(built, world):
    res = R.load_results(built)
    recall = res["recall"]
    assert set(recall["style"]) == {"trained", "new"} and set(recall["seed"]) == {0, 1}
    assert 0 in set(recall["exposure"])  # held-out people as exposure 0
    n_static = world.facts[world.facts.relation.isin(["birth_town", "birth_year", "occupation", "employer"])]
    per_bucket = n_static.assign(e=n_static.exposure.where(~n_static.held_out, 0)).groupby("e").size()
    trained = recall[(recall["style"] == "trained") & (recall["seed"] == 0)].set_index("exposure")
    assert trained["probes"].to_dict() == per_bucket.to_dict()
    assert trained["accuracy"].between(0, 1).all() and (trained["mean_rank"] >= 1).all()
    mean = res["recall_mean"]
    assert {"accuracy_mean", "accuracy_sd", "mean_rank_mean", "top_prob_mean", "right_kind_mean", "seeds"} <= set(mean)
    assert (mean["seeds"] == 2).all()
    groups = set(res["hallucination"]["group"])
    assert {"never read (held out)", "all known people"} <= groups
    cut = res["cutoff"]
    variants = cut[cut["model"].str.startswith("cutoff")]
    assert set(variants["period"]) == {"before", "after"}
    assert "with document" in set(variants["style"]) and variants["said_latest_read"].between(0, 1).all()
    assert (variants[variants.period == "after"]["read_mentions"] == 0).all()  # after the cutoff: never read
    assert set(res["cutoff_by_year"]["model"]) == set(cut["model"])


def test_missing_and_corrupt_artifacts_name_the_rebuild_command(built, tmp_path):
    with pytest.raises(R.WorldArtifactError, match=REBUILD_COMMAND):
        R.read_manifest(tmp_path / "nowhere")
    root = broken_copy(built, tmp_path)
    weights = root / "models" / "seed-1" / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    with pytest.raises(R.WorldArtifactError, match=REBUILD_COMMAND) as err:
        R.load_world_model("seed-1", root)
    assert "seed-1" in str(err.value) and "build seed-1" not in str(err.value)
    shutil.rmtree(root / "models" / "seed-0")
    with pytest.raises(R.WorldArtifactError, match=REBUILD_COMMAND):
        R.load_world_model("seed-0", root)
    with pytest.raises(R.WorldArtifactError, match="no world model named|No world model named"):
        R.load_world_model("seed-9", root)
    (root / "results.json").write_text('{"recall": [', encoding="utf-8")
    with pytest.raises(R.WorldArtifactError, match=REBUILD_COMMAND):
        R.load_results(root)
    (root / "manifest.json").write_text("not json", encoding="utf-8")
    with pytest.raises(R.WorldArtifactError, match=REBUILD_COMMAND):
        R.load_world(root)


def test_a_different_world_is_refused(built, tmp_path):
    root = broken_copy(built, tmp_path)
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["world"]["n_towns"] += 1  # regenerates a different world than the models read
    (root / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(R.WorldArtifactError, match="differs"):
        R.load_world(root)


def test_person_card_lists_exactly_the_documents_that_were_read(world):
    known = world.people[~world.people.held_out].iloc[0]
    card = R.person_card(world, known["name"])
    assert card["exposure"] == known["bucket"] and not card["held_out"]
    assert len(card["documents"]) >= card["exposure"]
    assert all(known["name"] in d["text"] for d in card["documents"])
    assert [d["date"] for d in card["documents"]] == sorted(d["date"] for d in card["documents"])
    static = [f for f in card["facts"] if f["relation"] == "birth_town"][0]
    assert sum(static["answer"] in d["text"] for d in card["documents"]) >= static["exposure"]
    held = world.people[world.people.held_out].iloc[0]
    card = R.person_card(world, held["name"])
    assert card["held_out"] and card["documents"] == [] and card["exposure"] == 0
    with pytest.raises(KeyError):
        R.person_card(world, "Nobody Atall")


def test_answer_distribution_agrees_with_the_probe_scores(world, lm):
    from engine.world.knowledge import score_world

    fact = world.facts[world.facts.relation == "birth_town"].iloc[0]
    dist = R.answer_distribution(lm, world, fact.fact_id, top=100)
    probs = dict(dist["candidates"])
    assert set(probs) == set(world.towns) and sum(probs.values()) == pytest.approx(1.0)
    assert list(probs.values()) == sorted(probs.values(), reverse=True)
    scored = score_world(lm, world, world.facts[world.facts.fact_id == fact.fact_id], styles=("trained",)).iloc[0]
    assert probs[fact.answer] == pytest.approx(scored.p_truth, rel=1e-6)
    assert dist["rank_of_truth"] == scored["rank"] and dist["right_kind"] == scored.right_kind
    assert len(R.answer_distribution(lm, world, fact.fact_id, top=3)["candidates"]) == 3
    free = R.answer_distribution(lm, world, "Somebody was born in the year", kind="year")
    assert free["truth"] is None and all(c.isdigit() for c, _ in free["candidates"])
    with pytest.raises(ValueError):
        R.answer_distribution(lm, world, "no kind given")


@pytest.mark.parametrize("typed", [
    "<script>alert('x')</script>", "Zoë Ølandsdóttir", "مريم الخطيب", "👩‍🚀 Astro", "Ann\u200b\u202eSmith\n\tJr",
    "Half \ud800 surrogate", "<|endoftext|>Mira Tolk", "Qx" * 50_000,
])
def test_invented_names_are_bounded_cleaned_and_answered(world, lm, typed):
    out = R.invented_person_answers(lm, world, typed, "birth_town", top=5)
    assert 0 < len(out["name"]) <= R.MAX_NAME_CHARS
    assert "\n" not in out["name"] and "<|endoftext|>" not in out["name"] and "\u202e" not in out["name"]
    assert out["prompt"].startswith(out["name"]) and out["kind"] == "town"
    assert len(out["candidates"]) == 5 and all(c in world.towns for c, _ in out["candidates"])
    assert isinstance(out["right_kind"], bool) and not out["in_world"]
    if len(typed) > R.MAX_NAME_CHARS:
        assert any("only the first" in n for n in out["notices"])


def test_empty_or_unknown_inputs_get_clear_messages(world, lm):
    for empty in ("", "   \n\t", "\u200b", None):
        with pytest.raises(ValueError, match="Type a name"):
            R.invented_person_answers(lm, world, empty, "birth_town")
    with pytest.raises(ValueError, match="unknown relation"):
        R.invented_person_answers(lm, world, "Mira Tolk", "favourite_colour")
    known = world.people[world.people.held_out].iloc[0]["name"]
    out = R.invented_person_answers(lm, world, known, "birth_year")
    assert out["in_world"] and out["held_out"] and out["kind"] == "year"


def test_a_document_in_the_prompt_changes_the_prompt_not_the_weights(built, world):
    lm = R.load_world_model("cutoff-2030", built)
    ev = R.events_after(world, R.model_cutoff("cutoff-2030", built)).iloc[0]
    doc = R.post_cutoff_document(world, ev.fact_id)
    assert doc["date"] > "2030-12-31" and ev.answer in doc["text"]
    out = R.with_context(lm, world, doc["text"], ev.fact_id, top=5)
    assert out["hash_before"] == out["hash_after"] == R.weights_hash(lm)
    assert out["without"]["prompt"] != out["with"]["prompt"] and out["with"]["prompt"].endswith(out["without"]["prompt"])
    assert out["with"]["truth"] == ev.answer
    long = R.with_context(lm, world, "filler words. " * 1000, ev.fact_id)
    assert long["with"]["truncated"] and any("context window" in n for n in long["notices"])
    assert R.with_context(lm, world, "", ev.fact_id)["with"]["prompt"] == out["without"]["prompt"]


def test_latest_read_is_the_last_town_read_about_the_person(world):
    cutoff = "2030-12-31"
    latest = latest_read_answers(world, cutoff)
    read = world.exposure_until(cutoff).set_axis(world.facts.fact_id)
    facts = world.facts.set_index("fact_id")
    for fid, town in latest.items():
        subject = facts.at[fid, "subject"]
        mine = facts[(facts.subject == subject) & (facts.answer_kind == "town") & (facts.index != fid)]
        mine = mine[(read[mine.index] > 0) & (mine.date <= cutoff)]
        assert town == mine.sort_values("date").answer.iloc[-1]


def test_quick_needs_an_out_folder(capsys):
    with pytest.raises(SystemExit):
        main(["--quick"])
    assert "--out" in capsys.readouterr().err


def test_invented_town_prompt_for_a_real_model(lm):
    # the page runs this on SmolLM2; any causal LM with a tokenizer shows the plumbing
    out = R.smollm_invented_town(lm, "<b>Vellmarsk</b>\n", "country", top=4)
    assert out["town"] == "<b>Vellmarsk</b>" and out["prompt"] == "<b>Vellmarsk</b> is a small town in the country of"
    assert len(out["top"]) == 4 and all(0 <= p <= 1 for _, p in out["top"])
    with pytest.raises(ValueError):
        R.smollm_invented_town(lm, "Vellmarsk", "weather")


def test_reuse_keeps_matching_seed_models_and_retrains_the_rest(built, tmp_path):
    out = tmp_path / "again"
    assert main(["--quick", "--out", str(out), "--reuse", str(built)]) == 0
    manifest = R.read_manifest(out)
    assert manifest["models"]["seed-0"]["reused"] and not manifest["models"]["cutoff-2030"].get("reused")
    assert R.weights_hash(R.load_world_model("seed-0", out)) == R.weights_hash(R.load_world_model("seed-0", built))
    assert manifest["world_fingerprint"] == R.read_manifest(built)["world_fingerprint"]
