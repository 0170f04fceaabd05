#!/bin/bash
# On the GPU machine, from the repository root, after the parts have arrived (README.md).
# STEPS (default "mpstop probe cand"): mpstop = appbench.py with APPPH (default "chat mpconv
# mpstop"); probe = tasks-genai alone, stop by cancelProcessing and by a throwing listener;
# cand = web-llm libraries in $W/cand swapped in one after another (CANDS, 0 = as built).
set -u
export W=/tmp/w PYTHONUNBUFFERED=1
OUT0=${OUT:-/tmp/out}; RES=/tmp/res; rm -rf $RES; mkdir -p $RES
D=.device; G=tools/bench/gpu
python3 $G/unpack.py || exit 4
[ -d $W/site ] || exit 5
export CHROME_LDP=$W/libs/main:/usr/local/nvidia/lib64:/usr/local/nvidia/lib
if LD_LIBRARY_PATH=$CHROME_LDP ldd $W/chromium/chromium-headless-shell | grep -q "not found"; then export CHROME_LDP=$CHROME_LDP:$W/libs/fallback; fi
mkdir -p $W/proj; ln -sfn $PWD/tools $W/proj/tools; ln -sfn $PWD/app $W/proj/app
WL=$W/site/models/smollm2-135m-instruct-webllm/resolve/${WEBLLM_DIR:-a7ed034a}
if [ ! -f $WL/params_shard_0.bin ]; then
  python3 -m tools.convert.webllm_weights $W/site/models/smollm2-135m-instruct-q4_1/b179c952/SmolLM2-135M-Instruct.Q4_1.gguf $D/shape.json $WL 2>&1 | tail -1
fi
(cd $WL && sha256sum -c --quiet $OLDPWD/$D/webllm_sums.txt && echo "web-llm files: sha256 OK")
python3 $G/extract_chat.py tools/bench/chat.py $W/chat_constants.json >/dev/null; cp $G/appbench.py $W/; export PYTHONPATH=$PWD
ab() {  # label, phases...
  local label=$1; shift
  mkdir -p $RES/$label
  OUT=$RES/$label CONFIG=gpu_f16 DEADLINE=${DEADLINE:-400} timeout 300 python3 $W/appbench.py "$@" > $RES/$label/log 2>&1
  grep -E "SUMMARY|FAILED|mpstop runs" $RES/$label/log | cut -c1-900
}
for step in ${STEPS:-mpstop probe cand}; do case $step in
mpstop) echo "== app engines: wllama, MediaPipe, MediaPipe stop x${STOPS:-20}"; STOPS=${STOPS:-20} RUNS=${RUNS:-3} ab mpstop ${APPPH:-chat mpconv mpstop} ;;
probe)
  icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json; [ -f $icd ] && export VK_ICD_FILENAMES=$icd VK_DRIVER_FILES=$icd
  T=$W/site/models/smollm2-135m-instruct-mediapipe/e935eb3e/smollm2-135m-instruct-mediapipe-dynamic_int8.task
  for mode in cancel throw; do
    echo "== tasks-genai alone, stop by $mode after 3 pieces"
    CHROMIUM=$W/chromium/chromium-headless-shell LD_LIBRARY_PATH=$CHROME_LDP timeout 150 python3 -m tools.convert.web_probe $T --gpu --site $W/site --pieces 3 --stop $mode --runs 2 --text "Tell me a long story about a dragon." --system "" --then "How many open to-dos do I have?" 2>&1 | grep -v "^  console" | python3 -c "
import sys, json
for l in sys.stdin:
    try: d = json.loads(l)
    except Exception: print(l.rstrip()[:300]); continue
    d.pop('pieces', None); print(json.dumps(d)[:400])"
  done ;;
cand)
  for c in ${CANDS:-0 c d}; do      # 0: the library as built (first: the others replace it)
    echo "== web-llm library gpu-$c"
    [ $c = 0 ] || python3 $W/cand/swap.py $W/cand/model-webgpu-gpu-$c.wasm $W/site/models | tail -1
    RUNS=5 ab wl_$c webllm
  done ;;
esac; done
tar -czf $OUT0/res.tgz -C $RES .
