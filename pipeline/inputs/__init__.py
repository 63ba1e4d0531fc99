"""Inputs: decoding a clip, listing a folder, fetching and generating the sample datasets. Imports records and
storage."""
