#!/usr/bin/python3
"""Engine parity fixtures: small CNNs exported to ONNX with PyTorch reference explanations.

Writes tests/fixtures/engine/ (see the README written beside the fixtures). Every number is a
deterministic function of --seed: weights, the fixture input, the SmoothGrad noise.

The explanations are computed the way the reference implementations do it (jacobgil/
pytorch-grad-cam, the Grad-CAM authors' code): forward/backward hooks on the target layer's
ReLU module, and every nn.ReLU module swapped for one whose backward is a custom
autograd.Function for Guided Backprop and Deconvolution.

Usage:  /usr/bin/python3 scripts/make_engine_fixtures.py [--out tests/fixtures/engine] [--seed 0]
"""
import argparse
import copy
import hashlib
import json
import os
import shutil
import sys

import numpy as np
import onnx
import onnx.checker
import onnx.numpy_helper
import torch
import torch.nn as nn
import torch.nn.functional as F

OPSETS = (11, 13, 17)
# The opset whose folder holds the shared input, logits, noise and maps of a model.
DATA_OPSET = 13
SMOOTH_N = 8
SMOOTH_SIGMA_FRACTION = 0.15
NUM_CLASSES = 10
CAM_METHODS = ("gradcam", "counterfactual-gradcam", "squadcam", "gradcampp", "smooth-gradcampp")
# The methods re-implemented from jacobgil/pytorch-grad-cam (pgc_* below). Their guided products are
# stored for the four CNNs' top-1 class only (guided- is the same product as for the methods above),
# which keeps the committed fixtures small.
PGC_METHODS = ("xgradcam", "layercam", "hirescam", "eigencam", "scorecam", "ablationcam")
# pytorch-grad-cam's default batch sizes: ScoreCAM's BATCH_SIZE, AblationCAM's batch_size.
SCORECAM_BATCH = 16
ABLATIONCAM_BATCH = 32


# --------------------------------------------------------------------------------------------
# Models. Every ReLU is its own nn.ReLU instance (never reused, never inplace) so that hooks see
# exactly one call and the i-th ReLU module call is the i-th ONNX Relu node.
# --------------------------------------------------------------------------------------------
class VggLike(nn.Module):
    """Conv3x3 blocks with a dilated and a grouped conv, MaxPool, flatten-linear head."""

    input_hw = (40, 32)
    target = "features.11"
    cam_applicable = False

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(),                   # 0, 1
            nn.Conv2d(16, 16, 3, padding=2, dilation=2), nn.ReLU(),      # 2, 3
            nn.MaxPool2d(2),                                             # 4   -> 20x16
            nn.Conv2d(16, 32, 3, padding=1, groups=2), nn.ReLU(),        # 5, 6
            nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(),                  # 7, 8
            nn.MaxPool2d(2),                                             # 9   -> 10x8
            nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(),                  # 10, 11 (target)
            nn.MaxPool2d(2),                                             # 12  -> 5x4
        )
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(32 * 5 * 4, 32), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(32, NUM_CLASSES))

    def forward(self, x):
        return self.classifier(self.features(x))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))
        self.relu2 = nn.ReLU()

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu1(self.bn1(self.conv1(x)))
        return self.relu2(self.bn2(self.conv2(out)) + identity)


class Bottleneck(nn.Module):
    def __init__(self, c, mid):
        super().__init__()
        self.conv1 = nn.Conv2d(c, mid, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(mid)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(mid, mid, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(mid)
        self.relu2 = nn.ReLU()
        self.conv3 = nn.Conv2d(mid, c, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(c)
        self.relu3 = nn.ReLU()

    def forward(self, x):
        out = self.relu1(self.bn1(self.conv1(x)))
        out = self.relu2(self.bn2(self.conv2(out)))
        return self.relu3(self.bn3(self.conv3(out)) + x)


class ResNetLike(nn.Module):
    """Stem conv+BN+ReLU+maxpool, a basic block, a strided basic block with a 1x1 downsample,
    a bottleneck; GAP, flatten, linear. BN is folded into the convs by the ONNX export."""

    input_hw = (32, 40)
    target = "layer3.relu3"
    cam_applicable = True

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, stride=2, padding=1, bias=False)   # -> 16x20
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU()
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)                  # -> 8x10
        self.layer1 = BasicBlock(16, 16, 1)
        self.layer2 = BasicBlock(16, 32, 2)                                  # -> 4x5
        self.layer3 = Bottleneck(32, 16)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(32, NUM_CLASSES)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(self.flatten(self.avgpool(x)))


class GapLinear(nn.Module):
    """Convs, ReLU, GlobalAveragePool, flatten, linear: the CAM architecture (Zhou et al.)."""

    input_hw = (24, 36)
    target = "features.6"
    cam_applicable = True

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(),                   # 0, 1
            nn.MaxPool2d(2),                                             # 2  -> 12x18
            nn.Conv2d(16, 24, 3, padding=1), nn.ReLU(),                  # 3, 4
            nn.Conv2d(24, 24, 3, padding=1),                             # 5
            nn.ReLU(),                                                   # 6 (target, 12x18)
        )
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(24, NUM_CLASSES)

    def forward(self, x):
        return self.fc(self.flatten(self.gap(self.features(x))))


class MixOps(nn.Module):
    """ReLU6 (ONNX Clip), AveragePool, an inception-like Concat of three branches, a
    BatchNormalization that the export cannot fold (it follows a Concat), GAP head."""

    input_hw = (24, 32)
    target = "relu_out"
    cam_applicable = True

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 12, 3, padding=1)
        self.relu6 = nn.ReLU6()
        self.pool = nn.AvgPool2d(2)                                          # -> 12x16
        self.b0 = nn.Conv2d(12, 8, 1)
        self.b0_relu = nn.ReLU()
        self.b1 = nn.Conv2d(12, 8, 3, padding=1)
        self.b1_relu = nn.ReLU()
        self.b2_pool = nn.AvgPool2d(3, stride=1, padding=1)                 # count_include_pad
        self.b2 = nn.Conv2d(12, 8, 1)
        self.b2_relu = nn.ReLU()
        self.bn = nn.BatchNorm2d(24)
        self.conv_out = nn.Conv2d(24, 16, 3, stride=2, padding=1)            # -> 6x8
        self.relu_out = nn.ReLU()
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(16, NUM_CLASSES)

    def forward(self, x):
        x = self.pool(self.relu6(self.stem(x)))
        y = torch.cat([self.b0_relu(self.b0(x)), self.b1_relu(self.b1(x)),
                       self.b2_relu(self.b2(self.b2_pool(x)))], dim=1)
        y = self.relu_out(self.conv_out(self.bn(y)))
        return self.fc(self.flatten(self.gap(y)))


MODELS = {"vgglike": VggLike, "resnetlike": ResNetLike, "gaplinear": GapLinear, "mixops": MixOps}


# --------------------------------------------------------------------------------------------
# Small members of the torchvision families beyond VGG/ResNet, built from torchvision's own
# blocks so that their ONNX exports have the zoo's operator patterns. They get their own seeds
# (FAMILY_SEED_OFFSET) so that adding them leaves the four models above byte-identical, and
# their own folder (families/). Every nn.ReLU is still its own module, so the guided and deconv
# variants swap exactly the ONNX Relu nodes (torchvision's functional F.relu at the end of
# DenseNet is an nn.ReLU module here for that reason).
# --------------------------------------------------------------------------------------------
from functools import partial  # noqa: E402

from torchvision.models.convnext import CNBlock, LayerNorm2d  # noqa: E402
from torchvision.models.densenet import _DenseBlock, _Transition  # noqa: E402
from torchvision.models.efficientnet import MBConv, MBConvConfig  # noqa: E402
from torchvision.models.mobilenetv3 import InvertedResidual, InvertedResidualConfig  # noqa: E402
from torchvision.models.vision_transformer import VisionTransformer  # noqa: E402
from torchvision.ops.misc import Conv2dNormActivation  # noqa: E402

FAMILY_SEED_OFFSET = 100
FAMILY_DIR = "families"


class DenseNetLike(nn.Module):
    """torchvision DenseNet in small: stem, a dense block (each layer BN-ReLU-Conv1x1-BN-ReLU-
    Conv3x3, its output concatenated to the growing features), a transition (BN-ReLU-Conv1x1-
    AvgPool 2x2), a second dense block, the final BN and ReLU before GAP and the linear head."""

    family = "DenseNet"
    input_hw = (32, 24)
    target = "relu_final"
    target_ops = {13: "Relu", 17: "Relu"}
    head = "classifier"
    cam_applicable = True
    rule = "DenseNet's final ReLU (after norm5), the last activation before the global pooling"

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, stride=2, padding=1, bias=False),             # -> 16x12
            _DenseBlock(num_layers=2, num_input_features=16, bn_size=2, growth_rate=8, drop_rate=0.0),
            _Transition(32, 16),                                                # -> 8x6
            _DenseBlock(num_layers=2, num_input_features=16, bn_size=2, growth_rate=8, drop_rate=0.0),
            nn.BatchNorm2d(32))
        self.relu_final = nn.ReLU()
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.classifier = nn.Linear(32, NUM_CLASSES)

    def forward(self, x):
        return self.classifier(self.flatten(self.gap(self.relu_final(self.features(x)))))


class MobileNetV3Like(nn.Module):
    """torchvision MobileNetV3 in small: Conv-BN-HardSwish stem, an inverted residual with ReLU
    (stride 2), an inverted residual with HardSwish and squeeze-excitation (ReLU, HardSigmoid,
    Mul) and a residual Add, the last 1x1 Conv-BN-HardSwish (the features' output), GAP, the
    classifier Linear-HardSwish-Dropout-Linear. At opset 13 HardSwish exports as x*HardSigmoid(x)."""

    family = "MobileNetV3"
    input_hw = (32, 24)
    target = "features.3"
    target_ops = {13: "Mul", 17: "HardSwish"}
    head = None
    cam_applicable = False
    rule = "the features' output: the last Conv-BN-HardSwish before the global pooling"

    def __init__(self):
        super().__init__()
        bn = partial(nn.BatchNorm2d, eps=0.001, momentum=0.01)
        self.features = nn.Sequential(
            Conv2dNormActivation(3, 16, 3, stride=2, norm_layer=bn, activation_layer=nn.Hardswish),  # -> 16x12
            InvertedResidual(InvertedResidualConfig(16, 3, 32, 16, False, "RE", 2, 1, 1.0), bn),     # -> 8x6
            InvertedResidual(InvertedResidualConfig(16, 5, 48, 16, True, "HS", 1, 1, 1.0), bn),      # residual
            Conv2dNormActivation(16, 48, 1, norm_layer=bn, activation_layer=nn.Hardswish))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Linear(48, 32), nn.Hardswish(), nn.Dropout(0.2), nn.Linear(32, NUM_CLASSES))

    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


class EfficientNetLike(nn.Module):
    """torchvision EfficientNet in small: Conv-BN-SiLU stem, MBConv blocks (expansion 1 and 4,
    depthwise conv, squeeze-excitation with SiLU and Sigmoid, a residual Add), the last 1x1
    Conv-BN-SiLU, GAP, Dropout, Linear. SiLU exports as Sigmoid followed by Mul."""

    family = "EfficientNet"
    input_hw = (24, 32)
    target = "features.4"
    target_ops = {13: "Mul", 17: "Mul"}
    head = "classifier.1"
    cam_applicable = True
    rule = "the features' output: the last Conv-BN-SiLU (Sigmoid, Mul) before the global pooling"

    def __init__(self):
        super().__init__()
        bn = nn.BatchNorm2d
        self.features = nn.Sequential(
            Conv2dNormActivation(3, 16, 3, stride=2, norm_layer=bn, activation_layer=nn.SiLU),   # -> 12x16
            MBConv(MBConvConfig(1, 3, 1, 16, 16, 1), 0.0, bn),                                   # residual
            MBConv(MBConvConfig(4, 3, 2, 16, 24, 1), 0.0, bn),                                   # -> 6x8
            MBConv(MBConvConfig(4, 5, 1, 24, 24, 1), 0.0, bn),                                   # residual
            Conv2dNormActivation(24, 48, 1, norm_layer=bn, activation_layer=nn.SiLU))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(48, NUM_CLASSES))

    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


class ConvNeXtLike(nn.Module):
    """torchvision ConvNeXt in small: 4x4 stride-4 patchify conv and LayerNorm2d, CNBlocks
    (depthwise 7x7 conv, permute, LayerNorm, Linear, GELU, Linear, permute, layer scale, residual
    Add), a LayerNorm2d + 2x2 stride-2 conv downsample, another CNBlock; GAP, LayerNorm2d,
    Flatten, Linear. GELU exports as Div, Erf, Add, Mul (no Gelu operator before opset 20);
    LayerNorm as LayerNormalization at 17 and as ReduceMean/Sub/Pow/Sqrt/Div at 13."""

    family = "ConvNeXt"
    input_hw = (40, 32)
    target = "features.3"
    target_ops = {13: "Add", 17: "Add"}
    head = None
    cam_applicable = False
    rule = "the features' output: the last CNBlock's residual Add before the global pooling"

    def __init__(self):
        super().__init__()
        ln = partial(LayerNorm2d, eps=1e-6)
        self.features = nn.Sequential(
            nn.Sequential(nn.Conv2d(3, 16, 4, stride=4), ln(16)),                # -> 10x8
            CNBlock(16, 0.5, 0.0),
            nn.Sequential(ln(16), nn.Conv2d(16, 24, 2, stride=2)),               # -> 5x4
            CNBlock(24, 0.5, 0.0))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(ln(24), nn.Flatten(1), nn.Linear(24, NUM_CLASSES))

    def forward(self, x):
        return self.classifier(self.avgpool(self.features(x)))


class VitLike(nn.Module):
    """torchvision's VisionTransformer in small: 8x8 patch embedding conv, class token concat,
    position embedding add, 2 pre-norm encoder blocks (LayerNorm, multi-head self-attention,
    residual; LayerNorm, MLP with GELU, residual), the final LayerNorm, the head on the class
    token.

    Target: the last block's first LayerNorm (ln_1) output, the tokens that feed its attention,
    reshaped to the 4x4 patch grid with the class token dropped. Not the last block's output: the
    head reads only the class token, and after the last attention no other token reaches it, so
    the gradient there is zero for every patch token (pytorch-grad-cam's documentation for ViT
    says so, and uses blocks[-1].norm1 for the same reason)."""

    family = "ViT"
    input_hw = (32, 32)
    target = "vit.encoder.layers.encoder_layer_1.ln_1"
    target_ops = {17: "LayerNormalization"}
    token_grid = (4, 4)
    head = None
    cam_applicable = False
    opsets = (17,)
    rule = ("the last encoder block's ln_1 output (tokens), class token dropped, reshaped to the "
            "patch grid as pytorch-grad-cam's reshape_transform does")

    def __init__(self):
        super().__init__()
        self.vit = VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=24,
                                     mlp_dim=48, num_classes=NUM_CLASSES)
        # torchvision starts the head at zero, which would make every gradient zero before training.
        nn.init.normal_(self.vit.heads.head.weight, std=0.05)

    def forward(self, x):
        return self.vit(x)


FAMILIES = {"densenetlike": DenseNetLike, "mobilenetv3like": MobileNetV3Like, "efficientnetlike": EfficientNetLike,
            "convnextlike": ConvNeXtLike, "vitlike": VitLike}
FAMILY_OPSETS = (13, 17)


# --------------------------------------------------------------------------------------------
# Guided Backprop (Springenberg et al. 2015, Eq. in Fig. 1) and Deconvolution (Zeiler & Fergus)
# as custom autograd Functions that replace the ReLU modules, as the reference code does.
# --------------------------------------------------------------------------------------------
class GuidedReluFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        # R_in = (f_in > 0) * (R_out > 0) * R_out
        return grad_out * (x > 0).to(grad_out.dtype) * (grad_out > 0).to(grad_out.dtype)


class DeconvReluFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_out):
        # R_in = (R_out > 0) * R_out: the forward's switches are ignored.
        return grad_out.clamp(min=0)


class GuidedReLU(nn.Module):
    def forward(self, x):
        return GuidedReluFn.apply(x)


class DeconvReLU(nn.Module):
    def forward(self, x):
        return DeconvReluFn.apply(x)


def replace_relus(model, cls):
    """Copy of model with every nn.ReLU (not ReLU6) replaced by cls()."""
    model = copy.deepcopy(model)
    for name, module in list(model.named_modules()):
        for child_name, child in list(module.named_children()):
            if type(child) is nn.ReLU:
                setattr(module, child_name, cls())
    return model


def relu_module_names(model):
    return [n for n, m in model.named_modules() if type(m) is nn.ReLU]


# --------------------------------------------------------------------------------------------
# Training: a few Adam steps on synthetic class-template data, so that weights have structure
# and ReLUs are neither all dead nor all linear.
# --------------------------------------------------------------------------------------------
def class_templates(rng, hw):
    h, w = hw
    base = rng.standard_normal((NUM_CLASSES, 3, h // 4 + 1, w // 4 + 1)).astype(np.float32)
    t = torch.from_numpy(base)
    return F.interpolate(t, size=(h, w), mode="bilinear", align_corners=False)


def synthetic_batch(rng, templates, n):
    labels = rng.integers(0, NUM_CLASSES, size=n)
    noise = rng.standard_normal((n,) + tuple(templates.shape[1:])).astype(np.float32)
    x = templates[labels] * 1.5 + torch.from_numpy(noise) * 0.8
    return x, torch.from_numpy(labels)


def train(model, rng, templates, steps=80):
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    model.train()
    for _ in range(steps):
        x, y = synthetic_batch(rng, templates, 32)
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    return float(loss)


def perturb_batchnorm(model, rng):
    """Make every BN (and LayerNorm) visibly non-trivial: running stats and affine parameters away from 0/1."""
    for m in model.modules():
        if isinstance(m, nn.LayerNorm):
            c = m.weight.numel()
            with torch.no_grad():
                m.weight.mul_(torch.from_numpy(rng.uniform(0.7, 1.3, c).astype(np.float32)).reshape(m.weight.shape))
                m.bias.add_(torch.from_numpy(rng.normal(0, 0.1, c).astype(np.float32)).reshape(m.bias.shape))
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            with torch.no_grad():
                m.running_mean.add_(torch.from_numpy(rng.normal(0, 0.2, c).astype(np.float32)))
                m.running_var.mul_(torch.from_numpy(rng.uniform(0.5, 2.0, c).astype(np.float32)))
                m.weight.mul_(torch.from_numpy(rng.uniform(0.7, 1.3, c).astype(np.float32)))
                m.bias.add_(torch.from_numpy(rng.normal(0, 0.1, c).astype(np.float32)))


# --------------------------------------------------------------------------------------------
# Explanations
# --------------------------------------------------------------------------------------------
def tokens_to_grid(t, grid):
    """pytorch-grad-cam's reshape_transform for vision transformers: B x T x C tokens, class token
    (index 0) dropped, the patch tokens laid out row-major on the grid, as B x C x gh x gw."""
    gh, gw = grid
    return t[:, 1:, :].reshape(t.shape[0], gh, gw, t.shape[2]).permute(0, 3, 1, 2)


def forward_backward(model, target_name, x, cls, grid=None):
    """Returns (logits, A, g, dy/dx) for class cls, with hooks on the target module's output.
    With grid, the target is a token tensor and A, g are reshaped by tokens_to_grid."""
    store = {}
    module = dict(model.named_modules())[target_name]

    def fwd_hook(_m, _inp, out):
        store["A"] = out.detach().clone()
        out.register_hook(lambda grad: store.__setitem__("g", grad.detach().clone()))

    handle = module.register_forward_hook(fwd_hook)
    try:
        x = x.clone().requires_grad_(True)
        logits = model(x)
        model.zero_grad()
        logits[0, cls].backward()
    finally:
        handle.remove()
    A, g = store["A"], store["g"]
    if grid is not None:
        A, g = tokens_to_grid(A, grid), tokens_to_grid(g, grid)
    return logits.detach()[0], A[0].contiguous(), g[0].contiguous(), x.grad.detach()[0]


def relu_np(a):
    return np.maximum(a, 0.0)


def weighted_cam(weights, A):
    """L = ReLU(sum_k w_k A^k) at the target layer's resolution, no upsampling or scaling."""
    return relu_np(np.tensordot(weights, A, axes=(0, 0)))


def gradcampp_weights(g, g2, g3, A):
    """Grad-CAM++ (Chattopadhay et al. 2018, Eq. 19): a_ij = g^2 / (2 g^2 + sum_ab A_ab g^3),
    0 where the denominator is 0; w_k = sum_ij a_ij ReLU(g)."""
    sum_a = A.sum(axis=(1, 2), keepdims=True)
    denom = 2.0 * g2 + sum_a * g3
    safe = np.where(denom != 0.0, denom, 1.0)
    a = np.where(denom != 0.0, g2 / safe, 0.0)
    return (a * relu_np(g)).sum(axis=(1, 2))


# --------------------------------------------------------------------------------------------
# jacobgil/pytorch-grad-cam's arithmetic, re-implemented line for line on float32 arrays (A, g:
# K x h x w; base_cam's batch axis added back where its code has one). pgc_cam is base_cam's
# get_cam_image + the ReLU of compute_cam_per_layer, without its upsampling and min-max scaling.
# --------------------------------------------------------------------------------------------
def pgc_cam(weights, activations):
    return np.maximum((weights[:, :, None, None] * activations).sum(axis=1), 0)[0]


def pgc_xgradcam(A, g):
    activations, grads = A[None], g[None]
    sum_activations = np.sum(activations, axis=(2, 3))
    eps = 1e-7
    weights = grads * activations / (sum_activations[:, :, None, None] + eps)
    return pgc_cam(weights.sum(axis=(2, 3)), activations)


def pgc_layercam(A, g):
    return np.maximum((np.maximum(g[None], 0) * A[None]).sum(axis=1), 0)[0]


def pgc_hirescam(A, g):
    return np.maximum((g[None] * A[None]).sum(axis=1), 0)[0]


def pgc_eigencam(A):
    """svd_on_activations.get_2d_projection, then base_cam's ReLU. The SVD's sign is LAPACK's
    choice there; here (as in the engine) the projection is oriented to correlate non-negatively
    with sum_k A^k. Returns (map, whether numpy's sign was flipped)."""
    activations = A.copy()
    activations[np.isnan(activations)] = 0
    reshaped = activations.reshape(activations.shape[0], -1).transpose()
    reshaped = reshaped - reshaped.mean(axis=0)
    _, _, VT = np.linalg.svd(reshaped, full_matrices=True)
    projection = reshaped @ VT[0, :]
    flipped = float((projection.astype(np.float64) * activations.sum(axis=0).ravel()).sum()) < 0
    if flipped:
        projection = -projection
    return np.maximum(projection.reshape(activations.shape[1:]), 0), flipped


def pgc_scorecam(model, x, A, cls):
    """score_cam.py: each map upsampled (UpsamplingBilinear2d, align_corners=True) to the input,
    min-max normalised (+1e-8), multiplied into the input; the masked images' logits for cls,
    BATCH_SIZE at a time, softmaxed over the channels as the weights."""
    with torch.no_grad():
        upsample = torch.nn.UpsamplingBilinear2d(size=x.shape[-2:])
        activation_tensor = torch.from_numpy(A[None])
        upsampled = upsample(activation_tensor)
        maxs = upsampled.view(upsampled.size(0), upsampled.size(1), -1).max(dim=-1)[0]
        mins = upsampled.view(upsampled.size(0), upsampled.size(1), -1).min(dim=-1)[0]
        maxs, mins = maxs[:, :, None, None], mins[:, :, None, None]
        upsampled = (upsampled - mins) / (maxs - mins + 1e-8)
        input_tensors = x[:, None, :, :] * upsampled[:, :, None, :, :]
        scores = []
        for tensor in input_tensors:
            for i in range(0, tensor.size(0), SCORECAM_BATCH):
                batch = tensor[i: i + SCORECAM_BATCH, :]
                scores.extend([o[cls].cpu().item() for o in model(batch)])
        scores = torch.Tensor(scores).view(1, A.shape[0])
        weights = torch.nn.Softmax(dim=-1)(scores).numpy()
    return pgc_cam(weights, A[None])


def pgc_ablationcam(model, spec, x, A, cls):
    """ablation_cam.py with ratio_channels_to_ablate = 1: the input repeated batch_size times, the
    target module's output replaced by the clean activations with channel i+j of copy j set to 0
    (a token tensor: feature i+j of every token, AblationLayerVit); weights (y - y_k) / y.
    pytorch-grad-cam zeroes only when the layer's minimum is 0 (else min - 1e7, growing with the
    copy's place in the batch); the paper's zero is kept everywhere, see ablation_note."""
    module = model.get_submodule(spec.target)
    with torch.no_grad():
        original = np.float32([model(x)[0, cls].cpu().item()])
    n_channels = A.shape[0]
    new_scores = []
    for i in range(0, n_channels, ABLATIONCAM_BATCH):
        n = min(ABLATIONCAM_BATCH, n_channels - i)

        def ablate(_m, _inp, out, i=i, n=n):
            out = out[:1].repeat(n, *([1] * (out.dim() - 1)))
            for j in range(n):
                if out.dim() == 3:
                    out[j, :, i + j] = 0
                else:
                    out[j, i + j] = 0
            return out

        handle = module.register_forward_hook(ablate)
        try:
            with torch.no_grad():
                new_scores.extend([o[cls].cpu().item() for o in model(x.repeat(n, 1, 1, 1))])
        finally:
            handle.remove()
    weights = np.float32(new_scores).reshape(1, n_channels)
    original_scores = original[:, None]
    weights = (original_scores - weights) / original_scores
    return pgc_cam(weights, A[None])


def upsample_normalise(L, hw):
    t = torch.from_numpy(L.astype(np.float32))[None, None]
    up = F.interpolate(t, size=hw, mode="bilinear", align_corners=False)[0, 0].double().numpy()
    m = up.max()
    return up / m if m > 0 else np.zeros_like(up)


def explain(model, spec, x, cls, noise, pgc_guided=False):
    """All maps for one class. Returns {method: float64 array}, plus target tensors and notes.
    With pgc_guided the PGC_METHODS' guided products are added too."""
    target = spec.target
    hw = spec.input_hw
    grid = getattr(spec, "token_grid", None)
    logits, A, g, grad_x = forward_backward(model, target, x, cls, grid)
    A64, g64 = A.double().numpy(), g.double().numpy()
    maps = {"gradient": grad_x.double().numpy()}

    guided = replace_relus(model, GuidedReLU)
    deconv = replace_relus(model, DeconvReLU)
    maps["guidedbp"] = forward_backward(guided, target, x, cls, grid)[3].double().numpy()
    maps["deconv"] = forward_backward(deconv, target, x, cls, grid)[3].double().numpy()

    alpha = g64.mean(axis=(1, 2))
    cams = {
        "gradcam": weighted_cam(alpha, A64),
        "counterfactual-gradcam": weighted_cam(-alpha, A64),
        "squadcam": weighted_cam(alpha ** 2, A64),
        "gradcampp": weighted_cam(gradcampp_weights(g64, g64 ** 2, g64 ** 3, A64), A64),
    }

    # Smooth Grad-CAM++ (Omeiza et al. 2019): average g, g^2, g^3 and A over the noisy copies.
    gs, As = [], []
    for i in range(noise.shape[0]):
        xi = x + torch.from_numpy(noise[i])[None]
        _, Ai, gi, _ = forward_backward(model, target, xi, cls, grid)
        gs.append(gi.double().numpy())
        As.append(Ai.double().numpy())
    gs, As = np.stack(gs), np.stack(As)
    g_mean, g2_mean, g3_mean, A_mean = gs.mean(0), (gs ** 2).mean(0), (gs ** 3).mean(0), As.mean(0)
    cams["smooth-gradcampp"] = weighted_cam(
        gradcampp_weights(g_mean, g2_mean, g3_mean, A_mean), A_mean)

    if spec.cam_applicable:
        fc = model.get_submodule(getattr(spec, "head", "fc")).weight.detach().double().numpy()
        cams["cam"] = weighted_cam(fc[cls], A64)

    maps.update(cams)
    for name, L in cams.items():
        L_norm = upsample_normalise(L, hw)
        maps["guided-" + name] = maps["guidedbp"] * L_norm[None]
        maps["deconv-" + name] = maps["deconv"] * L_norm[None]

    A32, g32 = A.numpy(), g.numpy()
    eigen, flipped = pgc_eigencam(A32)
    pgc = {
        "xgradcam": pgc_xgradcam(A32, g32),
        "layercam": pgc_layercam(A32, g32),
        "hirescam": pgc_hirescam(A32, g32),
        "eigencam": eigen,
        "scorecam": pgc_scorecam(model, x, A32, cls),
        "ablationcam": pgc_ablationcam(model, spec, x, A32, cls),
    }
    assert tuple(pgc) == PGC_METHODS
    maps.update(pgc)
    if pgc_guided:
        for name, L in pgc.items():
            maps["guided-" + name] = maps["guidedbp"] * upsample_normalise(L, hw)[None]
    notes = {"eigencam_numpy_sign_flipped": flipped, "target_min": float(A.min())}
    return maps, logits, A, g, notes


# --------------------------------------------------------------------------------------------
# A small ONNX interpreter on torch.nn.functional (onnx 1.12 has no reference runtime and there
# is no onnxruntime here). It checks the export end to end and finds the target tensor's name by
# value. It evaluates only the operators these fixtures use.
# --------------------------------------------------------------------------------------------
def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _pads_2d(pads):
    top, left, bottom, right = pads
    return (left, right, top, bottom)


def _axes(ins, a, opset, since):
    """Axes as an attribute before opset `since`, as the second input from it on."""
    if opset >= since:
        return ins[1].tolist() if len(ins) > 1 and ins[1] is not None else None
    return a.get("axes")


def _slice(ins, a, opset):
    x, starts, ends = ins[0], ins[1].tolist(), ins[2].tolist()
    axes = ins[3].tolist() if len(ins) > 3 and ins[3] is not None else list(range(len(starts)))
    steps = ins[4].tolist() if len(ins) > 4 and ins[4] is not None else [1] * len(starts)
    index = [slice(None)] * x.dim()
    for s_, e_, ax, st in zip(starts, ends, axes, steps):
        assert st > 0
        n = x.shape[ax]
        index[ax] = slice(max(min(s_, n), -n), max(min(e_, n), -n - 1), st)
    return x[tuple(index)]


def _split(ins, a, opset):
    sizes = ins[1].tolist() if opset >= 13 and len(ins) > 1 and ins[1] is not None else a.get("split")
    return torch.split(ins[0], sizes, dim=a.get("axis", 0)) if sizes else torch.chunk(ins[0], a["num_outputs"], a.get("axis", 0))


def _reshape(ins, a, opset):
    shape = ins[1].tolist()
    if not a.get("allowzero", 0):
        shape = [ins[0].shape[i] if d == 0 else d for i, d in enumerate(shape)]
    return ins[0].reshape(shape)


def _reduce_mean(ins, a, opset):
    axes = _axes(ins, a, opset, 18)
    return ins[0].mean(dim=axes, keepdim=bool(a.get("keepdims", 1)))


def _layer_norm(ins, a, opset):
    axis = a.get("axis", -1) % ins[0].dim()
    bias = ins[2] if len(ins) > 2 and ins[2] is not None else None
    return F.layer_norm(ins[0], ins[0].shape[axis:], ins[1], bias, a.get("epsilon", 1e-5))


def _gather(ins, a, opset):
    x, idx = ins[0], ins[1]
    axis = a.get("axis", 0) % x.dim()
    picked = torch.index_select(x, axis, (idx % x.shape[axis]).reshape(-1))
    return picked.reshape(x.shape[:axis] + idx.shape + x.shape[axis + 1:])


def _unsqueezed(shape, axes):
    rank = len(shape) + len(axes)
    axes = sorted(ax % rank for ax in axes)
    out, it = [], iter(shape)
    for i in range(rank):
        out.append(1 if i in axes else next(it))
    return out


_ONNX_DTYPES = {1: torch.float32, 6: torch.int32, 7: torch.int64, 9: torch.bool, 11: torch.float64}

# Operators of the families' exports (families/): numpy-broadcasting binary ops, unary ops with
# attributes, and the shape arithmetic that dynamic-batch exports carry (Shape, Gather, ...).
_ELEMENTWISE = {
    "Mul": torch.mul, "Sub": torch.sub, "Pow": torch.pow, "Equal": torch.eq,
    "Div": lambda p, q: torch.div(p, q, rounding_mode="trunc") if not p.is_floating_point() else p / q,
    "MatMul": torch.matmul, "Where": torch.where,
}
_UNARY = {
    "Sigmoid": lambda x, a: torch.sigmoid(x),
    "Erf": lambda x, a: torch.erf(x),
    "Sqrt": lambda x, a: torch.sqrt(x),
    "HardSigmoid": lambda x, a: torch.clamp(a.get("alpha", 0.2) * x + a.get("beta", 0.5), 0.0, 1.0),
    "HardSwish": lambda x, a: x * torch.clamp(x / 6.0 + 0.5, 0.0, 1.0),
    "Softmax": lambda x, a: torch.softmax(x, dim=a.get("axis", -1)),
    "Transpose": lambda x, a: x.permute(a.get("perm", list(range(x.dim()))[::-1])),
    "Shape": lambda x, a: torch.tensor(x.shape, dtype=torch.int64),
    "Cast": lambda x, a: x.to(_ONNX_DTYPES[a["to"]]),
    "ConstantOfShape": lambda x, a: torch.from_numpy(np.full(
        x.tolist(), onnx.numpy_helper.to_array(a["value"])[0] if "value" in a else np.float32(0))),
}
_SHAPE_OPS = {
    "Gather": _gather,
    "Unsqueeze": lambda ins, a, o: ins[0].reshape(_unsqueezed(ins[0].shape, _axes(ins, a, o, 13))),
    "Squeeze": lambda ins, a, o: ins[0].squeeze(*(_axes(ins, a, o, 13) or [])) if _axes(ins, a, o, 13) else ins[0].squeeze(),
    "Expand": lambda ins, a, o: ins[0] * torch.ones(ins[1].tolist(), dtype=ins[0].dtype),
    "Slice": _slice,
    "Split": _split,
    "Reshape": _reshape,
    "ReduceMean": _reduce_mean,
    "LayerNormalization": _layer_norm,
}


def run_onnx(model_proto, x):
    opset = next(o.version for o in model_proto.opset_import if o.domain in ("", "ai.onnx"))
    env = {i.name: torch.from_numpy(onnx.numpy_helper.to_array(i).copy())
           for i in model_proto.graph.initializer}
    env[model_proto.graph.input[0].name] = x
    for node in model_proto.graph.node:
        a = _attrs(node)
        ins = [env[n] if n else None for n in node.input]
        op = node.op_type
        if op == "Conv":
            pads = a.get("pads", [0, 0, 0, 0])
            xin = F.pad(ins[0], _pads_2d(pads))
            out = F.conv2d(xin, ins[1], ins[2] if len(ins) > 2 else None,
                           stride=a.get("strides", [1, 1]), dilation=a.get("dilations", [1, 1]),
                           groups=a.get("group", 1))
        elif op == "Relu":
            out = F.relu(ins[0])
        elif op == "Clip":
            lo = ins[1] if len(ins) > 1 and ins[1] is not None else a.get("min", -np.inf)
            hi = ins[2] if len(ins) > 2 and ins[2] is not None else a.get("max", np.inf)
            out = torch.clamp(ins[0], float(lo), float(hi))
        elif op == "MaxPool":
            pads = a.get("pads", [0, 0, 0, 0])
            xin = F.pad(ins[0], _pads_2d(pads), value=-np.inf)
            out = F.max_pool2d(xin, a["kernel_shape"], a.get("strides", [1, 1]),
                               dilation=a.get("dilations", [1, 1]), ceil_mode=bool(a.get("ceil_mode", 0)))
        elif op == "AveragePool":
            pads = a.get("pads", [0, 0, 0, 0])
            assert pads[0] == pads[2] and pads[1] == pads[3]
            out = F.avg_pool2d(ins[0], a["kernel_shape"], a.get("strides", [1, 1]), padding=pads[:2],
                               ceil_mode=bool(a.get("ceil_mode", 0)),
                               count_include_pad=bool(a.get("count_include_pad", 0)))
        elif op == "GlobalAveragePool":
            out = ins[0].mean(dim=(2, 3), keepdim=True)
        elif op == "Flatten":
            axis = a.get("axis", 1)
            out = ins[0].reshape(int(np.prod(ins[0].shape[:axis])), -1)
        elif op == "Gemm":
            A_, B_ = ins[0], ins[1]
            if a.get("transA", 0):
                A_ = A_.t()
            if a.get("transB", 0):
                B_ = B_.t()
            out = a.get("alpha", 1.0) * (A_ @ B_)
            if len(ins) > 2:
                out = out + a.get("beta", 1.0) * ins[2]
        elif op == "Add":
            out = ins[0] + ins[1]
        elif op == "Concat":
            out = torch.cat(ins, dim=a["axis"])
        elif op == "BatchNormalization":
            out = F.batch_norm(ins[0], ins[3], ins[4], ins[1], ins[2], False, 0.0, a.get("epsilon", 1e-5))
        elif op == "Constant":
            out = torch.from_numpy(onnx.numpy_helper.to_array(a["value"]).copy())
        elif op == "Pad":
            assert a.get("mode", b"constant") == b"constant"
            p = ins[1].tolist()
            rank = len(p) // 2
            assert rank == 4 and p[0] == p[1] == p[4] == p[5] == 0
            value = float(ins[2]) if len(ins) > 2 and ins[2] is not None else 0.0
            out = F.pad(ins[0], (p[3], p[7], p[2], p[6]), value=value)
        elif op in ("Identity", "Dropout"):
            out = ins[0]
        elif op in _ELEMENTWISE:
            out = _ELEMENTWISE[op](*ins)
        elif op in _UNARY:
            out = _UNARY[op](ins[0], a)
        elif op in _SHAPE_OPS:
            out = _SHAPE_OPS[op](ins, a, opset)
        else:
            raise NotImplementedError(f"fixture interpreter: operator {op}")
        if isinstance(out, (tuple, list)):
            env.update(zip(node.output, out))
        else:
            env[node.output[0]] = out
    return env[model_proto.graph.output[0].name], env


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------
def save_npy(path, arr):
    arr = np.ascontiguousarray(np.asarray(arr, dtype="<f4"))
    np.save(path, arr)


def export(model, spec, opset, path):
    h, w = spec.input_hw
    dummy = torch.zeros(1, 3, h, w)
    dynamic = {"input": {0: "batch"}, "logits": {0: "batch"}} if opset == 17 else None
    torch.onnx.export(model, dummy, path, opset_version=opset, do_constant_folding=True,
                      input_names=["input"], output_names=["logits"], dynamic_axes=dynamic,
                      training=torch.onnx.TrainingMode.EVAL)
    proto = onnx.load(path)
    onnx.checker.check_model(proto)
    return proto


def find_target(proto, env, spec, opset, relus, A_ref):
    """The target layer's ONNX tensor. The four CNNs: the i-th Relu node for the i-th nn.ReLU.
    The families: the last node of the expected operator type whose output equals the torch
    hook's activation (reshaped like it for a token layer), to 1e-4 relative to its largest value."""
    if not hasattr(spec, "target_ops"):
        relu_nodes = [n.output[0] for n in proto.graph.node if n.op_type == "Relu"]
        assert len(relu_nodes) == len(relus), (spec.__name__, opset, len(relu_nodes), len(relus))
        return relu_nodes[relus.index(spec.target)]
    grid = getattr(spec, "token_grid", None)
    for node in reversed(proto.graph.node):
        if node.op_type != spec.target_ops[opset]:
            continue
        value = env[node.output[0]]
        if grid is not None:
            if value.dim() != 3 or value.shape[1] != grid[0] * grid[1] + 1:
                continue
            value = tokens_to_grid(value, grid)
        scale = max(1.0, float(A_ref.abs().max()))
        if value.shape[1:] == A_ref.shape and float((value[0] - A_ref).abs().max()) < 1e-4 * scale:
            return node.output[0]
    raise AssertionError(f"{spec.__name__} op{opset}: no {spec.target_ops[opset]} node equals the target activation")


def make_model(name, seed, out_root):
    if name in MODELS:
        spec, model_seed, opsets, rel_root = MODELS[name], seed * 1000 + sorted(MODELS).index(name), OPSETS, ""
    else:
        spec = FAMILIES[name]
        model_seed = seed * 1000 + FAMILY_SEED_OFFSET + sorted(FAMILIES).index(name)
        opsets, rel_root = getattr(spec, "opsets", FAMILY_OPSETS), FAMILY_DIR
    out_root = os.path.join(out_root, rel_root)
    data_opset = DATA_OPSET if DATA_OPSET in opsets else opsets[-1]
    torch.manual_seed(model_seed)
    rng = np.random.default_rng(model_seed)
    model = spec()
    templates = class_templates(rng, spec.input_hw)
    final_loss = train(model, rng, templates)
    perturb_batchnorm(model, rng)
    model.eval()

    # Fixture input: a class template plus noise, as the model was trained on.
    x, _ = synthetic_batch(rng, templates, 1)
    x = x.float().contiguous()
    with torch.no_grad():
        logits = model(x)[0]
    order = torch.argsort(logits, descending=True).tolist()
    # Top-1 and the lowest-scoring class: for the latter Grad-CAM is mostly empty and the
    # counterfactual map is not, so both signs of the weights are exercised.
    classes = [order[0], order[-1]]

    # SmoothGrad noise, sigma from the input's range (Smilkov et al.: 10-20 % of the range).
    sigma = float(SMOOTH_SIGMA_FRACTION * (x.max() - x.min()))
    noise = (rng.standard_normal((SMOOTH_N, 3) + spec.input_hw) * sigma).astype(np.float32)

    data_dir_name = f"{name}_op{data_opset}"
    data_dir = os.path.join(out_root, data_dir_name)
    os.makedirs(os.path.join(data_dir, "maps"), exist_ok=True)
    save_npy(os.path.join(data_dir, "input.npy"), x.numpy())
    save_npy(os.path.join(data_dir, "logits.npy"), logits.numpy()[None])
    save_npy(os.path.join(data_dir, "noise.npy"), noise)

    relus = relu_module_names(model)
    target_index = relus.index(spec.target) if spec.target in relus else None
    map_entries = []
    target_info = None
    pgc_notes = {}
    for cls in classes:
        maps, lg, A, g, pgc_notes[str(cls)] = explain(model, spec, x, cls, noise, pgc_guided=name in MODELS and cls == classes[0])
        assert torch.allclose(lg, logits, atol=1e-6)
        save_npy(os.path.join(data_dir, "maps", f"target_grad.{cls}.npy"), g.numpy())
        if target_info is None:
            save_npy(os.path.join(data_dir, "target_activation.npy"), A.numpy())
            alive = float((A > 0).float().mean())
            target_info = {"shape": list(A.shape), "fraction_positive": round(alive, 4)}
        for method, arr in sorted(maps.items()):
            fname = f"{method}.{cls}.npy"
            save_npy(os.path.join(data_dir, "maps", fname), arr)
            map_entries.append({"method": method, "class": cls, "shape": list(arr.shape),
                                "file": f"maps/{fname}", "max": float(arr.max()), "min": float(arr.min())})
            if arr.ndim == 2 and arr.max() <= 0:
                print(f"  note: {name} {method} class {cls} is all zero", file=sys.stderr)

    results = {}
    for opset in opsets:
        folder = os.path.join(out_root, f"{name}_op{opset}")
        os.makedirs(folder, exist_ok=True)
        proto = export(model, spec, opset, os.path.join(folder, "model.onnx"))
        onnx_logits, env = run_onnx(proto, x)
        err = float((onnx_logits[0] - logits).abs().max())
        assert err < 1e-4, f"{name} opset {opset}: ONNX logits differ from torch by {err}"
        A_ref = torch.from_numpy(np.load(os.path.join(data_dir, "target_activation.npy")))
        target_tensor = find_target(proto, env, spec, opset, relus, A_ref)
        if not hasattr(spec, "target_ops"):
            A_onnx = env[target_tensor][0]
            assert float((A_onnx - A_ref).abs().max()) < 1e-4, f"{name} op{opset}: target mismatch"
        ops = sorted({n.op_type for n in proto.graph.node})
        relu_count = sum(n.op_type == "Relu" for n in proto.graph.node)
        assert relu_count == len(relus), (name, opset, relu_count, len(relus))
        rel = "." if opset == data_opset else f"../{data_dir_name}"
        manifest = {
            "model": name,
            "opset": opset,
            "onnx": "model.onnx",
            "onnx_sha256": hashlib.sha256(open(os.path.join(folder, "model.onnx"), "rb").read()).hexdigest(),
            "operators": ops,
            "dynamic_batch": opset == 17,
            "input_name": "input",
            "output_name": "logits",
            "input_shape": [1, 3, *spec.input_hw],
            "num_classes": NUM_CLASSES,
            "data_dir": rel,
            "shared_data_note": (f"input, logits, noise and maps are shared by all opsets of {name} "
                                 f"(same weights) and live in {data_dir_name}/; every path below is "
                                 "relative to this manifest's folder"),
            "input": f"{rel}/input.npy",
            "logits": f"{rel}/logits.npy",
            "onnx_logits_max_abs_error": err,
            "classes": classes,
            "classes_note": "top-1 class and the lowest-scoring class of the torch logits",
            "target_layer": {
                "onnx_name": target_tensor,
                "torch_module": spec.target,
                "relu_index": target_index,
                "shape": target_info["shape"],
                "fraction_positive": target_info["fraction_positive"],
                "activation": f"{rel}/target_activation.npy",
                "grad_files": {str(c): f"{rel}/maps/target_grad.{c}.npy" for c in classes},
                "rule": "output of the last Relu fed by a Conv (directly, through folded BN, or through Add)",
            },
            "cam_applicable": spec.cam_applicable,
            "smooth_gradcampp": {
                "n": SMOOTH_N,
                "sigma": sigma,
                "sigma_rule": f"{SMOOTH_SIGMA_FRACTION} * (max(x) - min(x)) of the normalised input",
                "noise": f"{rel}/noise.npy",
                "noise_note": "noise.npy holds the additive noise already scaled by sigma: copy i is x + noise[i]",
                "averaging": ("g, g^2, g^3 AND the activations A are averaged over the n copies (the "
                              "clean input is not one of them); then Grad-CAM++ with ReLU(mean g)"),
            },
            "pytorch_grad_cam": {
                "methods": list(PGC_METHODS),
                "source": "jacobgil/pytorch-grad-cam's arithmetic re-implemented in this script (pgc_*)",
                "scorecam_batch": SCORECAM_BATCH,
                "ablationcam_batch": ABLATIONCAM_BATCH,
                "eigencam_sign": ("projection oriented so that sum(projection * sum_k A^k) >= 0; "
                                  "eigencam_numpy_sign_flipped says where numpy's SVD sign was the other one"),
                "ablation_note": ("ablated channels are set to 0 (the paper); pytorch-grad-cam does so only when "
                                  "the layer's minimum is 0, as target_min says where it applies"),
                "per_class": pgc_notes,
                "guided_products": "guided-<method> for the top-1 class of the four CNNs only",
            },
            "guided_relu_note": ("guided/deconv rules replace only Relu nodes; Clip (ReLU6) keeps "
                                 "its ordinary gradient, as the reference code swaps nn.ReLU modules only"),
            "maps": [dict(e, file=f"{rel}/{e['file']}") for e in map_entries],
            "torch_version": torch.__version__,
            "onnx_version": onnx.__version__,
            "seed": seed,
            "train_final_loss": round(final_loss, 4),
        }
        if hasattr(spec, "target_ops"):
            describe_family(manifest, spec, opset, relu_count)
        with open(os.path.join(folder, "manifest.json"), "w") as f:
            json.dump(manifest, f, indent=1)
            f.write("\n")
        results[opset] = (target_tensor, err)
    print(f"{name}: input {spec.input_hw}, classes {classes}, target {target_info['shape']} "
          f"({target_info['fraction_positive']:.2f} positive), logits err "
          + ", ".join(f"op{o} {e:.1e} [{t}]" for o, (t, e) in results.items()))


def describe_family(manifest, spec, opset, relu_count):
    """What the families' manifests add to the four CNNs' format."""
    target = manifest["target_layer"]
    target["rule"] = spec.rule
    target["onnx_op"] = spec.target_ops[opset]
    grid = getattr(spec, "token_grid", None)
    target["kind"] = "tokens" if grid else "feature_map"
    if grid:
        c = target["shape"][0]
        target["token_shape"] = [grid[0] * grid[1] + 1, c]
        target["token_grid"] = list(grid)
        target["class_token"] = "index 0, dropped"
        target["reshape"] = ("tokens[:, 1:, :].reshape(B, gh, gw, C).permute(0, 3, 1, 2), as pytorch-grad-cam's "
                             "reshape_transform; shape, activation and gradients are the reshaped C x gh x gw")
    manifest["family"] = spec.family
    manifest["relu_count"] = relu_count
    manifest["guided_relu_note"] = (
        f"guided/deconv rules change only the backward of the {relu_count} Relu node(s), as the reference "
        "code swaps nn.ReLU modules only; HardSwish, HardSigmoid, Sigmoid, the GELU's Erf, Softmax and "
        "LayerNormalization keep their ordinary gradients" + ("; with no Relu, guidedbp and deconv equal the "
                                                              "gradient" if relu_count == 0 else ""))


# --------------------------------------------------------------------------------------------
# Attribution and perturbation references (Integrated Gradients, SmoothGrad, Occlusion, RISE),
# plain PyTorch loops over the committed ONNX export of the data opset, run by the interpreter
# above with autograd: the engine and the reference see the very same weights even where a
# retrained model would differ in the last bits on another CPU. Only the four CNNs carry them.
# --------------------------------------------------------------------------------------------
ATTRIBUTION_SEED_OFFSET = 500
IG_STEPS = 32
OCCLUSION = {"window": 7, "stride": 3, "baseline": -0.5}
RISE = {"masks": 64, "grid": 4, "p": 0.5}
# The engine's default normalisation for 3-channel models (ModelOptions.ImageNetMean/Std).
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def onnx_logits(proto, x):
    return run_onnx(proto, x)[0][0]


def onnx_input_grad(proto, x, cls):
    x = x.clone().requires_grad_(True)
    onnx_logits(proto, x)[cls].backward()
    return x.grad.detach()


def integrated_gradients(proto, x, cls, baseline, steps):
    """Sundararajan et al. 2017, Eq. 1, trapezoid rule on `steps` intervals: alpha_k = k/m,
    weights 1/(2m) at both ends and 1/m between; float64 sum of float32 gradients."""
    total = torch.zeros(x.shape[1:], dtype=torch.float64)
    for k in range(steps + 1):
        weight = (0.5 if k in (0, steps) else 1.0) / steps
        point = baseline + (k / steps) * (x - baseline)
        total += weight * onnx_input_grad(proto, point, cls)[0].double()
    return ((x - baseline)[0].double() * total).numpy()


def smoothgrad(proto, x, cls, noise):
    """Smilkov et al. 2017, Eq. 1: the mean input gradient over the copies x + noise[i]."""
    grads = [onnx_input_grad(proto, x + torch.from_numpy(noise[i])[None], cls)[0].double() for i in range(noise.shape[0])]
    return torch.stack(grads).mean(0).numpy()


def occlusion(proto, x, cls, window, stride, baseline):
    """Captum's Occlusion with sliding_window_shapes (3, k, k), strides (3, s, s), a scalar baseline:
    floor((H - k)/s) + 1 windows per axis; per pixel the mean over the windows covering it of
    y_c(x) - y_c(occluded), 0 where none covers it. H x W (the same for every channel)."""
    h, w = x.shape[2:]
    with torch.no_grad():
        clean = float(onnx_logits(proto, x)[cls])
        total = np.zeros((h, w))
        count = np.zeros((h, w))
        for top in range(0, h - window + 1, stride):
            for left in range(0, w - window + 1, stride):
                xo = x.clone()
                xo[:, :, top:top + window, left:left + window] = baseline
                total[top:top + window, left:left + window] += clean - float(onnx_logits(proto, xo)[cls])
                count[top:top + window, left:left + window] += 1
    return np.where(count > 0, total / np.maximum(count, 1), 0.0)


def rise_masks(grids, shifts, hw):
    """Petsiuk et al. 2018, section 3.2: each s x s grid upsampled bilinearly (align_corners=False)
    to (s+1)*ceil(H/s) x (s+1)*ceil(W/s) and cropped to H x W at its shift (dy, dx)."""
    (h, w), s = hw, grids.shape[1]
    ch, cw = -(-h // s), -(-w // s)
    up = F.interpolate(torch.from_numpy(grids)[:, None], size=((s + 1) * ch, (s + 1) * cw),
                       mode="bilinear", align_corners=False)[:, 0]
    return torch.stack([up[i, dy:dy + h, dx:dx + w] for i, (dy, dx) in enumerate(shifts.astype(np.int64))])


def rise(proto, x, cls, masks, p):
    """Petsiuk et al. 2018, Eq. 6: sum_i P_c(x * M_i) M_i / (N p), P_c the softmax probability."""
    total = torch.zeros(masks.shape[1:], dtype=torch.float64)
    with torch.no_grad():
        for m in masks:
            prob = torch.softmax(onnx_logits(proto, x * m[None, None]).double(), 0)[cls]
            total += prob * m.double()
    return (total / (masks.shape[0] * p)).numpy()


def make_attributions(name, seed, out_root):
    """Writes the four methods' reference maps into <name>_op13/ and lists them in every opset's manifest."""
    spec = MODELS[name]
    data_dir_name = f"{name}_op{DATA_OPSET}"
    data_dir = os.path.join(out_root, data_dir_name)
    with open(os.path.join(data_dir, "manifest.json")) as f:
        classes = json.load(f)["classes"]
    proto = onnx.load(os.path.join(data_dir, "model.onnx"))
    x = torch.from_numpy(np.load(os.path.join(data_dir, "input.npy")))
    noise = np.load(os.path.join(data_dir, "noise.npy"))
    rng = np.random.default_rng(seed * 1000 + ATTRIBUTION_SEED_OFFSET + sorted(MODELS).index(name))
    s = RISE["grid"]
    grids = (rng.random((RISE["masks"], s, s)) < RISE["p"]).astype(np.float32)
    h, w = spec.input_hw
    shifts = np.stack([rng.integers(0, -(-h // s), RISE["masks"]), rng.integers(0, -(-w // s), RISE["masks"])], 1)
    save_npy(os.path.join(data_dir, "rise_grids.npy"), grids)
    save_npy(os.path.join(data_dir, "rise_shifts.npy"), shifts)
    masks = rise_masks(grids, shifts, spec.input_hw)
    black = torch.tensor([(-m / sd) for m, sd in zip(IMAGENET_MEAN, IMAGENET_STD)]).reshape(1, 3, 1, 1).expand_as(x)
    runs = [
        ("integrated-gradients", {"steps": IG_STEPS, "baseline": "zero"},
         lambda c: integrated_gradients(proto, x, c, torch.zeros_like(x), IG_STEPS)),
        ("integrated-gradients", {"steps": IG_STEPS, "baseline": "black"},
         lambda c: integrated_gradients(proto, x, c, black, IG_STEPS)),
        ("smoothgrad", {"n": int(noise.shape[0]), "noise": "noise.npy"}, lambda c: smoothgrad(proto, x, c, noise)),
        ("occlusion", dict(OCCLUSION), lambda c: occlusion(proto, x, c, **OCCLUSION)),
        ("rise", dict(RISE, grids="rise_grids.npy", shifts="rise_shifts.npy"), lambda c: rise(proto, x, c, masks, RISE["p"])),
    ]
    entries = []
    for method, params, run in runs:
        for c in classes:
            arr = run(c)
            variant = f".{params['baseline']}" if method == "integrated-gradients" else ""
            fname = f"{method}{variant}.{c}.npy"
            save_npy(os.path.join(data_dir, "maps", fname), arr)
            entries.append({"method": method, "class": c, "params": params, "shape": list(arr.shape),
                            "file": f"maps/{fname}", "max": float(arr.max()), "min": float(arr.min())})
    logit_x = {c: float(onnx_logits(proto, x)[c]) for c in classes}
    for opset in OPSETS:
        folder = os.path.join(out_root, f"{name}_op{opset}")
        path = os.path.join(folder, "manifest.json")
        with open(path) as f:
            manifest = json.load(f)
        rel = manifest["data_dir"]
        manifest["attributions"] = {
            "note": ("plain PyTorch loops on the data opset's ONNX export (the script's interpreter): "
                     "integrated-gradients by the trapezoid rule on `steps` intervals from the baseline "
                     "(zero, or black = -mean/std per channel); smoothgrad on noise.npy; occlusion as "
                     "Captum's with a 3 x window x window patch; rise with the written grids and shifts "
                     "and the softmax probability. Files and grids/shifts paths are relative to the data dir"),
            "rise_grids": f"{rel}/rise_grids.npy",
            "rise_shifts": f"{rel}/rise_shifts.npy",
            "smoothgrad_noise": f"{rel}/noise.npy",
            "logits": {str(c): v for c, v in logit_x.items()},
            "maps": [dict(e, file=f"{rel}/{e['file']}") for e in entries],
        }
        with open(path, "w") as f:
            json.dump(manifest, f, indent=1)
            f.write("\n")
    print(f"{name}: attribution references for classes {classes}")


# --------------------------------------------------------------------------------------------
# Malformed ONNX files: each should be rejected with a clear error, never a crash or OOM.
# --------------------------------------------------------------------------------------------
def _tiny_conv_model(opset=13, elem_type=onnx.TensorProto.FLOAT):
    h = onnx.helper
    W = onnx.numpy_helper.from_array(np.full((2, 3, 1, 1), 0.5, dtype=np.float32), "W")
    node = h.make_node("Conv", ["input", "W"], ["conv_out"], name="conv")
    relu = h.make_node("Relu", ["conv_out"], ["output"], name="relu")
    graph = h.make_graph([node, relu], "tiny",
                         [h.make_tensor_value_info("input", elem_type, [1, 3, 4, 4])],
                         [h.make_tensor_value_info("output", onnx.TensorProto.FLOAT, [1, 2, 4, 4])],
                         [W])
    return h.make_model(graph, opset_imports=[h.make_opsetid("", opset)], producer_name="squadstudy-fixtures")


def make_malformed(out_root):
    h = onnx.helper
    d = os.path.join(out_root, "malformed")
    os.makedirs(d, exist_ok=True)
    FLOAT = onnx.TensorProto.FLOAT

    def save(model, name):
        with open(os.path.join(d, name), "wb") as f:
            f.write(model.SerializeToString())

    valid = _tiny_conv_model()
    onnx.checker.check_model(valid)
    save(valid, "valid_tiny.onnx")
    raw = valid.SerializeToString()
    with open(os.path.join(d, "truncated.onnx"), "wb") as f:
        f.write(raw[: len(raw) * 2 // 3])
    with open(os.path.join(d, "not_onnx.onnx"), "wb") as f:
        f.write(b"This is a text file, not an ONNX protobuf.\n\xff\xfe\x00\x01")

    m = _tiny_conv_model()
    m.graph.node[1].op_type = "FooBar"
    m.graph.node[1].name = "foobar_node"
    save(m, "unsupported_op_foobar.onnx")

    # A well-formed LSTM graph: valid ONNX, unsupported by a CNN engine.
    Wl = onnx.numpy_helper.from_array(np.zeros((1, 16, 3), np.float32), "W")
    Rl = onnx.numpy_helper.from_array(np.zeros((1, 16, 4), np.float32), "R")
    lstm = h.make_node("LSTM", ["input", "W", "R"], ["Y"], name="lstm", hidden_size=4)
    g = h.make_graph([lstm], "lstm", [h.make_tensor_value_info("input", FLOAT, [5, 1, 3])],
                     [h.make_tensor_value_info("Y", FLOAT, [5, 1, 1, 4])], [Wl, Rl])
    m = h.make_model(g, opset_imports=[h.make_opsetid("", 13)])
    onnx.checker.check_model(m)
    save(m, "unsupported_op_lstm.onnx")

    # Cycle: a -> b -> a.
    n1 = h.make_node("Relu", ["b"], ["a"], name="relu_a")
    n2 = h.make_node("Add", ["a", "input"], ["b"], name="add_b")
    n3 = h.make_node("Relu", ["a"], ["output"], name="relu_out")
    g = h.make_graph([n1, n2, n3], "cycle", [h.make_tensor_value_info("input", FLOAT, [1, 2, 2, 2])],
                     [h.make_tensor_value_info("output", FLOAT, [1, 2, 2, 2])])
    save(h.make_model(g, opset_imports=[h.make_opsetid("", 13)]), "cycle.onnx")

    # Absurd dims, no data: 1e15 floats (4 PB) declared.
    m = _tiny_conv_model()
    huge = onnx.TensorProto()
    huge.name = "W"
    huge.data_type = FLOAT
    huge.dims.extend([100000, 100000, 100000])
    del m.graph.initializer[:]
    m.graph.initializer.append(huge)
    save(m, "huge_dims.onnx")

    # Data shorter than the dims say: dims [2,3,1,1] (6 floats) with 8 bytes of raw_data.
    m = _tiny_conv_model()
    m.graph.initializer[0].ClearField("float_data")
    m.graph.initializer[0].raw_data = b"\x00" * 8
    save(m, "raw_data_too_short.onnx")

    # Negative dimension in an initializer.
    m = _tiny_conv_model()
    del m.graph.initializer[0].dims[:]
    m.graph.initializer[0].dims.extend([2, -3, 1, 1])
    save(m, "negative_dims.onnx")

    save(_tiny_conv_model(elem_type=onnx.TensorProto.INT64), "int64_input.onnx")

    m = _tiny_conv_model()
    m.graph.node[1].input[0] = "does_not_exist"
    save(m, "dangling_input.onnx")

    m = _tiny_conv_model()
    del m.graph.node[:]
    save(m, "empty_graph.onnx")

    # Conv whose weight has the wrong channel count for the input (3 channels in, W expects 5).
    m = _tiny_conv_model()
    m.graph.initializer[0].CopyFrom(onnx.numpy_helper.from_array(np.ones((2, 5, 1, 1), np.float32), "W"))
    save(m, "conv_channel_mismatch.onnx")

    m = _tiny_conv_model(opset=7)
    save(m, "opset_too_old.onnx")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                   "..", "tests", "fixtures", "engine"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--models", nargs="*", default=list(MODELS) + list(FAMILIES), choices=list(MODELS) + list(FAMILIES))
    ap.add_argument("--attributions-only", action="store_true",
                    help="only (re)write the attribution references of the four CNNs from their committed exports")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    out = os.path.normpath(args.out)
    if args.attributions_only:
        for name in (m for m in args.models if m in MODELS):
            make_attributions(name, args.seed, out)
        return
    for name in args.models:
        folder = out if name in MODELS else os.path.join(out, FAMILY_DIR)
        for opset in OPSETS:
            shutil.rmtree(os.path.join(folder, f"{name}_op{opset}"), ignore_errors=True)
        make_model(name, args.seed, out)
        if name in MODELS:
            make_attributions(name, args.seed, out)
    make_malformed(out)


if __name__ == "__main__":
    main()
