"""emer core: clip -> clues -> prompt -> reasoned result. Usable without Prefect."""

__version__ = "0.1.0"
