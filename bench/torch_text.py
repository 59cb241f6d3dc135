"""PyTorch reference for Pretext's text benchmark: the same pre-LN Transformer encoder and MLM-style step on the CPU.

Model (src-main/core/ssl/encoders/transformer.ts): learned token and position embeddings, --layers blocks of
x + Dropout(Wo MHA(LN(x))) and x + Dropout(W2 act(W1 LN(x))), a fused QKV projection, --heads heads, FFN width
--ffn-multiplier x --width, final LN, padding mask in attention, mean pooling over non-padding tokens.
Step: every 7th position (about 15%) replaced by [MASK]; logits through the tied token embedding at those
positions only; cross-entropy; AdamW. Extraction: the pooled embedding without dropout. Token ids are
pseudo-random, with the last 0-8 positions of each row padding (PAD = 0), as in the Pretext bench.

Prints one JSON line: {"train_tokens_per_sec": ..., "extract_tokens_per_sec": ..., "threads": ..., "torch": ...}.

Usage: python3 bench/torch_text.py [--batch 64] [--length 64] [--vocab 8000] [--layers 4] [--width 128]
       [--heads 4] [--ffn-multiplier 4] [--dropout 0.1] [--activation relu|gelu] [--steps 5] [--threads 2]
"""
import argparse
import json
import math
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

PAD, MASK = 0, 4


class Block(nn.Module):
    def __init__(self, width: int, heads: int, ffn: int, dropout: float, activation: str) -> None:
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.out = nn.Linear(width, width)
        self.ln2 = nn.LayerNorm(width)
        self.ffn1 = nn.Linear(width, ffn)
        self.ffn2 = nn.Linear(ffn, width)
        self.dropout = dropout
        self.act = F.relu if activation == "relu" else (lambda x: F.gelu(x, approximate="tanh"))

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        b, l, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        q, k, v = (t.reshape(b, l, self.heads, d // self.heads).transpose(1, 2) for t in (q, k, v))  # [B, H, L, dh]
        weights = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d // self.heads) + bias, dim=-1)  # [B, H, L, L]
        weights = F.dropout(weights, self.dropout, self.training)
        context = (weights @ v).transpose(1, 2).reshape(b, l, d)
        x = x + F.dropout(self.out(context), self.dropout, self.training)
        return x + F.dropout(self.ffn2(self.act(self.ffn1(self.ln2(x)))), self.dropout, self.training)


class Encoder(nn.Module):
    def __init__(self, a: argparse.Namespace) -> None:
        super().__init__()
        self.token = nn.Embedding(a.vocab, a.width)
        self.position = nn.Embedding(a.length, a.width)
        self.blocks = nn.ModuleList(Block(a.width, a.heads, a.ffn_multiplier * a.width, a.dropout, a.activation) for _ in range(a.layers))
        self.ln = nn.LayerNorm(a.width)
        self.dropout = a.dropout

    def forward(self, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        keep = (ids != PAD).float()  # [B, L]
        bias = ((1 - keep) * -1e9)[:, None, None, :]  # [B, 1, 1, L]
        x = F.dropout(self.token(ids) + self.position.weight[: ids.shape[1]], self.dropout, self.training)
        for block in self.blocks:
            x = block(x, bias)
        hidden = self.ln(x)
        pooled = (hidden * keep[:, :, None]).sum(1) / keep.sum(1, keepdim=True).clamp(min=1)
        return hidden, pooled


def token_ids(batch: int, length: int, vocab: int) -> torch.Tensor:
    i = torch.arange(batch * length, dtype=torch.int64)
    ids = 6 + (i * 2654435761 % 2**32) % (vocab - 6)
    ids = ids.reshape(batch, length)
    for r in range(batch):
        pad = r % 9
        if pad:
            ids[r, length - pad :] = PAD
    return ids


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--length", type=int, default=64)
    p.add_argument("--vocab", type=int, default=8000)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--width", type=int, default=128)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--ffn-multiplier", type=int, default=4)
    p.add_argument("--dropout", type=float, default=0.1)
    p.add_argument("--activation", choices=["relu", "gelu"], default="relu")
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = Encoder(a)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)
    ids = token_ids(a.batch, a.length, a.vocab)
    flat = ids.reshape(-1)
    masked = torch.nonzero((torch.arange(flat.numel()) % 7 == 3) & (flat != PAD)).squeeze(1)
    labels = flat[masked].clone()
    inputs = flat.clone()
    inputs[masked] = MASK
    inputs = inputs.reshape(a.batch, a.length)

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        hidden, _ = model(inputs)
        logits = hidden.reshape(-1, a.width)[masked] @ model.token.weight.t()  # [M, V] tied output layer
        F.cross_entropy(logits, labels).backward()
        opt.step()

    model.train()
    for _ in range(2):
        step()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        step()
    train = a.batch * a.length * a.steps / (time.perf_counter() - t0)

    model.eval()
    with torch.no_grad():
        model(ids)
        reps = 5
        t0 = time.perf_counter()
        for _ in range(reps):
            model(ids)
        extract = a.batch * a.length * reps / (time.perf_counter() - t0)
    print(json.dumps({"train_tokens_per_sec": train, "extract_tokens_per_sec": extract, "threads": a.threads, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
