#!/bin/bash
# On the GPU machine (16 cores): the download bench (tools/bench/download.py) with the carried
# headless shell (item A) and a site without models (item B: README.md), to see what the
# downloader does where the CPU is not the limit (this project's own machine has 2 cores).
# RUNS (default 3); MEMORY=1 adds the memory rounds.
set -u
export W=/tmp/w PYTHONUNBUFFERED=1
python3 tools/bench/gpu/unpack.py || exit 4
[ -d $W/site ] && [ -x $W/chromium/chromium-headless-shell ] || { echo "parts missing"; exit 5; }
LDP=$W/libs/main
if LD_LIBRARY_PATH=$LDP ldd $W/chromium/chromium-headless-shell | grep -q "not found"; then LDP=$LDP:$W/libs/fallback; fi
# Chromium aborts on its first text without a fontconfig file (appbench.py writes the same)
printf '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig><dir>%s</dir><cachedir>%s</cachedir></fontconfig>' \
  $W/fonts $W/fontcache > $W/fonts/fonts.conf
export FONTCONFIG_FILE=$W/fonts/fonts.conf
echo "cores: $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
CHROMIUM=$W/chromium/chromium-headless-shell LD_LIBRARY_PATH=$LDP \
  BENCH_DOWNLOAD_MEMORY=${MEMORY:-0} timeout 560 python3 -c "
from pathlib import Path
from tools import site
site.SITE = Path('$W/site')
from tools.bench import download, report
print(report.format_table(download.run(${RUNS:-3})))"
