#!/usr/bin/env python3
"""Makes a metadata-heavy tree for the scanner's memory and speed measurement: N entries of
empty or tiny files in directories of ~100 entries, a third of the names in hard-link groups
of 2-4, and a few percent symlinks. Contents are irrelevant here, so the tree is quick to make
and small on disk.

usage: make-wide-tree.py OUT_DIR [--entries N] [--seed S]
"""
import argparse
import os
import random
import sys
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if os.path.exists(a.out) and os.listdir(a.out):
        sys.exit(f"{a.out} exists and is not empty")
    rnd = random.Random(a.seed)
    start = time.time()
    os.makedirs(a.out, exist_ok=True)
    made = 0
    dirs = 0
    files = []
    groups = 0
    d = 0
    while made < a.entries:
        directory = os.path.join(a.out, f"d{d // 100:05d}", f"e{d % 100:02d}")
        os.makedirs(directory, exist_ok=True)
        dirs += 1
        made += 1 if d % 100 else 2
        for i in range(min(100, a.entries - made)):
            r = rnd.random()
            name = os.path.join(directory, f"f{i:03d}")
            if r < 0.03 and files:
                os.symlink(os.path.relpath(rnd.choice(files), directory), name)
            elif r < 0.15 and files:
                # a further name for an earlier file: about a third of names end up in groups
                target = rnd.choice(files[-5000:])
                if os.stat(target).st_nlink < 4:
                    os.link(target, name)
                    groups += 1
                else:
                    open(name, "wb").close()
            else:
                with open(name, "wb") as f:
                    if r > 0.9:
                        f.write(b"x" * rnd.randint(1, 512))
                files.append(name)
            made += 1
        d += 1
    print(f"make-wide-tree: {made} entries in {a.out}: {dirs} directories, "
          f"{groups} extra hard-link names, {time.time() - start:.1f} s")


if __name__ == "__main__":
    main()
