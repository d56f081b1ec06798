#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Turn a Kiln image into the Linux microVM's initramfs, so that both boot
exactly the same files with exactly the same argv and environment:

    mkinitramfs.py IMAGE INIT OUT.cpio [MODULE.ko...]

IMAGE is what `kiln build` made (include/kiln/image.h: the kernel ELF plus
one PT_LOAD payload holding a cpio "newc" root filesystem and the program's
argv and envp). OUT gets every rootfs entry (re-packed without Kiln's
page-alignment name padding, which Linux's initramfs reader rejects for
names longer than PATH_MAX), plus /init (INIT, the static program from
init.c), /dev/console, and /.bench/argv and /.bench/envp for init to exec.
MODULE.ko files (for a distribution kernel with virtio as modules) go to
/.bench/mod/, listed in load order in /.bench/modules.
"""
import os
import stat
import struct
import subprocess
import sys

PAYLOAD_MAGIC = 0x4C5941504E4C494B  # "KILNPAYL"
HDR = struct.Struct("<QIIQQQQQQQQ")  # struct kiln_payload_hdr, less reserved


def payload(data):
    """The payload bytes of a Kiln image (the PT_LOAD starting with the
    payload magic)."""
    if data[:4] != b"\x7fELF" or data[4] != 2:
        raise ValueError("not a 64-bit ELF file")
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        p_type, _flags, off, _va, _pa, filesz = struct.unpack_from(
            "<IIQQQQ", data, phoff + i * phentsize)
        if p_type == 1 and filesz >= HDR.size and \
                struct.unpack_from("<Q", data, off)[0] == PAYLOAD_MAGIC:
            return data[off:off + filesz]
    raise ValueError("no Kiln payload (not made by kiln build?)")


def strings(blob):
    return [s.decode() for s in blob.split(b"\0")[:-1]] if blob else []


def read_image(path):
    """(cpio bytes, argv list, envp list, default kernel options)."""
    with open(path, "rb") as f:
        p = payload(f.read())
    (_m, _v, _hs, cpio_off, cpio_size, argv_off, argv_size, envp_off,
     envp_size, cmd_off, cmd_size) = HDR.unpack_from(p, 0)
    cmdline = p[cmd_off:cmd_off + cmd_size].split(b"\0")[0].decode()
    return (p[cpio_off:cpio_off + cpio_size],
            strings(p[argv_off:argv_off + argv_size]),
            strings(p[envp_off:envp_off + envp_size]), cmdline)


def unzfile(data):
    """A compressed image file's bytes (include/kiln/image.h: a header, a
    chunk table, then one zstd frame per chunk; concatenated frames
    decompress to the concatenated chunks)."""
    magic, _shift, size, nchunks = struct.unpack_from("<IIQI", data, 0)
    if magic != 0x3146465a:
        raise ValueError("bad compressed-file header")
    out = subprocess.run(["zstd", "-d", "-q", "-c"],
                         input=data[24 + 4 * nchunks:],
                         stdout=subprocess.PIPE, check=True).stdout
    if len(out) != size:
        raise ValueError("compressed file: wrong size")
    return out


def cpio_entries(blob):
    """Yield (name, mode, data) for each entry of a newc archive; the
    data of compressed files (c_check 1) decompressed."""
    pos = 0
    while pos + 110 <= len(blob):
        if blob[pos:pos + 6] != b"070701":
            raise ValueError(f"bad cpio magic at {pos}")
        f = [int(blob[pos + 6 + 8 * i:pos + 14 + 8 * i], 16) for i in range(13)]
        mode, filesize, namesize, check = f[1], f[6], f[11], f[12]
        name = blob[pos + 110:pos + 110 + namesize].split(b"\0")[0].decode()
        pos = (pos + 110 + namesize + 3) & ~3
        data = blob[pos:pos + filesize]
        pos = (pos + filesize + 3) & ~3
        if name == "TRAILER!!!":
            return
        if check == 1 and stat.S_ISREG(mode):
            data = unzfile(data)
        yield name, mode, data


def module_order(paths):
    """The modules in an order that loads each after those it depends on
    (the depends= field of its .modinfo)."""
    deps, by_name = {}, {}
    for p in paths:
        name = os.path.basename(p)[:-3].replace("-", "_")
        with open(p, "rb") as f:
            data = f.read()
        i = data.find(b"\0depends=")
        dep = data[i + 9:data.index(b"\0", i + 9)].decode() if i >= 0 else ""
        deps[name] = [d.replace("-", "_") for d in dep.split(",") if d]
        by_name[name] = p
    out, done = [], set()

    def visit(n):
        if n in done or n not in by_name:
            return
        done.add(n)
        for d in deps[n]:
            visit(d)
        out.append(by_name[n])
    for n in by_name:
        visit(n)
    return out


class CpioWriter:
    def __init__(self, out):
        self.out = out
        self.ino = 1

    def add(self, name, mode, data=b"", rdev=(0, 0)):
        nb = name.encode() + b"\0"
        hdr = "070701" + "".join(f"{v:08x}" for v in (
            self.ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1],
            len(nb), 0))
        self.ino += 1
        buf = hdr.encode() + nb
        buf += b"\0" * (-len(buf) % 4)
        self.out.write(buf + data + b"\0" * (-len(data) % 4))

    def close(self):
        self.add("TRAILER!!!", 0)
        self.out.write(b"\0" * (-self.out.tell() % 512))


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    image, init, out = sys.argv[1:4]
    modules = module_order(sys.argv[4:])
    cpio, argv, envp, _ = read_image(image)
    with open(init, "rb") as f:
        init_data = f.read()
    seen = set()
    with open(out + ".tmp", "wb") as f:
        w = CpioWriter(f)
        for name, mode, data in cpio_entries(cpio):
            name = name.lstrip("/")
            if name in ("init", ".bench") or name.startswith(".bench/"):
                continue
            seen.add(name)
            w.add(name, mode, data)
        for d in ("dev", "proc", "sys", "tmp", ".bench"):
            if d not in seen:
                w.add(d, stat.S_IFDIR | 0o755)
        w.add("dev/console", stat.S_IFCHR | 0o600, rdev=(5, 1))
        w.add("init", stat.S_IFREG | 0o755, init_data)
        w.add(".bench/argv", stat.S_IFREG | 0o644,
              b"".join(a.encode() + b"\0" for a in argv))
        w.add(".bench/envp", stat.S_IFREG | 0o644,
              b"".join(e.encode() + b"\0" for e in envp))
        if modules:
            w.add(".bench/mod", stat.S_IFDIR | 0o755)
            paths = []
            for i, m in enumerate(modules):
                paths.append(f"/.bench/mod/{i:02d}-{os.path.basename(m)}")
                with open(m, "rb") as f:
                    w.add(paths[-1].lstrip("/"), stat.S_IFREG | 0o644,
                          f.read())
            w.add(".bench/modules", stat.S_IFREG | 0o644,
                  "".join(p + "\n" for p in paths).encode())
        w.close()
    os.replace(out + ".tmp", out)


if __name__ == "__main__":
    main()
