"""Reference InfoNCE values of MoCo from PyTorch (float64), saved as a test fixture.

The loss as MoCo's own code computes it (He et al. 2020, eq. 1; moco/builder.py): queries and keys
L2-normalised, positive logits q·k₊, negative logits q·queue, both divided by τ, cross-entropy
towards column 0. The queue holds unit vectors, as MoCo keeps it. Gradients are taken with respect
to the raw (unnormalised) queries and keys.
Run: /usr/bin/python3 scripts/make-moco-reference.py > test/fixtures/moco-reference.json
"""
import json

import torch
import torch.nn.functional as F


def info_nce(q, k, queue, tau):
    q = F.normalize(q, dim=1)
    k = F.normalize(k, dim=1)
    l_pos = torch.einsum("nc,nc->n", q, k).unsqueeze(-1)
    l_neg = torch.einsum("nc,kc->nk", q, queue)
    logits = torch.cat([l_pos, l_neg], dim=1) / tau
    labels = torch.zeros(logits.shape[0], dtype=torch.long)
    return F.cross_entropy(logits, labels)


cases = []
g = torch.Generator().manual_seed(20260405)
for n, d, k_size, tau in [(1, 2, 1, 1.0), (3, 4, 5, 0.5), (4, 8, 16, 0.2), (6, 5, 12, 0.07)]:
    q = torch.randn(n, d, generator=g, dtype=torch.float64, requires_grad=True)
    k = torch.randn(n, d, generator=g, dtype=torch.float64, requires_grad=True)
    queue = F.normalize(torch.randn(k_size, d, generator=g, dtype=torch.float64), dim=1)
    loss = info_nce(q, k, queue, tau)
    loss.backward()
    cases.append({
        "temperature": tau,
        "queries": q.detach().tolist(),
        "keys": k.detach().tolist(),
        "negatives": queue.tolist(),
        "loss": loss.item(),
        "grad_queries": q.grad.tolist(),
        "grad_keys": k.grad.tolist(),
    })
print(json.dumps({"source": f"PyTorch {torch.__version__}, float64", "cases": cases}, indent=1))
