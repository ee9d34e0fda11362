"""Data sets: one module per task, each writing its files with a manifest of their hashes (qrnn.data.prepare)."""
