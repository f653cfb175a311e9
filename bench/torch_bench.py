#!/usr/bin/python3
"""PyTorch side of the engine benchmark (bench/run.sh).

Times, with torch.set_num_threads(2), torchvision's VGG-16 or ResNet-50 built exactly as
scripts/export_torchvision.py builds the exported ONNX (same seed, or the same --weights file):
  forward      one image, torch.no_grad()
  gradcam      forward + backward to the input + the map, as pytorch-grad-cam's GradCAM does
  gradcampp    the same with Grad-CAM++'s weights
  guidedbp     forward + backward with every ReLU's backward replaced (GuidedBackpropReLUModel)
the same three for a batch of 8 images (one backward of the batch's summed class scores, as
pytorch-grad-cam does for a batch), and the process's peak resident set (ru_maxrss) before the batch
methods and after them. Prints JSON; medians over --repeat runs after a warm-up.

    /usr/bin/python3 bench/torch_bench.py --model vgg16 [--image IMG] [--repeat 5] [--threads 2]
"""
import argparse
import json
import os
import resource
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F
import torchvision


class GuidedRelu(torch.autograd.Function):
    """R_in = (f_in > 0)·(R_out > 0)·R_out (Springenberg et al. 2015)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (x > 0).type_as(grad) * (grad > 0).type_as(grad)


class GuidedReluModule(torch.nn.Module):
    def forward(self, x):
        return GuidedRelu.apply(x)


def swap_modules(module, old_type, make):
    """Replaces every module of old_type in place, as pytorch-grad-cam's replace_all_layer_type_recursive."""
    for name, child in module.named_children():
        if isinstance(child, old_type):
            setattr(module, name, make())
        else:
            swap_modules(child, old_type, make)


def build(name, weights, seed):
    torch.manual_seed(seed)
    model = getattr(torchvision.models, name)(weights=None)
    if weights:
        model.load_state_dict(torch.load(weights, map_location="cpu"))
    return model.eval()


def target_module(model, name):
    # The engine's default target: relu5_3 of VGG-16, the last bottleneck's output of ResNet-50.
    return model.features[29] if name == "vgg16" else model.layer4[-1]


def cam_pass(model, name, x, cls, plusplus):
    """One pytorch-grad-cam style pass: hooks on the target, backward to the input, the map at input size."""
    target = target_module(model, name)  # looked up each time: guided passes replace ReLU modules
    store = {}

    def keep(module, inputs, output):
        store["a"] = output.detach()
        output.register_hook(lambda g: store.__setitem__("g", g.detach()))

    handle = target.register_forward_hook(keep)
    try:
        inp = x.clone().requires_grad_(True)
        model.zero_grad()
        out = model(inp)
        out[:, cls].sum().backward()
    finally:
        handle.remove()
    cams = []
    for a, g in zip(store["a"].numpy(), store["g"].numpy()):
        if plusplus:
            g2, g3 = g ** 2, g ** 3
            sum_a = a.sum(axis=(1, 2))
            denom = 2 * g2 + sum_a[:, None, None] * g3
            aij = np.where(g != 0, g2 / np.where(denom != 0, denom, 1), 0)
            w = (np.maximum(g, 0) * aij).sum(axis=(1, 2))
        else:
            w = g.mean(axis=(1, 2))
        cam = np.maximum((w[:, None, None] * a).sum(axis=0), 0)
        cam = F.interpolate(torch.from_numpy(cam)[None, None], size=x.shape[2:], mode="bilinear", align_corners=False)[0, 0]
        cams.append((cam - cam.min()) / (cam.max() - cam.min() + 1e-7))
    return cams


def guided_pass(model, x, cls):
    """GuidedBackpropReLUModel: swap the ReLUs of the same model, forward + backward, swap back."""
    swap_modules(model, torch.nn.ReLU, GuidedReluModule)
    try:
        inp = x.clone().requires_grad_(True)
        model.zero_grad()
        model(inp)[:, cls].sum().backward()
        return inp.grad
    finally:
        swap_modules(model, GuidedReluModule, lambda: torch.nn.ReLU(inplace=True))


def load_input(path):
    if path is None:
        return torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    from PIL import Image
    image = Image.open(path).convert("RGB").resize((224, 224), Image.BILINEAR)
    x = torch.from_numpy(np.asarray(image, dtype=np.float32) / 255.0).permute(2, 0, 1)
    mean = torch.tensor([0.485, 0.456, 0.406])[:, None, None]
    std = torch.tensor([0.229, 0.224, 0.225])[:, None, None]
    return ((x - mean) / std)[None]


def median_time(repeat, fn):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, choices=["vgg16", "resnet50"])
    parser.add_argument("--weights", default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--image", default=None)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    model = build(args.model, args.weights, args.seed)
    x = load_input(args.image)
    with torch.no_grad():
        cls = int(model(x)[0].argmax())

    batch = x.repeat(8, 1, 1, 1)

    def forward():
        with torch.no_grad():
            model(x)

    def batch_forward():
        with torch.no_grad():
            model(batch)

    # Warm-up of every path.
    forward()
    cam_pass(model, args.model, x, cls, False)
    cam_pass(model, args.model, x, cls, True)
    guided_pass(model, x, cls)

    result = {
        "model": args.model,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "openblas_coretype_env": os.environ.get("OPENBLAS_CORETYPE"),
        "repeat": args.repeat,
        "class": cls,
        "forward_s": median_time(args.repeat, forward),
        "batch_size": 8,
        "batch_forward_s": median_time(args.repeat, batch_forward),
        "gradcam_s": median_time(args.repeat, lambda: cam_pass(model, args.model, x, cls, False)),
        "gradcampp_s": median_time(args.repeat, lambda: cam_pass(model, args.model, x, cls, True)),
        "guidedbp_s": median_time(args.repeat, lambda: guided_pass(model, x, cls)),
    }
    result["three_methods_s"] = result["gradcam_s"] + result["gradcampp_s"] + result["guidedbp_s"]
    result["peak_rss_one_image_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    result["batch_gradcam_s"] = median_time(args.repeat, lambda: cam_pass(model, args.model, batch, cls, False))
    result["batch_gradcampp_s"] = median_time(args.repeat, lambda: cam_pass(model, args.model, batch, cls, True))
    result["batch_guidedbp_s"] = median_time(args.repeat, lambda: guided_pass(model, batch, cls))
    result["batch_three_methods_s"] = result["batch_gradcam_s"] + result["batch_gradcampp_s"] + result["batch_guidedbp_s"]
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
