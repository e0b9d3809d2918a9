#!/usr/bin/env python3
"""Make a reproducible rsnapshot-style repository for benchmarking copy tools.

    benchmarks/make-snapshots.py OUT_DIR [--files N] [--snapshots K] [--seed S]

OUT_DIR/snap.0 .. snap.K-1 each hold a tree of about N files.  As with
rsnapshot, snap.0 is the newest and snap.K-1 the oldest.  Each snapshot is made
from the previous (older) one like `cp -al` followed by a backup run: ~2% of
the files are rewritten (a new inode), 0.2% are deleted and 0.2% are added;
every other name is a hard link to the older snapshot's inode.  So most inodes
have K links, which is what makes such repositories hard to copy for tools
that do not track hard links (or that track them in an unbounded table).
"""

import argparse
import bisect
import itertools
import os
import random
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in benchmarks/
from _common import (MiB, ContentWriter, dir_weights, file_name, file_size,
                     huge_file_size, make_dirs, prepare_out_dir, random_mtime_ns)

CHANGED, DELETED, ADDED = 0.02, 0.002, 0.002   # per snapshot, as fractions of N


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("out_dir")
    ap.add_argument("--files", type=int, default=20_000, help="files per snapshot")
    ap.add_argument("--snapshots", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if args.files < 50 or args.snapshots < 1:
        ap.error("need --files >= 50 and --snapshots >= 1")

    t0 = time.monotonic()
    rng = random.Random(args.seed)
    root = prepare_out_dir(args.out_dir)
    n, k = args.files, args.snapshots
    writer = ContentWriter(rng)
    snap = [os.path.join(root, f"snap.{i}") for i in range(k)]

    # --- the oldest snapshot: a plain tree ---------------------------------
    os.mkdir(snap[k - 1])
    dirs = make_dirs(rng, snap[k - 1], max(5, n // 15))
    cum_weights = list(itertools.accumulate(dir_weights(rng, len(dirs))))
    counter = itertools.count()

    def new_file(snap_dir, rel, size, mtime_ns):
        path = os.path.join(snap_dir, rel)
        writer.write(path, size)
        os.utime(path, ns=(mtime_ns, mtime_ns))

    def new_name():
        d = dirs[bisect.bisect(cum_weights, rng.random() * cum_weights[-1])]
        return os.path.join(d, file_name(rng, next(counter)))

    files = [new_name() for _ in range(n)]
    sizes = [file_size(rng) for _ in range(n)]
    for i in rng.sample(range(n), max(1, round(n / 20_000))):
        sizes[i] = huge_file_size(rng)
    for rel, size in zip(files, sizes):
        new_file(snap[k - 1], rel, size, random_mtime_ns(rng))

    # --- newer snapshots: hard links to the older one, plus the changes ----
    changed_total, names = 0, n
    for s in range(k - 2, -1, -1):
        older, cur = snap[s + 1], snap[s]
        for d in dirs:
            os.mkdir(os.path.join(cur, d))
        # Files changed by this "backup run" get a newer mtime than any so far.
        mtime = 1_700_000_000_000_000_000 + (k - s) * 86_400_000_000_000
        picks = rng.sample(range(len(files)), round(n * (CHANGED + DELETED)))
        changed = set(picks[:round(n * CHANGED)])
        deleted = set(picks[round(n * CHANGED):])
        for i, rel in enumerate(files):
            if i in changed:
                new_file(cur, rel, file_size(rng), mtime)
            elif i not in deleted:
                os.link(os.path.join(older, rel), os.path.join(cur, rel))
        files = [rel for i, rel in enumerate(files) if i not in deleted]
        for _ in range(round(n * ADDED)):
            rel = new_name()
            new_file(cur, rel, file_size(rng), mtime)
            files.append(rel)
        changed_total += len(changed) + round(n * ADDED)
        names += len(files)

    print(f"make-snapshots: {k} snapshots in {root}: {len(dirs)} dirs and "
          f"~{n} files each, {names} file names -> {n + changed_total} inodes "
          f"(~{round(n * CHANGED)} changed, {round(n * DELETED)} deleted, "
          f"{round(n * ADDED)} added per snapshot), "
          f"{writer.bytes_written / MiB:.1f} MiB, seed {args.seed}, "
          f"{time.monotonic() - t0:.1f} s")


if __name__ == "__main__":
    main()
