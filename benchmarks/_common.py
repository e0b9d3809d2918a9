"""Helpers shared by make-tree.py and make-snapshots.py (standard library only).

Everything takes an explicit random.Random so that a given seed always
produces the same tree: same names, same sizes, same bytes.
"""

import math
import os
import sys

MiB = 1 << 20

# A few name fragments so that the tree looks like real data rather than
# f00001, f00002, ...  Some contain spaces or non-ASCII characters on purpose:
# copy tools should not care, but bugs in path handling show up there.
STEMS = ["report", "data", "index", "IMG_", "notes", "main", "config", "backup",
         "thumb", "log", "module", "test", "README", "invoice", "track", "cache",
         "résumé", "Entwurf ", "日本語", "photo ", "build", "lib", "page", "chunk"]
EXTS = ["txt", "dat", "jpg", "png", "c", "h", "java", "py", "json", "xml", "log",
        "pdf", "mp3", "so", "o", "html", "md", "bin", "gz", "csv"]
DIR_STEMS = ["src", "docs", "photos", "2021", "2022", "2023", "music", "projects",
             "home", "etc", "var", "cache", "old", "backup", "Eigene Dateien",
             "tmp", "archive", "lib", "share", "build", "assets", "données"]


def file_name(rng, i):
    """A unique file name: the counter i makes it unique within the tree."""
    return f"{rng.choice(STEMS)}{i:x}.{rng.choice(EXTS)}"


def dir_name(rng, i):
    return f"{rng.choice(DIR_STEMS)}-{i:x}"


def file_size(rng):
    """Long-tailed file size: ~96% up to 16 KiB (median ~1 KiB), ~3.5% 16-100 KiB,
    ~0.3% 100 KiB-3 MiB, 0.5% empty.  Mean ~6 KiB, i.e. ~400 MiB for 66k inodes.
    The "huge" files (4-20 MiB) are added separately by the callers so that
    their count does not depend on luck."""
    r = rng.random()
    if r < 0.005:
        return 0
    if r < 0.962:
        return min(int(rng.lognormvariate(math.log(1024), 1.2)), 16 * 1024)
    if r < 0.997:
        return int(math.exp(rng.uniform(math.log(16 * 1024), math.log(100 * 1024))))
    return int(math.exp(rng.uniform(math.log(100 * 1024), math.log(3 * MiB))))


def huge_file_size(rng):
    return int(math.exp(rng.uniform(math.log(4 * MiB), math.log(20 * MiB))))


class ContentWriter:
    """Writes file contents cut from one seeded random pool.

    Generating fresh random bytes per file would dominate the run time; slicing
    a pool at a random offset is cheap and still gives non-zero, mostly
    distinct, incompressible data (no zero pages that a filesystem could
    store as holes)."""

    POOL_SIZE = 8 * MiB

    def __init__(self, rng):
        self.rng = rng
        # Doubled so that any slice of up to POOL_SIZE bytes is contiguous.
        pool = rng.randbytes(self.POOL_SIZE)
        self.pool = memoryview(pool + pool)
        self.bytes_written = 0

    def write(self, path, size):
        off = self.rng.randrange(self.POOL_SIZE)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            left = size
            while left > 0:
                n = min(left, self.POOL_SIZE)
                chunk = self.pool[off:off + n]
                while chunk:  # os.write may write less than asked
                    chunk = chunk[os.write(fd, chunk):]
                left -= n
        finally:
            os.close(fd)
        self.bytes_written += size


def make_dirs(rng, root, count, max_depth=8):
    """Create `count` nested directories below root (a random recursive tree:
    each new directory hangs below a random earlier one, which gives a few wide
    directories, many leaves and depths up to max_depth).
    Returns the list of directory paths relative to root, root itself ("") first."""
    dirs = [""]
    depth = [0]
    for i in range(count):
        while True:
            p = rng.randrange(len(dirs))
            if depth[p] < max_depth:
                break
        rel = os.path.join(dirs[p], dir_name(rng, i))
        os.mkdir(os.path.join(root, rel))
        dirs.append(rel)
        depth.append(depth[p] + 1)
    return dirs


def dir_weights(rng, n):
    """Per-directory popularity for placing files: Pareto-distributed, so a few
    directories hold thousands of files and most hold a handful."""
    return [rng.paretovariate(1.2) for _ in range(n)]


def prepare_out_dir(path):
    """OUT_DIR must be new or empty: the generators never delete anything."""
    if os.path.exists(path):
        if not os.path.isdir(path) or os.listdir(path):
            sys.exit(f"error: {path} exists and is not an empty directory")
    else:
        os.makedirs(path)
    return os.path.abspath(path)


def random_mtime_ns(rng):
    """A modification time within the last ~3 years (fixed epoch, so reproducible)."""
    base = 1_700_000_000  # Nov 2023
    return (base - rng.randrange(3 * 365 * 86400)) * 1_000_000_000 + rng.randrange(10**9)
