"""The pretraining lab: a fresh small GPT trained live on a reader's text.

Public modules: experiment (what a run trains on: settings, bounds, the checked text and its
held-out tenth), vocab (characters or our BPE), meters (words found in the training text and
copied 4-grams in a sample), live (the live run: work for engine.jobs), snapshot (the results reader: a run's
JobView as the LabSnapshot the page draws), readings (sentences computed from a snapshot).
There is no build: the lab commits nothing to assets/.
"""
