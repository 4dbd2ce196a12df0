"""Evaluation: ``so8t eval``, the metrics contract, baselines."""
