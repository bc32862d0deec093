#!/bin/bash
# Carried to the device machine with .device and .gl (made by tools/device/prepare).
# Second device call: the benchmark again (tier-1 JIT warm-up, OpenCV one thread and all), then the fine-tune goes on.
source tools/device/env.sh
L=/tmp/logs; mkdir -p $L
$RTMM_BIN bench preprocess --json --seconds 1 --dump /tmp/dump > $L/bench.json 2> $L/bench.err; cat $L/bench.json
python3 tools/bench-opencv-peer.py /tmp/dump --seconds 1 > $L/peer.json; cat $L/peer.json
timeout ${LIMIT:-260} python3 models/training/train.py --minutes ${MINUTES:-3.2} --questions 8 --no-export --producers 14 --resume .device/ckpt/finetune.pt \
   --scene-offset 20000000 --lr 5e-4 --warmup 50 --checkpoint $OUT/finetune2.pt \
   --note "fine-tune continued on a GPU: fresh scenes, 14 data processes, lr 5e-4" > $L/finetune2.log 2>&1
grep -E "^eval|^final|Error" $L/finetune2.log | cut -c1-300; grep "^step" $L/finetune2.log | tail -1
tar czf $OUT/results2.tar.gz -C $L .; ls -la $OUT
