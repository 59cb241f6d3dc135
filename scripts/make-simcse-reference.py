"""Reference values of the unsupervised SimCSE loss (Gao et al. 2021, eq. 1), in float64 PyTorch,
written the way the authors' code computes it: cosine similarities / τ, then cross-entropy towards
the diagonal. Run with Debian's python3 (python3-torch):

    /usr/bin/python3 scripts/make-simcse-reference.py > test/fixtures/simcse-reference.json
"""
import json

import torch
import torch.nn.functional as F

torch.manual_seed(5)
cases = []
for n, d, tau in [(2, 3, 0.05), (5, 8, 0.05), (7, 4, 0.5)]:
    first = torch.randn(n, d, dtype=torch.float64, requires_grad=True)
    second = torch.randn(n, d, dtype=torch.float64, requires_grad=True)
    sim = F.cosine_similarity(first.unsqueeze(1), second.unsqueeze(0), dim=-1) / tau
    loss = F.cross_entropy(sim, torch.arange(n))
    loss.backward()
    cases.append({
        "temperature": tau,
        "first": first.detach().tolist(),
        "second": second.detach().tolist(),
        "loss": loss.item(),
        "grad_first": first.grad.tolist(),
        "grad_second": second.grad.tolist(),
    })
print(json.dumps({"cases": cases}, indent=1))
