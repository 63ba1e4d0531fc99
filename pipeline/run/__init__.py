"""Running: the run configuration, the pipeline (clip -> clues -> evidence -> reasoning -> result), the run loop,
progress, the doctor and the schema writer. The top layer: imports all the others."""
