"""Transfer learning, measured: the experiment, its build, the committed results, a live run and try-it."""
