"""Next-token prediction: what a language model actually outputs, how sampling
settings reshape it, which tokens surprise it, and what one gradient step does.
Reads top to bottom like the lesson."""
from __future__ import annotations

import numpy as np
import streamlit as st

from engine import hub, nudge, probes, settings, smollm, textinput
from engine.nexttoken import examples, readings, session, views
from engine.textinput import clean_user_text
from lessons import _models
from lessons._charts import AFTER, BEFORE, BLUE, GREEN, MODEL, RED
from lessons._ui import bounded_text_area, figure, glossary_links, url_choice

MAX_PREFIX = 2_000  # characters in the prefix box (the URL carries it)
MAX_SHORT = 300  # characters in one-line boxes
MAX_SENTENCE_TOKENS = 48  # the causal view draws at most this many tokens
TOP_K_BARS = 10
MAX_RELATED = 6

BASE, SMOL = "base", smollm.NAME
OFFLINE_LABELS = {
    BASE: "Our base model (built here, trained on Shakespeare, the King James Bible, BBC news, WordNet)",
    SMOL: smollm.LABEL,
}


def model_or_stop(name: str):
    """The shared, read-only model (nothing on this page writes to it), or a plain reason and a stop."""
    try:
        if name == SMOL:  # one copy for the whole server, shared with the other pages
            lm = _models.smollm(purpose="The real SmolLM2-135M-Instruct model")
        elif name == BASE and (standin := settings.next_token_model_dir()):
            lm = _models.folder_model(str(standin), BASE, f"Stand-in model ({standin})")
        elif name == BASE:
            lm = _models.artifact("base")
        else:
            lm = _models.hub_model(name)
    except Exception as exc:  # ArtifactError, SmolLMError, HubError: all carry a reader-facing message
        st.error(str(exc), icon=":material/error:")
        lm = None
    if lm is None:
        st.stop()
    return lm


def cleaned(raw: str, *, max_chars: int) -> str:
    """A box's text, bounded and valid Unicode, each change said in words."""
    text, notices = clean_user_text(raw, max_chars=max_chars)
    for notice in notices:
        st.info(notice)
    return text


# Text that cannot become UTF-8 (lone surrogates) cannot go into the URL either:
# repair it before the URL-bound boxes are drawn (each box reports it in words).
if session.repair_surrogates(st.session_state, ("prefix", "continuation", "sentence", "mprefix", "target", "related",
                                                "like", "unlike")):
    st.session_state["surrogate_notice"] = True

st.title("Next-token prediction")
st.markdown(
    """
A language model does one thing: it reads some text and gives every token in its vocabulary
a probability of coming next. Everything else (writing a paragraph, answering a question) is
that one step repeated, each chosen token added to the text before the next guess.

During pretraining the model sees a real next token at every position of every text, and its
weights are moved a tiny step so that the real token gets a little more probability next time.
The number it tries to lower is the **loss**: minus the log of the probability it gave the
real token. Below you can watch each piece of that, on a model built by this project.
"""
)
glossary_links("next-token-prediction", "token", "probability-distribution", "logits", "softmax",
               "temperature", "top-k", "top-p", "causal-language-modeling", "loss", "cross-entropy",
               "gradient-step", "learning-rate", "base-model")

# ------------------------------------------------ model selector
with st.container(border=True):
    use_hub = st.checkbox("Also offer models from the Hugging Face hub (needs internet; downloads hundreds of MB)",
                          key="hub", bind="query-params")
    labels = dict(OFFLINE_LABELS)
    if use_hub:
        status = hub.reachable()
        if status.ok:
            labels.update({k: v[1] for k, v in hub.HUB_MODELS.items()})
        else:
            st.info(status.message, icon=":material/cloud_off:")
    model_name = url_choice(st.selectbox, "Model", labels, key="model")  # ?model= holds the short name
    if model_name == SMOL:
        st.caption(
            "SmolLM2-135M-Instruct is a real model made by Hugging Face: pretrained on trillions of tokens, "
            "then **tuned** to be a chat assistant. It is not a base model, so its guesses on raw text "
            "show both pretraining and tuning. Its 4-bit file is unpacked once into a cached copy."
        )
    lm = model_or_stop(model_name)
tok = lm.tokenizer
vocab_size = len(tok)
if st.session_state.pop("surrogate_notice", False):
    st.info("Some characters were broken halves of a pair (lone surrogates); each became \ufffd.")

# ------------------------------------------------ 1. the distribution
st.header("1 · One prediction")
st.markdown(
    "Type the start of a text. The bars show the model's most likely next tokens. "
    "Spaces show as ·, line breaks as ↵: a token usually carries the space in front of its word."
)
prefix = bounded_text_area("Prefix", key="prefix", default=examples.PREFIX, max_chars=MAX_PREFIX, height=90)
dist = probes.next_token_distribution(lm, prefix, top_k=TOP_K_BARS)
if note := readings.start_token_note(dist, tok):
    st.info(note, icon=":material/info:")
if note := readings.dropped_note(dist):
    st.info(note, icon=":material/content_cut:")

c1, c2, c3 = st.columns(3)
c1.metric("Tokens in the prefix", f"{len(dist.prefix.ids):,}")
c2.metric(f"Mass of the top {TOP_K_BARS}", f"{dist.top_mass:.1%}",
          help="How much of the total probability these bars hold; the rest is spread over the other tokens.")
c3.metric("Entropy", f"{dist.entropy_bits:.2f} bits",
          help=f"How unsure the model is. 0 bits: certain. log2({vocab_size:,}) = {np.log2(vocab_size):.1f} bits: "
               "every token equally likely.")

figure(views.top_bars(dist, color=MODEL), alt=readings.top_alt(dist), key="bars")

# ------------------------------------------------ 2. sampling settings
st.header("2 · Temperature, top-k and top-p")
st.markdown(
    """
The model gives scores (**logits**); softmax turns them into the probabilities above. To *write*, a
program draws one token from them. Three settings reshape the distribution first:
**temperature** divides the logits (below 1 sharpens, above 1 flattens, 0 always takes the top token);
**top-k** keeps only the k likeliest tokens; **top-p** keeps the smallest set whose probability
reaches p. Whatever is cut is shared out among the tokens that remain.
"""
)
s1, s2, s3 = st.columns(3)
temperature = s1.slider("Temperature", 0.0, 2.0, 1.0, 0.05, key="temperature", bind="query-params")
top_k = s2.slider("Top-k (0 = off)", 0, 100, 0, 1, key="top_k", bind="query-params")
top_p = s3.slider("Top-p", 0.05, 1.0, 1.0, 0.05, key="top_p", bind="query-params")
reshaped = probes.reshape(dist.logits, temperature=temperature, top_k=top_k, top_p=top_p)
fig = views.reshape_bars(dist, reshaped, tok, top_k=TOP_K_BARS, before_color=BEFORE, after_color=AFTER)
figure(fig, alt=readings.reshape_alt(reshaped, vocab_size=vocab_size, temperature=temperature, top_k=top_k,
                                     top_p=top_p), key="reshape")
st.caption(readings.reshape_caption(reshaped, dist, vocab_size=vocab_size))

st.session_state.setdefault("draw_seed", 0)
draws_col, button_col = st.columns([4, 1])
if button_col.button("Draw again", key="redraw"):
    st.session_state["draw_seed"] += 1
rng = np.random.default_rng(st.session_state["draw_seed"])
draws_col.markdown(readings.draws_sentence(tok, [probes.sample(reshaped, rng) for _ in range(12)]))

# ------------------------------------------------ 3. writing, one token at a time
st.header("3 · Write one token at a time")
st.markdown(
    "Pick the next token yourself, or let the settings above draw it. Each choice is added to "
    "the prefix (and to the address bar), and the model guesses again: that is all text generation is."
)


def append_token(token_id: int) -> None:
    if notice := session.append_text(st.session_state, tok.decode([token_id]), key="prefix",
                                     default=examples.PREFIX, max_chars=MAX_PREFIX):
        st.session_state["gen_notice"] = notice


cols = st.columns(6)
for i, t in enumerate(dist.top[:5]):
    cols[i].button(textinput.token_markdown(t.text) or "(empty)", key=f"gen-{i}", on_click=append_token, args=(t.token_id,),
                   help=f"{t.prob:.1%}", width="stretch")
cols[5].button("Sample", key="gen-sample", on_click=lambda: append_token(probes.sample(reshaped)), type="primary",
               help="Draw with the temperature / top-k / top-p above", width="stretch")
u1, u2 = st.columns([1, 5])
u1.button("Undo", key="gen-undo", on_click=session.undo, kwargs=dict(state=st.session_state, key="prefix"),
           disabled=not st.session_state.get("gen_history"))
if st.session_state.get("gen_notice"):
    st.warning(st.session_state.pop("gen_notice"))
u2.caption("Text so far (end): " + textinput.token_markdown(("…" if len(prefix) > 300 else "") + prefix[-300:]))

# ------------------------------------------------ 4. probability of a continuation
st.header("4 · How likely is a whole continuation?")
st.markdown(
    "The probability of several tokens is the product of each token's probability given everything "
    "before it, so we add their logs. Log-probability in nats uses the natural log; in bits, log base 2."
)
continuation = cleaned(st.text_input("Continuation of the prefix", value=examples.CONTINUATION, key="continuation",
                                     max_chars=MAX_SHORT, bind="query-params"), max_chars=MAX_SHORT)
if not continuation:
    st.info("Type a continuation to score it.")
else:
    score = probes.continuation_logprob(lm, prefix, continuation)
    st.dataframe(views.continuation_table(score), hide_index=True, width="stretch",
                 column_config={"probability": st.column_config.NumberColumn(format="%.4f")})
    st.markdown(readings.continuation_total(score))
    if dropped := readings.continuation_dropped(score):
        st.caption(dropped)

# ------------------------------------------------ 5. the causal view
st.header("5 · The causal view: every position at once")
st.markdown(
    f"""
In training, the model predicts **every** position of a text in one pass. A mask makes it fair:
each position may look only at itself and the tokens to its left, never ahead (that is why it is called
*causal* language modelling). The loss at a position is how surprised the model was by the token that
really came there: −log₂ p in bits. Sentences are cut to {MAX_SENTENCE_TOKENS} tokens here.
"""
)
sentence = cleaned(st.text_input("A sentence", value=examples.SENTENCE, key="sentence", max_chars=MAX_SHORT,
                                 bind="query-params"), max_chars=MAX_SHORT)
pl = probes.per_position_loss(lm, sentence, max_tokens=MAX_SENTENCE_TOKENS)
if not pl.tokens:
    st.info("Type a sentence to see its mask and the loss at each position.")
else:
    if pl.truncated:
        st.info(f"Only the first {MAX_SENTENCE_TOKENS} tokens are shown ({pl.truncated} more were left out).")
    figure(views.causal_mask(pl, color=BLUE), alt=readings.mask_alt(len(pl.tokens)), key="mask")
    figure(views.surprise_bars(pl), alt=readings.surprise_alt(pl), key="surprise")
    st.caption(readings.average_loss_caption(pl))

# ------------------------------------------------ 6. the one-step microscope
st.header("6 · The one-step microscope")
st.markdown(
    """
This is pretraining up close. Choose a prefix and the token you want to come next. The model's
loss on that example is −ln p(target). One **gradient step** moves every weight a little in the
direction that lowers that loss; the **learning rate** sets how far. Then look at what moved:
the target, the words like it and unlike it, and the predictions for *other* prefixes, because the same
weights serve every text. Pretraining is this step, repeated over a vast corpus; real runs step with the
Adam optimiser on batches of millions of tokens at once (GPT-3: 3.2 million; Brown et al., 2020), not on
one sentence with the plain gradient descent used here.
"""
)
if model_name != BASE:
    st.info(examples.MICROSCOPE_ON_BASE, icon=":material/info:")
base_lm = model_or_stop(BASE) if model_name != BASE else lm
m1, m2 = st.columns([3, 2])
micro_prefix = cleaned(m1.text_input("Prefix", value=examples.MICRO_PREFIX, key="mprefix", max_chars=MAX_SHORT,
                                     bind="query-params"), max_chars=MAX_SHORT)
target_text = cleaned(m2.text_input("Target next word", value=examples.TARGET, key="target", max_chars=60,
                                    bind="query-params"), max_chars=60)
lr = st.select_slider("Learning rate", options=examples.LEARNING_RATES, value=0.001, key="lr", bind="query-params",
                      help="How far one step moves the weights. Too large a step can overshoot and make things worse.")
related_text = cleaned(st.text_area("Related prefixes (one per line): does the step change them too?",
                                    value=examples.RELATED, key="related", max_chars=MAX_SHORT * 2, height=110,
                                    bind="query-params"), max_chars=MAX_SHORT * 2)
related = [line.strip() for line in related_text.splitlines() if line.strip()][:MAX_RELATED]
like, unlike = (readings.split_words(cleaned(col.text_input(label, value=value, key=key, max_chars=MAX_SHORT,
                                                             bind="query-params"), max_chars=MAX_SHORT))[:MAX_RELATED]
                for col, label, value, key in zip(st.columns(2), ("Words like the target (commas)", "Words unlike it"),
                                                  (examples.LIKE, examples.UNLIKE), ("like", "unlike")))

target = nudge.resolve_target(base_lm.tokenizer, micro_prefix, target_text)
state = session.microscope(st.session_state, base_lm)  # None before a step, or once the shared model reloaded

if target is None:
    st.info("Type a target word: the token you want the model to expect next.")
else:
    st.markdown(readings.target_note(target))
    now = probes.next_token_distribution(state["lm"] if state else base_lm, micro_prefix, top_k=TOP_K_BARS)
    st.markdown(readings.standing(now, target, steps=state["steps"] if state else 0,
                                  vocab_size=len(base_lm.tokenizer)))

    b1, b2, _ = st.columns([2, 2, 3])
    b1.button("Take one gradient step", key="step", on_click=session.take_step, type="primary", width="stretch",
              args=(st.session_state, base_lm, micro_prefix, target), kwargs=dict(lr=lr, related=related, watch=like + unlike))
    b2.button("Reset to the trained model", key="reset", on_click=session.reset, args=(st.session_state,),
              disabled=state is None, width="stretch")

    result = state["result"] if state else None
    if result is not None:
        st.subheader(f"After step {state['steps']}")
        if other := readings.other_step_caption(result, micro_prefix, target):
            st.caption(other)
        r1, r2, r3 = st.columns(3)
        r1.metric("p(target)", f"{result.p_after:.2%}", f"{(result.p_after - result.p_before) * 100:+.2f} points")
        r2.metric("rank", f"{result.rank_after:,}", f"{result.rank_before - result.rank_after:+,} places",
                  help="1 = the most likely token")
        r3.metric("loss (nats)", f"{result.loss_after:.3f}", f"{result.loss_after - result.loss_before:+.3f}",
                  delta_color="inverse")
        if warning := readings.overshoot_warning(result):
            st.warning(warning)
        shown = result.changes[:12]
        fig = views.before_after([textinput.token_label(c.text) + "  " for c in shown], [c.before for c in shown],
                                 [c.after for c in shown], before_name="before the step", after_name="after the step",
                                 before_color=BEFORE, after_color=AFTER)
        figure(fig, alt=readings.step_alt(result), key="nudge-bars")
        figure(views.change_bars(shown, gain_color=GREEN, loss_color=RED), key="nudge-change",
               alt="Change in probability per token: the target gains, and the gain is taken from the others.")
        if words := readings.words_reading(result, like, unlike):
            st.markdown(words)
            st.dataframe(views.watched_table(result, like), hide_index=True, width="stretch", column_config={
                c: st.column_config.NumberColumn(format="%.6f") for c in ("p before", "p after")})
        if result.related:
            st.markdown(readings.related_heading(result))
            st.dataframe(views.related_table(result), hide_index=True, width="stretch",
                         column_config={c: st.column_config.NumberColumn(format="%.4f")
                                        for c in ("p(target) before", "p(target) after")})
        st.caption("Only your session's copy of the model changed; other readers and sections still use the "
                   "trained model. Reset puts your copy back.")
