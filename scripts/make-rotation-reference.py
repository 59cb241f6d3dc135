"""Reference values for rotation prediction from PyTorch (float64), saved as a test fixture.

The loss of RotNet (Gidaris et al. 2018, eq. 1-2) is the mean softmax cross-entropy of each rotated
image's 4 logits towards its rotation: F.cross_entropy with integer targets, the usual PyTorch way.
Its value and its gradient with respect to the logits are saved per case, and torch.rot90 of a small
[H, W, C] image per quarter turn, for the CPU rotation that makes the inputs.
Run: /usr/bin/python3 scripts/make-rotation-reference.py > test/fixtures/rotation-reference.json
"""
import json

import torch
import torch.nn.functional as F

g = torch.Generator().manual_seed(20261201)

losses = []
for rows, classes, scale in [(4, 4, 1.0), (8, 4, 3.0), (12, 4, 0.1), (16, 4, 10.0), (5, 3, 1.0)]:
    logits = (torch.randn(rows, classes, generator=g, dtype=torch.float64) * scale).requires_grad_(True)
    labels = torch.randint(0, classes, (rows,), generator=g)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    losses.append({
        "logits": logits.detach().tolist(),
        "labels": labels.tolist(),
        "loss": loss.item(),
        "grad_logits": logits.grad.tolist(),
    })

image = torch.arange(3 * 3 * 2, dtype=torch.float64).reshape(3, 3, 2)
rotations = [{"quarter_turns": k, "rotated": torch.rot90(image, k, dims=(0, 1)).tolist()} for k in range(4)]

print(json.dumps({
    "source": f"PyTorch {torch.__version__}, float64",
    "cross_entropy": losses,
    "rotation": {"image": image.tolist(), "cases": rotations},
}, indent=1))
