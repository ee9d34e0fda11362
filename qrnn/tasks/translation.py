"""German -> English translation: teacher-forced training, greedy and beam-search decoding,
BLEU (sacrebleu) on the test split, and the attention weights of a few test sentences.

Targets are BOS w1 .. wk EOS then padding; the model reads target[:, :-1] and predicts
target[:, 1:]; padding is ignored in the loss (nats per target token, EOS included).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch.nn import functional

from qrnn.config import TranslationConfig
from qrnn.data.processed_files import load_processed, read_json_file
from qrnn.tasks import metrics
from qrnn.tasks.data_task import DataTask

PAD = 0

Pairs = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]  # source, source lengths, target, target lengths


def trimmed(pairs: Pairs) -> Pairs:
    """Drop the columns that are padding in every sentence of the batch."""
    source, source_lengths, target, target_lengths = pairs
    return source[:, : int(source_lengths.max())], source_lengths, target[:, : int(target_lengths.max())], target_lengths


def words(ids: list[int], vocabulary: list[str]) -> str:
    return " ".join(vocabulary[i] for i in ids)


class TranslationTask(DataTask):
    config_class = TranslationConfig
    model_kind = "seq2seq"
    main_metric = ("bleu", "higher")
    # BLEU needs beam decoding, too slow for every held-out evaluation; the held-out loss
    # (teacher-forced cross-entropy per target token) steers training instead.
    validation_metric = ("loss", "lower")
    units = {"loss": "nats", "token_accuracy": "fraction", "bleu": "BLEU", "bleu_greedy": "BLEU"}

    def read_dimensions(self, manifest, data_dir):
        return {"source_vocab_size": int(manifest["source_vocab_size"]), "target_vocab_size": int(manifest["target_vocab_size"])}

    @staticmethod
    def pairs(tensors: dict[str, torch.Tensor], index=slice(None)) -> Pairs:
        return tuple(tensors[key][index] for key in ("source", "source_lengths", "target", "target_lengths"))

    def _loss(self, model, pairs: Pairs, device: torch.device, reduction: str = "mean"):
        source, source_lengths, target, _ = (part.to(device) for part in trimmed(pairs))
        logits = model(source, source_lengths, target[:, :-1])
        expected = target[:, 1:]
        loss = functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), expected.reshape(-1), ignore_index=PAD, reduction=reduction)
        real = expected != PAD
        correct = ((logits.argmax(dim=-1) == expected) & real).sum().item()
        return loss, correct, int(real.sum())

    def training_loss(self, model, batch_size: int, generator: torch.Generator, device: torch.device) -> torch.Tensor:
        train = self.split("train")
        index = torch.randint(len(train["source"]), (batch_size,), generator=generator)
        return self._loss(model, self.pairs(train, index), device)[0]

    def held_out(self, batch_size: int, n_batches: int, seed: int) -> list[Pairs]:
        valid = self.split("valid")
        count = min(len(valid["source"]), batch_size * n_batches)
        return [self.pairs(valid, slice(start, min(start + batch_size, count))) for start in range(0, count, batch_size)]

    @torch.no_grad()
    def evaluate_held_out(self, model, held_out: list[Pairs], device: torch.device) -> dict[str, float]:
        summed, correct, tokens = 0.0, 0, 0
        for pairs in held_out:
            loss, batch_correct, batch_tokens = self._loss(model, pairs, device, reduction="sum")
            summed, correct, tokens = summed + loss.item(), correct + batch_correct, tokens + batch_tokens
        return {"loss": summed / tokens, "token_accuracy": correct / tokens}

    @torch.no_grad()
    def evaluate_test(self, model, data_dir: str | Path, device: torch.device, batch_size: int) -> dict[str, Any]:
        splits, manifest = load_processed(data_dir)
        test = splits["test"]
        n_test = self.capped(len(test["source"]), self.config.max_test_examples)
        references = read_json_file(data_dir, "references.test.json")[:n_test]
        source_words, target_words = read_json_file(data_dir, "vocab.de.json"), read_json_file(data_dir, "vocab.en.json")
        batches = [self.pairs(test, slice(start, min(start + batch_size, n_test))) for start in range(0, n_test, batch_size)]
        scores = self.evaluate_held_out(model, batches, device)
        greedy, beam, attention_rows = [], [], []
        for pairs in batches:
            source, source_lengths, _, _ = (part.to(device) for part in trimmed(pairs))
            decoded, weights = model.greedy(source, source_lengths, self.config.decode_max_length)
            greedy += [words(ids, target_words) for ids in decoded]
            beam += [words(ids, target_words) for ids in model.beam_search(source, source_lengths, self.config.beam_size, self.config.decode_max_length)]
            for row in range(len(decoded)):
                sentence = len(greedy) - len(decoded) + row
                if sentence < self.config.attention_examples:
                    # shorter than the cap: it ended with EOS (a translation of exactly the cap shows no EOS row)
                    ended = len(decoded[row]) < self.config.decode_max_length
                    attention_rows += attention_table(
                        sentence, source[row, : source_lengths[row]].tolist(), decoded[row], weights[row], source_words, target_words, ended
                    )
        scores["bleu_greedy"] = metrics.bleu(greedy, references)
        scores["bleu"] = metrics.bleu(beam, references)
        return {"metrics": scores, "n_test": n_test, "data_sha256": manifest["sha256"], "tables": {"attention.csv": attention_rows},
                "examples": [{"reference": r, "greedy": g, "beam": b} for r, g, b in list(zip(references, greedy, beam))[:5]]}


def attention_table(
    sentence: int, source_ids: list[int], target_ids: list[int], weights: torch.Tensor, source_words, target_words, ended: bool
) -> list[dict[str, Any]]:
    """Long-format rows (sentence, target position/word, source position/word, weight) of one
    greedy translation; the step that emitted end-of-sentence, if any, is included as "<eos>"."""
    rows = []
    emitted = [target_words[i] for i in target_ids]
    if ended:
        emitted.append("<eos>")
    for t, target_word in enumerate(emitted):
        for s, source_id in enumerate(source_ids):
            rows.append({"sentence": sentence, "target_position": t, "target_word": target_word,
                         "source_position": s, "source_word": source_words[source_id], "weight": round(float(weights[t, s]), 6)})
    return rows
