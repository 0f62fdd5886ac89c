"""The next-token lesson's sentences. The experiment is engine.probes (one forward pass per
question) and engine.nudge (one gradient step on a reader's copy), in engine core because other
lessons use them too; there is no build or results file: every number is measured live.

Public modules: display (reader and model text made safe for markdown and chart labels),
readings (sentences computed from probes' and nudge's results).
"""
