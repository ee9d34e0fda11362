"""The task metrics as small pure functions (each checked against hand-computed values)."""

from __future__ import annotations

import math

import sacrebleu
import torch


def accuracy(predictions: torch.Tensor, labels: torch.Tensor) -> float:
    """Fraction of predictions equal to their label."""
    if len(labels) == 0:
        raise ValueError("accuracy of an empty set")
    return (predictions == labels).float().mean().item()


def perplexity(summed_negative_log_likelihood: float, n_tokens: int) -> float:
    """exp(summed NLL in nats / number of predicted tokens)."""
    if n_tokens <= 0:
        raise ValueError("perplexity needs at least one token")
    return math.exp(summed_negative_log_likelihood / n_tokens)


def bleu(hypotheses: list[str], references: list[str]) -> float:
    """Corpus BLEU (sacrebleu, one reference per sentence) of pre-tokenized strings.

    tokenize="none": hypotheses and references are already tokenized the same way (lower
    case, words and punctuation split, joined by single spaces), so sacrebleu must not
    tokenize again.
    """
    if len(hypotheses) != len(references):
        raise ValueError(f"{len(hypotheses)} hypotheses but {len(references)} references")
    return sacrebleu.corpus_bleu(hypotheses, [references], tokenize="none").score


def unigram_perplexity(train_tokens: torch.Tensor, test_tokens: torch.Tensor, vocab_size: int) -> float:
    """Perplexity on ``test_tokens`` of the add-one-smoothed unigram distribution of ``train_tokens``."""
    counts = torch.bincount(train_tokens, minlength=vocab_size).double() + 1.0
    log_probability = torch.log(counts / counts.sum())
    return perplexity(-log_probability[test_tokens].sum().item(), len(test_tokens))
