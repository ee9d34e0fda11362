"""German-English processed data: the trans-de-en filter on a small file in its format, the
real Debian file (slow), and a tiny Multi30k served locally."""

from __future__ import annotations

import io
import tarfile

import pytest
import torch

from qrnn.data import sources
from qrnn.data.processed import read_json, read_processed
from qrnn.data.translation import dictionary_pairs, prepare_translation
from qrnn.errors import QrnnError
from tests.data.conftest import serve_dataset

DICTIONARY = """# Version :: test
# License :: GPL
Haus {n} | Das Haus ist groß. | Das Haus ist alt. :: house | The house is big. | The house is old.
Hund {m} | Der Hund bellt [ugs.]. :: dog | The dog barks (loudly).
Er kommt morgen. ; Er kommt am Morgen. :: He’s coming tomorrow. ; He comes in the morning.
Ein sehr langer Satz mit vielen Wörtern. :: A very long sentence with many words.
Das Haus ist groß. :: The building is big.
Ja. :: Yes.
Ungleich | Zwei Teile. :: only one part.
Wo bist du? :: Where are you?
Komm her! :: Come here!
Ich weiß es nicht. :: I don't know.
Der Zug ist spät. :: The train is late.
Die Katze schläft. :: The cat sleeps.
Das Wetter ist schön. :: The weather is nice.
Wir essen Brot. :: We eat bread.
"""

SETTINGS = dict(split_seed=0, valid_fraction=0.2, test_fraction=0.2, max_length=6, min_count=1, max_vocab=None, max_pairs=None)


@pytest.fixture
def small_dictionary(tmp_path, monkeypatch):
    path = tmp_path / "de-en"
    path.write_text(DICTIONARY, encoding="utf-8")
    monkeypatch.setattr(sources, "TRANS_DE_EN", path)
    return path


def test_the_filter_keeps_aligned_sentences_first_alternatives_without_annotations(small_dictionary):
    pairs = dictionary_pairs(small_dictionary, max_length=6, progress=False)
    assert pairs[:4] == [
        ("Das Haus ist groß.", "The house is big."),
        ("Das Haus ist alt.", "The house is old."),
        ("Der Hund bellt .", "The dog barks ."),
        ("Er kommt morgen.", "He's coming tomorrow."),
    ]
    german = [de for de, _ in pairs]
    assert "Ja." not in german  # one token besides the full stop is too short
    assert not any(de.startswith("Ein sehr langer") for de in german)  # 8 tokens > max_length
    assert german.count("Das Haus ist groß.") == 1 and "Zwei Teile." not in german  # duplicate; misaligned line
    assert len(pairs) == 11


def test_offline_translation_frames_targets_and_keeps_test_references(small_dictionary, tmp_path):
    manifest = prepare_translation(tmp_path, source="offline", download_dir=tmp_path, progress=False, **SETTINGS)
    splits, manifest = read_processed(tmp_path)
    vocab_de, vocab_en = read_json(tmp_path, "vocab.de.json", manifest), read_json(tmp_path, "vocab.en.json", manifest)
    references = read_json(tmp_path, "references.test.json", manifest)
    assert manifest["sizes"] == {"train": 7, "valid": 2, "test": 2} and manifest["raw_files"][0]["name"] == "de-en"
    assert vocab_de[:4] == vocab_en[:4] == ["<pad>", "<unk>", "<bos>", "<eos>"]
    assert (manifest["source_vocab_size"], manifest["target_vocab_size"]) == (len(vocab_de), len(vocab_en))
    for split in splits.values():
        source, target = split["source"], split["target"]
        assert source.dtype == target.dtype == torch.int64 and source.shape[1] == 6 and target.shape[1] == 8
        assert torch.all(target[:, 0] == 2) and torch.all(target.gather(1, split["target_lengths"][:, None] - 1) == 3)
        assert torch.all((target != 0) == (torch.arange(8) < split["target_lengths"][:, None]))
        assert torch.all((source != 0) == (torch.arange(6) < split["source_lengths"][:, None]))
    test = splits["test"]
    decoded = [" ".join(vocab_en[i] for i in row[1 : n - 1]) for row, n in zip(test["target"].tolist(), test["target_lengths"].tolist())]
    train_words = {vocab_en[i] for i in splits["train"]["target"].flatten().tolist()}
    assert len(references) == 2 and all(r == r.lower() for r in references)
    for reference, shown in zip(references, decoded):  # tokens outside the training vocabulary become <unk>
        assert shown.split() == [w if w in train_words else "<unk>" for w in reference.split()]
    assert set(vocab_en[4:]) <= train_words


def test_same_settings_same_bytes_and_max_pairs_draws_a_seeded_subset(small_dictionary, tmp_path):
    first = prepare_translation(tmp_path / "a", source="offline", download_dir=tmp_path, progress=False, **SETTINGS)
    second = prepare_translation(tmp_path / "b", source="offline", download_dir=tmp_path, progress=False, **SETTINGS)
    assert first == second
    assert prepare_translation(tmp_path / "d", source="offline", download_dir=tmp_path, progress=False, **(SETTINGS | {"max_pairs": 0}))["files"] == first["files"]
    capped = prepare_translation(tmp_path / "c", source="offline", download_dir=tmp_path, progress=False, **(SETTINGS | {"max_pairs": 5}))
    assert sum(capped["sizes"].values()) == 5 and capped["sha256"] != first["sha256"]


def test_a_missing_debian_file_says_which_package_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "TRANS_DE_EN", tmp_path / "absent")
    with pytest.raises(QrnnError, match="apt-get install trans-de-en"):
        prepare_translation(tmp_path / "out", source="offline", download_dir=tmp_path, progress=False, **SETTINGS)


def archive(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, text in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(text.encode())
            tar.addfile(info, io.BytesIO(text.encode()))
    return buffer.getvalue()


def test_full_multi30k_uses_its_own_splits_and_keeps_long_test_references_whole(server, monkeypatch, tmp_path):
    train_de = "Ein Hund läuft.\nEine Frau singt.\nZwei Männer spielen Fußball im Park heute.\n"
    train_en = "A dog runs.\nA woman sings.\nTwo men play soccer in the park today.\n"
    serve_dataset(monkeypatch, server, "multi30k", {
        "training.tar.gz": archive({"train.de": train_de, "train.en": train_en}),
        "validation.tar.gz": archive({"val.de": "Ein Mann singt.\n", "val.en": "A man sings.\n"}),
        "mmt16_task1_test.tar.gz": archive({"test.de": "Eine Frau läuft im Park.\n", "test.en": "A woman runs in the park today.\n"}),
    })
    settings = SETTINGS | {"max_length": 5}
    manifest = prepare_translation(tmp_path / "out", source="full", download_dir=tmp_path / "dl", progress=False, **settings)
    splits, manifest = read_processed(tmp_path / "out")
    assert manifest["sizes"] == {"train": 2, "valid": 1, "test": 1}  # the 10-token training pair is dropped
    assert read_json(tmp_path / "out", "references.test.json", manifest) == ["a woman runs in the park today ."]
    assert splits["test"]["target_lengths"].tolist() == [7] and splits["test"]["source_lengths"].tolist() == [5]


@pytest.mark.slow
def test_the_real_trans_de_en_gives_about_sixteen_thousand_short_sentence_pairs(tmp_path):
    manifest = prepare_translation(tmp_path, source="offline", download_dir=tmp_path, progress=False,
                                   **(SETTINGS | {"max_length": 12, "valid_fraction": 0.1, "test_fraction": 0.1}))
    assert 15000 < sum(manifest["sizes"].values()) < 18000
    assert manifest["raw_files"][0]["sha256"] == sources.raw_record(sources.TRANS_DE_EN)["sha256"]
