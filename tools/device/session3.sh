#!/bin/bash
# One device call (carry [".device", ".gl"], made by tools/device/prepare): the benchmarks on a quiet
# machine first (preprocessing with the upload plan, OpenCV's blobFromImage beside it, fusion, the
# whole report), then the fine-tune on the GPU with the Vulkan whole-split equivalence check beside it.
# Fine-tune knobs: MINUTES, LR, SAME_CLASS, HARD, FRAMEQ, PRODUCERS; RESUME names the checkpoint in .device/ckpt.
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
timeout 150 $RTMM_BIN bench report --out $L/report --seconds 1 > $L/report.log 2>&1; tail -3 $L/report.log; rm -rf $L/report/annotated
stamp "fine-tune + eval --compare-fusion"
timeout ${LIMIT:-400} python3 models/training/train.py --minutes ${MINUTES:-5} --questions 8 --no-export --producers ${PRODUCERS:-12} \
   --resume .device/ckpt/${RESUME:-finetune2}.pt --scene-offset 30000000 --lr ${LR:-5e-4} --warmup 50 --checkpoint $OUT/finetune3.pt \
   --same-class-rate ${SAME_CLASS:-0.4} --frame-questions ${FRAMEQ:-20} --hard-weight ${HARD:-6} \
   --note "fine-tune on a GPU for relational color questions: more two-of-a-kind scenes (same-class rate ${SAME_CLASS:-0.4}), 'on the left/right' questions drawn ${HARD:-6}x as often" > $L/finetune3.log 2>&1 &
train=$!
timeout 300 $RTMM_BIN eval --count 1000 --device Vulkan --compare-fusion --json > $L/eval-vulkan.json 2> $L/eval-vulkan.err; tail -c 1500 $L/eval-vulkan.json
stamp "eval done"
wait $train
stamp "fine-tune done"
grep -E "^eval|^final|Error|error" $L/finetune3.log | cut -c1-400; grep "^step" $L/finetune3.log | tail -1
tar czf $OUT/results3.tar.gz -C $L .; ls -la $OUT
