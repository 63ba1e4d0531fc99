"""Scoring results against gold labels and reference explanations. Only the command line imports this package."""
