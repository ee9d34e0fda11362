"""C kernels for the state-vector engine on CPUs (built on first use; see build.py), with the PyTorch path as fallback."""
