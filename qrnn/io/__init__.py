"""Atomic writes, result files and provenance: how the pipeline's files are written and read."""
