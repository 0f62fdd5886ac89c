"""The glossary as plain data: each term's short definition, the terms it leans
on, and the app pages (by url_path) where a reader can see it at work.

No streamlit and no heavy imports here: the home page and the glossary page
both read it, and the home page must paint fast. It does not check that the
pages exist; tests compare `pages` against the page table and check that each page's
source names the term (or one of its `aliases`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from engine.paths import ASSETS_DIR


@dataclass(frozen=True)
class Term:
    name: str  # how the term is written in running text
    definition: str  # one to three sentences, plain words
    related: tuple[str, ...] = ()  # slugs of other TERMS entries
    pages: tuple[str, ...] = ()  # url_paths of app pages that show it; "" is the home page
    aliases: tuple[str, ...] = ()  # other words a page may use for it (whole words, case-insensitive)


def committed_parameter_counts() -> dict[str, int]:
    """Parameters of each committed model of ours, by its folder under assets/, read from its
    manifest ("params"); empty when the assets are missing."""
    counts = {}
    for path in sorted(ASSETS_DIR.glob("**/manifest.json")):
        try:
            params = json.loads(path.read_text(encoding="utf-8")).get("params")
        except (OSError, ValueError):
            continue
        if isinstance(params, int):
            counts[str(path.parent.relative_to(ASSETS_DIR))] = params
    return counts


def parameters_definition(counts: dict[str, int]) -> str:
    """The Parameters entry, with this app's model sizes read from the manifests."""
    text = ("The numbers inside a model that training adjusts (also called weights). Their count is the "
            "usual measure of a model's size")
    if not counts:
        return text + ", up to hundreds of billions in the largest published models."
    small, large = min(counts.values()), max(counts.values())
    return (text + f": this app's own committed models have {small / 1e6:.2f} to {large / 1e6:.2f} million "
            "(read from their manifests); the largest published models have hundreds of billions.")


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
        "it is simply not seen. What the model learned in training is held in its "
        "weights; the window is its only memory of this conversation.",
        ("token", "next-token-prediction"),
        ("tokens", "cutoff"),
    ),
    # --- the objective --------------------------------------------------
    "next-token-prediction": Term(
        "Next-token prediction",
        "The training task of decoder-only models: given the tokens so far, give "
        "a probability to every token in the vocabulary for what comes next. "
        "Generating text is just doing this again and again.",
        ("causal-language-modeling", "probability-distribution", "pretraining"),
        ("next-token", "lab", "knowledge", "transfer"),
        ("predicting the next token", "guess the next token"),
    ),
    "causal-language-modeling": Term(
        "Causal language modelling",
        "Another name for next-token prediction. \"Causal\" because the guess at "
        "each position may only use tokens to its left, never those after it.",
        ("next-token-prediction", "masked-language-modeling"),
        ("next-token",),
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
        ("top-k",),
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
        "that way. Pretraining a large model takes about a hundred thousand steps, each on "
        "millions of tokens: GPT-3 175B read 300 billion tokens in batches of 3.2 million, about "
        "94,000 steps (Brown et al. 2020, Table 2.1).",
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
        parameters_definition(committed_parameter_counts()),
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
        "following instructions or labelling text messages as spam. It shapes how the "
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
        ("fill in hidden words",),
    ),
    "span-corruption": Term(
        "Span corruption",
        "The objective of T5-style encoder-decoders: replace whole runs of tokens "
        "with placeholders and have the model write out what was removed.",
        ("masked-language-modeling", "causal-language-modeling", "pretraining"),
        (),
    ),
    # --- where text comes from, models, measuring ----------------------
    "common-crawl": Term(
        "Common Crawl", "A non-profit that crawls the public web and gives the pages away; each monthly crawl holds "
        "roughly 2.5 to 3.5 billion pages (commoncrawl.org). Filtered, it is the biggest single source of many large "
        "models' pretraining text: 60% of GPT-3's training mix (Brown et al. 2020, Table 2.2).",
        ("corpus", "pretraining"), ("",)),
    "corpus": Term(
        "Corpus", "The body of text a model is trained on. This app's own corpus is Shakespeare, the King James Bible, "
        "WordNet's definitions and the classification tasks' training texts without their labels.",
        ("pretraining", "common-crawl", "tokenizer"), ("tokens", "next-token", "lab", "transfer"), ("corpora",)),
    "transformer": Term(
        "Transformer", "The network design behind nearly every current language model: a stack of layers in which "
        "each token looks at the others (attention) to decide what matters, then passes through a small network "
        "of its own (Vaswani et al. 2017).", ("decoder-only", "encoder", "parameters"), ("transfer",)),
    "decoder-only": Term(
        "Decoder-only model", "A transformer in which each token sees only the tokens before it, trained by "
        "next-token prediction: GPT-2, Llama, SmolLM2 and this app's own models. Writing text is its native job.",
        ("transformer", "next-token-prediction", "encoder"), (), ("decoder only",)),
    "encoder": Term(
        "Encoder", "A transformer in which each token sees the words on both sides, turning a text into vectors "
        "rather than writing more of it. BERT and MiniLM are encoders, pretrained by masked language modelling.",
        ("masked-language-modeling", "encoder-decoder", "transformer"), ("", "transfer")),
    "encoder-decoder": Term(
        "Encoder-decoder", "Two transformers in one: the encoder reads the input, the decoder writes the output "
        "while looking back at it. T5 is one, pretrained by span corruption.",
        ("encoder", "decoder-only", "span-corruption"), ()),
    "entropy": Term(
        "Entropy", "How spread out a probability distribution is: the average surprise of a draw from it. Zero "
        "when one outcome is certain, largest when all are equally likely.",
        ("bits", "probability-distribution", "cross-entropy"), ("next-token",)),
    "bits": Term(
        "Bits", "The unit of surprise: one bit is a fair coin toss. An entropy of 3 bits is as uncertain as a "
        "choice among 8 equally likely tokens.", ("entropy",), ("next-token",), ("bit",)),
    "frozen-features": Term(
        "Frozen features", "Using a pretrained model without changing it: each text goes through it once, and the "
        "numbers that come out (its features) feed a small classifier. Only the classifier learns.",
        ("linear-probe", "fine-tuning", "head"), ("transfer",), ("frozen",)),
    "head": Term(
        "Head", "A small layer put on top of a model for one job, such as turning its last vector into one score "
        "per class. A new head lets one base model serve another task.",
        ("fine-tuning", "frozen-features"), ("transfer",), ("output layer",)),
    "accuracy": Term(
        "Accuracy", "The share of examples a model gets right. Read it beside chance and the majority class: 90% "
        "means little if 87% of the examples carry the same label.",
        ("majority-class", "held-out-data"), ("transfer", "knowledge", "cutoff", "tuning")),
    "majority-class": Term(
        "Majority class", "The label most examples carry. Always answering it scores the majority-class rate, the "
        "floor any classifier has to beat.", ("accuracy",), ("transfer",), ("majority",)),
    "validation-data": Term(
        "Validation data", "Examples kept out of training and used to watch progress and make choices, such as "
        "when to stop. Loss falling on training data but not here is a sign of memorisation.",
        ("held-out-data", "memorisation", "loss"), ("lab", "transfer"), ("validation",)),
    "held-out-data": Term(
        "Held-out data", "Any data a model never trained on, kept aside to measure it honestly: validation data "
        "while building, test data for the final score.",
        ("validation-data", "accuracy"), ("lab", "transfer", "knowledge"), ("held out",)),
    "memorisation": Term(
        "Memorisation", "Learning the training text itself, word for word, instead of the patterns behind it. It "
        "shows as samples that copy the training text, and as a training loss far below the validation loss.",
        ("validation-data", "exposure"), ("lab",), ("memorization", "memorising", "memorizing")),
    "seed": Term(
        "Seed", "The starting number of a random number generator. The same seed repeats a run exactly; several "
        "seeds show how much a result moves by chance alone.", ("checkpoint",), ("lab", "transfer", "knowledge")),
    "checkpoint": Term(
        "Checkpoint", "A saved copy of a model's weights partway through training, to resume from or to compare "
        "stages of the same run.", ("seed", "parameters"), ("lab", "transfer")),
    # --- using a model ----------------------------------------------------
    "prompt": Term(
        "Prompt", "The text a model is given to continue or answer. Anything it should use at answer time, beyond "
        "what its weights hold, has to be in the prompt.", ("context-window", "inference"), ("lab", "cutoff", "tuning")),
    "inference": Term(
        "Inference", "Using a trained model rather than training it: the weights stay fixed and the model only "
        "computes its outputs.", ("prompt", "retrieval"), ("cutoff",)),
    "sampling": Term(
        "Sampling", "Choosing each next token by a random draw from the model's probability distribution, instead "
        "of always the most likely one. Temperature, top-k and top-p change the odds first.",
        ("temperature", "top-k", "top-p"), ("next-token", "lab"), ("sample", "samples", "sampled")),
    # --- making an assistant ------------------------------------------------
    "sft": Term(
        "Supervised fine-tuning (SFT)", "Tuning a base model on examples of requests paired with good answers, the "
        "first step in making an assistant; instruction tuning is this.",
        ("instruction-tuning", "rlhf", "alignment"), ("tuning",), ("SFT", "instruction tuning")),
    "rlhf": Term(
        "RLHF", "Reinforcement learning from human feedback: people pick the better of two answers, a reward model "
        "learns their choices, and the model is tuned to earn a high reward (used for InstructGPT, Ouyang et al. "
        "2022).", ("sft", "dpo", "alignment"), ()),
    "dpo": Term(
        "DPO", "Direct preference optimisation: tuning straight on pairs of preferred and rejected answers, with no "
        "separate reward model (Rafailov et al. 2023).", ("rlhf", "sft", "alignment"), ()),
    "alignment": Term(
        "Alignment", "Tuning a model so that what it does matches what people want of it: helpful, honest, "
        "harmless answers. SFT, RLHF and DPO are tools for it.", ("sft", "rlhf", "dpo"), ()),
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
