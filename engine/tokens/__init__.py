"""The tokens lesson: tiktoken's real encodings offline (encodings) and a BPE you train and replay (bpe)."""
