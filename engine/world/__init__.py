"""A generated world of dated facts and the models that read it: recall, cutoffs, tuning."""
