"""Reference values for the embedding-evaluation metrics (src-main/core/evaluation), from numpy and
scikit-learn, saved with the data itself as a test fixture.

Run: /usr/bin/python3 scripts/make-eval-reference.py > test/fixtures/eval-reference.json
(Debian: apt-get install python3-numpy python3-sklearn.)

The dataset: 4 overlapping Gaussian clusters in 16 dimensions with per-dimension offsets and scales
(so standardisation matters), 100 items each, split 75/25 per class into 300 train / 100 test, plus a
second "view" of every item (the item plus noise) for alignment. Values are rounded to 4 decimals
and the metrics are computed on exactly those numbers after a float32 round trip, which is what the
TypeScript test feeds its Float32Arrays: both sides see identical inputs.

Every metric is written out here from its paper's definition, independently of the TypeScript code:
- weighted kNN (Wu et al. 2018): cosine similarities of L2-normalised rows, the k most similar
  training items (stable sort: ties keep the smaller index), votes exp(sim / tau) per class, argmax;
- linear probe: StandardScaler fitted on train, LogisticRegression(C, max_iter=1000) - lbfgs,
  multinomial for more than 2 classes - with tol=1e-10 (accuracy and probabilities), its accuracy
  with the default tol=1e-4, and the exact optimum of the same objective from the newton-cg solver
  (objective value and probabilities), and a 2-class fit (scikit-learn's binary logistic regression);
- alignment / uniformity (Wang and Isola 2020) on L2-normalised rows, uniformity over all pairs;
- effective rank (Roy and Vetterli 2007) from numpy's SVD of the centred matrix.
"""
import json
import sys
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

rng = np.random.default_rng(20260301)
CLASSES, PER_CLASS, DIM, TEST_PER_CLASS = 4, 100, 16, 25

centres = rng.normal(0.0, 1.0, (CLASSES, DIM))
offset = rng.normal(0.0, 2.0, DIM)
scale = rng.uniform(0.5, 3.0, DIM)
points, labels = [], []
for c in range(CLASSES):
    points.append(centres[c] + rng.normal(0.0, 1.0, (PER_CLASS, DIM)))
    labels += [c] * PER_CLASS
z = np.round(np.concatenate(points) * scale + offset, 4)
y = np.array(labels, dtype=np.int64)
z2 = np.round(z + rng.normal(0.0, 0.5, z.shape) * scale, 4)

# Stratified split, fixed here: the first TEST_PER_CLASS of a shuffle of each class go to test.
test_idx, train_idx = [], []
for c in range(CLASSES):
    members = rng.permutation(np.flatnonzero(y == c))
    test_idx += sorted(members[:TEST_PER_CLASS].tolist())
    train_idx += sorted(members[TEST_PER_CLASS:].tolist())
train_idx, test_idx = np.array(sorted(train_idx)), np.array(sorted(test_idx))


def f32(a):
    """What the TypeScript side computes on: the same decimals in a Float32Array, read as float64."""
    return np.asarray(a, dtype=np.float64).astype(np.float32).astype(np.float64)


Z, Z2 = f32(z), f32(z2)
Xtr, ytr, Xte, yte = Z[train_idx], y[train_idx], Z[test_idx], y[test_idx]


def l2n(a):
    norms = np.linalg.norm(a, axis=1, keepdims=True)
    return np.divide(a, norms, out=np.zeros_like(a), where=norms > 0)


def knn_predict(train, train_y, test, k, tau):
    sims = l2n(test) @ l2n(train).T
    classes = int(train_y.max()) + 1
    out = []
    for row in sims:
        nearest = np.argsort(-row, kind="stable")[:k]
        votes = np.zeros(classes)
        np.add.at(votes, train_y[nearest], np.exp(row[nearest] / tau))
        out.append(int(np.argmax(votes)))
    return np.array(out)


knn_cases = []
for k, tau in [(20, 0.07), (5, 0.5), (1, 1.0), (300, 0.07)]:
    pred = knn_predict(Xtr, ytr, Xte, k, tau)
    knn_cases.append({"k": k, "temperature": tau, "accuracy": float(np.mean(pred == yte)), "predictions": pred.tolist()})

scaler = StandardScaler().fit(Xtr)
Str, Ste = scaler.transform(Xtr), scaler.transform(Xte)
PROBA_ROWS = 8
linear_cases = []


def objective(model, C):
    """The summed objective sum_i -log p(y_i | x_i) + ||W||^2 / (2C) (biases not penalised)."""
    p = model.predict_proba(Str)[np.arange(len(ytr)), ytr]
    return float(-np.sum(np.log(p)) + 0.5 / C * np.sum(model.coef_ ** 2))


def max_gradient(model, C):
    residual = model.predict_proba(Str) - np.eye(CLASSES)[ytr]
    return float(max(np.abs(residual.T @ Str + model.coef_ / C).max(), np.abs(residual.sum(0)).max()))


for C in [1.0, 0.1]:
    lbfgs = LogisticRegression(C=C, max_iter=1000, tol=1e-10).fit(Str, ytr)
    default = LogisticRegression(C=C, max_iter=1000).fit(Str, ytr)
    # The same objective solved to machine precision by Newton-CG (lbfgs stops on scipy's ftol at a
    # gradient of ~1e-4): tol=1e-12 is stricter than it can certify, so it runs to max_iter.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        exact = LogisticRegression(C=C, max_iter=100, tol=1e-12, solver="newton-cg").fit(Str, ytr)
    assert max_gradient(exact, C) < 1e-7, max_gradient(exact, C)
    linear_cases.append({
        "C": C,
        "accuracy": float(lbfgs.score(Ste, yte)),
        "trainAccuracy": float(lbfgs.score(Str, ytr)),
        "defaultTolAccuracy": float(default.score(Ste, yte)),
        "lbfgsIterations": int(lbfgs.n_iter_[0]),
        "lbfgsMaxGradient": max_gradient(lbfgs, C),
        "probabilities": lbfgs.predict_proba(Ste[:PROBA_ROWS]).tolist(),
        "optimumObjective": objective(exact, C),
        "optimumProbabilities": exact.predict_proba(Ste[:PROBA_ROWS]).tolist(),
    })

# Two classes: scikit-learn then fits one logistic weight vector w, which equals the difference of
# the two multinomial rows; the multinomial penalty (||w1||^2 + ||w2||^2) / (2C) is ||w||^2 / (4C) at
# w1 = -w2, so the TypeScript probe with C matches this fit with 2C.
binary_train, binary_test = ytr < 2, yte < 2
binary_scaler = StandardScaler().fit(Xtr[binary_train])
binary = LogisticRegression(C=2.0, max_iter=1000, tol=1e-10).fit(binary_scaler.transform(Xtr[binary_train]), ytr[binary_train])
binary_case = {
    "C": 1.0,
    "sklearnC": 2.0,
    "accuracy": float(binary.score(binary_scaler.transform(Xte[binary_test]), yte[binary_test])),
    "probabilities": binary.predict_proba(binary_scaler.transform(Xte[binary_test][:PROBA_ROWS])).tolist(),
}

u1, u2 = l2n(Z), l2n(Z2)
align = {str(a): float(np.mean(np.linalg.norm(u1 - u2, axis=1) ** a)) for a in [2, 1]}
sq = np.sum((u1[:, None, :] - u1[None, :, :]) ** 2, axis=-1)
iu = np.triu_indices(len(u1), k=1)
unif = {str(t): float(np.log(np.mean(np.exp(-t * sq[iu])))) for t in [2, 1]}


def effective_rank(a):
    s = np.linalg.svd(a - a.mean(axis=0), compute_uv=False)
    p = s / s.sum()
    p = p[p > 0]
    return float(np.exp(-np.sum(p * np.log(p))))


out = {
    "generator": f"scripts/make-eval-reference.py (numpy {np.__version__}, scikit-learn {sklearn.__version__})",
    "dim": DIM,
    "classes": CLASSES,
    "trainIndices": train_idx.tolist(),
    "testIndices": test_idx.tolist(),
    "labels": y.tolist(),
    "knn": knn_cases,
    "linear": linear_cases,
    "binary": binary_case,
    "alignment": align,
    "uniformity": unif,
    "effectiveRank": effective_rank(Z),
    "effectiveRankNormalised": effective_rank(u1),
    "meanVarianceNormalised": float(np.mean(np.var(u1, axis=0))),
    "embeddings": z.tolist(),
    "secondView": z2.tolist(),
}

# One matrix row per line keeps the file readable and diffable.
lines = ["{"]
items = list(out.items())
for i, (key, value) in enumerate(items):
    comma = "," if i < len(items) - 1 else ""
    if key in ("embeddings", "secondView"):
        rows = ",\n    ".join(json.dumps(r, separators=(",", ":")) for r in value)
        lines.append(f'  "{key}": [\n    {rows}\n  ]{comma}')
    else:
        lines.append(f'  "{key}": {json.dumps(value, separators=(",", ":"))}{comma}')
lines.append("}")
sys.stdout.write("\n".join(lines) + "\n")
