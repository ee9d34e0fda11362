"""Word-level Penn Treebank (Mikolov's split, 10k words): one int64 token stream per split, with
``<eos>`` after every line, and ``vocab.json`` built from the training text.

offline: the strings of the ``treebank`` package; full: ptb.{train,valid,test}.txt. Both give
the same streams (the package's valid and test strings hash to the published file hashes; its
train string only adds a trailing newline, and blank lines are skipped).
"""

from __future__ import annotations

import importlib
from collections import Counter
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from qrnn.data import sources
from qrnn.data.processed import SPLITS, json_bytes, write_processed
from qrnn.errors import QrnnError

EOS, UNK = "<eos>", "<unk>"


def words(text: str) -> list[str]:
    """The words of every non-blank line, each line closed by ``<eos>``."""
    out: list[str] = []
    for line in text.splitlines():
        line_words = line.split()
        if line_words:
            out.extend(line_words)
            out.append(EOS)
    return out


def build_vocab(train: list[str]) -> list[str]:
    """Every training word, most frequent first (ties alphabetical). PTB's text already maps rare
    words to ``<unk>``, so this is its 10k vocabulary."""
    counts = Counter(train)
    counts.setdefault(UNK, 0)
    return sorted(counts, key=lambda word: (-counts[word], word))


def read_texts(source: str, download_dir: str | Path, progress: bool) -> tuple[dict[str, str], list[dict[str, str]]]:
    if source == "offline":
        path = sources.package_file(*sources.TREEBANK)
        penn = importlib.import_module(sources.TREEBANK[0]).penn
        return {name: penn[name] for name in SPLITS}, [sources.raw_record(path, "treebank/__init__.py")]
    if source == "full":
        paths = sources.fetch_all("ptb", download_dir, progress)
        return {name: path.read_text(encoding="utf-8") for name, path in zip(SPLITS, paths)}, [sources.raw_record(p) for p in paths]
    raise QrnnError(f"unknown language-model source {source!r}: use 'offline' or 'full'")


def prepare_language_model(out_dir: str | Path, *, source: str, download_dir: str | Path, progress: bool = True) -> dict[str, Any]:
    """Write the processed PTB directory; return its manifest."""
    texts, raw = read_texts(source, download_dir, progress)
    streams = {name: words(texts[name]) for name in tqdm(SPLITS, desc="ptb", disable=not progress)}
    vocab = build_vocab(streams["train"])
    index = {word: i for i, word in enumerate(vocab)}
    unk = index[UNK]
    splits = {name: {"tokens": torch.tensor([index.get(w, unk) for w in stream], dtype=torch.int64)} for name, stream in streams.items()}
    return write_processed(
        out_dir,
        task="language_model",
        source=source,
        splits=splits,
        extra_files={"vocab.json": json_bytes(vocab)},
        raw_files=raw,
        settings={"source": source},
        sizes={name: len(split["tokens"]) for name, split in splits.items()},
        vocab_size=len(vocab),
    )
