#!/usr/bin/env bash
# Measures `linksafe scan` on a metadata-heavy tree of ENTRIES entries (default 1,000,000)
# with a capped heap, against `find SRC -printf '%i %n\n'` (the cheapest walk that reads
# inode numbers and link counts). Peak heap is read from the GC log: the largest heap
# occupancy before any collection.
#
# usage: benchmarks/scan-memory.sh [--entries N] [--heap 256m] [--dir DIR]
set -euo pipefail
ENTRIES=1000000 HEAP=256m DIR=${TMPDIR:-/tmp}/linksafe-scan-bench
while (($#)); do
    case $1 in
        --entries) ENTRIES=$2; shift 2 ;;
        --heap) HEAP=$2; shift 2 ;;
        --dir) DIR=$2; shift 2 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
cd "$(dirname "$(realpath -- "$0")")/.."
[[ -f target/linksafe.jar ]] || mvn -B -q package -DskipTests
TREE=$DIR/wide-$ENTRIES
if [[ ! -d $TREE ]]; then
    mkdir -p "$DIR"
    python3 benchmarks/make-wide-tree.py "$TREE" --entries "$ENTRIES"
fi
find "$TREE" -printf '%i %n\n' > /dev/null   # warm the cache for both

time_of() { local s e; s=$(date +%s.%N); "$@" > /dev/null; e=$(date +%s.%N); echo "$e - $s" | bc; }

GCLOG=$(mktemp)
for round in 1 2 3; do
    f=$(time_of find "$TREE" -printf '%i %n\n')
    l=$(LINKSAFE_JAVA_OPTS="-Xmx$HEAP -Xlog:gc:file=$GCLOG" time_of bin/linksafe scan --json "$TREE")
    peak=$(grep -oE '[0-9]+M->[0-9]+M' "$GCLOG" | cut -dM -f1 | sort -n | tail -1)
    printf 'round %d: find %.2f s, linksafe scan %.2f s (%.2fx), peak heap before GC %s MiB (-Xmx%s)\n' \
        "$round" "$f" "$l" "$(echo "$l / $f" | bc -l)" "${peak:-?}" "$HEAP"
done
rm -f "$GCLOG"
