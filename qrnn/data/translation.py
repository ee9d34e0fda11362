"""German -> English sentence pairs: padded source ids, target ids framed by <bos> ... <eos>,
vocabularies from the training split, and the tokenized English test references for BLEU.

offline: sentence pairs filtered out of Debian's trans-de-en dictionary (see ``dictionary_pairs``),
split by seed. full: Multi30k task 1 (train 29,000 / val 1,014 / test 1,000 pairs).
"""

from __future__ import annotations

import re
import tarfile
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from qrnn.data import sources
from qrnn.data.processed import json_bytes, write_processed
from qrnn.data.text import BOS, EOS, PAD, UNK, build_vocab, check_max_vocab, encode, split_indices, tokenize
from qrnn.errors import QrnnError

SPECIALS = (PAD, UNK, BOS, EOS)
ANNOTATION = re.compile(r"\{[^}]*\}|\[[^\]]*\]|\([^)]*\)|<[^>]*>")
TYPOGRAPHIC = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "„": '"', "–": "-"})
MULTI30K_MEMBERS = (("train", "train"), ("valid", "val"), ("test", "test"))  # (split, file prefix) per archive


def clean(text: str) -> str:
    """The first ``;``-separated alternative, without {f} [coll.] (...) <...> annotations
    (typographic quotes are made plain afterwards, only for the pairs kept: it is slow)."""
    return " ".join(ANNOTATION.sub(" ", text.split(";")[0]).split())


def dictionary_pairs(path: Path, max_length: int, progress: bool) -> list[tuple[str, str]]:
    """Sentence pairs from a trans-de-en style file (``German :: English``, entries aligned
    by `` | ``). A pair is kept when, after ``clean``, both sides end in . ! or ?, both
    have at least 2 words and at most ``max_length`` tokens (punctuation included), and
    its German sentence has not been seen before (file order decides); lines with unequal
    numbers of `` | `` parts are skipped."""
    pairs, seen = [], set()
    with open(path, encoding="utf-8") as handle:
        for line in tqdm(handle, desc="trans-de-en", unit=" lines", disable=not progress):
            if line.startswith("#") or " :: " not in line:
                continue
            german, english = line.rstrip("\n").split(" :: ", 1)
            german_parts, english_parts = german.split(" | "), english.split(" | ")
            if len(german_parts) != len(english_parts):
                continue
            for de, en in zip(german_parts, english_parts):
                de, en = clean(de), clean(en)
                if not (de[-1:] in (".", "!", "?") and en[-1:] in (".", "!", "?")):
                    continue
                de, en = de.translate(TYPOGRAPHIC), en.translate(TYPOGRAPHIC)
                if not (_fits(tokenize(de), max_length) and _fits(tokenize(en), max_length)):
                    continue
                if de.lower() not in seen:
                    seen.add(de.lower())
                    pairs.append((de, en))
    if not pairs:
        raise QrnnError(f"{path} yields no German-English sentence pairs")
    return pairs


def _fits(tokens: list[str], max_length: int) -> bool:
    return len(tokens) <= max_length and sum(token[0].isalnum() or token[0] in "_'" for token in tokens) >= 2


def read_multi30k(paths: list[Path]) -> dict[str, list[tuple[str, str]]]:
    out = {}
    for path, (split, prefix) in zip(paths, MULTI30K_MEMBERS):
        with tarfile.open(path, "r:gz") as archive:
            texts = {}
            for language in ("de", "en"):
                member = next((m for m in archive.getmembers() if Path(m.name).name == f"{prefix}.{language}"), None)
                if member is None:
                    raise QrnnError(f"{path} has no {prefix}.{language}")
                texts[language] = archive.extractfile(member).read().decode("utf-8").splitlines()
        if len(texts["de"]) != len(texts["en"]):
            raise QrnnError(f"{path}: {prefix}.de and {prefix}.en have {len(texts['de'])} and {len(texts['en'])} lines")
        out[split] = [(de, en) for de, en in zip(texts["de"], texts["en"]) if de.strip() and en.strip()]
    return out


def subset(pairs: list, max_pairs: int | None, seed: int) -> list:
    """At most ``max_pairs`` pairs, a seeded choice kept in their original order; 0 or None: all."""
    if not max_pairs or len(pairs) <= max_pairs:
        return pairs
    chosen = torch.randperm(len(pairs), generator=torch.Generator().manual_seed(seed))[:max_pairs].sort().values
    return [pairs[i] for i in chosen.tolist()]


def prepare_translation(
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
    max_pairs: int | None,
    progress: bool = True,
) -> dict[str, Any]:
    """Write the processed translation directory; return its manifest.

    offline: ``max_pairs`` (seeded) are drawn from the filtered pairs, then split. full:
    training pairs longer than ``max_length`` tokens are dropped and ``max_pairs`` caps the
    rest; valid and test are kept whole, longer sentences truncated in the tensors (the BLEU
    references stay complete). ``max_vocab`` counts the four special tokens.
    """
    settings = {"source": source, "split_seed": split_seed, "valid_fraction": valid_fraction, "test_fraction": test_fraction,
                "max_length": max_length, "min_count": min_count, "max_vocab": max_vocab, "max_pairs": max_pairs}
    check_max_vocab(max_vocab, SPECIALS)  # before reading the data
    if source == "offline":
        path = sources.trans_de_en()
        raw = [sources.raw_record(path)]
        pairs = subset(dictionary_pairs(path, max_length, progress), max_pairs, split_seed)
        parts = split_indices(len(pairs), split_seed, valid_fraction, test_fraction)
        data = {name: [pairs[i] for i in index.tolist()] for name, index in parts.items()}
    elif source == "full":
        paths = sources.fetch_all("multi30k", download_dir, progress)
        raw = [sources.raw_record(p) for p in paths]
        data = read_multi30k(paths)
        short = [p for p in data["train"] if len(tokenize(p[0])) <= max_length and len(tokenize(p[1])) <= max_length]
        data["train"] = subset(short, max_pairs, split_seed)
    else:
        raise QrnnError(f"unknown translation source {source!r}: use 'offline' or 'full'")
    tokens = {name: ([tokenize(de) for de, _ in pairs], [tokenize(en) for _, en in pairs]) for name, pairs in data.items()}
    vocab_de = build_vocab(tokens["train"][0], SPECIALS, min_count, max_vocab)
    vocab_en = build_vocab(tokens["train"][1], SPECIALS, min_count, max_vocab)
    splits = {}
    for name, (german, english) in tokens.items():
        source_ids, source_lengths = encode(german, vocab_de, max_length)
        framed = [[BOS, *sentence[:max_length], EOS] for sentence in english]
        target_ids, target_lengths = encode(framed, vocab_en, max_length + 2)
        splits[name] = {"source": source_ids, "source_lengths": source_lengths, "target": target_ids, "target_lengths": target_lengths}
    references = [" ".join(sentence) for sentence in tokens["test"][1]]
    return write_processed(
        out_dir,
        task="translation",
        source=source,
        splits=splits,
        extra_files={"vocab.de.json": json_bytes(vocab_de), "vocab.en.json": json_bytes(vocab_en), "references.test.json": json_bytes(references)},
        raw_files=raw,
        settings=settings,
        sizes={name: len(split["source"]) for name, split in splits.items()},
        source_vocab_size=len(vocab_de),
        target_vocab_size=len(vocab_en),
        max_length=max_length,
    )
