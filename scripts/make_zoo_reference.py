#!/usr/bin/python3
"""The torchvision zoo with PyTorch's reference logits and Grad-CAM maps, for the engine's zoo tests.

With seeded random weights (no downloads), exports vgg16, resnet50, densenet121,
mobilenet_v3_large, efficientnet_b0, convnext_tiny and vit_b_16 at opset 17 with a dynamic batch
axis into a cache directory ($SQUADSTUDY_ZOO_DIR, default ~/.cache/squadstudy-zoo), one folder
per model:

    model.onnx          the export
    model.json          its metadata in the study-pack format (docs/study-pack.md); for vit_b_16
                        target_layer names the token layer, null elsewhere (the engine's default)
    input.npy           1x3x224x224 seeded input, normalised with ImageNet's mean and std
    logits.npy          1x1000 PyTorch logits, float32
    logits64.npy        1x1000 logits of the same weights and input in float64
    gradcam.<c>.npy     h x w Grad-CAM map for the top-1 class c at the default target layer
    gradcampp.<c>.npy   h x w Grad-CAM++ map, same class and layer
    reference.json      what the tests read: class, target layer (ONNX name, torch module, shape,
                        token grid), file names, versions, this script's sha256, timings

Idempotent: a model whose reference.json records this script's sha256 and seed, and whose files
all exist, is skipped. Each model is written to a temporary folder and renamed into place, so an
interrupted run leaves no half-written model behind.

The maps follow tests/fixtures/engine/README.md (scripts/make_engine_fixtures.py): y^c is the
pre-softmax logit, g = dy^c/dA from autograd at the target layer's output, CAM formulas in
float64 from float32 A and g, maps at the target layer's resolution after the ReLU.

    /usr/bin/python3 scripts/make_zoo_reference.py [--out DIR] [--models vgg16 ...] [--seed 0]
"""
import argparse
import hashlib
import json
import os
import shutil
import sys
import time
import types
import warnings

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_engine_fixtures import find_target, gradcampp_weights, run_onnx, save_npy, weighted_cam  # noqa: E402

OPSET = 17
SIZE = 224
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)

# torch module whose output is the default target layer, and the ONNX operator that produces it
# (DESIGN.md's rule: the last activation, normalisation or residual Add output of the trunk
# before the global pooling; for the ViT the last block's ln_1 tokens, see below).
ZOO = {
    "vgg16": {"target": "features.29", "op": "Relu", "note": "relu5_3, 14x14"},
    "resnet50": {"target": "layer4", "op": "Relu", "note": "the last bottleneck's output, 7x7"},
    "densenet121": {"target": None, "op": "Relu",
                    "note": "the ReLU DenseNet.forward applies to features (after norm5), 7x7"},
    "mobilenet_v3_large": {"target": "features", "op": "HardSwish",
                           "note": "the features' output: the last Conv-BN-HardSwish, 7x7"},
    "efficientnet_b0": {"target": "features", "op": "Mul",
                        "note": "the features' output: the last Conv-BN-SiLU (Sigmoid, Mul), 7x7"},
    "convnext_tiny": {"target": "features", "op": "Add",
                      "note": "the features' output: the last CNBlock's residual Add, 7x7"},
    "vit_b_16": {"target": "encoder.layers.encoder_layer_11.ln_1", "op": "LayerNormalization", "grid": (14, 14),
                 "note": ("the last encoder block's ln_1 tokens, class token dropped, reshaped to 14x14 "
                          "(pytorch-grad-cam's reshape_transform); the block's output would give zero "
                          "gradients at every patch token, since the head reads the class token only")},
}


def script_sha256():
    return hashlib.sha256(open(os.path.abspath(__file__), "rb").read()).hexdigest()


def make_torchvision(name, seed):
    torch.manual_seed(seed)
    model = getattr(torchvision.models, name)(weights=None)
    if name == "vit_b_16":
        # torchvision starts the ViT head at zero; with random weights every logit and every
        # gradient would then be zero.
        nn.init.normal_(model.heads.head.weight, std=0.02)
    model.eval()
    calibrate_batchnorm(model, seed)
    return model


def calibrate_batchnorm(model, seed):
    """Random weights with torchvision's initial BN statistics (mean 0, variance 1) shrink the
    activations layer after layer: MobileNetV3's logits come out near 1e-10, EfficientNet's near
    1e-14, where a relative tolerance measures rounding and not the engine. One forward of a few
    seeded images with only the BN layers in training mode (cumulative average, momentum None)
    sets their statistics to the data's, as trained models have, so activations stay near unit
    scale. Dropout and stochastic depth stay in eval mode."""
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not bns:
        return
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
        m.train()
    with torch.no_grad():
        model(torch.cat([seeded_input(seed + 1 + i) for i in range(4)]))
    model.eval()


def freeze(model):
    """No weight needs a gradient. Done after the export: with frozen weights nn.MultiheadAttention
    takes its fused fast path (aten::_native_multi_head_attention), which torch 1.13 cannot export."""
    for p in model.parameters():
        p.requires_grad_(False)


def seeded_input(seed):
    """A smooth random RGB image in [0, 1] (low-frequency noise, bilinearly upsampled), normalised."""
    rng = np.random.default_rng(seed)
    coarse = torch.from_numpy(rng.uniform(0.0, 1.0, (1, 3, 14, 14)).astype(np.float32))
    fine = torch.from_numpy(rng.uniform(-0.08, 0.08, (1, 3, SIZE, SIZE)).astype(np.float32))
    img = (F.interpolate(coarse, size=(SIZE, SIZE), mode="bilinear", align_corners=False) + fine).clamp(0, 1)
    return ((img - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)).contiguous()


def target_forward(model, name, x):
    """Logits and the target activation A as a leaf that requires grad, so one backward from the
    logit to A gives g = dy/dA (the trunk before A needs no backward: no weight requires grad)."""
    spec = ZOO[name]
    if spec["target"] is None:
        # DenseNet.forward: relu(features) -> adaptive_avg_pool -> flatten -> classifier. Its
        # F.relu is functional (no module to hook) and in place, so run the same steps here.
        A = F.relu(model.features(x)).detach().requires_grad_(True)
        logits = model.classifier(torch.flatten(F.adaptive_avg_pool2d(A, (1, 1)), 1))
        return logits, A
    store = {}

    def hook(_module, _inputs, out):
        store["A"] = out.detach().clone().requires_grad_(True)
        return store["A"]

    handle = model.get_submodule(spec["target"]).register_forward_hook(hook)
    try:
        logits = model(x)
    finally:
        handle.remove()
    return logits, store["A"]


def to_grid(t, grid):
    gh, gw = grid
    return t[:, 1:, :].reshape(t.shape[0], gh, gw, t.shape[2]).permute(0, 3, 1, 2)


def reference_maps(model, name, x):
    spec = ZOO[name]
    with torch.enable_grad():
        logits, A_raw = target_forward(model, name, x)
        cls = int(torch.argmax(logits[0]))
        (g_raw,) = torch.autograd.grad(logits[0, cls], A_raw)
    A, g = A_raw.detach(), g_raw.detach()
    if "grid" in spec:
        A, g = to_grid(A, spec["grid"]), to_grid(g, spec["grid"])
    A64, g64 = A[0].double().numpy(), g[0].double().numpy()
    alpha = g64.mean(axis=(1, 2))
    maps = {
        "gradcam": weighted_cam(alpha, A64),
        "gradcampp": weighted_cam(gradcampp_weights(g64, g64 ** 2, g64 ** 3, A64), A64),
    }
    return logits.detach(), cls, A, A_raw.detach(), maps


def export(model, path):
    dummy = torch.zeros(1, 3, SIZE, SIZE)
    torch.onnx.export(model, dummy, path, opset_version=OPSET, do_constant_folding=True,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
                      training=torch.onnx.TrainingMode.EVAL)
    onnx.checker.check_model(path)  # by path: no second in-memory copy of the weights
    return onnx.load(path)


def up_to_date(folder, seed, sha):
    try:
        with open(os.path.join(folder, "reference.json")) as f:
            ref = json.load(f)
    except (OSError, ValueError):
        return False
    return (ref.get("script_sha256") == sha and ref.get("seed") == seed
            and all(os.path.exists(os.path.join(folder, p)) for p in ref.get("files", [])))


def make(name, out, seed, sha):
    spec = ZOO[name]
    folder = os.path.join(out, name)
    tmp = folder + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    times = {}
    t0 = time.perf_counter()
    model = make_torchvision(name, seed)
    x = seeded_input(seed)
    proto = export(model, os.path.join(tmp, "model.onnx"))
    freeze(model)
    times["export_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    with torch.no_grad():
        logits = model(x)
    logits, cls, A, A_raw, maps = reference_maps(model, name, x)
    times["torch_forward_backward_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    with torch.no_grad():
        logits64 = model.double()(x.double())
    model.float()
    times["torch_float64_forward_s"] = time.perf_counter() - t0

    # The export checked end to end by the fixtures' ONNX interpreter, which also names the
    # target tensor: the last node of the expected operator whose output equals A.
    t0 = time.perf_counter()
    with torch.no_grad():
        onnx_logits, env = run_onnx(proto, x)
        err = float((onnx_logits - logits).abs().max())
        assert err <= 1e-4 * float(logits.abs().max()), f"{name}: ONNX logits differ from torch by {err}"
        finder = types.SimpleNamespace(__name__=name, target_ops={OPSET: spec["op"]}, token_grid=spec.get("grid"))
        target_name = find_target(proto, env, finder, OPSET, [], A[0])
    del env
    times["onnx_check_s"] = time.perf_counter() - t0

    save_npy(os.path.join(tmp, "input.npy"), x.numpy())
    save_npy(os.path.join(tmp, "logits.npy"), logits.numpy())
    np.save(os.path.join(tmp, "logits64.npy"), np.ascontiguousarray(logits64.numpy().astype("<f8")))
    files = ["model.onnx", "model.json", "input.npy", "logits.npy", "logits64.npy"]
    map_entries = []
    for method, L in maps.items():
        fname = f"{method}.{cls}.npy"
        save_npy(os.path.join(tmp, fname), L)
        files.append(fname)
        map_entries.append({"method": method, "class": cls, "file": fname, "shape": list(L.shape),
                            "min": float(L.min()), "max": float(L.max())})

    metadata = {
        "name": f"torchvision {name} (random weights, seed {seed})",
        "input": {"width": SIZE, "height": SIZE},
        "mean": list(MEAN),
        "std": list(STD),
        "target_layer": target_name if "grid" in spec else None,
    }
    with open(os.path.join(tmp, "model.json"), "w") as f:
        json.dump(metadata, f, indent=2)
        f.write("\n")
    target = {"onnx_name": target_name, "onnx_op": spec["op"], "torch_module": spec["target"] or "relu(features)",
              "shape": list(A.shape[1:]), "kind": "tokens" if "grid" in spec else "feature_map", "note": spec["note"]}
    if "grid" in spec:
        target.update(token_shape=list(A_raw.shape[1:]), token_grid=list(spec["grid"]), class_token="index 0, dropped")
    reference = {
        "model": name,
        "opset": OPSET,
        "dynamic_batch": True,
        "input_name": "input",
        "output_name": "logits",
        "input_shape": [1, 3, SIZE, SIZE],
        "input": "input.npy",
        "logits": "logits.npy",
        "logits64": "logits64.npy",
        "logits_float32_vs_float64_max_abs": float((logits.double() - logits64).abs().max()),
        "onnx_logits_max_abs_error": err,
        "class": cls,
        "class_note": "the top-1 class of the float32 torch logits",
        "target_layer": target,
        "maps": map_entries,
        "files": files + ["reference.json"],
        "seed": seed,
        "script_sha256": sha,
        "torch_version": torch.__version__,
        "torchvision_version": torchvision.__version__,
        "onnx_version": onnx.__version__,
        "onnx_bytes": os.path.getsize(os.path.join(tmp, "model.onnx")),
        "seconds": {k: round(v, 2) for k, v in times.items()},
    }
    with open(os.path.join(tmp, "reference.json"), "w") as f:
        json.dump(reference, f, indent=1)
        f.write("\n")
    shutil.rmtree(folder, ignore_errors=True)
    os.rename(tmp, folder)
    return reference


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.environ.get("SQUADSTUDY_ZOO_DIR")
                    or os.path.join(os.path.expanduser("~"), ".cache", "squadstudy-zoo"))
    ap.add_argument("--models", nargs="*", default=list(ZOO), choices=list(ZOO))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--force", action="store_true", help="rebuild even models that are up to date")
    args = ap.parse_args()
    torch.use_deterministic_algorithms(True)
    # The exporter's tracer warns about Python asserts and shape arithmetic in torchvision's ViT;
    # the export is checked end to end below, so the warnings only clutter scripts/test.sh's log.
    warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
    os.makedirs(args.out, exist_ok=True)
    sha = script_sha256()
    start = time.perf_counter()
    for name in args.models:
        folder = os.path.join(args.out, name)
        if not args.force and up_to_date(folder, args.seed, sha):
            print(f"zoo: {name} up to date in {folder}")
            continue
        t0 = time.perf_counter()
        ref = make(name, args.out, args.seed, sha)
        print(f"zoo: {name} class {ref['class']}, target {ref['target_layer']['onnx_name']} "
              f"{ref['target_layer']['shape']}, ONNX logits err {ref['onnx_logits_max_abs_error']:.1e}, "
              f"{ref['onnx_bytes'] / 2**20:.0f} MB, {time.perf_counter() - t0:.1f} s {ref['seconds']}", flush=True)
    print(f"zoo: {len(args.models)} models in {args.out}, {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
