#!/usr/bin/env python3
"""A TCP relay that breaks connections as a bad network does (this kernel has no netem).

While the faults file exists, each new connection gets one fate, drawn at random:
  pass     relayed as it is
  delay    every piece held 20-300 ms before it goes on
  drop     closed at once, with a reset
  cut      closed (both ways) after a random number of bytes in one direction
  corrupt  one bit flipped in one direction, at a random byte, then relayed on
  stall    nothing relayed: held open until the client gives up
Without the file every connection passes. The listening port is printed on the first line; the count of
each fate is written to --stats on every new connection. Python 3 standard library only.
Usage: fault_proxy.py --to PORT --faults-file FILE --stats FILE [--seed N]
"""
import argparse
import json
import os
import random
import socket
import struct
import sys
import threading
import time

FATES = [("pass", 35), ("delay", 20), ("drop", 10), ("cut", 15), ("corrupt", 15), ("stall", 5)]


class Link:
    """One client connection and its upstream, with the fate that decides what happens between them."""

    def __init__(self, client, upstream, fate, rng):
        self.client, self.upstream, self.fate = client, upstream, fate
        self.direction = rng.choice(("up", "down"))  # where a cut or a corruption happens
        self.at = rng.randint(1, 6000)  # after how many bytes in that direction
        self.delay = rng.uniform(0.02, 0.3)
        self.bit = 1 << rng.randint(0, 7)
        self.seen = {"up": 0, "down": 0}
        self.lock = threading.Lock()
        self.closed = False

    def close(self):
        with self.lock:
            if self.closed:
                return
            self.closed = True
        for s in (self.client, self.upstream):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def pump(self, source, sink, direction):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                start = self.seen[direction]
                self.seen[direction] += len(data)
                if self.fate == "delay":
                    time.sleep(self.delay)
                if direction == self.direction and start < self.at <= self.seen[direction]:
                    if self.fate == "cut":
                        sink.sendall(data[: self.at - start - 1])
                        break
                    if self.fate == "corrupt":
                        data = bytearray(data)
                        data[self.at - start - 1] ^= self.bit
                        data = bytes(data)
                sink.sendall(data)
        except OSError:
            pass
        self.close()


def stall(client):
    try:
        client.settimeout(120)
        while client.recv(65536):
            pass
    except OSError:
        pass
    client.close()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--to", type=int, required=True, help="the server's port on 127.0.0.1")
    p.add_argument("--faults-file", required=True)
    p.add_argument("--stats", required=True)
    p.add_argument("--seed", type=int, default=None)
    args = p.parse_args()
    rng = random.Random(args.seed)
    counts = {name: 0 for name, _ in FATES}
    names = [name for name, weight in FATES for _ in range(weight)]

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(256)
    print(listener.getsockname()[1], flush=True)
    while True:
        client, _ = listener.accept()
        fate = rng.choice(names) if os.path.exists(args.faults_file) else "pass"
        counts[fate] += 1
        with open(args.stats + ".tmp", "w") as f:
            json.dump(counts, f)
        os.replace(args.stats + ".tmp", args.stats)
        if fate == "drop":
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client.close()
            continue
        if fate == "stall":
            threading.Thread(target=stall, args=(client,), daemon=True).start()
            continue
        try:
            upstream = socket.create_connection(("127.0.0.1", args.to), timeout=5)
            upstream.settimeout(None)
        except OSError:
            client.close()  # the server is away: as if the network were
            continue
        link = Link(client, upstream, fate, rng)
        threading.Thread(target=link.pump, args=(client, upstream, "up"), daemon=True).start()
        threading.Thread(target=link.pump, args=(upstream, client, "down"), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
