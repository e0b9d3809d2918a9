#!/usr/bin/env bash
# Times a snapshot after no change against `rsync -aH --link-dest=PREVIOUS` and `cp -al`
# (the cost of the links alone), then the space a snapshot adds after 1% of the files change.
#
# usage: benchmarks/snapshot.sh [--entries N] [--rounds R]
set -euo pipefail
source "$(dirname "$(realpath -- "$0")")/common.sh"
bench_setup snapshot "$@"
require_rsync
mkdir -p "$WORK/rsync"
cp -a "$TREE" "$WORK/src"
bin/linksafe snapshot "$WORK/src" "$WORK/repo" > /dev/null
rsync -aH "$WORK/src/" "$WORK/rsync/0/"
sleep 1


printf '| round | rsync --link-dest (s) | cp -al (s) | linksafe snapshot (s) | linksafe / rsync | linksafe / cp -al |\n|---|---:|---:|---:|---:|---:|\n'
for round in $(seq "$ROUNDS"); do
    r=$(secs rsync -aH --link-dest="$WORK/rsync/$((round - 1))" "$WORK/src/" "$WORK/rsync/$round/")
    c=$(secs cp -al "$WORK/rsync/$round" "$WORK/cpal-$round")
    sleep 1   # snapshot names have one-second resolution
    l=$(secs bin/linksafe snapshot "$WORK/src" "$WORK/repo")
    printf '| no change #%d | %.2f | %.2f | %.2f | %.2f | %.2f |\n' "$round" "$r" "$c" "$l" \
        "$(echo "$l / $r" | bc -l)" "$(echo "$l / $c" | bc -l)"
done
# 1% of the files change: the next snapshot should add their bytes and directory metadata only
changed=$(python3 - "$WORK/src" <<'PY'
import os, random, sys
files = sorted(os.path.join(d, n) for d, _, ns in os.walk(sys.argv[1]) for n in ns
               if os.path.isfile(os.path.join(d, n)) and not os.path.islink(os.path.join(d, n)))
total = 0
for p in random.Random(7).sample(files, len(files) // 100):
    with open(p, "ab") as f:
        f.write(b"x" * 64)
    total += os.stat(p).st_size
print(total)
PY
)
before=$(du -s -B1 "$WORK/repo" | cut -f1)
sleep 1
bin/linksafe snapshot "$WORK/src" "$WORK/repo" > /dev/null
after=$(du -s -B1 "$WORK/repo" | cut -f1)
printf '\nAfter changing 1%% of the files (%s bytes in them): the repository grew by %s bytes.\n' "$changed" "$((after - before))"
