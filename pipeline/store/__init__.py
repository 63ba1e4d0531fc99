"""Storage: atomic writes, the run lock, output folders, cached clues and results, the model registry and its
checks. Imports records only."""
