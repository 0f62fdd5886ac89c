"""The tokens lesson: how text becomes the pieces a model reads.

Public modules: encodings (the experiment's real side: tiktoken's five OpenAI encodings,
offline, and tokens shaped for display), bpe (the experiment's hands-on side: a byte-level BPE
the reader trains, and a readable replay of its merges), examples (the lesson's texts and
bounds), vocabularies (real vocabulary sizes: counted offline where we can, published
figures with their source otherwise), readings (sentences computed from what the tokenizers did), chips and views (tokens as
inert HTML chips; tables and the compression figure). No build and no live run: every number
is computed on the reader's text in well under a second.
"""
