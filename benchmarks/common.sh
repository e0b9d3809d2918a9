# Shared by archive.sh, mirror.sh and snapshot.sh: options, the benchmark tree, a timer.
# Sourced, not run. After `bench_setup NAME "$@"`: ENTRIES, ROUNDS, TREE (the tree, made if
# missing), WORK (an empty work directory), and the current directory is the repository root.

bench_setup() {
    local name=$1; shift
    ENTRIES=100000 ROUNDS=3
    while (($#)); do
        case $1 in
            --entries) ENTRIES=$2; shift 2 ;;
            --rounds) ROUNDS=$2; shift 2 ;;
            *) echo "unknown argument: $1 (usage: benchmarks/$name.sh [--entries N] [--rounds R])" >&2; exit 2 ;;
        esac
    done
    cd "$(dirname "$(realpath -- "${BASH_SOURCE[0]}")")/.."
    [[ -f target/linksafe.jar ]] || mvn -B -q package -DskipTests
    WORK=${TMPDIR:-/tmp}/linksafe-$name-bench
    TREE=${TMPDIR:-/tmp}/linksafe-bench/tree-e$ENTRIES-s1
    [[ -d $TREE ]] || python3 benchmarks/make-tree.py "$TREE" --entries "$ENTRIES" --seed 1
    rm -rf "$WORK"; mkdir -p "$WORK"
}

require_rsync() {
    command -v rsync >/dev/null || { echo "rsync is not installed (apt-get install rsync)" >&2; exit 2; }
}

# Wall seconds of a command, its output kept in $WORK/out.
secs() { local s e; s=$(date +%s.%N); "$@" > "$WORK/out" 2>&1 || true; e=$(date +%s.%N); echo "$e - $s" | bc; }
