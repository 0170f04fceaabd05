#!/bin/bash
# The converted MediaPipe model (build.py convert) on a real GPU: first token and decode rate
# through tasks-genai in headless Chromium, forceF32 on (what the app uses) and off (f16,
# faster where it stays finite), with the same question the SwiftShader runs answered.
#
# On the GPU machine (no network, no Chromium), from the repository root:
#   1. Chromium, its libraries and the GL/Vulkan loaders as ../shared/gpu/README.md sets them
#      up (stages 1-2 of its dev.sh): $W/chromium/chromium-headless-shell, $W/libs/...
#   2. This checkout's built site (build.py build here; carry `site` and the one tasks-genai
#      wasm variant, as the shared pack does) and the .task from `build.py convert`, carried
#      in parts (146 MiB; a call carries 64 MiB): here `split -b 60M FILE FILE.part-`, there
#      `cat FILE.part-* > FILE` and `sha256sum -c` against its .sha256.
#   3. bash tools/bench/gpu_mediapipe.sh models/<id>/<sha8>/<file>.task [RUNS]
# Prints one JSON line per run (first_piece_ms, pieces_per_s, text); the app's engine emits
# one delta per piece, so pieces/s is its decode tok/s.
set -eu
task=${1:?usage: gpu_mediapipe.sh MODEL.task [RUNS]}
runs=${2:-3}
W=${W:-/tmp/w}
export CHROMIUM=${CHROMIUM:-$W/chromium/chromium-headless-shell}
export LD_LIBRARY_PATH=${CHROME_LDP:-$W/libs/main:/usr/local/nvidia/lib64:/usr/local/nvidia/lib}
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -f "$icd" ] && export VK_ICD_FILENAMES=$icd VK_DRIVER_FILES=$icd
[ -x "$CHROMIUM" ] || { echo "no Chromium at $CHROMIUM (set CHROMIUM or W)"; exit 2; }
[ -f "$task" ] || { echo "no model at $task"; exit 2; }
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null || true
echo "== forceF32 (the app's setting)"
python3 -m tools.convert.web_probe "$task" --gpu --runs "$runs" --pieces 64
echo "== f16 activations (forceF32 off): is the reply still right?"
python3 -m tools.convert.web_probe "$task" --gpu --runs "$runs" --pieces 64 --no-f32
