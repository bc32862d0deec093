#!/bin/bash
# Carried to the device machine with .device and .gl (made by tools/device/prepare).
# One device call: the preprocessing benchmark on a quiet machine, then three training runs side by side.
source tools/device/env.sh
L=/tmp/logs; mkdir -p $L
{ nvidia-smi -L; nproc; lscpu | grep -E "Model name|Thread|MHz"; python3 -c "import torch, cv2; print(torch.__version__, cv2.__version__)"; } > $L/machine.txt 2>&1
cat $L/machine.txt
$RTMM_BIN info > $L/info.txt 2>&1; head -20 $L/info.txt
$RTMM_BIN bench preprocess --json --dump /tmp/dump > $L/bench.json 2> $L/bench.err; cat $L/bench.json $L/bench.err
python3 tools/bench-opencv-peer.py /tmp/dump > $L/peer.json; cat $L/peer.json
M=${MINUTES:-5.5}
T="timeout 420 python3 models/training/train.py --minutes $M --questions 8 --no-export"
$T --producers 8 --resume .device/ckpt/resume.pt --scene-offset 10000000 --lr 1e-3 --warmup 100 --checkpoint $OUT/finetune.pt \
   --note "fine-tuned on a GPU from the shipped checkpoint: fresh scenes, 8 questions per image, lr 1e-3" > $L/finetune.log 2>&1 &
$T --producers 3 --checkpoint $OUT/scratch1.pt --note "from scratch on a GPU, seed 1" > $L/scratch1.log 2>&1 &
$T --producers 3 --checkpoint $OUT/scratch2.pt --note "from scratch on a GPU, seed 1 (repeat)" > $L/scratch2.log 2>&1 &
sleep 45; tail -3 $L/*.log
wait
tail -4 $L/*.log
tar czf $OUT/results.tar.gz -C $L .; ls -la $OUT
