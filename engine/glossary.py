"""The glossary as plain data: each term's short definition, the terms it leans
on, and the app pages (by url_path) where a reader can see it at work.

No streamlit and no heavy imports here: the home page and the glossary page
both read it, and the home page must paint fast. It does not check that the
pages exist; tests compare `pages` against the table in app.py.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    name: str  # how the term is written in running text
    definition: str  # one to three sentences, plain words
    related: tuple[str, ...] = ()  # slugs of other TERMS entries
    pages: tuple[str, ...] = ()  # url_paths of app pages that show it; "" is the home page


TERMS: dict[str, Term] = {
    # --- tokens ---------------------------------------------------------
    "token": Term(
        "Token",
        "The unit a language model reads and writes. A frequent word is often a "
        "single token; a rare or long word is cut into several pieces, and spaces "
        "and punctuation are usually folded into the pieces next to them.",
        ("tokenizer", "vocabulary", "bpe", "byte"),
        ("tokens", "next-token"),
    ),
    "tokenizer": Term(
        "Tokenizer",
        "The fixed procedure that turns text into a list of token ids and back. "
        "It is built before the model is trained and never changes afterwards, so "
        "every quirk in it is inherited by the model.",
        ("token", "bpe", "vocabulary"),
        ("tokens",),
    ),
    "bpe": Term(
        "Byte-pair encoding (BPE)",
        "A way to build a tokenizer: start from single bytes and repeatedly glue "
        "together the pair of neighbours seen most often in a training text, "
        "until the vocabulary reaches the size you asked for.",
        ("tokenizer", "byte", "vocabulary"),
        ("tokens",),
    ),
    "vocabulary": Term(
        "Vocabulary",
        "The complete list of tokens a tokenizer can produce, each with a number "
        "(its id). The model's last layer gives one score per vocabulary entry, so "
        "a bigger vocabulary means a bigger output layer.",
        ("token", "logits", "tokenizer"),
        ("tokens", "next-token"),
    ),
    "byte": Term(
        "Byte",
        "Eight bits; UTF-8 writes any character as one to four bytes. Starting a "
        "tokenizer from the 256 possible bytes means no text, in any script or "
        "with any emoji, is ever impossible to encode.",
        ("bpe", "token"),
        ("tokens",),
    ),
    "context-window": Term(
        "Context window",
        "The largest number of tokens a model can look at in one go. Text beyond "
        "it is simply not seen; the model has no memory other than what fits in "
        "the window.",
        ("token", "next-token-prediction"),
        ("next-token", "lab", "cutoff"),
    ),
    # --- the objective --------------------------------------------------
    "next-token-prediction": Term(
        "Next-token prediction",
        "The training task of decoder-only models: given the tokens so far, give "
        "a probability to every token in the vocabulary for what comes next. "
        "Generating text is just doing this again and again.",
        ("causal-language-modeling", "probability-distribution", "pretraining"),
        ("next-token", "lab", "knowledge", "transfer"),
    ),
    "causal-language-modeling": Term(
        "Causal language modelling",
        "Another name for next-token prediction. \"Causal\" because the guess at "
        "each position may only use tokens to its left, never those after it.",
        ("next-token-prediction", "masked-language-modeling"),
        ("next-token", "lab"),
    ),
    "probability-distribution": Term(
        "Probability distribution",
        "A set of non-negative numbers, one per possible outcome, that add up to "
        "1. A language model's output at each step is one of these, spread over "
        "its whole vocabulary.",
        ("softmax", "next-token-prediction"),
        ("next-token", "knowledge"),
    ),
    "logits": Term(
        "Logits",
        "The raw scores the model gives each vocabulary entry before they are "
        "turned into probabilities. Only their differences matter: adding the "
        "same number to all of them changes nothing.",
        ("softmax", "temperature", "vocabulary"),
        ("next-token",),
    ),
    "softmax": Term(
        "Softmax",
        "The function that turns logits into a probability distribution: raise "
        "e to each score, then divide by the total. The highest score gets the "
        "biggest share, but every token keeps some chance.",
        ("logits", "probability-distribution", "temperature"),
        ("next-token",),
    ),
    "temperature": Term(
        "Temperature",
        "A number the logits are divided by before the softmax when sampling. "
        "Below 1 it sharpens the distribution towards the top choice; above 1 it "
        "flattens it and the text gets more surprising.",
        ("softmax", "top-k", "top-p"),
        ("next-token",),
    ),
    "top-k": Term(
        "Top-k sampling",
        "When sampling, keep only the k most likely tokens, share their "
        "probabilities out again, and draw from those. It cuts off the long tail "
        "of unlikely tokens.",
        ("top-p", "temperature"),
        ("next-token",),
    ),
    "top-p": Term(
        "Top-p (nucleus) sampling",
        "When sampling, keep the smallest set of most-likely tokens whose "
        "probabilities add up to at least p, and draw from those. Unlike top-k, "
        "the number kept grows when the model is unsure.",
        ("top-k", "temperature"),
        ("next-token",),
    ),
    # --- training -------------------------------------------------------
    "loss": Term(
        "Loss",
        "One number saying how badly the model did on a batch of examples; "
        "training is the search for weights that make it small. For language "
        "models it is the cross-entropy of the true next tokens.",
        ("cross-entropy", "gradient-step", "perplexity"),
        ("lab", "next-token"),
    ),
    "cross-entropy": Term(
        "Cross-entropy",
        "The average of minus the log of the probability the model gave to what "
        "really came next. A confident right guess costs almost nothing; a "
        "confident wrong one costs a lot.",
        ("loss", "perplexity", "probability-distribution"),
        ("lab", "next-token"),
    ),
    "perplexity": Term(
        "Perplexity",
        "e raised to the cross-entropy. Read it as the number of equally likely "
        "tokens the model is choosing between on average: a model that knew "
        "nothing about a 1,000-token vocabulary would score 1,000.",
        ("cross-entropy", "loss"),
        ("lab",),
    ),
    "gradient-step": Term(
        "Gradient step",
        "One update of the weights: work out, for every parameter, which "
        "direction would lower the loss on this batch, and move each a little "
        "that way. Pretraining is millions of these.",
        ("learning-rate", "loss", "parameters"),
        ("lab", "next-token"),
    ),
    "learning-rate": Term(
        "Learning rate",
        "How far each gradient step moves the weights. Too small and training "
        "crawls; too large and the loss jumps about or blows up.",
        ("gradient-step", "loss"),
        ("lab",),
    ),
    "pretraining": Term(
        "Pretraining",
        "The first and by far the largest training stage: one model learns a "
        "single objective, such as next-token prediction, over a huge body of "
        "text nobody labelled. It is done once and reused for many tasks.",
        ("base-model", "next-token-prediction", "transfer-learning", "tuning"),
        ("", "lab", "next-token", "knowledge", "cutoff", "tuning", "transfer"),
    ),
    "base-model": Term(
        "Base model",
        "What pretraining produces. It continues text fluently, but it is not "
        "yet an assistant: it does not know it is being asked a question or "
        "when to stop.",
        ("pretraining", "tuning"),
        ("lab", "tuning", "transfer"),
    ),
    "parameters": Term(
        "Parameters",
        "The numbers inside a model that training adjusts (also called weights). "
        "Their count is the usual measure of a model's size, from thousands in "
        "this app's toy models to hundreds of billions.",
        ("gradient-step", "flops"),
        ("lab", "cutoff", "transfer"),
    ),
    "flops": Term(
        "FLOPs",
        "Floating-point operations, the arithmetic a computer does. Training "
        "costs roughly six times the number of parameters times the number of "
        "training tokens.",
        ("parameters", "pretraining"),
        ("lab", "transfer"),
    ),
    # --- after pretraining ----------------------------------------------
    "tuning": Term(
        "Tuning",
        "The smaller second stage that adapts a base model to a job, for example "
        "following instructions or labelling emails as spam. It shapes how the "
        "model behaves; it adds few new facts.",
        ("base-model", "transfer-learning", "pretraining", "fine-tuning"),
        ("", "transfer", "tuning"),
    ),
    "transfer-learning": Term(
        "Transfer learning",
        "Learn general skill once, on plenty of unlabelled data, then carry it "
        "over to each specific task with a short, cheap round of training on a "
        "little labelled data, instead of starting each task from nothing.",
        ("pretraining", "tuning", "base-model", "fine-tuning", "linear-probe"),
        ("", "transfer"),
    ),
    "knowledge-cutoff": Term(
        "Knowledge cutoff",
        "The date the pretraining text was collected. The model has seen nothing "
        "written after it; a search tool at answer time can add fresh text, but "
        "does not change what the model itself learned.",
        ("pretraining", "hallucination", "retrieval"),
        ("cutoff", "knowledge", "tuning"),
    ),
    "hallucination": Term(
        "Hallucination",
        "A fluent, confident statement that is false. The model learned what "
        "answers of this kind usually look like without learning the particular "
        "fact, so it fills the gap with something plausible.",
        ("knowledge-cutoff", "base-model", "tuning", "exposure"),
        ("knowledge", "tuning"),
    ),
    "fine-tuning": Term(
        "Fine-tuning",
        "Tuning in which every weight of the pretrained model may change, usually "
        "with a small new output layer on top, trained briefly on labelled examples "
        "with a small learning rate.",
        ("tuning", "linear-probe", "transfer-learning"),
        ("transfer", "tuning"),
    ),
    "linear-probe": Term(
        "Linear probe",
        "Keep the pretrained model frozen, turn each text into the model's numbers "
        "for it (its features), and fit only a straight-line classifier on them. "
        "If that works, the model had already learned what the task needs.",
        ("fine-tuning", "transfer-learning", "base-model"),
        ("transfer",),
    ),
    "bag-of-words": Term(
        "Bag of words",
        "The classic text classifier: count which words appear, ignore their order, "
        "and weigh the counts with a linear model trained on labelled examples. "
        "Strong when single words give the label away, blind to phrasing.",
        ("linear-probe", "transfer-learning"),
        ("transfer",),
    ),
    "learning-curve": Term(
        "Learning curve",
        "A model's score plotted against how much training data it got. Comparing "
        "curves shows which approach needs fewer labelled examples for the same score.",
        ("transfer-learning", "fine-tuning"),
        ("transfer",),
    ),
    "exposure": Term(
        "Exposure",
        "How many times a fact appears in the pretraining text. Facts read often "
        "are recalled; facts read once or twice mostly are not.",
        ("pretraining", "hallucination"),
        ("knowledge", "cutoff"),
    ),
    "epoch": Term(
        "Epoch",
        "One pass of training over every example of a training set. Small models "
        "need many epochs to learn a fact they read only a few times.",
        ("exposure", "tuning"),
        ("tuning", "knowledge"),
    ),
    "recall": Term(
        "Recall (of a fact)",
        "A model recalls a fact when, given the start of a sentence that should end "
        "in the answer, it gives the true answer more probability than any other "
        "candidate answer of that kind.",
        ("exposure", "hallucination", "probability-distribution"),
        ("knowledge",),
    ),
    "retrieval": Term(
        "Retrieval (a tool at inference)",
        "Putting relevant documents into the prompt when the question is asked. "
        "The model can then use facts newer than its knowledge cutoff, while its "
        "weights stay exactly as they were.",
        ("knowledge-cutoff", "context-window"),
        ("cutoff",),
    ),
    "instruction-tuning": Term(
        "Instruction tuning",
        "Tuning a base model on examples of requests and good answers, so it "
        "replies to a question instead of continuing the text. It changes the "
        "model's manners and format far more than what it knows.",
        ("tuning", "base-model", "hallucination"),
        ("tuning", "transfer"),
    ),
    "masked-language-modeling": Term(
        "Masked language modelling",
        "The objective of BERT-style encoders: hide some tokens in a sentence and "
        "have the model guess them using words on both sides. Good for "
        "understanding text, not for writing it.",
        ("causal-language-modeling", "span-corruption", "pretraining"),
        ("transfer",),
    ),
    "span-corruption": Term(
        "Span corruption",
        "The objective of T5-style encoder-decoders: replace whole runs of tokens "
        "with placeholders and have the model write out what was removed.",
        ("masked-language-modeling", "causal-language-modeling", "pretraining"),
        (),
    ),
}


def search(query: str) -> list[str]:
    """Slugs whose name, slug or definition contains every word of `query`
    (case-insensitive), names matches first; all slugs for an empty query."""
    words = query.casefold().split()
    if not words:
        return list(TERMS)
    by_name, by_text = [], []
    for slug, term in TERMS.items():
        name = f"{term.name} {slug}".casefold()
        text = f"{name} {term.definition}".casefold()
        if all(w in name for w in words):
            by_name.append(slug)
        elif all(w in text for w in words):
            by_text.append(slug)
    return by_name + by_text
