#!/usr/bin/python3
"""The demo study pack: synthetic shape scenes, two CNNs trained on them, study design.

Writes demo/pack/ in the study pack format of docs/study-pack.md. Deterministic from --seed:
the same seed gives byte-identical images, annotations and JSON (and ONNX files, since CPU
training runs with a fixed thread count and deterministic algorithms).

Usage:  /usr/bin/python3 scripts/make_demo_pack.py [--seed 0] [--out demo/pack]
"""
import argparse
import colorsys
import hashlib
import json
import math
import os
import shutil
import sys
import time

import numpy as np
import onnx
import onnx.checker
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image, ImageDraw

SIZE = 128                      # scenes are generated at exactly the models' input size
SUPERSAMPLE = 4                 # shapes are drawn 4x larger and box-filtered: anti-aliased edges
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
N_TRAIN = 4000
N_TEST = 200
N_STUDY = 100                   # the first N_STUDY test scenes are the study's images

# Class name -> hue tendency. Hues are spread over the colour wheel; jitter and an occasional
# off-colour instance keep shape necessary for a high accuracy.
CLASSES = [
    ("circle", 0.00), ("square", 0.62), ("triangle", 0.33), ("star", 0.15), ("cross", 0.83),
    ("ring", 0.50), ("heart", 0.93), ("crescent", 0.08), ("diamond", 0.75), ("arrow", 0.25),
]
OFF_COLOUR_PROB = 0.15


# --------------------------------------------------------------------------------------------
# Shapes, drawn into a square 'L' mask of side s (already supersampled), centred.
# --------------------------------------------------------------------------------------------
def _rot(points, angle, cx, cy):
    c, s = math.cos(angle), math.sin(angle)
    return [(cx + x * c - y * s, cy + x * s + y * c) for x, y in points]


def _star(r_out, r_in, n=5):
    pts = []
    for i in range(2 * n):
        r = r_out if i % 2 == 0 else r_in
        a = -math.pi / 2 + i * math.pi / n
        pts.append((r * math.cos(a), r * math.sin(a)))
    return pts


def _heart(r):
    pts = []
    for i in range(64):
        t = 2 * math.pi * i / 64
        x = 16 * math.sin(t) ** 3
        y = -(13 * math.cos(t) - 5 * math.cos(2 * t) - 2 * math.cos(3 * t) - math.cos(4 * t))
        pts.append((x * r / 17, y * r / 17 + r * 0.05))
    return pts


def draw_shape(name, s, rng):
    """Mask of side s with the shape centred in it, filling most of the square."""
    mask = Image.new("L", (s, s), 0)
    d = ImageDraw.Draw(mask)
    c = s / 2
    r = s * 0.48
    angle = rng.uniform(-0.25, 0.25)
    if name == "circle":
        d.ellipse([c - r, c - r, c + r, c + r], fill=255)
    elif name == "ring":
        d.ellipse([c - r, c - r, c + r, c + r], fill=255)
        ri = r * rng.uniform(0.45, 0.6)
        d.ellipse([c - ri, c - ri, c + ri, c + ri], fill=0)
    elif name == "square":
        h = r * 0.75
        d.polygon(_rot([(-h, -h), (h, -h), (h, h), (-h, h)], angle, c, c), fill=255)
    elif name == "diamond":
        d.polygon(_rot([(0, -r), (r * 0.6, 0), (0, r), (-r * 0.6, 0)], angle * 0.5, c, c), fill=255)
    elif name == "triangle":
        pts = [(r * math.cos(a), r * math.sin(a) + r * 0.15)
               for a in (-math.pi / 2, -math.pi / 2 + 2 * math.pi / 3, -math.pi / 2 + 4 * math.pi / 3)]
        d.polygon(_rot(pts, angle, c, c), fill=255)
    elif name == "star":
        d.polygon(_rot(_star(r, r * 0.42), angle, c, c), fill=255)
    elif name == "cross":
        w = r * 0.3
        d.polygon(_rot([(-w, -r), (w, -r), (w, r), (-w, r)], angle, c, c), fill=255)
        d.polygon(_rot([(-r, -w), (r, -w), (r, w), (-r, w)], angle, c, c), fill=255)
    elif name == "heart":
        d.polygon(_rot(_heart(r), angle * 0.5, c, c), fill=255)
    elif name == "crescent":
        d.ellipse([c - r, c - r, c + r, c + r], fill=255)
        off = r * 0.55
        a = rng.uniform(0, 2 * math.pi)
        ox, oy = c + off * math.cos(a), c + off * math.sin(a)
        ri = r * 0.85
        d.ellipse([ox - ri, oy - ri, ox + ri, oy + ri], fill=0)
    elif name == "arrow":
        sw, hw, hl = r * 0.22, r * 0.6, r * 0.8
        pts = [(-r, -sw), (r - hl, -sw), (r - hl, -hw), (r, 0), (r - hl, hw), (r - hl, sw), (-r, sw)]
        direction = rng.integers(0, 4) * math.pi / 2
        d.polygon(_rot(pts, direction + angle * 0.5, c, c), fill=255)
    else:
        raise ValueError(name)
    return mask


def object_alpha(name, side, rng):
    """Anti-aliased alpha (float 0..1) of side x side pixels."""
    big = draw_shape(name, side * SUPERSAMPLE, rng)
    return np.asarray(big.resize((side, side), Image.BOX), dtype=np.float32) / 255.0


# --------------------------------------------------------------------------------------------
# Scenes
# --------------------------------------------------------------------------------------------
def smooth_noise(rng, h, w, cells, channels):
    coarse = rng.standard_normal((channels, cells, cells)).astype(np.float32)
    t = torch.from_numpy(coarse)[None]
    return F.interpolate(t, size=(h, w), mode="bicubic", align_corners=False)[0].numpy()


def background(rng):
    hue = rng.uniform(0, 1)
    base = np.array(colorsys.hsv_to_rgb(hue, rng.uniform(0.05, 0.3), rng.uniform(0.35, 0.75))) * 255
    img = base[:, None, None] + 22 * smooth_noise(rng, SIZE, SIZE, 6, 1)   # light and shade
    img += 10 * smooth_noise(rng, SIZE, SIZE, 6, 3)                        # colour blotches
    img += 8 * smooth_noise(rng, SIZE, SIZE, 24, 1)                        # fine texture
    img += rng.normal(0, 2.0, (3, SIZE, SIZE))
    return img.transpose(1, 2, 0)


def object_colour(cls, rng):
    hue = CLASSES[cls][1] + rng.normal(0, 0.02)
    if rng.uniform() < OFF_COLOUR_PROB:
        hue = rng.uniform(0, 1)
    return np.array(colorsys.hsv_to_rgb(hue % 1.0, rng.uniform(0.55, 0.95), rng.uniform(0.6, 1.0))) * 255


def tight_box(alpha, x0, y0):
    """0-based inclusive pixel box of alpha >= 0.25 offset by (x0, y0)."""
    ys, xs = np.nonzero(alpha >= 0.25)
    return (x0 + int(xs.min()), y0 + int(ys.min()), x0 + int(xs.max()), y0 + int(ys.max()))


def box_area(b):
    return (b[2] - b[0] + 1) * (b[3] - b[1] + 1)


def boxes_apart(a, b, gap=3):
    return a[2] + gap < b[0] or b[2] + gap < a[0] or a[3] + gap < b[1] or b[3] + gap < a[1]


def make_scene(rng):
    """One scene: (uint8 HxWx3 image, [(class, box)], primary first). The primary object's box
    is the largest by at least a factor 1.6 in area, so the label is unambiguous."""
    while True:
        n = int(rng.integers(2, 4))
        classes = [int(c) for c in rng.permutation(len(CLASSES))[:n]]
        sides = [int(rng.integers(46, 71))]
        for _ in range(n - 1):
            sides.append(int(rng.integers(20, int(sides[0] * 0.7) + 1)))
        placed = []
        ok = True
        for cls, side in zip(classes, sides):
            alpha = object_alpha(CLASSES[cls][0], side, rng)
            for _ in range(60):
                x0 = int(rng.integers(1, SIZE - side))
                y0 = int(rng.integers(1, SIZE - side))
                box = tight_box(alpha, x0, y0)
                if all(boxes_apart(box, p[2]) for p in placed):
                    placed.append((cls, alpha, box, x0, y0))
                    break
            else:
                ok = False
                break
        if not ok:
            continue
        areas = [box_area(p[2]) for p in placed]
        if any(areas[0] < 1.6 * a for a in areas[1:]):
            continue
        img = background(rng)
        for cls, alpha, box, x0, y0 in placed:
            side = alpha.shape[0]
            colour = object_colour(cls, rng)
            shade = colour[None, None, :] * (1 + 0.12 * smooth_noise(rng, side, side, 3, 1)[0][..., None])
            shade += rng.normal(0, 4.0, (side, side, 3))
            region = img[y0:y0 + side, x0:x0 + side]
            a = alpha[..., None]
            img[y0:y0 + side, x0:x0 + side] = region * (1 - a) + shade * a
        img = np.clip(np.rint(img), 0, 255).astype(np.uint8)
        return img, [(p[0], p[2]) for p in placed]


def voc_xml(stem, objects):
    lines = ["<annotation>", f"  <filename>{stem}.png</filename>",
             f"  <size><width>{SIZE}</width><height>{SIZE}</height><depth>3</depth></size>"]
    for cls, (x0, y0, x1, y1) in objects:
        # VOC coordinates are 1-based and inclusive.
        lines += ["  <object>", f"    <name>{CLASSES[cls][0]}</name>",
                  "    <truncated>0</truncated>", "    <difficult>0</difficult>",
                  f"    <bndbox><xmin>{x0 + 1}</xmin><ymin>{y0 + 1}</ymin>"
                  f"<xmax>{x1 + 1}</xmax><ymax>{y1 + 1}</ymax></bndbox>",
                  "  </object>"]
    lines.append("</annotation>")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------
def vgg_style(cfg, dropout):
    """VGG-style net from a torchvision-like cfg: ints are 3x3 conv+BN+ReLU blocks ("s" prefix:
    stride 2), "M" a 2x2 max-pool. The last block's ReLU output is the CAM layer; then global
    average pooling and a linear classifier. BN folds into the convs on export."""
    layers, c = [], 3
    for item in cfg:
        if item == "M":
            layers.append(nn.MaxPool2d(2))
            continue
        stride = 2 if str(item).startswith("s") else 1
        out = int(str(item).lstrip("s"))
        layers += [nn.Conv2d(c, out, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(out), nn.ReLU()]
        c = out
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(dropout), nn.Linear(c, len(CLASSES))]
    return nn.Sequential(*layers)


# "weak" is trained first (it is cheap) and stops as soon as its accuracy on held-out training
# scenes reaches stop_at_val_acc, so the two models differ clearly in accuracy by design.
MODEL_SPECS = {
    "weak": {
        "cfg": ["s8", "M", 16, "M", 16], "dropout": 0.0, "epochs": 4, "train_images": N_TRAIN - 300,
        "lr": 4e-3, "stop_at_val_acc": 0.70, "val_images": 300,
        "name": "Small CNN (3 conv layers, stopped early)",
        "description": ("A deliberately weaker model: three narrow 3x3 conv+BN+ReLU layers (CAM layer: "
                        "16 maps of 16x16), global average pooling and a linear classifier. Trained "
                        "with Adam only until its accuracy on 300 held-out training scenes reached "
                        "70 %. Its errors give the trust experiment a right answer."),
    },
    "vgg": {
        "cfg": ["s16", "M", 32, "M", 64, 64, "M", 128], "dropout": 0.2, "epochs": 5,
        "train_images": N_TRAIN, "lr": 4e-3,
        "name": "VGG-style CNN (5 conv layers, trained 5 epochs)",
        "description": ("A stride-2 stem and four 3x3 conv+BN+ReLU layers with max-pooling; the last "
                        "layer's 128 feature maps (8x8) are the CAM layer, followed by global average "
                        "pooling and a linear classifier. Trained with Adam for 5 epochs on 4000 "
                        "synthetic scenes (label = class of the largest object)."),
    },
}


def preprocess(uint8_images):
    """uint8 NxHxWx3 -> normalised float32 Nx3xHxW: /255, then (x - mean) / std (ImageNet)."""
    x = torch.from_numpy(uint8_images).permute(0, 3, 1, 2).float() / 255.0
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    return ((x - mean) / std).contiguous()


def train_model(spec, images, labels, seed):
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = vgg_style(spec["cfg"], spec["dropout"])
    n = spec["train_images"]
    x_all, y_all = images[:n], labels[:n]
    opt = torch.optim.Adam(model.parameters(), lr=spec["lr"], weight_decay=1e-4)
    steps_per_epoch = n // 32
    total = steps_per_epoch * spec["epochs"]
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=spec["lr"], total_steps=total)
    model.train()
    for epoch in range(spec["epochs"]):
        order = rng.permutation(n)
        t0, loss_sum, correct = time.time(), 0.0, 0
        for b in range(steps_per_epoch):
            idx = order[b * 32:(b + 1) * 32]
            batch = x_all[idx]
            # Horizontal flips: shape classes here are flip-invariant up to the arrow's direction,
            # which is random anyway.
            flip = rng.uniform(size=len(idx)) < 0.5
            batch[flip] = batch[flip][:, :, ::-1]
            x = preprocess(np.ascontiguousarray(batch))
            y = torch.from_numpy(y_all[idx])
            out = model(x)
            loss = F.cross_entropy(out, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += float(loss) * len(idx)
            correct += int((out.argmax(1) == y).sum())
            if "stop_at_val_acc" in spec and (b + 1) % 10 == 0:
                val_acc = accuracy(model, images[n:n + spec["val_images"]], labels[n:n + spec["val_images"]])
                if val_acc >= spec["stop_at_val_acc"]:
                    print(f"    stopped in epoch {epoch + 1} after {b + 1} steps: held-out accuracy "
                          f"{val_acc:.3f}", flush=True)
                    model.eval()
                    return model
        seen = steps_per_epoch * 32
        print(f"    epoch {epoch + 1}/{spec['epochs']}: loss {loss_sum / seen:.3f} "
              f"train acc {correct / seen:.3f} ({time.time() - t0:.0f} s)", flush=True)
    model.eval()
    return model


def accuracy(model, uint8_images, labels):
    model.eval()
    with torch.no_grad():
        pred = model(preprocess(uint8_images)).argmax(1).numpy()
    model.train()
    return float((pred == labels).mean())


def load_png(path):
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"), dtype=np.uint8)


def export_onnx(model, path):
    dummy = torch.zeros(1, 3, SIZE, SIZE)
    torch.onnx.export(model, dummy, path, opset_version=13, do_constant_folding=True,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
                      training=torch.onnx.TrainingMode.EVAL)
    onnx.checker.check_model(onnx.load(path))


# --------------------------------------------------------------------------------------------
# Texts
# --------------------------------------------------------------------------------------------
CONSENT = """# Information and consent

**Study:** Which explanation helps you see what the model sees?
**Researchers:** [Principal investigator's name], [Department], [Institution]
**Contact:** [email address] · Ethics reference: [approval number]

## What this study is about
Computer programs called image classifiers decide what an image shows. Researchers have
developed ways to *explain* such a decision by highlighting the parts of the image that the
program relied on. We want to find out which kinds of explanation help people understand what a
program "sees", and whether explanations help people judge which of two programs is more
reliable. This demo study uses simple synthetic pictures of coloured shapes.

## What you will do
You will see about 24 short questions, one per page. Each shows one or two explanation images
(pictures with highlighted regions). You will be asked, for example, which of two shapes an
explanation points to, or which of two programs seems more reliable. There are no right or
wrong answers to the opinion questions. A few questions check that you are reading the
instructions. The study takes about **10 minutes**.

## Taking part is voluntary
You must be **18 years or older** to take part. You may stop at any time by closing the page,
without giving a reason and without any disadvantage. If you are recruited through a platform
such as Prolific, payment follows that platform's rules for completed and returned submissions.

## Your right to withdraw
You can withdraw at any time, also after you have finished. Every page has a "Withdraw" link.
At the end you receive a **withdrawal code**; if you later send this code to the contact address
above, or enter it on the study's withdrawal page, all of your answers are deleted.

## What data we store
- your answers and the time you took for each;
- the identifiers the recruiting platform passes to us (for example your Prolific ID, study and
  session IDs), used only to confirm participation and arrange payment;
- the date and time of your participation.

We do **not** ask for your name, e-mail address or any other personal details, and we do not
record your IP address in the study data. The data are stored on the research group's servers,
analysed in aggregate, and may be published in anonymised form (without platform
identifiers). Platform identifiers are deleted once payment is complete.

## Risks and benefits
There are no known risks beyond those of everyday computer use. You will not benefit directly,
but your answers help make image classifiers easier to understand and to check.

## Questions
If you have questions about the study, contact [email address]. If you have a concern about how
the study is run, contact the ethics committee at [ethics contact].

By continuing you confirm that you are 18 or older, that you have read this information, and
that you agree to take part.
"""

INSTRUCTIONS = """# Instructions

A computer program (a *model*) was trained to name the **largest** shape in small pictures.
The shapes are: {classes}.

You will not always see the picture itself. Instead you see an **explanation**: a heat map laid
over the picture, where **red and yellow** mark the regions the model relied on most for a
particular answer and **blue** marks regions it ignored. Some explanations are grey images that
show only the outlines and colours the model responded to.

## Worked example
Suppose a picture contains a large red **circle** at the top left and a small blue **square** at
the bottom right, and you are shown an explanation in which the top-left region glows red while
the bottom right stays blue. The question asks: *"Which of the two object categories is
depicted?"* with the options **circle** and **square**. The highlighted region is where the
circle is, so the explanation points to the **circle**: choose *circle*.

## The three kinds of questions
1. **Which object?** One explanation and two category names. Pick the category that the
   explanation highlights.
2. **Which model is more reliable?** Two explanations, from *Model A* and *Model B*, of the same
   picture. Both models gave the same answer. Judge from the explanations which model you would
   trust more, on a five-point scale from "A is clearly more reliable" to "B is clearly more
   reliable".
3. **Which explanation is better?** Two explanations of the same picture and answer, made in
   two different ways. Pick the one that better shows why the model gave its answer, or
   "About the same".

Answer at your own pace, but please do not spend more than about half a minute per question.
Some questions ask you to choose a specific answer to show that you are reading carefully.
"""


def write_texts(out):
    with open(os.path.join(out, "labels.txt"), "w") as f:
        f.write("\n".join(c for c, _ in CLASSES) + "\n")
    with open(os.path.join(out, "consent.md"), "w") as f:
        f.write(CONSENT)
    with open(os.path.join(out, "instructions.md"), "w") as f:
        f.write(INSTRUCTIONS.format(classes=", ".join(c for c, _ in CLASSES)))


def study_json(study_stems):
    return {
        "slug": "demo",
        "title": "Which explanation helps you see what the model sees?",
        "consent": "consent.md",
        "instructions": "instructions.md",
        "models": ["vgg", "weak"],
        "experiments": [
            {"type": "discrimination", "models": ["vgg", "weak"],
             "methods": ["gradcam", "squadcam", "gradcampp", "guided-gradcam"],
             "questions": 12, "images": study_stems},
            {"type": "trust", "models": ["vgg", "weak"], "methods": ["gradcam", "squadcam"],
             "questions": 6, "require_correct": False, "images": study_stems},
            {"type": "comparison", "models": ["vgg"], "methods": ["gradcam", "squadcam"],
             "questions": 4, "images": study_stems},
        ],
        "attention_checks": [
            {"after": 5, "prompt": "To show you are reading, choose \"Neither\" below.", "answer": "Neither"},
            {"after": 15, "prompt": "This is an attention check: please choose \"About the same\".",
             "answer": "About the same"},
        ],
        "completion": {"code": "DEMO7K2Q", "redirect": "prolific"},
        "abandon_after_minutes": 90,
        "exclusions": {"min_median_response_ms": 800, "fail_attention": True},
    }


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(here, "..", "demo", "pack"))
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    out = os.path.normpath(args.out)
    shutil.rmtree(out, ignore_errors=True)
    for sub in ("images", "annotations", "splits", "models"):
        os.makedirs(os.path.join(out, sub))

    t0 = time.time()
    rng = np.random.default_rng([args.seed, 1])
    test = [make_scene(rng) for _ in range(N_TEST)]
    rng = np.random.default_rng([args.seed, 2])
    train = [make_scene(rng) for _ in range(N_TRAIN)]
    print(f"scenes: {N_TRAIN} train, {N_TEST} test ({time.time() - t0:.0f} s)", flush=True)

    stems = [f"scene_{i:04d}" for i in range(N_TEST)]
    for stem, (img, objects) in zip(stems, test):
        Image.fromarray(img).save(os.path.join(out, "images", stem + ".png"), optimize=True)
        with open(os.path.join(out, "annotations", stem + ".xml"), "w") as f:
            f.write(voc_xml(stem, objects))
    with open(os.path.join(out, "splits", "test.txt"), "w") as f:
        f.write("\n".join(stems) + "\n")
    write_texts(out)
    write_json(os.path.join(out, "study.json"), study_json(stems[:N_STUDY]))

    train_x = np.stack([img for img, _ in train])
    train_y = np.array([objs[0][0] for _, objs in train], dtype=np.int64)
    test_y = np.array([objs[0][0] for _, objs in test], dtype=np.int64)
    # Accuracy and predictions from the committed PNG files, preprocessed as the engine does
    # (no resize: the scenes are already the models' input size).
    test_x = preprocess(np.stack([load_png(os.path.join(out, "images", s + ".png")) for s in stems]))

    summary = {}
    for i, (model_id, spec) in enumerate(MODEL_SPECS.items()):
        print(f"training {model_id}", flush=True)
        t1 = time.time()
        model = train_model(spec, train_x.copy(), train_y, seed=args.seed * 100 + i)
        with torch.no_grad():
            logits = model(test_x)
        pred = logits.argmax(1).numpy()
        top1 = float((pred == test_y).mean())
        print(f"  {model_id}: test top-1 {top1:.3f} ({time.time() - t1:.0f} s)", flush=True)
        onnx_path = os.path.join(out, "models", model_id + ".onnx")
        export_onnx(model, onnx_path)
        write_json(os.path.join(out, "models", model_id + ".json"), {
            "name": spec["name"],
            "input": {"width": SIZE, "height": SIZE},
            "mean": list(MEAN),
            "std": list(STD),
            "target_layer": None,
            "accuracy": {"top1": round(top1, 4), "n": N_TEST, "split": "test"},
            "description": spec["description"],
        })
        write_json(os.path.join(out, "models", model_id + ".predictions.json"), {
            "model": model_id,
            "note": ("PyTorch predictions on the committed PNGs, preprocessed as /255 then "
                     "(x - mean) / std with no resize; logit is the pre-softmax top-1 score"),
            "torch_version": torch.__version__,
            "top1": top1,
            "predictions": {s: {"class": int(p), "label": CLASSES[int(p)][0], "logit": float(l),
                                "truth": int(t), "truth_label": CLASSES[int(t)][0]}
                            for s, p, l, t in zip(stems, pred, logits.max(1).values.numpy(), test_y)},
        })
        summary[model_id] = top1
    agree = None
    preds = {m: json.load(open(os.path.join(out, "models", m + ".predictions.json")))["predictions"]
             for m in MODEL_SPECS}
    agree = sum(preds["vgg"][s]["class"] == preds["weak"][s]["class"] for s in stems[:N_STUDY])
    print(f"accuracies: {summary}; models agree on {agree}/{N_STUDY} study images; "
          f"total {time.time() - t0:.0f} s")
    digest = hashlib.sha256()
    for root, _, files in sorted(os.walk(out)):
        for name in sorted(files):
            with open(os.path.join(root, name), "rb") as f:
                digest.update(name.encode() + f.read())
    print(f"pack sha256 {digest.hexdigest()}")


if __name__ == "__main__":
    sys.exit(main())
