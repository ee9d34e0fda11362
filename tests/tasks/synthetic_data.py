"""Tiny processed data folders in exactly the format of DATA_CONTRACT.md, for tests.

The data helper's modules write the real ones; these let the tasks be tested without them.
Labels follow a simple rule of the inputs so that a few training steps can lower the loss.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import torch

SIZES = {"train": 24, "valid": 10, "test": 9}


def _write(out_dir: Path, task: str, splits: dict[str, dict[str, torch.Tensor]], side_files: dict[str, object], extra: dict) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {}
    for split, tensors in splits.items():
        torch.save(tensors, out_dir / f"{split}.pt")
        files[f"{split}.pt"] = hashlib.sha256((out_dir / f"{split}.pt").read_bytes()).hexdigest()
    for name, content in side_files.items():
        path = out_dir / name
        if isinstance(content, torch.Tensor):
            torch.save(content, path)
        else:
            path.write_text(json.dumps(content))
        files[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    manifest = {
        "task": task, "format": 1, "source": "synthetic", "raw_files": [], "files": files,
        "sha256": hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest(),
        "settings": {}, "sizes": {split: len(next(iter(t.values()))) for split, t in splits.items()}, **extra,
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest))
    return manifest


def write_mnist(out_dir: Path, permutation_seed: int | None = None, seed: int = 0) -> dict:
    """Noise images with one bright row, at row 2 * label + 4."""
    generator = torch.Generator().manual_seed(seed)
    splits = {}
    for split, n in SIZES.items():
        labels = torch.randint(0, 10, (n,), generator=generator)
        images = torch.randint(0, 40, (n, 28, 28), generator=generator, dtype=torch.int64)
        images[torch.arange(n), labels * 2 + 4] = 250  # a bright row whose position is the label
        splits[split] = {"images": images.reshape(n, 784).to(torch.uint8), "labels": labels}
    side, extra = {}, {}
    if permutation_seed is not None:
        side["permutation.pt"] = torch.randperm(784, generator=torch.Generator().manual_seed(permutation_seed))
        extra["permutation_seed"] = permutation_seed
    return _write(Path(out_dir), "pmnist" if permutation_seed is not None else "mnist", splits, side, extra)


def write_sentiment(out_dir: Path, max_length: int = 7, seed: int = 0) -> dict:
    """Reviews of random words; positive exactly when word 2 ("good") occurs."""
    generator = torch.Generator().manual_seed(seed)
    vocab = ["<pad>", "<unk>", "good", "bad", "film", "plot", "the", "a"]
    splits = {}
    for split, n in SIZES.items():
        lengths = torch.randint(1, max_length + 1, (n,), generator=generator)
        tokens = torch.randint(3, len(vocab), (n, max_length), generator=generator)
        labels = torch.randint(0, 2, (n,), generator=generator)
        tokens[labels == 1, 0] = 2
        tokens[torch.arange(max_length)[None, :] >= lengths[:, None]] = 0
        splits[split] = {"tokens": tokens, "lengths": lengths, "labels": labels}
    return _write(Path(out_dir), "sentiment", splits, {"vocab.json": vocab}, {"vocab_size": len(vocab), "n_classes": 2})


def write_language_model(out_dir: Path, seed: int = 0) -> dict:
    """A stream that repeats a short sentence pattern, "<eos>" = 1 closing every line."""
    generator = torch.Generator().manual_seed(seed)
    vocab = ["<unk>", "<eos>", "the", "cat", "sat", "on", "mat", "dog"]
    lengths = {"train": 300, "valid": 120, "test": 100}
    splits = {}
    for split, n in lengths.items():
        words = torch.tensor([2, 3, 4, 5, 2, 6, 1] * (n // 7 + 1))[:n]
        noise = torch.rand(n, generator=generator) < 0.1
        words[noise] = 7
        splits[split] = {"tokens": words}
    return _write(Path(out_dir), "language_model", splits, {"vocab.json": vocab}, {"vocab_size": len(vocab)})


def write_translation(out_dir: Path, seed: int = 0) -> dict:
    """German sentences of 1-4 words translated word by word (id i -> id i), BOS=2, EOS=3."""
    generator = torch.Generator().manual_seed(seed)
    german = ["<pad>", "<unk>", "<bos>", "<eos>", "der", "hund", "katze", "sitzt", "hier"]
    english = ["<pad>", "<unk>", "<bos>", "<eos>", "the", "dog", "cat", "sits", "here"]
    splits, references = {}, []
    for split, n in SIZES.items():
        lengths = torch.randint(1, 5, (n,), generator=generator)
        source = torch.zeros(n, 4, dtype=torch.long)
        target = torch.zeros(n, 6, dtype=torch.long)
        for row, length in enumerate(lengths.tolist()):
            ids = torch.randint(4, len(german), (length,), generator=generator)
            source[row, :length] = ids
            target[row, : length + 2] = torch.cat([torch.tensor([2]), ids, torch.tensor([3])])
            if split == "test":
                references.append(" ".join(english[i] for i in ids.tolist()))
        splits[split] = {"source": source, "source_lengths": lengths, "target": target, "target_lengths": lengths + 2}
    side = {"vocab.de.json": german, "vocab.en.json": english, "references.test.json": references}
    return _write(Path(out_dir), "translation", splits, side, {"source_vocab_size": len(german), "target_vocab_size": len(english)})


WRITERS = {
    "mnist": write_mnist,
    "pmnist": lambda out_dir: write_mnist(out_dir, permutation_seed=7),
    "sentiment": write_sentiment,
    "language_model": write_language_model,
    "translation": write_translation,
}
