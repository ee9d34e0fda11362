"""Text helpers shared by the sentiment and translation data sets: tokenization, vocabularies
built from the training split only, padding, and seeded splits."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

import torch

from qrnn.errors import QrnnError

TOKEN = re.compile(r"[\w']+|[^\w\s]")
PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<bos>", "<eos>"


def tokenize(text: str) -> list[str]:
    """Lower-case word and punctuation tokens."""
    return TOKEN.findall(text.lower())


def build_vocab(sentences: Iterable[Sequence[str]], specials: Sequence[str], min_count: int, max_vocab: int | None) -> list[str]:
    """``specials`` then the tokens seen at least ``min_count`` times, most frequent first (ties
    alphabetical), at most ``max_vocab`` entries in all (specials included); None: no cap."""
    counts = Counter(token for sentence in sentences for token in sentence)
    words = sorted((token for token, count in counts.items() if count >= min_count and token not in specials), key=lambda t: (-counts[t], t))
    check_max_vocab(max_vocab, specials)
    vocab = list(specials) + words
    return vocab if max_vocab is None else vocab[:max_vocab]


def check_max_vocab(max_vocab: int | None, specials: Sequence[str]) -> None:
    if max_vocab is not None and max_vocab <= len(specials):
        raise QrnnError(f"max_vocab {max_vocab} leaves no room beyond the {len(specials)} special tokens")


def encode(sentences: Sequence[Sequence[str]], vocab: Sequence[str], width: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Token ids right-padded with 0 to ``width`` (longer sentences keep their first tokens)
    and the lengths; unknown tokens map to index 1 (``<unk>``)."""
    index = {token: i for i, token in enumerate(vocab)}
    unk = index[UNK]
    rows = [[index.get(token, unk) for token in sentence[:width]] for sentence in sentences]
    lengths = torch.tensor([len(row) for row in rows], dtype=torch.int64)
    tokens = torch.tensor([row + [0] * (width - len(row)) for row in rows], dtype=torch.int64).reshape(len(rows), width)
    return tokens, lengths


def split_indices(n: int, split_seed: int, valid_fraction: float, test_fraction: float) -> dict[str, torch.Tensor]:
    """A seeded shuffle of ``range(n)`` cut into test, valid and train (in that order)."""
    if not (0 <= valid_fraction < 1 and 0 <= test_fraction < 1 and valid_fraction + test_fraction < 1):
        raise QrnnError(f"valid_fraction {valid_fraction} and test_fraction {test_fraction} must be in [0, 1) with a sum below 1")
    order = torch.randperm(n, generator=torch.Generator().manual_seed(split_seed))
    n_test, n_valid = round(test_fraction * n), round(valid_fraction * n)
    return {"train": order[n_test + n_valid :], "valid": order[n_test : n_test + n_valid], "test": order[:n_test]}
