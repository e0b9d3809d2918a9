#!/usr/bin/env bash
# Benchmark `linksafe copy` against cp -a, rsync -aH and tar on two link-heavy
# source trees.  See benchmarks/README.md.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: benchmarks/run.sh [--entries N] [--runs R] [--second-volume DIR] [--out FILE] [--cold]

  --entries N          entries in the link-heavy tree (default 100000); the
                       snapshot repository gets 10 snapshots of N/5 files
  --runs R             rounds per tree and volume (default 3); each round runs
                       cp, rsync, tar and linksafe one after the other
  --second-volume DIR  also copy onto DIR (a different filesystem); without it,
                       a tmpfs is mounted when running as root
  --out FILE           Markdown results (default benchmarks/results/latest.md)
  --cold               drop the page cache before every run (root only);
                       the default measures with a warm cache

environment:
  LINKSAFE_CMD   command prefix for linksafe; SRC and DST are appended
                 (default: bin/linksafe copy)
  TMPDIR         where the work directory (trees, copies) goes (default /tmp)
EOF
}

ENTRIES=100000 RUNS=3 SECOND_VOL="" OUT="" COLD=0
while (($#)); do
    case $1 in
        --entries) ENTRIES=$2; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        --second-volume) SECOND_VOL=$(realpath -- "$2"); shift 2 ;;
        --out) OUT=$(realpath -m -- "$2"); shift 2 ;;  # resolved before the cd below
        --cold) COLD=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown argument: $1" >&2; usage >&2; exit 1 ;;
    esac
done
[[ $ENTRIES =~ ^[0-9]+$ && $ENTRIES -ge 200 ]] || { echo "--entries must be a number >= 200" >&2; exit 1; }
[[ $RUNS =~ ^[0-9]+$ && $RUNS -ge 1 ]] || { echo "--runs must be a number >= 1" >&2; exit 1; }

cd "$(dirname "$(realpath -- "$0")")/.."
REPO=$PWD
BENCH=$REPO/benchmarks
OUT=${OUT:-$BENCH/results/latest.md}
SEED=1
SNAP_FILES=$((ENTRIES / 5))   # 100000 entries -> 20000 files x 10 snapshots = 200000 names
SNAPSHOTS=10
TOOLS=(cp rsync tar linksafe)

log() { printf '%s\n' "$*" >&2; }
warn() { printf 'WARNING: %s\n' "$*" >&2; WARNINGS+=("$*"); }
WARNINGS=()

# --- prerequisites ----------------------------------------------------------
if ! command -v rsync >/dev/null; then
    log "rsync is not installed; install it first, e.g.: apt-get install rsync"
    exit 2
fi

IS_ROOT=0; [[ $(id -u) == 0 ]] && IS_ROOT=1

# GNU time gives us the peak RSS; without it we can only measure wall time.
GNU_TIME=/usr/bin/time
if [[ ! -x $GNU_TIME ]] && ((IS_ROOT)) && command -v apt-get >/dev/null; then
    log "installing GNU time (apt-get install -y time) to measure peak RSS"
    apt-get install -y -qq time >/dev/null 2>&1 || true
fi
if [[ ! -x $GNU_TIME ]] || ! "$GNU_TIME" --version 2>&1 | grep -q GNU; then
    warn "GNU time not found at /usr/bin/time: measuring wall time only, no peak RSS"
    GNU_TIME=""
fi

if [[ -z ${LINKSAFE_CMD:-} ]]; then
    if [[ ! -f target/linksafe.jar ]]; then
        log "target/linksafe.jar missing, building it: mvn -B -q package -DskipTests"
        mvn -B -q package -DskipTests
    fi
    LINKSAFE_CMD="bin/linksafe copy"   # the launcher with its JVM settings; we are in the repo root
fi

if ((COLD)) && ! ((IS_ROOT)); then
    warn "--cold needs root to drop the page cache; measuring with a warm cache"
    COLD=0
fi

# --- work directory and source trees ------------------------------------------
WORK=${TMPDIR:-/tmp}/linksafe-bench
mkdir -p "$WORK"
TREE=$WORK/tree-e$ENTRIES-s$SEED
SNAP=$WORK/snapshots-f$SNAP_FILES-k$SNAPSHOTS-s$SEED

# make_source DIR GENERATOR ARGS...: run the generator unless DIR was already
# made with the same arguments and the same generator code.  DIR.done holds
# that key on line 1 and the generator's summary line on line 2.
make_source() {
    local dir=$1 key; shift
    key="$* $(cat "$BENCH"/make-tree.py "$BENCH"/make-snapshots.py "$BENCH"/_common.py | md5sum | cut -d' ' -f1)"
    if [[ -f $dir.done && $(head -n1 "$dir.done") == "$key" ]]; then
        log "reusing $dir"
    else
        rm -rf "$dir" "$dir.done"
        log "generating $dir ..."
        local summary
        summary=$("$@" "$dir")
        log "$summary"
        printf '%s\n%s\n' "$key" "$summary" >"$dir.done"
    fi
}
make_source "$TREE" "$BENCH/make-tree.py" --entries "$ENTRIES" --seed "$SEED"
make_source "$SNAP" "$BENCH/make-snapshots.py" --files "$SNAP_FILES" --snapshots "$SNAPSHOTS" --seed "$SEED"

TREE_KB=$(du -sk "$TREE" | cut -f1)
SNAP_KB=$(du -sk "$SNAP" | cut -f1)
MAX_KB=$((TREE_KB > SNAP_KB ? TREE_KB : SNAP_KB))

# --- destination volumes ------------------------------------------------------
VOL_LABELS=("same volume")
VOL_DSTS=("$WORK/dst")
TMPFS=$WORK/tmpfs
CLEANUP_DIRS=("$WORK/dst")

cleanup() {
    local d
    for d in "${CLEANUP_DIRS[@]}"; do rm -rf -- "$d"; done
    if mountpoint -q "$TMPFS" 2>/dev/null; then
        umount "$TMPFS" && rmdir "$TMPFS"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cleanup   # leftovers of an interrupted run

avail_kb=$(df -Pk "$WORK" | awk 'NR == 2 { print $4 }')
if ((avail_kb < MAX_KB * 12 / 10)); then
    warn "only $((avail_kb / 1024)) MiB free in $WORK; a copy needs about $((MAX_KB / 1024)) MiB"
fi

if [[ -n $SECOND_VOL ]]; then
    [[ -d $SECOND_VOL ]] || { log "--second-volume $SECOND_VOL is not a directory"; exit 1; }
    VOL_LABELS+=("second volume")
    VOL_DSTS+=("$SECOND_VOL/linksafe-bench-dst.$$")
    CLEANUP_DIRS+=("$SECOND_VOL/linksafe-bench-dst.$$")
elif ((IS_ROOT)); then
    # Room for the larger tree plus a margin for directories and rounding; the
    # source must still fit in the page cache next to it.
    size_kb=$((MAX_KB * 5 / 4 + 65536))
    mem_kb=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
    if ((size_kb + MAX_KB > mem_kb)); then
        warn "not enough memory for a ${size_kb} KiB tmpfs (MemAvailable ${mem_kb} KiB): no second volume"
    elif mkdir -p "$TMPFS" && mount -t tmpfs -o "size=${size_kb}k,mode=0755" linksafe-bench "$TMPFS"; then
        VOL_LABELS+=("second volume")
        VOL_DSTS+=("$TMPFS/dst")
    else
        warn "could not mount a tmpfs on $TMPFS: no second volume"
    fi
else
    log "not root and no --second-volume: measuring on the same volume only"
fi
# Labels carry the filesystem type, e.g. "second volume (tmpfs)".
for v in "${!VOL_DSTS[@]}"; do
    VOL_LABELS[$v]+=" ($(stat -f -c %T "$(dirname "${VOL_DSTS[$v]}")"))"
done

# --- measuring ----------------------------------------------------------------
RAW=$WORK/results-$(date +%Y%m%d-%H%M%S).tsv
printf 'tree\tvolume\ttool\tround\twall_s\tpeak_rss_kib\tstatus\n' >"$RAW"

drop_caches() {
    sync
    if ! echo 3 2>/dev/null >/proc/sys/vm/drop_caches; then
        warn "could not drop the page cache; continuing with a warm cache"
        COLD=0
    fi
}

# count_link_inodes DIR: distinct inodes among regular files with > 1 link
count_link_inodes() {
    { find "$1" -type f -links +1 -printf '%i\n' 2>/dev/null || true; } | sort -u | wc -l
}

# run_tool TOOL SRC DST: time one copy; sets WALL, RSS (KiB or NA), STATUS.
run_tool() {
    local tool=$1 src=$2 dst=$3 cmd start end
    case $tool in
        cp) cmd='cp -a "$1" "$2"' ;;
        rsync) cmd='rsync -aH "$1/" "$2/"' ;;
        tar) cmd='set -o pipefail; tar -C "$1" -cf - . | tar -C "$2" -xf -'
             mkdir "$dst" ;;
        linksafe) cmd="$LINKSAFE_CMD \"\$1\" \"\$2\"" ;;
    esac
    # Flush the previous run's dirty pages so that they are not written back
    # on this tool's time.
    sync
    ((COLD)) && drop_caches
    # Commands run through `bash -c` so LINKSAFE_CMD may contain quoting; for a
    # single command bash execs it directly, so the RSS is the tool's own.
    # For tar (a pipeline) and rsync (several processes) GNU time reports the
    # largest single process, not the sum.
    start=$(date +%s.%N)
    if [[ -n $GNU_TIME ]]; then
        "$GNU_TIME" -f '%M' -o "$WORK/time.out" bash -c "$cmd" _ "$src" "$dst" \
            >"$WORK/tool.log" 2>&1 && STATUS=0 || STATUS=$?
    else
        bash -c "$cmd" _ "$src" "$dst" >"$WORK/tool.log" 2>&1 && STATUS=0 || STATUS=$?
    fi
    end=$(date +%s.%N)
    WALL=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", e - s }')
    RSS=NA
    [[ -n $GNU_TIME ]] && RSS=$(tail -n1 "$WORK/time.out")
    if ((STATUS != 0)); then
        warn "$tool failed with status $STATUS copying $src to $dst"
        tail -n5 "$WORK/tool.log" | sed 's/^/    | /' >&2
    fi
}

declare -A TREE_LABEL=([$TREE]="link-heavy tree" [$SNAP]="snapshot repository")
for src in "$TREE" "$SNAP"; do
    src_links=$(count_link_inodes "$src")
    if ! ((COLD)); then
        # Read the whole tree once so that every tool starts with it cached.
        tar -C "$src" -cf - . | cat >/dev/null
    fi
    for v in "${!VOL_DSTS[@]}"; do
        dst=${VOL_DSTS[$v]}
        for ((round = 1; round <= RUNS; round++)); do
            for tool in "${TOOLS[@]}"; do
                rm -rf -- "$dst"
                run_tool "$tool" "$src" "$dst"
                printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "${TREE_LABEL[$src]}" "${VOL_LABELS[$v]}" \
                    "$tool" "$round" "$WALL" "$RSS" "$STATUS" >>"$RAW"
                log "[${TREE_LABEL[$src]} -> ${VOL_LABELS[$v]}, round $round/$RUNS] $tool: ${WALL} s, peak RSS ${RSS} KiB"
                if [[ $tool == linksafe && $round == 1 && $STATUS == 0 ]]; then
                    dst_links=$(count_link_inodes "$dst")
                    if [[ ! -d $dst ]]; then
                        warn "linksafe exited with status 0 but did not create $dst"
                    elif [[ $dst_links != "$src_links" ]]; then
                        warn "linksafe copy of the ${TREE_LABEL[$src]} on ${VOL_LABELS[$v]}: $dst_links hard-linked inodes, source has $src_links"
                    fi
                fi
            done
        done
        rm -rf -- "$dst"
    done
done

# --- report -------------------------------------------------------------------
version() {
    command -v "$1" >/dev/null || { echo "$1: not installed"; return; }
    local v; v=$("$@" 2>&1 | head -n1) || true   # head may SIGPIPE the tool
    echo "${v:-n/a}"
}
mkdir -p "$(dirname "$OUT")"
export RAW OUT ENTRIES RUNS COLD LINKSAFE_CMD WORK
export B_DATE=$(date -u '+%Y-%m-%d %H:%M UTC') B_KERNEL=$(uname -r) B_NPROC=$(nproc)
export B_SRC_FS=$(stat -f -c %T "$WORK") B_VOLS=$(IFS=,; echo "${VOL_LABELS[*]}")
export B_TREE_SUMMARY=$(sed -n 2p "$TREE.done") B_SNAP_SUMMARY=$(sed -n 2p "$SNAP.done")
export B_CP=$(version cp --version) B_RSYNC=$(version rsync --version)
export B_TAR=$(version tar --version) B_JAVA=$(version java -version)
export B_WARNINGS=$(printf '%s\n' ${WARNINGS[@]+"${WARNINGS[@]}"})

python3 - <<'EOF'
import csv, os, statistics
from collections import defaultdict

env = os.environ
runs = defaultdict(list)        # (tree, volume, tool) -> [(wall, rss_kib or None)]
failed = defaultdict(int)
with open(env["RAW"]) as f:
    for r in csv.DictReader(f, delimiter="\t"):
        key = (r["tree"], r["volume"], r["tool"])
        if r["status"] != "0":
            failed[key] += 1
            continue
        rss = None if r["peak_rss_kib"] == "NA" else int(r["peak_rss_kib"])
        runs[key].append((float(r["wall_s"]), rss))

tools = ["cp", "rsync", "tar", "linksafe"]
# "\|" is a literal pipe inside a Markdown table cell
names = {"cp": "`cp -a`", "rsync": "`rsync -aH`", "tar": "`tar \\| tar`", "linksafe": "linksafe"}

def median(key):
    walls = [w for w, _ in runs.get(key, [])]
    return statistics.median(walls) if walls else None

def peak_mib(key):
    rss = [r for _, r in runs.get(key, []) if r is not None]
    return max(rss) / 1024 if rss else None

def ratio(a, b):
    return f"{a / b:.2f}" if a and b else "n/a"

def fmt(x, spec=".2f"):
    return "n/a" if x is None else format(x, spec)

md = [f"## Copy benchmark ({env['B_DATE']})", "",
      f"- Host: Linux {env['B_KERNEL']}, {env['B_NPROC']} CPUs; "
      f"sources on {env['B_SRC_FS']}; destinations: {env['B_VOLS'].replace(',', ', ')}",
      f"- Cache: {'cold (page cache dropped before every run)' if env['COLD'] == '1' else 'warm (source read once before the runs)'}; "
      f"`sync` before every run; {env['RUNS']} round(s), tools alternated within each round; medians of wall-clock time",
      f"- Link-heavy tree ({env['ENTRIES']} entries requested): {env['B_TREE_SUMMARY']}",
      f"- Snapshot repository: {env['B_SNAP_SUMMARY']}",
      f"- Tools: {env['B_CP']}; {env['B_RSYNC']}; {env['B_TAR']}; {env['B_JAVA']}",
      f"- linksafe command: `{env['LINKSAFE_CMD']} SRC DST`",
      "- Peak RSS is GNU time's maximum resident set size of the largest single process "
      "(rsync and tar run several).", ""]
print()
seen = []
for tree, vol, _ in runs.keys() | failed.keys():
    if (tree, vol) not in seen:
        seen.append((tree, vol))
order = {"link-heavy tree": 0, "snapshot repository": 1}
seen.sort(key=lambda tv: (order.get(tv[0], 9), not tv[1].startswith("same"), tv[1]))
for tree, vol in seen:
    cp = median((tree, vol, "cp"))
    ls = median((tree, vol, "linksafe"))
    md += [f"### {tree} → {vol}", "",
           "| Tool | Median (s) | Runs (s) | Ratio to `cp -a` | Peak RSS (MiB) |",
           "|---|---:|---|---:|---:|"]
    print(f"== {tree} -> {vol}")
    for tool in tools:
        key = (tree, vol, tool)
        m = median(key)
        all_runs = ", ".join(f"{w:.2f}" for w, _ in runs.get(key, []))
        if failed[key]:
            all_runs += f" ({failed[key]} failed)"
        md.append(f"| {names[tool]} | {fmt(m)} | {all_runs} | {ratio(m, cp)} | {fmt(peak_mib(key), '.1f')} |")
        print(f"  {tool:9} median {fmt(m):>8} s   peak RSS {fmt(peak_mib(key), '.1f'):>8} MiB")
    line = (f"linksafe/cp-a {ratio(ls, cp)}, rsync/linksafe {ratio(median((tree, vol, 'rsync')), ls)}, "
            f"tar/linksafe {ratio(median((tree, vol, 'tar')), ls)}, "
            f"linksafe peak RSS {fmt(peak_mib((tree, vol, 'linksafe')), '.1f')} MiB")
    print("  " + line)
    md += ["", line, ""]

if env["B_WARNINGS"].strip():
    md += ["Warnings:", ""] + [f"- {w}" for w in env["B_WARNINGS"].strip().splitlines()] + [""]
with open(env["OUT"], "w") as f:
    f.write("\n".join(md).rstrip("\n") + "\n")
print(f"\nMarkdown written to {env['OUT']}; raw runs in {env['RAW']}")
EOF
