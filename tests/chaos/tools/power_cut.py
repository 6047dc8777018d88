#!/usr/bin/env python3
"""Plays the undo logs of tests/chaos/power_cut_vfs.cpp backwards: every file they name goes back to
what it held at its last sync, as after a power cut. Run it once every process using the files is
dead (kill -9). The shared-memory index (-shm) goes too: it was memory, SQLite rebuilds it from the WAL.
Prints how many writes were undone. Usage: power_cut.py UNDO_DIR
"""
import os
import struct
import sys

HEAD = struct.Struct("<IIqq")  # magic, bytes saved, offset, size of the file before the write
MAGIC = 0x4F444E55


def entries(log):
    data = open(log, "rb").read()
    at, out = 0, []
    while at + HEAD.size <= len(data):
        magic, saved, offset, size = HEAD.unpack_from(data, at)
        if magic != MAGIC or at + HEAD.size + saved > len(data):
            break  # a process killed while appending: that write had not started
        out.append((offset, size, data[at + HEAD.size : at + HEAD.size + saved]))
        at += HEAD.size + saved
    return out


def main():
    undo_dir = sys.argv[1]
    undone = 0
    for name in sorted(os.listdir(undo_dir)):
        if not name.endswith(".undo"):
            continue
        log = os.path.join(undo_dir, name)
        path = bytes.fromhex(name[: -len(".undo")]).decode()
        written = entries(log)
        if os.path.exists(path):
            with open(path, "r+b") as f:
                for offset, size, old in reversed(written):
                    f.seek(offset)
                    f.write(old)
                    f.flush()
                    if os.fstat(f.fileno()).st_size > size:
                        f.truncate(size)
                    undone += 1
        os.unlink(log)
        for suffix in ("-wal", "-journal"):
            if path.endswith(suffix):
                path = path[: -len(suffix)]
        if os.path.exists(path + "-shm"):
            os.unlink(path + "-shm")
    print(undone)


if __name__ == "__main__":
    main()
