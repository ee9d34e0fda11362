"""Analyses that need a trained model (hidden-state dynamics, gradient norms) or time one
(compute cost). Each writes a CSV; the figures are drawn from those CSVs only."""
