"""The pretraining lab: a fresh small GPT trained live on a reader's text (live)."""
