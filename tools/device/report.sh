#!/bin/bash
# One short device call (carry [".device/rtmm.tar.xz", ".gl"], made by tools/device/prepare): `rtmm bench report` on the GPU
# machine into $OUT/report (env.sh puts the fonts its plots need where their renderer looks).
source tools/device/env.sh
timeout 130 $RTMM_BIN bench report --out $OUT/report --seconds 0.5 > $OUT/report.log 2>&1; tail -3 $OUT/report.log
rm -rf $OUT/report/annotated; ls $OUT/report
