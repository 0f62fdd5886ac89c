"""The tokens lesson's texts and bounds: the example pills, the built-in training text for
"Build your own BPE" (so the page works with no data pack), and the corpora it can train on.

Not handled: texts in the URL (the page bounds them with MAX_TEXT).
"""
from __future__ import annotations

MAX_TEXT = 4_000  # text box bound: keeps the URL and five encodings quick
MAX_CHIPS = 300  # chips drawn per encoding; counts always cover the whole text
MAX_SENTENCE = 300
CORPUS_CHARS = 300_000  # a data-pack corpus is cut to this before training
REPLAY_CHARS = 50_000  # the merge replay and the curve use this much of the training text

EXAMPLES: dict[str, str] = {
    "English": "The quick brown fox jumps over the lazy dog, and then it takes a nap.",
    "Rare long word": "My doctor mentioned pneumonoultramicroscopicsilicovolcanoconiosis and antidisestablishmentarianism in one breath.",
    "Numbers": "Call 555-0199 before 2025-12-31. 1234567 + 89 = 1234656, and pi is about 3.14159.",
    "Code": "def mean(xs):\n    if not xs:\n        return 0.0\n    return sum(xs) / len(xs)\n",
    "Chinese": "我喜欢在周末读书和散步。",
    "Arabic": "أحب القراءة في عطلة نهاية الأسبوع.",
    "Hindi": "मुझे सप्ताहांत पर किताबें पढ़ना पसंद है।",
    "Emoji": "Nice work 👍🏽 say hi to the family 👨‍👩‍👧‍👦 from 🇯🇵 ❤️",
    "Spaces": "one two  three   four    five\n\n        eight spaces of indent\tand a tab",
    "Special-token text": "A reader may type <|endoftext|> or <|fim_prefix|>: here it is only characters.",
}

# Built-in training text for "Build your own BPE", so the page works with no data pack.
SAMPLE_TEXT = """\
A tokenizer is trained before the model ever sees a sentence. It reads a pile of text and \
counts which two neighbouring pieces turn up together most often. The most common pair is \
glued into a new piece, the text is rewritten with that piece, and the counting starts again. \
After a few hundred rounds the common words of the text have become single pieces, while a \
rare word is still spelled out from smaller parts.

The same counting that finds "the" and "ing" also finds the spaces in front of words, the \
endings of verbs, and the pieces of numbers. Nothing in the method knows what a word is. It \
only knows which bytes sit next to which other bytes, and how often. That is why a tokenizer \
trained on English splits a Spanish or a Hindi sentence into many more pieces than an English \
one: the pairs it learned are the pairs it saw.

Every merge makes the vocabulary one token larger and most texts a little shorter. A larger \
vocabulary means fewer tokens for the model to read, so more text fits in its window and each \
step covers more meaning. But every token needs its own row of numbers in the model, and a \
token that appears only a handful of times in training is hard to learn well. Real models \
settle somewhere between fifty thousand and two hundred thousand tokens.

The theme of this text is the tokenizer, the thing that turns writing into numbers. The \
thinking behind it is simple; the consequences are everywhere: in the price of a request, in \
the length of a context window, in how well a model can spell, rhyme, or count the letters \
in a word.
"""

CORPORA = {"shakespeare": "Shakespeare's plays", "bible": "King James Bible", "bbc-news": "BBC News articles"}
