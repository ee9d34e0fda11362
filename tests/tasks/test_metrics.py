"""The metric functions against values computed by hand."""

from __future__ import annotations

import math

import pytest
import sacrebleu
import torch

from qrnn.tasks import metrics


def test_accuracy_counts_matches():
    assert metrics.accuracy(torch.tensor([1, 0, 2, 2]), torch.tensor([1, 1, 2, 0])) == 0.5
    with pytest.raises(ValueError):
        metrics.accuracy(torch.tensor([]), torch.tensor([]))


def test_perplexity_from_summed_log_likelihood():
    # Three tokens predicted with probabilities 1/2, 1/4, 1/8: NLL = ln 2 + ln 4 + ln 8 = 6 ln 2,
    # perplexity = exp(6 ln 2 / 3) = 2^2 = 4.
    nll = -(math.log(1 / 2) + math.log(1 / 4) + math.log(1 / 8))
    assert metrics.perplexity(nll, 3) == pytest.approx(4.0)
    assert metrics.perplexity(0.0, 5) == 1.0


def test_unigram_perplexity_by_hand():
    # train counts of words 0, 1, 2 (+1 smoothing): 3, 1, 0 -> 4, 2, 1 of 7; test "0 1":
    # perplexity = exp(-(ln 4/7 + ln 2/7) / 2) = 7 / sqrt(8)
    value = metrics.unigram_perplexity(torch.tensor([0, 0, 0, 1]), torch.tensor([0, 1]), 3)
    assert value == pytest.approx(7 / math.sqrt(8))


def test_bleu_equals_sacrebleu_on_pre_tokenized_strings():
    hypotheses = ["the cat sat on the mat .", "a dog runs"]
    references = ["the cat sat on a mat .", "a dog is running"]
    assert metrics.bleu(hypotheses, references) == sacrebleu.corpus_bleu(hypotheses, [references], tokenize="none").score
    assert metrics.bleu(references, references) == pytest.approx(100.0)


def test_bleu_by_hand():
    # Hypothesis = reference: all n-gram precisions 1, brevity penalty 1 -> BLEU 100.
    assert metrics.bleu(["a b c d e"], ["a b c d e"]) == pytest.approx(100.0)
    # "a b c d e f" vs "a b c d e g": precisions 5/6, 4/5, 3/4, 2/3; BP = 1;
    # BLEU = 100 * (5/6 * 4/5 * 3/4 * 2/3) ** (1/4) = 100 * (1/3) ** (1/4)
    assert metrics.bleu(["a b c d e f"], ["a b c d e g"]) == pytest.approx(100 * (1 / 3) ** 0.25, rel=1e-6)
    with pytest.raises(ValueError):
        metrics.bleu(["a"], [])
