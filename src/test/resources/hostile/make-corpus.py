#!/usr/bin/env python3
"""Writes the hostile archive corpus next to this script, with Python's tarfile (a producer
independent of the one linksafe reads with). The expected refusal for each archive is in
HostileCorpusTest. Run again only to change the corpus; the archives are committed."""
import io
import os
import random
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
OUTSIDE = "/tmp/linksafe-hostile-outside"


def info(name, kind=tarfile.REGTYPE, size=0, link="", mode=0o644):
    t = tarfile.TarInfo(name)
    t.type = kind
    t.size = size
    t.linkname = link
    t.mode = mode
    t.mtime = 1700000000
    t.uname = t.gname = "user"
    return t


def archive(name, entries, fmt=tarfile.PAX_FORMAT):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tar:
        for e in entries:
            if isinstance(e, tuple):
                t, data = e
                tar.addfile(t, io.BytesIO(data))
            else:
                tar.addfile(e)
    write(name, buf.getvalue())
    return buf.getvalue()


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def file(name, text):
    data = text.encode()
    return info(name, size=len(data)), data


def checksum(header):
    h = bytearray(header)
    h[148:156] = b" " * 8
    h[148:156] = b"%06o\0 " % sum(h)
    return bytes(h)


archive("dotdot.tar", [file("ok.txt", "fine"), file("../evil.txt", "evil"),
                       file("a/../../evil2.txt", "evil"), file("a/b/../../../evil3.txt", "evil"),
                       file("also-ok.txt", "fine")])
archive("absolute.tar", [file(OUTSIDE + "/abs.txt", "evil"), file("ok.txt", "fine")])
archive("drive-letter.tar", [file("C:/evil.txt", "evil"), file("C:\\evil2.txt", "evil"),
                             file("ok.txt", "fine")])
archive("symlink-then-write.tar", [
    info("out", tarfile.SYMTYPE, link=OUTSIDE), file("out/evil.txt", "evil"),
    info("up", tarfile.SYMTYPE, link="../.."), file("up/evil2.txt", "evil"),
    info("deep/x", tarfile.SYMTYPE, link="../../.."), file("deep/x/evil3.txt", "evil"),
    info("loop1", tarfile.SYMTYPE, link="loop2"), info("loop2", tarfile.SYMTYPE, link="loop1"),
    file("loop1/evil4.txt", "evil"), file("ok.txt", "fine")])
archive("link-then-overwrite.tar", [
    info("s", tarfile.SYMTYPE, link=OUTSIDE + "/target.txt"), file("s", "replaced, not written through"),
    file("ok.txt", "fine")])
archive("hardlink-escape.tar", [
    info("h1", tarfile.LNKTYPE, link=OUTSIDE + "/target.txt"),
    info("h2", tarfile.LNKTYPE, link="../linksafe-hostile-outside/target.txt"),
    info("h3", tarfile.LNKTYPE, link="never-extracted"),
    info("s", tarfile.SYMTYPE, link=OUTSIDE), info("h4", tarfile.LNKTYPE, link="s/target.txt"),
    info("d", tarfile.DIRTYPE, mode=0o755), info("h5", tarfile.LNKTYPE, link="d"),
    file("ok.txt", "fine")])
archive("hardlink-then-write.tar", [file("a", "original"), info("b", tarfile.LNKTYPE, link="a"),
                                    file("b", "new")])
archive("directory-then-symlink.tar", [
    info("d", tarfile.DIRTYPE, mode=0o755), info("d", tarfile.SYMTYPE, link=OUTSIDE),
    file("d/inside.txt", "stays inside")])
pax_path = info("innocent.txt", size=4)
pax_path.pax_headers = {"path": "../pax-evil.txt"}
pax_link = info("innocent-link", tarfile.LNKTYPE)
pax_link.pax_headers = {"linkpath": "../../etc/passwd"}
archive("pax-overrides.tar", [(pax_path, b"evil"), pax_link, file("ok.txt", "fine")])
archive("gnu-longname.tar", [file("../" + "n" * 150 + "/evil.txt", "evil"),
                             file("x" * 120 + "/ok.txt", "fine")], fmt=tarfile.GNU_FORMAT)

# sizes that claim far more than the archive holds
good = archive("_small.tar", [file("small.txt", "x")], fmt=tarfile.USTAR_FORMAT)
os.remove(os.path.join(HERE, "_small.tar"))
huge = bytearray(good)
huge[124:136] = b"%011o " % ((8 << 30) - 1)
write("huge-size.tar", checksum(huge[:512]) + bytes(huge[512:]))
base256 = bytearray(good)
base256[124:136] = b"\x80" + (1 << 62).to_bytes(11, "big")
write("base256-size.tar", checksum(base256[:512]) + bytes(base256[512:]))
pax_huge = io.BytesIO()
header = info("./PaxHeaders/x", tarfile.XHDTYPE, size=1 << 30).tobuf(tarfile.USTAR_FORMAT)
pax_huge.write(header + b"30 path=claims-a-gigabyte.txt\n")
write("huge-pax-header.tar", pax_huge.getvalue())
pax_record = info("./PaxHeaders/y", tarfile.XHDTYPE, size=32).tobuf(tarfile.USTAR_FORMAT)
write("huge-pax-record.tar", pax_record + b"99999999999 path=x\n".ljust(512, b"\0")
      + info("after.txt").tobuf(tarfile.USTAR_FORMAT) + b"\0" * 1024)

big = archive("_big.tar", [file("big.txt", "y" * 10000), file("next.txt", "n")],
              fmt=tarfile.USTAR_FORMAT)
os.remove(os.path.join(HERE, "_big.tar"))
write("truncated-header.tar", big[:300])
write("truncated-data.tar", big[:5000])
bad = bytearray(good)
bad[148:156] = b"000001\0 "
write("bad-checksum.tar", bytes(bad))
rnd = random.Random(9)
write("garbage.tar", bytes(rnd.getrandbits(8) for _ in range(4096)))
