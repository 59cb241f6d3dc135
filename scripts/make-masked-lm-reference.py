"""Reference values for the token-prediction losses of the text methods, from PyTorch (float64).

Masked language modelling (BERT, Devlin et al. 2019): F.cross_entropy over the vocabulary at the
masked positions only, the way Hugging Face's BertForMaskedLM computes it (labels −100 elsewhere,
ignore_index=−100), on logits given at the masked positions ([N, V]) and at every position
([B, L, V]); and with non-binary weights as (F.cross_entropy(reduction='none') · w).sum() / w.sum().
Next-token prediction (GPT, Radford et al. 2018): the logits at position t against the id at t+1,
F.cross_entropy(logits[:, :-1], ids[:, 1:], ignore_index=PAD) as GPT-2's LM head shifts them, on
rows of model inputs ([CLS] ids… [SEP] then PAD). Each case saves the loss and its gradient with
respect to the logits.
Run: /usr/bin/python3 scripts/make-masked-lm-reference.py > test/fixtures/masked-lm-reference.json
"""
import json

import torch
import torch.nn.functional as F

PAD, CLS, SEP, SPECIALS = 0, 2, 3, 6
g = torch.Generator().manual_seed(20261211)


def model_rows(batch, length, vocab):
    """[CLS] ids… [SEP] then PAD, one row at least as short as 2 ([CLS] [SEP])."""
    ids = torch.full((batch, length), PAD, dtype=torch.long)
    for b in range(batch):
        n = 0 if b == 0 else int(torch.randint(1, length - 1, (1,), generator=g))
        ids[b, 0] = CLS
        ids[b, 1:n + 1] = torch.randint(SPECIALS, vocab, (n,), generator=g)
        ids[b, n + 1] = SEP
    return ids


def grad_case(logits, loss_fn):
    logits = logits.clone().requires_grad_(True)
    loss = loss_fn(logits)
    loss.backward()
    return loss.item(), logits.grad.tolist(), logits.detach().tolist()


masked_rows = []
for n, vocab, scale in [(5, 11, 1.0), (16, 24, 5.0), (7, 60, 20.0)]:
    logits = torch.randn(n, vocab, generator=g, dtype=torch.float64) * scale
    targets = torch.randint(SPECIALS, vocab, (n,), generator=g)
    loss, grad, values = grad_case(logits, lambda x: F.cross_entropy(x, targets))
    masked_rows.append({"logits": values, "targets": targets.tolist(), "loss": loss, "grad_logits": grad})

masked_positions = []
for batch, length, vocab, scale in [(3, 8, 13, 1.0), (4, 10, 24, 4.0)]:
    ids = model_rows(batch, length, vocab)
    chosen = (ids >= SPECIALS) & (torch.rand(batch, length, generator=g, dtype=torch.float64) < 0.3)
    chosen[1, 1] = True  # at least one position
    labels = torch.where(chosen, ids, torch.full_like(ids, -100))
    logits = torch.randn(batch, length, vocab, generator=g, dtype=torch.float64) * scale
    loss, grad, values = grad_case(logits, lambda x: F.cross_entropy(x.reshape(-1, vocab), labels.reshape(-1), ignore_index=-100))
    masked_positions.append({"logits": values, "labels": labels.reshape(-1).tolist(), "loss": loss, "grad_logits": grad})

weighted = []
for n, vocab in [(6, 9)]:
    logits = torch.randn(n, vocab, generator=g, dtype=torch.float64) * 2
    targets = torch.randint(0, vocab, (n,), generator=g)
    weights = torch.tensor([0.5, 0.0, 2.0, 1.0, 0.25, 3.0], dtype=torch.float64)
    loss, grad, values = grad_case(logits, lambda x: (F.cross_entropy(x, targets, reduction="none") * weights).sum() / weights.sum())
    weighted.append({"logits": values, "targets": targets.tolist(), "weights": weights.tolist(), "loss": loss, "grad_logits": grad})

next_token = []
for batch, length, vocab, scale in [(2, 6, 10, 1.0), (3, 8, 20, 3.0), (3, 12, 40, 10.0)]:
    ids = model_rows(batch, length, vocab)
    logits = torch.randn(batch, length, vocab, generator=g, dtype=torch.float64) * scale
    loss, grad, values = grad_case(logits, lambda x: F.cross_entropy(x[:, :-1].reshape(-1, vocab), ids[:, 1:].reshape(-1), ignore_index=PAD))
    next_token.append({"logits": values, "ids": ids.reshape(-1).tolist(), "loss": loss, "grad_logits": grad})

print(json.dumps({
    "source": f"PyTorch {torch.__version__}, float64",
    "masked_rows": masked_rows,
    "masked_positions": masked_positions,
    "weighted": weighted,
    "next_token": next_token,
}, indent=1))
