"""PyTorch reference for Pretext's training benchmark: the same SimCLR step and encoder on the CPU.

Encoder: 3x3 conv blocks 32 (stride --stem-stride), 64, 64, 128 (stride 2) with batch norm and ReLU
(another 64 stride 2 after the first when the smaller side exceeds 64 px, as Pretext's), global
average pooling; projection head 128 -> 128 (-> BN with --head-bn) -> ReLU -> --projection-dim;
NT-Xent with --temperature; AdamW. Inputs are --height x --width (both --size by default: a square
image; an audio clip's log-mel spectrogram is --height mel bands x --width frames, one channel). The
Pretext bench passes the values of the run it measures. Prints
one JSON line: {"train_images_per_sec": ..., "extract_images_per_sec": ..., "threads": ...}.

Usage: python3 bench/torch_simclr.py [--size 28] [--height H --width W] [--channels 1] [--batch 256] [--steps 8] [--threads N]
       [--stem-stride 0|1|2] [--head-bn 0|1] [--projection-dim 64] [--temperature 0.5]
"""
import argparse
import json
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def encoder(channels: int, side: int, stem: int = 0) -> nn.Sequential:
    """side: the smaller of the input's height and width, which chooses the blocks as in Pretext's imageEncoderConfig."""
    stem_stride = stem if stem in (1, 2) else (1 if side <= 32 else 2)
    blocks = [(32, stem_stride), (64, 2), (64, 2), (128, 2)]
    if side > 64:
        blocks.insert(1, (64, 2))
    layers = []
    c_in = channels
    for c_out, stride in blocks:
        layers += [nn.Conv2d(c_in, c_out, 3, stride, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)]
        c_in = c_out
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
    return nn.Sequential(*layers)


def nt_xent(z1: torch.Tensor, z2: torch.Tensor, tau: float) -> torch.Tensor:
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    n = z1.shape[0]
    sim = z @ z.t() / tau
    sim.fill_diagonal_(float("-inf"))
    targets = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    return F.cross_entropy(sim, targets)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--size", type=int, default=28)
    p.add_argument("--height", type=int, default=0, help="0: --size")
    p.add_argument("--width", type=int, default=0, help="0: --size")
    p.add_argument("--channels", type=int, default=1)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    p.add_argument("--stem-stride", type=int, default=0)
    p.add_argument("--head-bn", type=int, default=0)
    p.add_argument("--projection-dim", type=int, default=64)
    p.add_argument("--temperature", type=float, default=0.5)
    a = p.parse_args()
    height = a.height or a.size
    width = a.width or a.size
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    f = encoder(a.channels, min(height, width), a.stem_stride)
    hidden = [nn.Linear(128, 128, bias=not a.head_bn)] + ([nn.BatchNorm1d(128)] if a.head_bn else [])
    g = nn.Sequential(*hidden, nn.ReLU(inplace=True), nn.Linear(128, a.projection_dim))
    opt = torch.optim.AdamW(list(f.parameters()) + list(g.parameters()), lr=1e-3, weight_decay=1e-4)
    x1 = torch.rand(a.batch, a.channels, height, width)
    x2 = torch.rand(a.batch, a.channels, height, width)

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        z = g(f(torch.cat([x1, x2])))
        loss = nt_xent(z[: a.batch], z[a.batch :], a.temperature)
        loss.backward()
        opt.step()

    for _ in range(2):
        step()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        step()
    train = a.batch * a.steps / (time.perf_counter() - t0)

    f.eval()
    xs = torch.rand(512, a.channels, height, width)
    with torch.no_grad():
        f(xs)
        t0 = time.perf_counter()
        reps = 5
        for _ in range(reps):
            f(xs)
        extract = 512 * reps / (time.perf_counter() - t0)
    print(json.dumps({"train_images_per_sec": train, "extract_images_per_sec": extract, "threads": a.threads, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
