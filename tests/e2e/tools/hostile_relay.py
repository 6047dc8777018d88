#!/usr/bin/env python3
"""A relay between a checkpoint and the real borderlog-server that can answer in hostile ways.

Each request from the checkpoint is forwarded to the server (on a connection of its own); the answer
goes back shaped by the mode named in --mode-file, read again for every request:

  pass        the answer as it is
  interim     100 Continue and 103 Early Hints before the answer
  extra       the answer twice: a second answer nobody asked for stays on the keep-alive connection
  trailer     the answer chunked, with a 65,600-byte trailer
  truncated   the answer cut off halfway, then the connection closed
  garbage     an answer whose Content-Length is not a number
  reset       the connection closed without an answer (the request is not forwarded)
  retry_huge  503 with Retry-After: 2000000000 (not forwarded)
  retry_2p63  503 with Retry-After: 9223372036854775807 (not forwarded)

Every request served is appended to --served as "MODE METHOD PATH". The port it listens on is
written to --port-file. Python 3 standard library only. Used by tests/e2e/hostile_answers.sh.
"""
import argparse
import http.client
import os
import socketserver
import sys
import threading

ARGS = None
LOCK = threading.Lock()
INTERIM = (b"HTTP/1.1 100 Continue\r\n\r\n"
           b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n")
PROBLEM = (b'{"type":"https://borderlog.example/problems/central_offline","title":"Central system offline",'
           b'"status":503,"detail":"relay","code":"central_offline"}')


def read_request(sock, buf):
    """(method, path, headers, body, rest) or None when the client closed."""
    while b"\r\n\r\n" not in buf:
        more = sock.recv(65536)
        if not more:
            return None
        buf += more
    head, _, buf = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(buf) < length:
        more = sock.recv(65536)
        if not more:
            return None
        buf += more
    return method, path, headers, buf[:length], buf[length:]


def forward(method, path, headers, body):
    conn = http.client.HTTPConnection("127.0.0.1", ARGS.upstream_port, timeout=30)
    try:
        sent = {k: v for k, v in headers.items() if k in ("authorization", "content-type")}
        conn.request(method, path, body=body if body else None, headers=sent)
        res = conn.getresponse()
        return res.status, res.reason, res.getheader("Content-Type"), res.getheader("Retry-After"), res.read()
    finally:
        conn.close()


def answer_bytes(status, reason, content_type, retry_after, body):
    head = f"HTTP/1.1 {status} {reason}\r\n"
    if content_type:
        head += f"Content-Type: {content_type}\r\n"
    if retry_after:
        head += f"Retry-After: {retry_after}\r\n"
    if status != 204:
        head += f"Content-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


def chunked_with_trailer(status, reason, content_type, body):
    head = f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type or 'application/json'}\r\n"
    head += "Transfer-Encoding: chunked\r\n\r\n"
    chunk = b"%x\r\n%s\r\n" % (len(body), body) if body else b""
    return head.encode() + chunk + b"0\r\nX-Padding: " + b"a" * 65600 + b"\r\n\r\n"


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        sock = self.request
        buf = b""
        try:
            while True:
                got = read_request(sock, buf)
                if got is None:
                    return
                method, path, headers, body, buf = got
                try:
                    with open(ARGS.mode_file) as f:
                        mode = f.read().strip() or "pass"
                except FileNotFoundError:
                    mode = "pass"
                with LOCK, open(ARGS.served, "a") as f:
                    f.write(f"{mode} {method} {path}\n")
                if mode == "reset":
                    return
                if mode in ("retry_huge", "retry_2p63"):
                    value = "2000000000" if mode == "retry_huge" else "9223372036854775807"
                    sock.sendall(answer_bytes(503, "Service Unavailable", "application/problem+json", value, PROBLEM))
                    continue
                status, reason, ctype, retry, rbody = forward(method, path, headers, body)
                answer = answer_bytes(status, reason, ctype, retry, rbody)
                if mode == "interim":
                    sock.sendall(INTERIM + answer)
                elif mode == "extra":
                    sock.sendall(answer + answer)
                elif mode == "trailer":
                    sock.sendall(chunked_with_trailer(status, reason, ctype, rbody))
                elif mode == "truncated":
                    sock.sendall(answer[: max(1, len(answer) - len(rbody) // 2 - 1)])
                    return
                elif mode == "garbage":
                    sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: nope\r\n\r\n{}")
                    return
                else:
                    sock.sendall(answer)
        except (ConnectionError, OSError):
            return


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    global ARGS
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--upstream-port", type=int, required=True)
    p.add_argument("--mode-file", required=True)
    p.add_argument("--served", required=True)
    p.add_argument("--port-file", required=True)
    ARGS = p.parse_args()
    with Server(("127.0.0.1", 0), Handler) as server:
        with open(ARGS.port_file + ".tmp", "w") as f:
            f.write(str(server.server_address[1]))
        os.replace(ARGS.port_file + ".tmp", ARGS.port_file)
        server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
