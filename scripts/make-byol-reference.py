"""Reference BYOL loss values from PyTorch (float64), saved as a test fixture.

The loss as the paper writes it (Grill et al. 2020, eq. 2 and §3.1): for predictions p and target
projections z, ‖p/‖p‖ − z/‖z‖‖² summed over features, averaged over the batch, and symmetrised:
L = loss(p1, z2) + loss(p2, z1). Computed here as the squared distance of the normalised vectors,
not as 2 − 2cos, so the fixture checks the identity too. Gradients with respect to every input.
Run: /usr/bin/python3 scripts/make-byol-reference.py > test/fixtures/byol-reference.json
"""
import json

import torch
import torch.nn.functional as F


def normalised_mse(p, z):
    return (F.normalize(p, dim=1) - F.normalize(z, dim=1)).pow(2).sum(dim=1).mean()


cases = []
g = torch.Generator().manual_seed(20260406)
for n, d in [(1, 2), (3, 4), (5, 8), (8, 16)]:
    p1, p2, z1, z2 = (torch.randn(n, d, generator=g, dtype=torch.float64, requires_grad=True) for _ in range(4))
    single = normalised_mse(p1, z2)
    loss = single + normalised_mse(p2, z1)
    loss.backward()
    cases.append({
        "p1": p1.detach().tolist(),
        "p2": p2.detach().tolist(),
        "z1": z1.detach().tolist(),
        "z2": z2.detach().tolist(),
        "single": single.item(),
        "loss": loss.item(),
        "grad_p1": p1.grad.tolist(),
        "grad_p2": p2.grad.tolist(),
        "grad_z1": z1.grad.tolist(),
        "grad_z2": z2.grad.tolist(),
    })
print(json.dumps({"source": f"PyTorch {torch.__version__}, float64", "cases": cases}, indent=1))
