"""Reasoning over the clues: the prompt, the local LLM, the decision and the checker of its explanation."""
