#!/bin/bash
# One device call (carry [".device", ".gl"], made by tools/device/prepare): the benchmarks on a quiet
# machine first (preprocessing with the upload plan, OpenCV's blobFromImage beside it, fusion, the
# whole report), then two fine-tunes side by side on the GPU with the Vulkan whole-split equivalence
# check beside them. Knobs: MINUTES, LR, LIMIT; RESUME names the checkpoint in .device/ckpt.
for f in .gl/*.deb; do dpkg -x $f /; done; ldconfig
export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 PYTHONUNBUFFERED=1
mkdir -p /tmp/r && tar xJf .device/rtmm.tar.xz -C /tmp/r
export RTMM_BIN=/tmp/r/rtmm/rtmm
L=/tmp/logs; mkdir -p $L
t0=$(date +%s); stamp() { echo "[$(( $(date +%s) - t0 )) s] $*"; }
stamp "bench preprocess"
$RTMM_BIN bench preprocess --json --seconds 1 --dump /tmp/dump > $L/preprocess.json 2> $L/preprocess.err; cut -c1-2000 $L/preprocess.json
python3 tools/bench-opencv-peer.py /tmp/dump --seconds 1 > $L/peer.json; cat $L/peer.json
stamp "bench fusion"
$RTMM_BIN bench fusion --json --seconds 1 > $L/fusion.json 2> $L/fusion.err; cut -c1-2500 $L/fusion.json
stamp "bench report"
timeout 100 $RTMM_BIN bench report --out $L/report --seconds 0.5 > $L/report.log 2>&1; tail -3 $L/report.log; rm -rf $L/report/annotated
stamp "two fine-tunes side by side (7 data processes each) + eval --compare-fusion"
# A: relational grounding + the single-object search loss; B: relational grounding only (the fallback for issue 4)
common="models/training/train.py --minutes ${MINUTES:-4.5} --questions 8 --no-export --producers 7 --resume .device/ckpt/${RESUME:-relational}.pt --lr ${LR:-5e-4} --warmup 50
  --same-class-rate 0.4 --frame-questions 20 --hard-weight 6 --ground-hard 10"
timeout ${LIMIT:-400} python3 $common --scene-offset 30000000 --query-loss 0.5 --checkpoint $OUT/search.pt \
   --note "GPU fine-tune: relational grounding as before, plus the single-object text-search loss (multi-positive InfoNCE, weight 0.5)" > $L/search.log 2>&1 &
a=$!
timeout ${LIMIT:-400} python3 $common --scene-offset 40000000 --checkpoint $OUT/relational.pt \
   --note "GPU fine-tune: relational grounding (10x on left/right questions, first layer too), two-of-a-kind scenes" > $L/relational.log 2>&1 &
b=$!
timeout 300 $RTMM_BIN eval --count 1000 --device Vulkan --compare-fusion --json > $L/eval-vulkan.json 2> $L/eval-vulkan.err; tail -c 1500 $L/eval-vulkan.json
stamp "eval done"
wait $a $b
stamp "fine-tunes done"
for r in search relational; do echo "== $r"; grep -E "^eval|^final|Error|error" $L/$r.log | cut -c1-500; grep "^step" $L/$r.log | tail -1; done
tar czf $OUT/results3.tar.gz -C $L .; ls -la $OUT
