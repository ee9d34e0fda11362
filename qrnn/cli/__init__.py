"""The `qrnn` command: one module per command group, the shared options in one place."""
