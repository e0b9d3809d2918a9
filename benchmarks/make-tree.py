#!/usr/bin/env python3
"""Make a reproducible, link-heavy directory tree for benchmarking copy tools.

    benchmarks/make-tree.py OUT_DIR [--entries N] [--seed S]

OUT_DIR becomes the root of the tree (it must not exist or be empty).
With the default 100000 entries the tree holds roughly:
  * ~7% directories, nested up to 8 levels, a few of them empty;
  * ~89% regular-file names; about a third of ALL names belong to hard-link
    groups of 2-4 names spread over different directories;
  * 4% symlinks of every class: relative and absolute inner links to files,
    links to directories (some to an ancestor, i.e. a cycle if followed),
    outer links (/etc/hostname, /usr, ../../../etc/hosts ...), dangling
    links, loops (a -> b -> a, a -> a) and chains (link -> link -> file);
  * ~450 MiB of data: most files 0-16 KiB, a few 100 KiB-3 MiB,
    one 4-20 MiB file per 20000 entries.
The same seed always produces the same tree (names, sizes and bytes).
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

# Share of each symlink class among all symlinks (a loop counts two links).
SYMLINK_CLASSES = {"rel": 0.30, "abs": 0.10, "dir": 0.15, "outer": 0.15,
                   "dangling": 0.15, "loop": 0.10, "chain": 0.05}
OUTER_TARGETS = ["/etc/hostname", "/etc/passwd", "/usr", "/usr/share/doc", "/", "/tmp"]
LINK_STEMS = ["current", "latest", "link", "alias", "shortcut", "lib.so", "default"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("out_dir")
    ap.add_argument("--entries", type=int, default=100_000,
                    help="minimum number of entries (dirs + file names + symlinks)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if args.entries < 200:
        ap.error("--entries must be at least 200")

    t0 = time.monotonic()
    rng = random.Random(args.seed)
    root = prepare_out_dir(args.out_dir)
    n = args.entries

    n_dirs = n // 14                       # ~14 entries per directory on average
    n_empty_dirs = max(3, n // 5000)
    n_symlinks = max(len(SYMLINK_CLASSES) * 2, n * 4 // 100)
    n_file_names = n - n_dirs - n_symlinks
    n_huge = max(1, round(n / 20_000))
    n_empty_files = max(3, n // 2000)      # on top of the 0.5% that file_size() makes empty

    # --- directories -------------------------------------------------------
    dirs = make_dirs(rng, root, n_dirs - n_empty_dirs)
    for i in range(n_empty_dirs):
        os.mkdir(os.path.join(root, rng.choice(dirs), f"empty-{i:x}"))
    # Cumulative popularity weights for picking the directory of a new file.
    cum_weights = list(itertools.accumulate(dir_weights(rng, len(dirs))))

    def popular_dir():
        return dirs[bisect.bisect(cum_weights, rng.random() * cum_weights[-1])]

    # --- inodes: how many names each one gets ------------------------------
    # About a third of all names go to hard-link groups of 2-4 names.
    group_sizes = []
    while sum(group_sizes) < n // 3:
        group_sizes.append(rng.randint(2, 4))
    n_singles = n_file_names - sum(group_sizes)
    names_per_inode = group_sizes + [1] * n_singles
    rng.shuffle(names_per_inode)

    sizes = [file_size(rng) for _ in names_per_inode]
    special = rng.sample(range(len(sizes)), n_huge + n_empty_files)
    for i in special[:n_huge]:
        sizes[i] = huge_file_size(rng)
    for i in special[n_huge:]:
        sizes[i] = 0

    # --- regular files and hard links --------------------------------------
    writer = ContentWriter(rng)
    files = []                 # relative path of the first name of every inode
    counter = itertools.count()
    for k, size in zip(names_per_inode, sizes):
        rel = os.path.join(popular_dir(), file_name(rng, next(counter)))
        path = os.path.join(root, rel)
        writer.write(path, size)
        mtime = random_mtime_ns(rng)
        os.utime(path, ns=(mtime, mtime))
        files.append(rel)
        for _ in range(k - 1):
            # Extra names go anywhere in the tree, not next to the first one.
            other = os.path.join(rng.choice(dirs), file_name(rng, next(counter)))
            os.link(path, os.path.join(root, other))

    # --- symlinks ----------------------------------------------------------
    counts = dict.fromkeys(SYMLINK_CLASSES, 0)
    inner_links = []           # rel/abs links, used as targets of chains

    def new_link(target, where=None):
        where = popular_dir() if where is None else where
        rel = os.path.join(where, f"{rng.choice(LINK_STEMS)}-{next(counter):x}")
        os.symlink(target, os.path.join(root, rel))
        return rel

    def relative_to(target_rel, where):
        return os.path.relpath(os.path.join(root, target_rel), os.path.join(root, where))

    classes, weights = zip(*SYMLINK_CLASSES.items())
    # Each class once first, so tiny trees still contain all of them.
    plan = itertools.chain(classes, iter(lambda: rng.choices(classes, weights)[0], None))
    while sum(counts.values()) < n_symlinks:
        cls = next(plan)
        where = popular_dir()
        depth = len(where.split(os.sep)) if where else 0
        if cls == "rel":
            inner_links.append(new_link(relative_to(rng.choice(files), where), where))
        elif cls == "abs":
            inner_links.append(new_link(os.path.join(root, rng.choice(files))))
        elif cls == "dir":
            r = rng.random()
            if r < 0.1 and depth > 0:      # ancestor: a cycle for anyone following links
                new_link("/".join([".."] * rng.randint(1, depth)), where)
            elif r < 0.55:
                new_link(relative_to(rng.choice(dirs), where), where)
            else:
                new_link(os.path.join(root, rng.choice(dirs)).rstrip("/"))
        elif cls == "outer":
            if rng.random() < 0.25:        # relative, but climbs out of the tree
                new_link("../" * (depth + rng.randint(1, 3)) + "etc/hosts", where)
            else:
                new_link(rng.choice(OUTER_TARGETS))
        elif cls == "dangling":
            r = rng.random()
            if r < 0.4:
                new_link(f"missing-{next(counter):x}.txt")
            elif r < 0.7:
                new_link(os.path.join(root, "no", "such", f"file-{next(counter):x}"))
            else:                          # through a regular file: ENOTDIR
                new_link(relative_to(rng.choice(files), where) + "/sub", where)
        elif cls == "loop":
            if rng.random() < 0.2:         # a -> a
                name = f"self-{next(counter):x}"
                os.symlink(name, os.path.join(root, where, name))
                counts[cls] += 1
                continue
            a_dir, b_dir = where, popular_dir()
            a = os.path.join(a_dir, f"loop-a-{next(counter):x}")
            b = os.path.join(b_dir, f"loop-b-{next(counter):x}")
            os.symlink(relative_to(b, a_dir), os.path.join(root, a))
            os.symlink(relative_to(a, b_dir), os.path.join(root, b))
            counts[cls] += 1               # the second link of the pair
        elif cls == "chain":
            if not inner_links:
                continue
            new_link(relative_to(rng.choice(inner_links), where), where)
        counts[cls] += 1

    n_links = sum(counts.values())
    total = (len(dirs) - 1 + n_empty_dirs) + n_file_names + n_links
    empty_files = sum(1 for s in sizes if s == 0)
    print(f"make-tree: {total} entries in {root}: "
          f"{len(dirs) - 1 + n_empty_dirs} dirs ({n_empty_dirs} empty), "
          f"{n_file_names} file names -> {len(sizes)} inodes "
          f"({len(group_sizes)} hard-link groups with {sum(group_sizes)} names, "
          f"{empty_files} empty files), "
          f"{n_links} symlinks (" + ", ".join(f"{k} {v}" for k, v in counts.items()) + "), "
          f"{writer.bytes_written / MiB:.1f} MiB, seed {args.seed}, "
          f"{time.monotonic() - t0:.1f} s")


if __name__ == "__main__":
    main()
