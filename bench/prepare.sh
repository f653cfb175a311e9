# Sourced by bench/run.sh and bench/methods.sh (from the repository root): the torchvision models
# (scripts/export_torchvision.py, seeded random weights) and the seeded benchmark image in
# bench/models, made only where missing; the CLI built into bench/bin; MODELS and OUT set.
MODELS=bench/models
OUT=bench/results
mkdir -p "$OUT"
for m in vgg16 resnet50; do
  [ -f "$MODELS/$m.onnx" ] || /usr/bin/python3 scripts/export_torchvision.py --models "$m"
done
[ -f "$MODELS/bench.png" ] || /usr/bin/python3 -c "
import numpy as np; from PIL import Image
rng = np.random.default_rng(0)
Image.fromarray(rng.integers(0, 256, (256, 320, 3), dtype=np.uint8)).save('$MODELS/bench.png')"
dotnet build -c Release src/SquadStudy.Cli -o bench/bin >/dev/null
