"""Next-token prediction: what a language model actually outputs, how sampling
settings reshape it, which tokens surprise it, and what one gradient step does.
Reads top to bottom like the lesson."""
from __future__ import annotations

import os

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from engine import hub, nudge, probes, smollm
from engine.textinput import clean_user_text, fix_surrogates, html_escape, visible_text
from lessons import _models
from lessons._ui import bounded_text_area, figure, glossary_links

# A test or a facilitator can point "our base model" at another saved model folder.
STANDIN_ENV = "PRETRAINING_EXPLORER_NEXT_TOKEN_MODEL_DIR"

MAX_PREFIX = 2_000  # characters in the prefix box (the URL carries it)
MAX_SHORT = 300  # characters in one-line boxes
MAX_SENTENCE_TOKENS = 48  # the causal view draws at most this many tokens
TOP_K_BARS = 10
MAX_RELATED = 6

DEFAULT_PREFIX = "And the LORD spake unto"
DEFAULT_CONTINUATION = " Moses, saying"
DEFAULT_SENTENCE = "The king said unto his servants, Go and fetch the horse."
# The microscope's example, in the spirit of "the cat sat on the ... mat":
# a prefix with several sensible next words, one of which we make more likely.
# " horse" is one token in our tokenizer (" throne" is two). On the committed base model one step at
# lr 0.001 lifts it from 0.2% (rank 89) to 1.2% (rank 10), the royal prefixes rise with it and
# "The prime minister said" does not move; by lr 0.01 every prefix starts to say "horse".
DEFAULT_MICRO_PREFIX = "And the king rode upon his"
DEFAULT_TARGET = "horse"
DEFAULT_RELATED = "And the queen rode upon her\nThe king sat upon his\nAnd David rode upon his\nThe prime minister said"
LEARNING_RATES = (0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)

BASE, SMOL = "base", smollm.NAME
OFFLINE_LABELS = {
    BASE: "Our base model (built here, trained on Shakespeare, the King James Bible, BBC news, WordNet)",
    SMOL: smollm.LABEL,
}


def md(text: str) -> str:
    """Reader or model text made safe for st.markdown: visible, no markup."""
    out = visible_text(text)
    return "".join("\\" + c if c in "\\`*_{}[]()#+-.!|<>~$:" else c for c in out)


def label(piece: str) -> str:
    """Token text for a plotly label: visible and HTML-escaped (plotly reads tags)."""
    return html_escape(visible_text(piece))


# ---------------------------------------------------------------- models


@st.cache_resource(show_spinner="Loading the model (once per server)…", max_entries=4)
def load_model(name: str):
    """The shared, read-only model. Nothing on this page writes to it."""
    probes.prefer_one_thread()  # readers' requests run side by side on a small machine
    if name == BASE:
        standin = os.environ.get(STANDIN_ENV)
        if standin:
            return smollm.load_folder(standin, name=BASE, label="Stand-in model (" + standin + ")")
        from engine.models import load_artifact

        return load_artifact("base")
    return hub.load(name)


def model_or_stop(name: str):
    """Load a model, or explain plainly why it cannot be had and stop the page."""
    if name == SMOL:  # one copy for the whole server, shared with the other pages
        lm = _models.smollm(purpose="The real SmolLM2-135M-Instruct model")
        if lm is None:
            st.stop()
        return lm
    try:
        return load_model(name)
    except ImportError:
        st.error("Our base model's code (engine/models.py) is not in this copy of the project yet.",
                 icon=":material/error:")
    except Exception as exc:  # ArtifactError, SmolLMError, HubError: all carry a reader-facing message
        st.error(str(exc), icon=":material/error:")
    st.stop()


# ---------------------------------------------------------------- page

# Text that cannot become UTF-8 (lone surrogates) cannot go into the URL either:
# repair it before the URL-bound boxes are drawn (each box reports it in words).
for _key in ("prefix", "continuation", "sentence", "mprefix", "target", "related"):
    _value = st.session_state.get(_key)
    if isinstance(_value, str) and _value != fix_surrogates(_value):
        st.session_state[_key] = fix_surrogates(_value)
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
    use_hub = st.checkbox(
        "Also offer models from the Hugging Face hub (needs internet; downloads hundreds of MB)",
        key="hub", bind="query-params",
    )
    options = [BASE, SMOL]
    labels = dict(OFFLINE_LABELS)
    if use_hub:
        status = hub.reachable()
        if status.ok:
            options += list(hub.HUB_MODELS)
            labels.update({k: v[1] for k, v in hub.HUB_MODELS.items()})
        else:
            st.info(status.message, icon=":material/cloud_off:")
    # Synced with ?model= by hand: a bound selectbox would put the long label in the URL.
    if st.session_state.get("model") not in options:
        wanted = st.query_params.get("model")
        st.session_state["model"] = wanted if wanted in options else BASE
    model_name = st.selectbox("Model", options, format_func=lambda k: labels.get(k, k), key="model")
    if model_name == BASE:
        st.query_params.pop("model", None)
    else:
        st.query_params["model"] = model_name
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
prefix = bounded_text_area("Prefix", key="prefix", default=DEFAULT_PREFIX, max_chars=MAX_PREFIX, height=90)
dist = probes.next_token_distribution(lm, prefix, top_k=TOP_K_BARS)
if dist.prefix.used_start_token:
    st.info(
        "The prefix is empty, and a model needs at least one token to predict from. So it starts from "
        f"the start-of-document token ({md(probes.token_piece(tok, dist.prefix.ids[0]))}): these are its "
        "guesses for the very first token of a new text.",
        icon=":material/info:",
    )
if dist.prefix.dropped:
    st.info(f"The prefix is longer than the model's window; only its last {len(dist.prefix.ids):,} tokens "
            f"are read ({dist.prefix.dropped:,} dropped).", icon=":material/content_cut:")

c1, c2, c3 = st.columns(3)
c1.metric("Tokens in the prefix", f"{len(dist.prefix.ids):,}")
c2.metric(f"Mass of the top {TOP_K_BARS}", f"{dist.top_mass:.1%}",
          help="How much of the total probability these bars hold; the rest is spread over the other tokens.")
c3.metric("Entropy", f"{dist.entropy_bits:.2f} bits",
          help=f"How unsure the model is. 0 bits: certain. log2({vocab_size:,}) = {np.log2(vocab_size):.1f} bits: "
               "every token equally likely.")

top = dist.top
fig = go.Figure(go.Bar(
    x=[t.prob for t in top], y=[f"{label(t.text)}  " for t in top], orientation="h",
    text=[f"{t.prob:.1%}" for t in top], textposition="auto",
    hovertext=[f"token id {t.token_id}" for t in top], marker_color="#4f7be8",
))
fig.update_layout(yaxis=dict(autorange="reversed", type="category"), xaxis=dict(title="probability", tickformat=".0%"),
                  height=60 + 30 * len(top), margin=dict(l=10, r=10, t=10, b=40))
figure(fig, alt=(f"Top {len(top)} next tokens: most likely {visible_text(top[0].text)!r} at {top[0].prob:.1%}; "
                 f"these {len(top)} hold {dist.top_mass:.1%} of the probability; entropy {dist.entropy_bits:.2f} bits."),
       key="bars")

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
kept = int((reshaped > 0).sum())
order = list(dict.fromkeys([t.token_id for t in top] + [int(i) for i in np.argsort(-reshaped)[:TOP_K_BARS]]))[:15]
names = [label(probes.token_piece(tok, i)) + "  " for i in order]
fig = go.Figure([
    go.Bar(name="before (the model)", y=names, x=[dist.probs[i] for i in order], orientation="h", marker_color="#9aa7bd"),
    go.Bar(name="after the settings", y=names, x=[reshaped[i] for i in order], orientation="h", marker_color="#e8734f"),
])
fig.update_layout(barmode="group", yaxis=dict(autorange="reversed", type="category"),
                  xaxis=dict(title="probability", tickformat=".0%"), height=80 + 34 * len(order),
                  legend=dict(orientation="h", y=1.02, yanchor="bottom"), margin=dict(l=10, r=10, t=30, b=40))
figure(fig, alt=(f"Before and after temperature {temperature:g}, top-k {top_k or 'off'}, top-p {top_p:g}: "
                 f"{kept:,} of {vocab_size:,} tokens can still be drawn; the likeliest now has "
                 f"{reshaped.max():.1%}."), key="reshape")
st.caption(f"After these settings {kept:,} of {vocab_size:,} tokens keep any chance; "
           f"entropy {probes.entropy_bits(reshaped):.2f} bits (was {dist.entropy_bits:.2f}).")

st.session_state.setdefault("draw_seed", 0)
draws_col, button_col = st.columns([4, 1])
if button_col.button("Draw again", key="redraw"):
    st.session_state["draw_seed"] += 1
rng = np.random.default_rng(st.session_state["draw_seed"])
draws = [probes.sample(reshaped, rng) for _ in range(12)]
draws_col.markdown("Twelve draws with these settings: " + " , ".join(md(probes.token_piece(tok, d)) for d in draws))

# ------------------------------------------------ 3. writing, one token at a time
st.header("3 · Write one token at a time")
st.markdown(
    "Pick the next token yourself, or let the settings above draw it. Each choice is added to "
    "the prefix (and to the address bar), and the model guesses again: that is all text generation is."
)


def append_token(token_id: int) -> None:
    text = tok.decode([token_id])
    current = st.session_state.get("prefix", DEFAULT_PREFIX) or ""
    if len(current) + len(text) > MAX_PREFIX:
        st.session_state["gen_notice"] = f"The prefix is at its {MAX_PREFIX:,}-character limit; nothing was added."
        return
    st.session_state.setdefault("gen_history", []).append(current)
    st.session_state["prefix"] = current + text


def sample_token(probs: np.ndarray) -> None:
    append_token(probes.sample(probs))


def undo() -> None:
    history = st.session_state.get("gen_history") or []
    if history:
        st.session_state["prefix"] = history.pop()


cols = st.columns(6)
for i, t in enumerate(top[:5]):
    cols[i].button(md(t.text) or "(empty)", key=f"gen-{i}", on_click=append_token, args=(t.token_id,),
                   help=f"{t.prob:.1%}", width="stretch")
cols[5].button("Sample", key="gen-sample", on_click=sample_token, args=(reshaped,), type="primary",
               help="Draw with the temperature / top-k / top-p above", width="stretch")
u1, u2 = st.columns([1, 5])
u1.button("Undo", key="gen-undo", on_click=undo, disabled=not st.session_state.get("gen_history"))
if st.session_state.get("gen_notice"):
    st.warning(st.session_state.pop("gen_notice"))
tail = prefix[-300:]
u2.caption("Text so far (end): " + md(("…" if len(prefix) > 300 else "") + tail))

# ------------------------------------------------ 4. probability of a continuation
st.header("4 · How likely is a whole continuation?")
st.markdown(
    "The probability of several tokens is the product of each token's probability given everything "
    "before it, so we add their logs. Log-probability in nats uses the natural log; in bits, log base 2."
)
raw_cont = st.text_input("Continuation of the prefix", value=DEFAULT_CONTINUATION, key="continuation",
                         max_chars=MAX_SHORT, bind="query-params")
continuation, cont_notices = clean_user_text(raw_cont, max_chars=MAX_SHORT)
for n in cont_notices:
    st.info(n)
if not continuation:
    st.info("Type a continuation to score it.")
else:
    score = probes.continuation_logprob(lm, prefix, continuation)
    table = pd.DataFrame({
        "token": [visible_text(t.text) for t in score.tokens],
        "probability": [t.prob for t in score.tokens],
        "log-prob (nats)": [t.logprob for t in score.tokens],
        "surprise (bits)": [t.bits for t in score.tokens],
    })
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={"probability": st.column_config.NumberColumn(format="%.4f")})
    p_total = float(np.exp(score.total_nats))
    st.markdown(f"Total: **{score.total_nats:.2f} nats = {score.total_bits:.2f} bits**, a probability of "
                f"{p_total:.3g}" + (f" (about 1 in {1 / p_total:,.0f})." if 1e-6 < p_total < 0.5
                   else f" (about 1 in {1 / p_total:.1e})." if 0 < p_total <= 1e-6 else "."))
    if score.dropped:
        st.caption(f"{score.dropped} tokens at the end were left out to fit the model's window.")

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
raw_sentence = st.text_input("A sentence", value=DEFAULT_SENTENCE, key="sentence", max_chars=MAX_SHORT,
                             bind="query-params")
sentence, s_notices = clean_user_text(raw_sentence, max_chars=MAX_SHORT)
for n in s_notices:
    st.info(n)
pl = probes.per_position_loss(lm, sentence, max_tokens=MAX_SENTENCE_TOKENS)
if not pl.tokens:
    st.info("Type a sentence to see its mask and the loss at each position.")
else:
    if pl.truncated:
        st.info(f"Only the first {MAX_SENTENCE_TOKENS} tokens are shown ({pl.truncated} more were left out).")
    ticks = [label(pl.start_token)] + [label(t.text) for t in pl.tokens]
    n = len(pl.tokens)
    # what row i sees: the start token and tokens 0..i-1 (its target, token i, is what it predicts)
    seen = np.tril(np.ones((n, n + 1), dtype=np.int8))
    fig = go.Figure(go.Heatmap(
        z=seen, x=list(range(n + 1)), y=list(range(n)), colorscale=[[0, "rgba(128,128,128,0.08)"], [1, "#4f7be8"]],
        showscale=False, xgap=1, ygap=1,
        hovertemplate="predicting token %{y} may look at position %{x}<extra></extra>",
    ))
    fig.update_layout(
        xaxis=dict(title="positions it may look at", tickvals=list(range(n + 1)), ticktext=ticks, side="top",
                   tickangle=-60),
        yaxis=dict(title="predicting", tickvals=list(range(n)), ticktext=[label(t.text) for t in pl.tokens],
                   autorange="reversed"),
        height=min(900, 160 + 22 * n), margin=dict(l=10, r=10, t=90, b=10),
    )
    figure(fig, alt=(f"Causal mask for {n} tokens: a lower triangle, so the prediction of each token sees the "
                     "start token and the tokens before it, never the ones after."), key="mask")

    losses_bits = [t.bits for t in pl.tokens]
    worst = int(np.argmax(losses_bits))
    fig = go.Figure(go.Bar(
        x=list(range(n)), y=losses_bits, marker=dict(color=losses_bits, colorscale="OrRd", cmin=0),
        text=[f"{b:.1f}" for b in losses_bits], textposition="outside",
        hovertext=[f"{label(t.text)}: p = {t.prob:.2%}" for t in pl.tokens], hoverinfo="text",
    ))
    fig.update_layout(xaxis=dict(tickvals=list(range(n)), ticktext=[label(t.text) for t in pl.tokens], tickangle=-60),
                      yaxis=dict(title="surprise (bits)"), height=340, margin=dict(l=10, r=10, t=20, b=10))
    figure(fig, alt=(f"Loss at each of {n} positions; the most surprising token is "
                     f"{visible_text(pl.tokens[worst].text)!r} at {losses_bits[worst]:.1f} bits; "
                     f"the average is {np.mean(losses_bits):.2f} bits per token."), key="surprise")
    st.caption(f"Average loss: {pl.mean_loss:.2f} nats = {np.mean(losses_bits):.2f} bits per token. "
               "Pretraining lowers exactly this average, over billions of positions.")

# ------------------------------------------------ 6. the one-step microscope
st.header("6 · The one-step microscope")
st.markdown(
    """
This is pretraining up close. Choose a prefix and the token you want to come next. The model's
loss on that example is −ln p(target). One **gradient step** moves every weight a little in the
direction that lowers that loss; the **learning rate** sets how far. Then look at what moved:
the target, the tokens that lost out, and the predictions for *other* prefixes, because the same
weights serve every text. Pretraining is this step, repeated over a vast corpus.
"""
)
if model_name != BASE:
    st.info(
        "The microscope always uses our base model. Each reader gets a private copy of the model to nudge, "
        "so that nobody else sees the change; a copy of SmolLM2 would take about 540 MB per reader (more with "
        "its gradients), while ours costs a few MB.",
        icon=":material/info:",
    )
    base_lm = model_or_stop(BASE)
else:
    base_lm = lm
m1, m2 = st.columns([3, 2])
raw_mp = m1.text_input("Prefix", value=DEFAULT_MICRO_PREFIX, key="mprefix", max_chars=MAX_SHORT, bind="query-params")
raw_target = m2.text_input("Target next word", value=DEFAULT_TARGET, key="target", max_chars=60, bind="query-params")
micro_prefix, n1 = clean_user_text(raw_mp, max_chars=MAX_SHORT)
target_text, n2 = clean_user_text(raw_target, max_chars=60)
lr = st.select_slider("Learning rate", options=LEARNING_RATES, value=0.001, key="lr", bind="query-params",
                      help="How far one step moves the weights. Too large a step can overshoot and make things worse.")
raw_related = st.text_area("Related prefixes (one per line): does the step change them too?", value=DEFAULT_RELATED,
                           key="related", max_chars=MAX_SHORT * 2, height=110, bind="query-params")
related_text, n3 = clean_user_text(raw_related, max_chars=MAX_SHORT * 2)
for n in n1 + n2 + n3:
    st.info(n)
related = [line.strip() for line in related_text.splitlines() if line.strip()][:MAX_RELATED]

target = nudge.resolve_target(base_lm.tokenizer, micro_prefix, target_text)
state = st.session_state.get("nudge_state")
if state is not None and state["source"] is not base_lm:
    state = None  # the shared model was reloaded: start afresh
current_lm = state["lm"] if state else base_lm

if target is None:
    st.info("Type a target word: the token you want the model to expect next.")
else:
    note = f"The step pushes up the token **{md(target.piece)}**"
    if target.added_space:
        note += " (with the space a word carries after another word)"
    if target.n_tokens > 1:
        note += f". Your target is {target.n_tokens} tokens long; the step nudges only its first token"
    st.markdown(note + ".")
    now = probes.next_token_distribution(current_lm, micro_prefix, top_k=TOP_K_BARS)
    steps = state["steps"] if state else 0
    st.markdown(f"Right now (after {steps} step{'s' if steps != 1 else ''} in your session): "
                f"p(target) = **{now.prob_of(target.token_id):.2%}**, rank **{now.rank_of(target.token_id):,}** "
                f"of {len(base_lm.tokenizer):,}.")

    def take_step() -> None:
        s = st.session_state.get("nudge_state")
        if s is None or s["source"] is not base_lm:
            s = {"source": base_lm, "lm": nudge.session_copy(base_lm), "steps": 0, "result": None}
        s["result"] = nudge.nudge(s["lm"], micro_prefix, target, lr=lr, related_prefixes=related)
        s["steps"] += 1
        st.session_state["nudge_state"] = s

    def reset() -> None:
        st.session_state.pop("nudge_state", None)

    b1, b2, _ = st.columns([2, 2, 3])
    b1.button("Take one gradient step", key="step", on_click=take_step, type="primary", width="stretch")
    b2.button("Reset to the trained model", key="reset", on_click=reset, disabled=state is None, width="stretch")

    result = state["result"] if state else None
    if result is not None:
        st.subheader(f"After step {state['steps']}")
        if result.prefix != micro_prefix or result.target.token_id != target.token_id:
            st.caption("This is the last step you took, on its own prefix and target: "
                       f"{md(result.prefix)} → {md(result.target.piece)}")
        r1, r2, r3 = st.columns(3)
        r1.metric("p(target)", f"{result.p_after:.2%}", f"{(result.p_after - result.p_before) * 100:+.2f} points")
        r2.metric("rank", f"{result.rank_after:,}", f"{result.rank_before - result.rank_after:+,} places",
                  help="1 = the most likely token")
        r3.metric("loss (nats)", f"{result.loss_after:.3f}", f"{result.loss_after - result.loss_before:+.3f}",
                  delta_color="inverse")
        if result.p_after < result.p_before:
            st.warning("The step made the target *less* likely: the learning rate was so large that the step "
                       "jumped past the low point of the loss. Try a smaller one.")
        shown = result.changes[:12]
        names = [label(c.text) + "  " for c in shown]
        fig = go.Figure([
            go.Bar(name="before the step", y=names, x=[c.before for c in shown], orientation="h", marker_color="#9aa7bd"),
            go.Bar(name="after the step", y=names, x=[c.after for c in shown], orientation="h", marker_color="#4f7be8"),
        ])
        fig.update_layout(barmode="group", yaxis=dict(autorange="reversed", type="category"),
                          xaxis=dict(title="probability", tickformat=".0%"), height=80 + 34 * len(shown),
                          legend=dict(orientation="h", y=1.02, yanchor="bottom"), margin=dict(l=10, r=10, t=30, b=40))
        figure(fig, alt=(f"One step at learning rate {result.lr:g} moved p({visible_text(result.target.piece)!r}) "
                         f"from {result.p_before:.2%} to {result.p_after:.2%}; the other top tokens share the loss."),
               key="nudge-bars")
        fig = go.Figure(go.Bar(
            y=names, x=[c.change * 100 for c in shown], orientation="h",
            marker_color=["#3a9d5d" if c.change >= 0 else "#d0543f" for c in shown],
            text=[f"{c.change * 100:+.2f}" for c in shown], textposition="auto",
        ))
        fig.update_layout(yaxis=dict(autorange="reversed", type="category"), xaxis=dict(title="change (percentage points)"),
                          height=60 + 28 * len(shown), margin=dict(l=10, r=10, t=10, b=40))
        figure(fig, alt="Change in probability per token: the target gains, and the gain is taken from the others.",
               key="nudge-change")
        if result.related:
            st.markdown(f"**Other prefixes**: the same step changed p({md(result.target.piece)}) after these too.")
            st.dataframe(pd.DataFrame({
                "prefix": [visible_text(r.prefix) for r in result.related],
                "p(target) before": [r.p_before for r in result.related],
                "p(target) after": [r.p_after for r in result.related],
                "rank before": [r.rank_before for r in result.related],
                "rank after": [r.rank_after for r in result.related],
                "top token after": [visible_text(r.top_after) for r in result.related],
            }), hide_index=True, width="stretch",
                column_config={c: st.column_config.NumberColumn(format="%.4f")
                               for c in ("p(target) before", "p(target) after")})
        st.caption("Only your session's copy of the model changed; other readers, and the other sections of this "
                   "page, still use the trained model. Reset puts your copy back.")
