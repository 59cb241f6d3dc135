"""Reference AdamW trajectories from PyTorch (float64), saved as a test fixture.

Three small parameter tensors (a weight matrix, a bias, a batch-norm scale) take 5 steps of
torch.optim.AdamW with fixed gradients and a learning rate set anew before each step, as our
training loop does. The bias gets tiny gradients (1e-7..1e-6), where the placement of epsilon in
the denominator matters. Cases: no weight decay, weight decay on everything, weight decay on the
weight matrix only (param groups with weight_decay 0 for the others: our `decayMask`), and other
betas/epsilon. Initial values and gradients are rounded to float32 so that the float32
implementation under test starts from exactly the same numbers.

Run: /usr/bin/python3 scripts/make-adamw-reference.py > test/fixtures/adamw-reference.json
"""
import json

import torch

STEPS = 5
LEARNING_RATES = [1e-3, 4e-3, 1e-2, 2e-2, 6e-3]  # warm-up, then decay
SHAPES = {"weight": (2, 3), "bias": (3,), "bn_gamma": (4,)}
GRAD_SCALES = {"weight": 0.5, "bias": 1e-6, "bn_gamma": 0.05}


def f32(t):
    return t.to(torch.float32).to(torch.float64)


g = torch.Generator().manual_seed(20261126)
# Parameters away from zero so that a relative comparison is meaningful.
init = {}
for name, shape in SHAPES.items():
    x = torch.rand(shape, generator=g, dtype=torch.float64) * 0.8 + 0.2
    sign = torch.where(torch.rand(shape, generator=g, dtype=torch.float64) < 0.5, -1.0, 1.0)
    init[name] = f32(x * sign)
init["bn_gamma"] = f32(1.0 + 0.1 * torch.randn(SHAPES["bn_gamma"], generator=g, dtype=torch.float64))
grads = [
    {name: f32(GRAD_SCALES[name] * torch.randn(shape, generator=g, dtype=torch.float64)) for name, shape in SHAPES.items()}
    for _ in range(STEPS)
]
# One element whose gradient is zero on one step, another zero on every step.
grads[2]["weight"][0, 1] = 0.0
for step in grads:
    step["bn_gamma"][3] = 0.0

NAMES = list(SHAPES)
CASES = [
    {"name": "no weight decay", "weight_decay": 0.0, "decay_mask": None},
    {"name": "weight decay 0.05", "weight_decay": 0.05, "decay_mask": None},
    {"name": "weight decay 0.05, none on bias and batch-norm scale", "weight_decay": 0.05,
     "decay_mask": [True, False, False]},
    {"name": "betas (0.8, 0.99), eps 1e-6, weight decay 0.1", "weight_decay": 0.1, "decay_mask": None,
     "beta1": 0.8, "beta2": 0.99, "epsilon": 1e-6},
]


def run(case):
    params = [torch.nn.Parameter(init[name].clone()) for name in NAMES]
    betas = (case.get("beta1", 0.9), case.get("beta2", 0.999))
    eps = case.get("epsilon", 1e-8)
    mask = case["decay_mask"] or [True] * len(params)
    groups = [
        {"params": [p for p, m in zip(params, mask) if m], "weight_decay": case["weight_decay"]},
        {"params": [p for p, m in zip(params, mask) if not m], "weight_decay": 0.0},
    ]
    groups = [grp for grp in groups if grp["params"]]
    opt = torch.optim.AdamW(groups, lr=LEARNING_RATES[0], betas=betas, eps=eps)
    trajectory = []
    for step in range(STEPS):
        for grp in opt.param_groups:
            grp["lr"] = LEARNING_RATES[step]
        for p, name in zip(params, NAMES):
            p.grad = grads[step][name].clone()
        opt.step()
        trajectory.append({name: p.detach().tolist() for p, name in zip(params, NAMES)})
    state = {
        name: {"exp_avg": opt.state[p]["exp_avg"].tolist(), "exp_avg_sq": opt.state[p]["exp_avg_sq"].tolist()}
        for p, name in zip(params, NAMES)
    }
    out = {k: v for k, v in case.items() if v is not None}
    out.update({"params_after_step": trajectory, "final_state": state})
    return out


print(json.dumps({
    "source": f"PyTorch {torch.__version__} torch.optim.AdamW, float64",
    "param_names": NAMES,
    "learning_rates": LEARNING_RATES,
    "initial": {name: init[name].tolist() for name in NAMES},
    "grads": [{name: step[name].tolist() for name in NAMES} for step in grads],
    "cases": [run(case) for case in CASES],
}, indent=1))
