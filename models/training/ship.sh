#!/usr/bin/env bash
# After train.py: score the bundle with PyTorch and with the C# pipeline (they must agree within
# 0.5 points), then write MODEL.md from those files. Usage: models/training/ship.sh CHECKPOINT [COUNT]
# PHOTOS: a folder of photos the world does not have, for the in-world model (opencv-doc's
# examples/data without vtest.avi: apt-get download opencv-doc; dpkg -x), read by rtmm calibrate.
set -euo pipefail
cd "$(dirname "$0")/../.."
checkpoint=${1:?checkpoint (train.py --checkpoint)}
count=${2:-1000}
bundle=models/rtmm-tiny
dotnet build src/rtmm -c Release -nologo -v quiet -clp:ErrorsOnly
bin=$(mktemp -d)
cp -r src/rtmm/bin/Release/net10.0/. "$bin"
export LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp RTMM_BIN="$bin/rtmm"
photos=${PHOTOS:?PHOTOS=FOLDER of out-of-world photos for rtmm calibrate (see above)}
# confidence temperatures, not-sure threshold, in-world model and text search's match threshold, on the validation split
"$bin/rtmm" calibrate --model "$bundle" --photos "$photos" --device Cpu
/usr/bin/python3 models/training/evaluate.py --checkpoint "$checkpoint" --count "$count" --out "$bundle/eval-python.json"
"$bin/rtmm" eval --model "$bundle" --count "$count" --json --device Cpu > "$bundle/eval-csharp.json"
"$bin/rtmm" eval --model "$bundle" --count "$count" --json --device Cpu --clean > "$bundle/eval-csharp-clean.json"
/usr/bin/python3 models/training/model_card.py "$bundle"
/usr/bin/python3 - "$bundle" <<'PY'
import json, sys
b = sys.argv[1]
py, cs = json.load(open(f"{b}/eval-python.json")), json.load(open(f"{b}/eval-csharp.json"))
worst = max(abs(py[k] - cs["accuracy"][k]) for k in cs["accuracy"])
print(f"PyTorch vs C#: largest accuracy difference {worst:.2f} points")
PY
rm -rf "$bin"
