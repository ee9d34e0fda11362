"""Tasks: data, forward pass, loss and metrics for each benchmark; they know no model class (qrnn.tasks.registry)."""
