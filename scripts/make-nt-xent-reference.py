"""Reference NT-Xent values from PyTorch (float64), saved as a test fixture.

NT-Xent as in SimCLR (Chen et al. 2020, eq. 1), written the usual PyTorch way: cosine similarities
of all 2N projections, self-similarity removed, cross-entropy towards each example's other view.
Run: /usr/bin/python3 scripts/make-nt-xent-reference.py > test/fixtures/nt-xent-reference.json
"""
import json

import torch
import torch.nn.functional as F


def nt_xent(z1, z2, tau):
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    n = z1.shape[0]
    sim = z @ z.t() / tau
    sim.fill_diagonal_(float("-inf"))
    targets = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    return F.cross_entropy(sim, targets)


cases = []
g = torch.Generator().manual_seed(20261125)
for n, d, tau in [(2, 2, 1.0), (4, 3, 0.5), (6, 5, 0.1), (8, 16, 0.2)]:
    z1 = torch.randn(n, d, generator=g, dtype=torch.float64)
    z2 = torch.randn(n, d, generator=g, dtype=torch.float64)
    z1.requires_grad_(True)
    loss = nt_xent(z1, z2, tau)
    loss.backward()
    cases.append({
        "temperature": tau,
        "z1": z1.detach().tolist(),
        "z2": z2.tolist(),
        "loss": loss.item(),
        "grad_z1": z1.grad.tolist(),
    })
print(json.dumps({"source": f"PyTorch {torch.__version__}, float64", "cases": cases}, indent=1))
