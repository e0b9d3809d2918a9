#!/usr/bin/env bash
# Times `linksafe mirror --delete` against `rsync -aH --delete` on the benchmark tree:
#   1. a run with nothing changed;
#   2. a run after changing 1% of the files and renaming 1% of them.
# Each tool keeps its own destination; the source is a private copy that the script mutates.
# Bytes copied come from linksafe's JSON and rsync's --stats.
#
# usage: benchmarks/mirror.sh [--entries N] [--rounds R]
set -euo pipefail
source "$(dirname "$(realpath -- "$0")")/common.sh"
bench_setup mirror "$@"
require_rsync
cp -a "$TREE" "$WORK/src"
LS=(bin/linksafe mirror --delete --json --index-dir "$WORK/index" "$WORK/src" "$WORK/l")
RS=(rsync -aH --delete --stats "$WORK/src/" "$WORK/r/")
"${LS[@]}" > /dev/null; "${RS[@]}" > /dev/null
sleep 3   # let every time fall out of the index's two-second racy window

json() { python3 -c "import json,sys; print(json.load(open('$WORK/out'))['$1'])"; }

printf '| run | rsync -aH --delete (s) | linksafe mirror --delete (s) | ratio | bytes copied (rsync / linksafe) |\n|---|---:|---:|---:|---|\n'
for round in $(seq "$ROUNDS"); do
    r=$(secs "${RS[@]}"); rb=$(grep -oP 'Total transferred file size: \K[0-9,]+' "$WORK/out" | tr -d ,)
    l=$(secs "${LS[@]}"); lb=$(json bytesCopied)
    printf '| nothing changed #%d | %.2f | %.2f | %.2f | %s / %s |\n' "$round" "$r" "$l" "$(echo "$l / $r" | bc -l)" "$rb" "$lb"
done
for round in $(seq "$ROUNDS"); do
    # 1% of files get 100 bytes appended, another 1% move to a sibling name
    changed=$(python3 - "$WORK/src" "$round" <<'PY'
import os, random, sys
root, seed = sys.argv[1], int(sys.argv[2])
files = []
for d, _, names in os.walk(root):
    for n in names:
        p = os.path.join(d, n)
        if os.path.isfile(p) and not os.path.islink(p) and os.stat(p).st_nlink == 1:
            files.append(p)
files.sort()
rnd = random.Random(seed)
picked = rnd.sample(files, len(files) // 50)
changed = 0
for p in picked[: len(picked) // 2]:
    with open(p, "ab") as f:
        f.write(os.urandom(100))
    changed += os.stat(p).st_size
for i, p in enumerate(picked[len(picked) // 2:]):
    os.rename(p, p + ".moved%d" % seed)
print(changed)
PY
)
    r=$(secs "${RS[@]}"); rb=$(grep -oP 'Total transferred file size: \K[0-9,]+' "$WORK/out" | tr -d ,)
    l=$(secs "${LS[@]}"); lb=$(json bytesCopied); rn=$(json renamed)
    printf '| 1%% changed + 1%% renamed #%d (changed files hold %s bytes) | %.2f | %.2f | %.2f | %s / %s (%s renamed) |\n' \
        "$round" "$changed" "$r" "$l" "$(echo "$l / $r" | bc -l)" "$rb" "$lb" "$rn"
    sleep 3
done
bin/linksafe verify "$WORK/src" "$WORK/l" | tail -1
