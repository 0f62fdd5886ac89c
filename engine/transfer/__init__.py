"""Transfer learning, measured: one pretrained base tuned cheaply per task against a model per task.

Public modules, shaped like every lesson family:
- the experiment: `experiment` (the approaches trained and scored; `approaches` is their registry
  by id; `baselines`, `features` and `bases` are its parts: bag-of-words and probes, frozen
  features, the models read);
- the build: `build` (`python -m engine build transfer`; `rows`, `pool` and `tryit_files` are
  one row, the worker processes and the try-it files it writes);
- the results reader: `results` (assets/transfer/results.json, no torch) and `calibration` (how often
  each try-it classifier is right at each confidence; `python -m engine build transfer-calibration`);
- the readings: `readings` (the sentences a page prints about the results, computed here);
- the live run: `live` (a small experiment as an engine.jobs work function) and `tryit`
  (label a reader's text with the saved classifiers).
"""
