#!/usr/bin/python3
"""Reference values for the engine's perturbation metrics, made independently of the engine.

Writes tests/fixtures/metrics/reference.json: a small linear softmax classifier (logits = W x + b),
a normalised 3x12x10 input and a 5x4 map, with

* deletion and insertion curves (Petsiuk et al. 2018): pixels ranked by the map upsampled with
  torch.nn.functional.interpolate (bilinear, align_corners=False), ties by np.argsort(kind="stable"),
  floor(i*H*W/steps) pixels changed at step i; deletion onto zeros (the dataset mean after
  normalisation), insertion onto the input blurred with F.conv2d by a separable normalised Gaussian
  (zero padding); AUC with np.trapz over the fractions;
* ROAD's noisy linear imputation (Rong et al. 2022) with noise 0, the system built exactly as in the
  authors' NoisyLinearImputer (road_evaluation/road/imputations.py) and solved with
  scipy.sparse.linalg.spsolve, for one mask, and the MoRF/LeRF curves for a few fractions;
* scipy.stats.spearmanr for a few pairs of vectors, with ties.

Run with Debian's python3 (numpy, scipy, torch 1.13): /usr/bin/python3 scripts/make_metrics_fixtures.py
"""
import json
import os

import numpy as np
import scipy.stats
import torch
import torch.nn.functional as F
from scipy.sparse import csc_matrix, lil_matrix
from scipy.sparse.linalg import spsolve

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "metrics")

C, H, W, K = 3, 12, 10, 4
MAP_H, MAP_W = 5, 4


def softmax(z):
    z = z - z.max()
    e = np.exp(z)
    return e / e.sum()


def probability(weights, bias, x, cls):
    logits = weights.astype(np.float64) @ x.astype(np.float64).reshape(-1) + bias.astype(np.float64)
    # The engine's model returns float32 logits.
    return float(softmax(logits.astype(np.float32).astype(np.float64))[cls])


def upsample(m):
    t = torch.from_numpy(m).reshape(1, 1, MAP_H, MAP_W)
    return F.interpolate(t, size=(H, W), mode="bilinear", align_corners=False).reshape(-1).numpy()


def blur(x, kernel, sigma):
    r = kernel // 2
    k = np.exp(-((np.arange(kernel) - r) ** 2) / (2 * sigma * sigma))
    k = k / k.sum()
    k2 = torch.from_numpy(np.outer(k, k)).reshape(1, 1, kernel, kernel)
    t = torch.from_numpy(x.astype(np.float64)).reshape(C, 1, H, W)
    return F.conv2d(t, k2, padding=r).reshape(C, H * W).numpy().astype(np.float32)


def curve(weights, bias, x, order, steps, cls, substrate, deletion):
    plane = H * W
    start = x.reshape(C, plane).copy() if deletion else substrate.copy()
    source = substrate if deletion else x.reshape(C, plane)
    ys = []
    for i in range(steps + 1):
        count = (i * plane) // steps
        cur = start.copy()
        cur[:, order[:count]] = source[:, order[:count]]
        ys.append(probability(weights, bias, cur, cls))
    fractions = np.arange(steps + 1) / steps
    return ys, float(np.trapz(ys, fractions))


# --- The authors' NoisyLinearImputer (noise 0), verbatim in substance. ---
NEIGHBORS = [((1, 1), 1 / 12), ((0, 1), 1 / 6), ((-1, 1), 1 / 12), ((1, -1), 1 / 12),
             ((0, -1), 1 / 6), ((-1, -1), 1 / 12), ((1, 0), 1 / 6), ((-1, 0), 1 / 6)]


def add_offset_to_indices(indices, offset, mask_shape):
    cord1 = indices % mask_shape[1]
    cord0 = indices // mask_shape[1]
    cord0 = cord0 + offset[0]
    cord1 = cord1 + offset[1]
    valid = ((cord0 < 0) | (cord1 < 0) | (cord0 >= mask_shape[0]) | (cord1 >= mask_shape[1]))
    return ~valid, indices + offset[0] * mask_shape[1] + offset[1]


def setup_sparse_system(mask, img):
    maskflt = mask.flatten()
    imgflat = img.reshape((img.shape[0], -1))
    indices = np.argwhere(maskflt == 0).flatten()
    coords_to_vidx = np.zeros(len(maskflt), dtype=int)
    coords_to_vidx[indices] = np.arange(len(indices))
    n = len(indices)
    A = lil_matrix((n, n))
    b = np.zeros((n, img.shape[0]))
    sum_neighbors = np.ones(n)
    for offset, weight in NEIGHBORS:
        valid, new_coords = add_offset_to_indices(indices, offset, mask.shape)
        valid_coords = new_coords[valid]
        valid_ids = np.argwhere(valid == 1).flatten()
        has_values_coords = valid_coords[maskflt[valid_coords] > 0.5]
        has_values_ids = valid_ids[maskflt[valid_coords] > 0.5]
        b[has_values_ids, :] -= weight * imgflat[:, has_values_coords].T
        has_no_values = valid_coords[maskflt[valid_coords] < 0.5]
        variable_ids = coords_to_vidx[has_no_values]
        has_no_values_ids = valid_ids[maskflt[valid_coords] < 0.5]
        A[has_no_values_ids, variable_ids] = weight
        sum_neighbors[np.argwhere(valid == 0).flatten()] -= weight
    A[np.arange(n), np.arange(n)] = -sum_neighbors
    return A, b


def impute(img, keep):
    """img C×H×W float64, keep H×W with 1 = known, 0 = to impute."""
    A, b = setup_sparse_system(keep, img)
    res = spsolve(csc_matrix(A), b)
    out = img.reshape(C, -1).copy()
    idx = np.argwhere(keep.flatten() == 0).flatten()
    out[:, idx] = np.asarray(res).reshape(len(idx), C).T
    return out.astype(np.float32)


def main():
    rng = np.random.default_rng(20261203)
    weights = (rng.standard_normal((K, C * H * W)) * 0.05).astype(np.float32)
    bias = (rng.standard_normal(K) * 0.1).astype(np.float32)
    x = rng.standard_normal((C, H, W)).astype(np.float32)
    # Repeated values give ties in the ranking.
    m = np.round(rng.random((MAP_H, MAP_W)) * 6).astype(np.float32)
    cls = 2
    up = upsample(m)
    order = np.argsort(-up, kind="stable")

    steps = 7
    kernel, sigma = 5, 1.5
    deletion, deletion_auc = curve(weights, bias, x, order, steps, cls, np.zeros((C, H * W), np.float32), True)
    insertion, insertion_auc = curve(weights, bias, x, order, steps, cls, blur(x, kernel, sigma), False)

    keep = (rng.random((H, W)) > 0.4).astype(np.float64)
    keep[0, :3] = 0  # a hole on the border
    imputed = impute(x.astype(np.float64), keep)

    fractions = [0.1, 0.35, 0.5, 0.9]
    road = {}
    for name, o in (("morf", order), ("lerf", np.argsort(up, kind="stable"))):
        ys = []
        for f in fractions:
            count = int(np.floor(f * H * W + 0.5))
            keep_f = np.ones(H * W)
            keep_f[o[:count]] = 0
            ys.append(probability(weights, bias, impute(x.astype(np.float64), keep_f.reshape(H, W)), cls))
        road[name] = ys

    spearman = []
    for n, levels in ((50, None), (37, 5), (200, 3)):
        a = rng.standard_normal(n).astype(np.float32)
        b = (a + rng.standard_normal(n)).astype(np.float32)
        if levels is not None:
            a = np.round(a * levels).astype(np.float32)
            b = np.round(b * levels).astype(np.float32)
        spearman.append({"a": a.tolist(), "b": b.tolist(), "rho": float(scipy.stats.spearmanr(a, b).correlation)})

    os.makedirs(ROOT, exist_ok=True)
    doc = {
        "channels": C, "height": H, "width": W, "classes": K, "class": cls,
        "map_height": MAP_H, "map_width": MAP_W,
        "weights": weights.reshape(-1).tolist(), "bias": bias.tolist(),
        "input": x.reshape(-1).tolist(), "map": m.reshape(-1).tolist(),
        "steps": steps, "blur_kernel": kernel, "blur_sigma": sigma,
        "blurred": blur(x, kernel, sigma).reshape(-1).tolist(),
        "deletion": deletion, "deletion_auc": deletion_auc,
        "insertion": insertion, "insertion_auc": insertion_auc,
        "keep": keep.reshape(-1).astype(int).tolist(), "imputed": imputed.reshape(-1).tolist(),
        "road_fractions": fractions, "road_morf": road["morf"], "road_lerf": road["lerf"],
        "spearman": spearman,
    }
    with open(os.path.join(ROOT, "reference.json"), "w") as f:
        json.dump(doc, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print("deletion AUC %.6f, insertion AUC %.6f" % (deletion_auc, insertion_auc))
    print("ROAD MoRF", np.round(road["morf"], 6), "LeRF", np.round(road["lerf"], 6))


if __name__ == "__main__":
    main()
