"""Noise and hardware: settings, trajectories, the noisy core, sweeps, IBM device backends, circuits, resources."""
