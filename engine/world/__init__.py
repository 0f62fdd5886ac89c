"""A generated world of dated facts and the models that read it: recall, cutoffs, tuning.

Public modules, by role (the same shape as the other lesson families):

- the experiment: `generate` (the world: people, facts, documents), `names` and `phrasing`
  (its invented names and its sentences), `recipe` (what is built from it), `knowledge`
  (cloze probes scored over candidate answers), `events` (dated events and what a model had
  read by a cutoff), `scoring` (what the build measures); for tuning, `tuning` (known vs
  unknown facts, the mixes, the per-epoch measurements) and `qa` (the question-answer form
  and its tuner);
- the build: `build` (`python -m engine build world`) and `tuning_build`
  (`python -m engine build world-tuning`);
- the results reader: `results` (the committed world, its models and tables, and questions
  put to a model) and `tuning_results` (the committed tuning runs);
- the readings: `readings` (sentences the recall and tuning pages print, computed from the
  results), `cutoff_readings` (the knowledge cutoff page's) and `figures` (the pages' plotly
  figures, drawn in the palette the page passes in);
- the live run: `tuning_live` (a reader's own tuned copy, as an engine.jobs work function).
"""
