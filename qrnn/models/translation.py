"""Encoder-decoder with soft attention for translation (Luong, Pham and Manning 2015).

The encoder is any recurrent core (the quantum RNN or a baseline) over the embedded source
sentence; its per-step features (the readouts z_t, or the hidden states h_t) are projected
to the decoder's width and are what the decoder attends over. The decoder is classical: an
LSTM cell fed the previous target token and the previous attentional vector ("input
feeding"), dot-product attention over the projected features (padding masked out), and
attentional vector tanh(W [h; context]) -> vocabulary logits.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional

from qrnn.models.base import RecurrentCore

PAD, BOS, EOS = 0, 2, 3


class Seq2Seq(nn.Module):
    def __init__(self, core: RecurrentCore, embedding_dim: int, source_vocab_size: int, target_vocab_size: int, decoder_hidden_size: int):
        super().__init__()
        hidden = decoder_hidden_size
        self.source_embedding = nn.Embedding(source_vocab_size, embedding_dim, padding_idx=PAD)
        self.core = core
        self.keys = nn.Linear(core.output_size, hidden, bias=False)
        self.bridge = nn.Linear(core.output_size, 2 * hidden)  # decoder (h_0, c_0) from the last real source step
        self.target_embedding = nn.Embedding(target_vocab_size, embedding_dim, padding_idx=PAD)
        self.decoder = nn.LSTMCell(embedding_dim + hidden, hidden)
        self.combine = nn.Linear(2 * hidden, hidden)
        self.output = nn.Linear(hidden, target_vocab_size)

    def orthogonal_parameters(self) -> list[nn.Parameter]:
        return self.core.orthogonal_parameters()

    def encode(self, source: torch.Tensor, lengths: torch.Tensor):
        """Attention keys (batch, Ls, hidden), padding mask (batch, Ls) and the decoder's first carry."""
        features = self.core(self.source_embedding(source))
        mask = torch.arange(source.shape[1], device=source.device)[None, :] < lengths[:, None]
        last = features[torch.arange(len(source), device=source.device), lengths - 1]
        h, c = torch.tanh(self.bridge(last)).chunk(2, dim=-1)
        return self.keys(features), mask, (h, c, torch.zeros_like(h))

    def step(self, tokens: torch.Tensor, carry, keys: torch.Tensor, mask: torch.Tensor):
        """One decoder step: (logits (batch, V), new carry, attention weights (batch, Ls))."""
        h, c, attentional = carry
        h, c = self.decoder(torch.cat([self.target_embedding(tokens), attentional], dim=-1), (h, c))
        scores = torch.bmm(keys, h.unsqueeze(-1)).squeeze(-1).masked_fill(~mask, float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        context = torch.bmm(weights.unsqueeze(1), keys).squeeze(1)
        attentional = torch.tanh(self.combine(torch.cat([h, context], dim=-1)))
        return self.output(attentional), (h, c, attentional), weights

    def forward(self, source: torch.Tensor, source_lengths: torch.Tensor, target_inputs: torch.Tensor) -> torch.Tensor:
        """Teacher forcing: logits (batch, Lt, V) for the next token after each of ``target_inputs``."""
        keys, mask, carry = self.encode(source, source_lengths)
        logits = []
        for t in range(target_inputs.shape[1]):
            step_logits, carry, _ = self.step(target_inputs[:, t], carry, keys, mask)
            logits.append(step_logits)
        return torch.stack(logits, dim=1)

    @torch.no_grad()
    def greedy(self, source: torch.Tensor, source_lengths: torch.Tensor, max_length: int):
        """Most likely next token at every step: (token lists without BOS/EOS, attention (batch, steps, Ls)).

        Row i of the attention covers its first len(tokens[i]) steps, plus one more (the step
        that emitted EOS) when the translation ended before max_length."""
        keys, mask, carry = self.encode(source, source_lengths)
        tokens = torch.full((len(source),), BOS, dtype=torch.long, device=source.device)
        emitted, weights_per_step = [], []
        for _ in range(max_length + 1):
            logits, carry, weights = self.step(tokens, carry, keys, mask)
            tokens = logits.argmax(dim=-1)
            emitted.append(tokens)
            weights_per_step.append(weights)
        emitted = torch.stack(emitted, dim=1).tolist()
        return [strip_after_eos(row[: max_length + 1])[:max_length] for row in emitted], torch.stack(weights_per_step, dim=1)

    @torch.no_grad()
    def beam_search(self, source: torch.Tensor, source_lengths: torch.Tensor, beam_size: int, max_length: int) -> list[list[int]]:
        """Beam search per sentence; finished hypotheses ranked by log-probability / length."""
        return [self._beam_one(source[i : i + 1], source_lengths[i : i + 1], beam_size, max_length) for i in range(len(source))]

    def _beam_one(self, source, length, beam_size: int, max_length: int) -> list[int]:
        keys, mask, carry = self.encode(source, length)
        beams = [([], 0.0, carry)]  # (tokens after BOS, log-probability, decoder carry)
        finished: list[tuple[list[int], float]] = []
        for _ in range(max_length + 1):
            previous = torch.tensor([tokens[-1] if tokens else BOS for tokens, _, _ in beams], device=source.device)
            stacked = tuple(torch.cat([b[2][k] for b in beams]) for k in range(3))
            logits, new_carry, _ = self.step(previous, stacked, keys.expand(len(beams), -1, -1), mask.expand(len(beams), -1))
            log_probs = functional.log_softmax(logits, dim=-1)
            candidates = []
            for index, (tokens, score, _) in enumerate(beams):
                values, indices = log_probs[index].topk(min(beam_size, log_probs.shape[-1]))
                candidates += [(tokens + [token], score + value, index) for value, token in zip(values.tolist(), indices.tolist())]
            candidates.sort(key=lambda item: item[1], reverse=True)
            alive = []
            for tokens, score, index in candidates[:beam_size]:
                if tokens[-1] == EOS:
                    finished.append((tokens[:-1], score / len(tokens)))
                elif len(tokens) <= max_length:
                    alive.append((tokens, score, tuple(part[index : index + 1] for part in new_carry)))
            if not alive or len(finished) >= beam_size:
                break
            beams = alive
        if not finished:  # nothing ended within max_length: the best hypothesis cut at max_length
            finished = [(tokens, score / len(tokens)) for tokens, score, _ in beams]
        return max(finished, key=lambda item: item[1])[0][:max_length]

def strip_after_eos(tokens: list[int]) -> list[int]:
    return tokens[: tokens.index(EOS)] if EOS in tokens else tokens
