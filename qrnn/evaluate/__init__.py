"""Scoring finished runs on the fixed test sets."""

# Test sequences per forward pass. Memory only: the metrics are exact means over the whole
# test set whatever the batch size (up to floating-point summation order).
TEST_BATCH_SIZE = 250
