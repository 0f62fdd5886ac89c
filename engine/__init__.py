"""Pretraining Explorer's engine: data pack, tokenizers, models, training, probes.

A plain library: it never imports streamlit, and heavy imports (torch,
transformers) happen inside the modules that need them, not here.
"""
