#!/bin/bash
# One short device call (carry [".device/rtmm.tar.xz", ".gl"], made by tools/device/prepare): `rtmm bench report` on the GPU
# machine into $OUT/report. That image has no /usr/share/fonts, where the plots' renderer looks: matplotlib's DejaVu fonts go there.
for f in .gl/*.deb; do dpkg -x $f /; done; ldconfig
export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
fonts=$(python3 -c "import matplotlib, os; print(os.path.join(os.path.dirname(matplotlib.__file__), 'mpl-data/fonts/ttf'))")
mkdir -p /usr/share/fonts/truetype/dejavu && cp "$fonts"/DejaVuSans*.ttf /usr/share/fonts/truetype/dejavu/
mkdir -p /tmp/r && tar xJf .device/rtmm.tar.xz -C /tmp/r
timeout 130 /tmp/r/rtmm/rtmm bench report --out $OUT/report --seconds 0.5 > $OUT/report.log 2>&1; tail -3 $OUT/report.log
rm -rf $OUT/report/annotated; ls $OUT/report
