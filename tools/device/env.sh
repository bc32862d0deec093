# Sourced first by every device script (see tools/device/prepare): the Vulkan loaders carried in .gl, the NVIDIA driver,
# the self-contained rtmm carried in .device/rtmm.tar.xz (unpacked to $RTMM_BIN), and fonts for the benchmark plots (the
# GPU image has no /usr/share/fonts, where their renderer looks: matplotlib's DejaVu fonts go there).
for f in .gl/*.deb; do dpkg -x $f /; done; ldconfig
export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 PYTHONUNBUFFERED=1
mkdir -p /tmp/r && tar xJf .device/rtmm.tar.xz -C /tmp/r
export RTMM_BIN=/tmp/r/rtmm/rtmm
fonts=$(python3 -c "import matplotlib, os; print(os.path.join(os.path.dirname(matplotlib.__file__), 'mpl-data/fonts/ttf'))" 2>/dev/null) \
  && mkdir -p /usr/share/fonts/truetype/dejavu && cp "$fonts"/DejaVuSans*.ttf /usr/share/fonts/truetype/dejavu/
