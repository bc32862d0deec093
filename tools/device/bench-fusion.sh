#!/bin/bash
# One short device call (carry [".device/rtmm.tar.xz", ".device/b160", ".gl"], made by tools/device/prepare): the fusion
# benchmark on the shipped bundle and, when .device/b160 holds another bundle (the 160-pixel one, 401 image tokens), on
# that too; then the Vulkan fusion against the C# reference on real activations of 200 test scenes.
source tools/device/env.sh
R=$RTMM_BIN
$R bench fusion --json --seconds ${SECONDS_PER:-1} > $OUT/fusion.json 2> $OUT/fusion.err; cat $OUT/fusion.json; echo
[ -d .device/b160 ] && { $R bench fusion --json --seconds ${SECONDS_PER:-1} --model .device/b160 > $OUT/fusion-b160.json 2>> $OUT/fusion.err; cat $OUT/fusion-b160.json; echo; }
timeout ${EVAL_S:-120} $R eval --count ${EVAL_COUNT:-200} --device Vulkan --compare-fusion --json > $OUT/eval-vulkan.json 2> $OUT/eval.err; tail -c 1200 $OUT/eval-vulkan.json; tail -2 $OUT/eval.err
