"""Reference values of the generative losses from PyTorch (float64), saved as a test fixture.

Each loss written the usual PyTorch way, independently of src-main/core/ssl/losses/:
  reconstruction  F.binary_cross_entropy_with_logits / F.mse_loss, summed, divided by the batch
  gaussian KL     torch.distributions.kl_divergence(N(mu, sigma), N(0, 1)), summed, divided by the batch
  masked L1       SimMIM's code (Xie et al. 2022, models/simmim.py): the L1 of every pixel, times the
                  mask, summed, divided by the masked pixels and the channels; NCHW, as there
Tensors are saved NHWC (channels last), as Pretext lays them out; masks as [N, H, W, 1].
Run: /usr/bin/python3 scripts/make-generative-reference.py > test/fixtures/generative-reference.json
"""
import json

import torch
import torch.nn.functional as F
from torch.distributions import Normal, kl_divergence

g = torch.Generator().manual_seed(20261202)


def nhwc(t):
    return t.permute(0, 2, 3, 1).tolist()


reconstruction = []
for kind, (n, c, h, w), scale in [("bce", (2, 1, 3, 3), 1.0), ("bce", (3, 3, 4, 5), 4.0), ("mse", (2, 1, 3, 3), 1.0), ("mse", (3, 3, 4, 5), 0.5)]:
    output = (scale * torch.randn(n, c, h, w, generator=g, dtype=torch.float64)).requires_grad_(True)
    target = torch.rand(n, c, h, w, generator=g, dtype=torch.float64)
    if kind == "bce":
        loss = F.binary_cross_entropy_with_logits(output, target, reduction="sum") / n
    else:
        loss = F.mse_loss(output, target, reduction="sum") / n
    loss.backward()
    reconstruction.append({"kind": kind, "output": nhwc(output.detach()), "target": nhwc(target), "loss": loss.item(), "grad_output": nhwc(output.grad)})

kl = []
for n, j, spread in [(1, 2, 1.0), (4, 3, 2.0), (5, 8, 0.3)]:
    mean = (spread * torch.randn(n, j, generator=g, dtype=torch.float64)).requires_grad_(True)
    log_var = (spread * torch.randn(n, j, generator=g, dtype=torch.float64)).requires_grad_(True)
    posterior = Normal(mean, torch.exp(0.5 * log_var))
    prior = Normal(torch.zeros_like(mean), torch.ones_like(mean))
    loss = kl_divergence(posterior, prior).sum() / n
    loss.backward()
    kl.append({"mean": mean.detach().tolist(), "log_variance": log_var.detach().tolist(), "loss": loss.item(), "grad_mean": mean.grad.tolist(), "grad_log_variance": log_var.grad.tolist()})

masked = []
for (n, c, h, w), ratio in [((1, 1, 4, 4), 0.5), ((2, 3, 6, 6), 0.6), ((3, 2, 5, 7), 0.3)]:
    prediction = torch.randn(n, c, h, w, generator=g, dtype=torch.float64).requires_grad_(True)
    target = torch.rand(n, c, h, w, generator=g, dtype=torch.float64)
    mask = (torch.rand(n, 1, h, w, generator=g, dtype=torch.float64) < ratio).to(torch.float64)
    mask[0, 0, 0, 0] = 1.0  # at least one masked pixel
    loss_recon = F.l1_loss(target, prediction, reduction="none")
    loss = (loss_recon * mask).sum() / mask.sum() / c
    loss.backward()
    masked.append({"prediction": nhwc(prediction.detach()), "target": nhwc(target), "mask": nhwc(mask), "loss": loss.item(), "grad_prediction": nhwc(prediction.grad)})

print(json.dumps({"source": f"PyTorch {torch.__version__}, float64", "reconstruction": reconstruction, "gaussianKl": kl, "maskedL1": masked}, indent=1))
