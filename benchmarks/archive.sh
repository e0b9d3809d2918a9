#!/usr/bin/env bash
# Times `linksafe archive` against `tar -cf` and `linksafe extract` against `tar -xf` on the
# benchmark tree (uncompressed, so the archiving itself is measured), alternating, R rounds.
#
# usage: benchmarks/archive.sh [--entries N] [--rounds R]
set -euo pipefail
source "$(dirname "$(realpath -- "$0")")/common.sh"
bench_setup archive "$@"


printf '| round | tar -cf (s) | linksafe archive (s) | ratio | tar -xf (s) | linksafe extract (s) | ratio |\n|---|---:|---:|---:|---:|---:|---:|\n'
for round in $(seq "$ROUNDS"); do
    rm -f "$WORK/t.tar" "$WORK/l.tar"; sync
    tc=$(secs tar --format=pax -C "$TREE" -cf "$WORK/t.tar" .)
    lc=$(secs bin/linksafe archive "$TREE" "$WORK/l.tar")
    rm -rf "$WORK/tx" "$WORK/lx"; mkdir -p "$WORK/tx"; sync
    tx=$(secs tar -C "$WORK/tx" -xf "$WORK/t.tar")
    lx=$(secs bin/linksafe extract "$WORK/l.tar" "$WORK/lx")
    printf '| %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |\n' "$round" "$tc" "$lc" "$(echo "$lc / $tc" | bc -l)" \
        "$tx" "$lx" "$(echo "$lx / $tx" | bc -l)"
done
bin/linksafe verify "$TREE" "$WORK/lx" | tail -1
