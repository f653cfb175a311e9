#!/bin/sh
# Engine vs PyTorch on torchvision VGG-16 and ResNet-50 (random weights), same machine, 2 threads.
#   bench/run.sh [REPEAT]        (default 5)
# Exports the models to bench/models/ first if missing (scripts/export_torchvision.py), builds the
# CLI in Release, runs `squadstudy bench --json`, the same architecture on libtorch directly
# (bench/LibTorchReference, no ONNX, no engine) and bench/torch_bench.py, and prints the ratios.
# Other processes on the machine skew both sides: report the load average with the numbers.
# Both sides use 2 threads (libtorch's intra-op threads; torch.set_num_threads(2)); the environment
# is left as it is. Debian's PyTorch uses OpenBLAS, which honours OPENBLAS_CORETYPE if set.
set -eu
cd "$(dirname "$0")/.."
REPEAT="${1:-5}"
. bench/prepare.sh
dotnet build -c Release bench/LibTorchReference -o bench/bin-ref >/dev/null
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); cores: $(nproc)"

for m in vgg16 resnet50; do
  dotnet bench/bin/squadstudy.dll bench --model "$MODELS/$m.onnx" --image "$MODELS/bench.png" --repeat "$REPEAT" --threads 2 --json > "$OUT/$m.engine.json"
  dotnet bench/bin-ref/LibTorchReference.dll "$m" "$REPEAT" 2 > "$OUT/$m.libtorch.json"
  /usr/bin/python3 bench/torch_bench.py --model "$m" --image "$MODELS/bench.png" --repeat "$REPEAT" --threads 2 > "$OUT/$m.torch.json"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

/usr/bin/python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
print(f"{'model':9} {'engine fwd':>10} {'libtorch':>9} {'torch fwd':>10} {'ratio':>6} | {'bundle':>8} {'torch 3x':>9} {'speed-up':>8} | {'fwd x8':>7} {'torch x8':>8} | {'bundle x8':>9} {'torch 3x x8':>11} {'speed-up':>8}")
for m in ["vgg16", "resnet50"]:
    e = json.load(open(f"{out}/{m}.engine.json"))
    t = json.load(open(f"{out}/{m}.torch.json"))
    r = json.load(open(f"{out}/{m}.libtorch.json"))
    print(f"{m:9} {e['forward_s']:10.3f} {r['forward_s']:9.3f} {t['forward_s']:10.3f} {e['forward_s'] / t['forward_s']:6.2f} | "
          f"{e['bundle_s']:8.3f} {t['three_methods_s']:9.3f} {t['three_methods_s'] / e['bundle_s']:7.1f}x | "
          f"{e['batch_forward_s']:7.3f} {t['batch_forward_s']:8.3f} | "
          f"{e['batch_bundle_s']:9.3f} {t['batch_three_methods_s']:11.3f} {t['batch_three_methods_s'] / e['batch_bundle_s']:7.1f}x")
print()
print(f"{'peak MB':9} {'engine, one image':>17} {'torch, one image':>16} | {'engine, with batch':>18} {'torch, with batch':>17}")
for m in ["vgg16", "resnet50"]:
    e = json.load(open(f"{out}/{m}.engine.json"))
    t = json.load(open(f"{out}/{m}.torch.json"))
    print(f"{m:9} {e['peak_one_image_mb']:17.0f} {t['peak_rss_one_image_mb']:16.0f} | {e['peak_working_set_mb']:18.0f} {t['peak_rss_mb']:17.0f}")
print("peak MB: the process's peak after the one-image work and the batch forward, then after the batch explanations too")
print("libtorch: torchvision's architecture built by TorchVision for .NET and run on libtorch directly (bench/LibTorchReference): the engine's own overhead is engine fwd - libtorch")
print("aims (issue 12): forward ratio <= 0.6 (VGG-16) / 0.9 (ResNet-50); bundle >= 8x (VGG-16) / 4x (ResNet-50) faster; engine MB <= torch MB")
PY
