"""The training loop, plateau stopping, checkpoints and resume, run folders."""
