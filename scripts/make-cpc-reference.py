"""Reference values of the CPC loss (van den Oord, Li, Vinyals 2018, eq. 4 with the bilinear score
of eq. 3), in float64 PyTorch, written prediction by prediction rather than batched as
src-main/core/ssl/losses/cpc.ts is: for each clip b, position t < T - K and step k, the scores of
W_k c_t against the true z_{t+k} (class 0) and the position's N negatives (shared by its K steps),
cross-entropy, the mean over every (b, t, k). Negatives are flat positions b*T + t, drawn here among
the frames other than the position's K positives and stored in the order (b, t). Run with Debian's
python3:

    /usr/bin/python3 scripts/make-cpc-reference.py > test/fixtures/cpc-reference.json
"""
import json

import torch
import torch.nn.functional as F

torch.manual_seed(12)
cases = []
for b, t, c, d, k, n in [(1, 4, 2, 2, 1, 2), (2, 5, 3, 4, 2, 3), (3, 6, 4, 3, 3, 5)]:
    context = torch.randn(b, t, c, dtype=torch.float64, requires_grad=True)
    targets = torch.randn(b, t, d, dtype=torch.float64, requires_grad=True)
    predictors = torch.randn(k, c, d, dtype=torch.float64, requires_grad=True)
    negatives = []
    terms = []
    for clip in range(b):
        for pos in range(t - k):
            positives = {clip * t + pos + step for step in range(1, k + 1)}
            others = [p for p in range(b * t) if p not in positives]
            drawn = [others[i] for i in torch.randint(len(others), (n,)).tolist()]
            negatives.extend(drawn)
            for step in range(1, k + 1):
                prediction = predictors[step - 1].T @ context[clip, pos]  # [D], W_k c_t
                candidates = torch.stack([targets[clip, pos + step]] + [targets[p // t, p % t] for p in drawn])  # [1 + N, D]
                scores = candidates @ prediction  # [1 + N]
                terms.append(F.cross_entropy(scores.unsqueeze(0), torch.tensor([0])))
    loss = torch.stack(terms).mean()
    loss.backward()
    cases.append({
        "context": context.detach().tolist(),
        "targets": targets.detach().tolist(),
        "predictors": predictors.detach().tolist(),
        "negatives": negatives,
        "loss": loss.item(),
        "grad_context": context.grad.tolist(),
        "grad_targets": targets.grad.tolist(),
        "grad_predictors": predictors.grad.tolist(),
    })
print(json.dumps({"cases": cases}, indent=1))
