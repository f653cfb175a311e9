#!/usr/bin/python3
"""Make tests/fixtures/stats/cluster_bootstrap.json: an independent NumPy reference for the two-way
cluster (pigeonhole) bootstrap of SquadStudy.Analysis.Statistics.ClusterBootstrap (Owen 2007).

A small sparse design (participants answer a random subset of the images, two models) is drawn from a
fixed seed; the bootstrap distribution of each row's accuracy (each model, and both pooled) is then
estimated with NumPy's own generator over many resamples: participants and images drawn with
replacement independently, an answer weighted by (times its participant was drawn) x (times its image
was drawn), accuracy = sum(w * correct) / sum(w). The C# test draws its own resamples (xoshiro256**),
so the two agree only within Monte-Carlo error: it compares the standard deviation and the 2.5 % and
97.5 % quantiles (numpy.percentile's linear interpolation) with a tolerance stated in the test.

Usage: /usr/bin/python3 scripts/make_bootstrap_fixture.py  (from the repository root; a few seconds)
"""

import json
import os

import numpy as np

SEED = 20261203
PARTICIPANTS, IMAGES, PER_PARTICIPANT = 15, 12, 8
RESAMPLES, CHUNK = 400_000, 20_000


def main():
    rng = np.random.default_rng(SEED)
    skill = rng.normal(0.0, 1.0, PARTICIPANTS)
    ease = rng.normal(0.0, 1.0, IMAGES)
    answers = []
    for p in range(PARTICIPANTS):
        for i in rng.choice(IMAGES, PER_PARTICIPANT, replace=False):
            model = "vgg" if (p + i) % 2 == 0 else "weak"
            eta = 0.5 + skill[p] + ease[i] + (0.8 if model == "vgg" else -0.4)
            answers.append((p, int(i), model, bool(rng.random() < 1 / (1 + np.exp(-eta)))))
    pi = np.array([a[0] for a in answers])
    ii = np.array([a[1] for a in answers])
    correct = np.array([a[3] for a in answers], dtype=float)
    groups = {"vgg": np.array([a[2] == "vgg" for a in answers]), "weak": np.array([a[2] == "weak" for a in answers])}
    groups["pooled"] = np.ones(len(answers), dtype=bool)

    draws = {name: [] for name in groups}
    for _ in range(RESAMPLES // CHUNK):
        pc = rng.multinomial(PARTICIPANTS, np.full(PARTICIPANTS, 1 / PARTICIPANTS), size=CHUNK)
        ic = rng.multinomial(IMAGES, np.full(IMAGES, 1 / IMAGES), size=CHUNK)
        w = pc[:, pi] * ic[:, ii]
        for name, mask in groups.items():
            total = w[:, mask].sum(axis=1)
            hits = (w[:, mask] * correct[mask]).sum(axis=1)
            drawn = total > 0
            draws[name].append(hits[drawn] / total[drawn])

    expected = {}
    for name in groups:
        values = np.concatenate(draws[name])
        expected[name] = {
            "accuracy": float(correct[groups[name]].mean()),
            "sd": float(values.std()),
            "q025": float(np.percentile(values, 2.5)),
            "q975": float(np.percentile(values, 97.5)),
            "undrawn_fraction": float(1 - len(values) / RESAMPLES),
        }

    fixture = {
        "generator": "scripts/make_bootstrap_fixture.py",
        "numpy": np.__version__,
        "seed": SEED,
        "resamples": RESAMPLES,
        "answers": [{"participant": f"p{p:02d}", "image": f"i{i:02d}", "model": m, "correct": c} for p, i, m, c in answers],
        "expected": expected,
    }
    path = os.path.join("tests", "fixtures", "stats", "cluster_bootstrap.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print(f"wrote {path}: {len(answers)} answers; " + ", ".join(f"{k} sd {v['sd']:.4f}" for k, v in expected.items()))


if __name__ == "__main__":
    main()
