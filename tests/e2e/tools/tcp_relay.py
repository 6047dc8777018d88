#!/usr/bin/env python3
"""A user-space TCP relay with small socket buffers, for end-to-end tests over a "real network".

    tcp_relay.py LISTEN_PORT TARGET_HOST TARGET_PORT [--buffer BYTES] [--chunk BYTES]

Every connection accepted on 127.0.0.1:LISTEN_PORT is relayed to TARGET_HOST:TARGET_PORT through
sockets whose kernel buffers are BYTES (default 4096) and in reads of at most --chunk bytes, so that a
large request body is still being written when the server answers: what a client meets on a slow link.
When one side resets, the other is reset too (SO_LINGER 0), as a router in between would pass it on.
Prints "listening PORT" once ready; logs one line per connection to stderr. Python 3 standard library only.
"""

import argparse
import socket
import struct
import sys
import threading


def small_buffers(sock, size):
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, size)


def reset(sock):
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    except OSError:
        pass


class Pair:
    """One relayed connection: two sockets and two pumps."""

    def __init__(self, client, upstream, chunk, number):
        self.client, self.upstream, self.chunk, self.number = client, upstream, chunk, number
        self.lock = threading.Lock()
        self.done = 0
        self.bytes = {"up": 0, "down": 0}
        self.broken = False

    def pump(self, source, sink, direction):
        try:
            while True:
                data = source.recv(self.chunk)
                if not data:
                    sink.shutdown(socket.SHUT_WR)  # pass the end of stream on, keep reading the other way
                    break
                sink.sendall(data)
                self.bytes[direction] += len(data)
        except OSError:
            with self.lock:
                self.broken = True
            reset(self.client)
            reset(self.upstream)
        finally:
            with self.lock:
                self.done += 1
                last = self.done == 2
            if last:
                for s in (self.client, self.upstream):
                    try:
                        s.close()
                    except OSError:
                        pass
                print(f"connection {self.number}: up {self.bytes['up']} bytes, down {self.bytes['down']} bytes"
                      f"{', reset' if self.broken else ''}", file=sys.stderr, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("listen_port", type=int)
    parser.add_argument("target_host")
    parser.add_argument("target_port", type=int)
    parser.add_argument("--buffer", type=int, default=4096)
    parser.add_argument("--chunk", type=int, default=2048)
    args = parser.parse_args()

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    small_buffers(listener, args.buffer)  # accepted sockets inherit them
    listener.bind(("127.0.0.1", args.listen_port))
    listener.listen(64)
    print(f"listening {listener.getsockname()[1]}", flush=True)
    number = 0
    while True:
        client, _ = listener.accept()
        number += 1
        upstream = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        small_buffers(upstream, args.buffer)
        try:
            upstream.connect((args.target_host, args.target_port))
        except OSError as e:
            print(f"connection {number}: upstream refused ({e})", file=sys.stderr, flush=True)
            reset(client)
            continue
        pair = Pair(client, upstream, args.chunk, number)
        threading.Thread(target=pair.pump, args=(client, upstream, "up"), daemon=True).start()
        threading.Thread(target=pair.pump, args=(upstream, client, "down"), daemon=True).start()


if __name__ == "__main__":
    main()
