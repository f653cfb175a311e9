#!/bin/sh
# Seconds per image of the methods outside the bundle (issue 13) on VGG-16 and ResNet-50, 2 threads:
#   bench/methods.sh [REPEAT] [METHODS]
# REPEAT defaults to 1 (the forward-only methods take tens of seconds each on VGG-16); METHODS to
# every CAM-family and attribution method with its defaults. Uses bench/run.sh's models and image.
set -eu
cd "$(dirname "$0")/.."
REPEAT="${1:-1}"
METHODS="${2:-xgradcam,layercam,hirescam,eigencam,scorecam,ablationcam,integrated-gradients,smoothgrad,occlusion,rise}"
. bench/prepare.sh
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); cores: $(nproc)"
for m in vgg16 resnet50; do
  dotnet bench/bin/squadstudy.dll bench --model "$MODELS/$m.onnx" --image "$MODELS/bench.png" --repeat "$REPEAT" --threads 2 \
    --methods "$METHODS" --json > "$OUT/$m.methods.json"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
v, r = (json.load(open(f"{out}/{m}.methods.json")) for m in ["vgg16", "resnet50"])
print(f"{'method':28} {'VGG-16 s/image':>14} {'ResNet-50 s/image':>17}")
print(f"{'(forward pass)':28} {v['forward_s']:14.3f} {r['forward_s']:17.3f}")
for name in v["methods_s"]:
    print(f"{name:28} {v['methods_s'][name]:14.3f} {r['methods_s'][name]:17.3f}")
PY
