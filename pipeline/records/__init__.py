"""Records: the pydantic models of everything emer writes or reads back (clues, results, channel readings, checks,
media facts, label sets) and the errors. The bottom layer: imports nothing of the project above it."""
