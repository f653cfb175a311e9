#!/usr/bin/python3
"""Export torchvision's VGG-16 and ResNet-50 to ONNX for the engine benchmark (bench/run.sh).

Random weights by default (torchvision.models.X(weights=None), seeded), or a local state_dict
file with --weights (no downloads). The .onnx files go to bench/models/ (git-ignored), each with a
sibling <model>.json in the study-pack format (docs/study-pack.md).

    /usr/bin/python3 scripts/export_torchvision.py [--models vgg16 resnet50] [--opset 13]
                                                    [--weights vgg16=path.pth] [--out bench/models]
"""
import argparse
import json
import os

import torch
import torchvision


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["vgg16", "resnet50"], choices=["vgg16", "resnet50"])
    parser.add_argument("--opset", type=int, default=13)
    parser.add_argument("--weights", nargs="*", default=[], help="NAME=state_dict.pth to load instead of random weights")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "bench", "models"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    weights = dict(item.split("=", 1) for item in args.weights)
    os.makedirs(args.out, exist_ok=True)
    for name in args.models:
        torch.manual_seed(args.seed)
        model = getattr(torchvision.models, name)(weights=None)
        if name in weights:
            model.load_state_dict(torch.load(weights[name], map_location="cpu"))
        model.eval()
        path = os.path.join(args.out, f"{name}.onnx")
        dummy = torch.randn(1, 3, 224, 224)
        torch.onnx.export(model, dummy, path, opset_version=args.opset, input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, do_constant_folding=True)
        with open(os.path.join(args.out, f"{name}.json"), "w") as f:
            json.dump({
                "name": f"torchvision {name} ({'weights from ' + weights[name] if name in weights else 'random weights'})",
                "input": {"width": 224, "height": 224},
                "mean": [0.485, 0.456, 0.406],
                "std": [0.229, 0.224, 0.225],
                "target_layer": None,
            }, f, indent=2)
        print(f"{path}: {os.path.getsize(path) / 2**20:.1f} MB")


if __name__ == "__main__":
    main()
