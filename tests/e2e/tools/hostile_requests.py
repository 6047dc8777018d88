#!/usr/bin/env python3
"""Hostile requests against a running borderlog-server, as raw bytes over a socket.

A table of byte strings, each with the outcome the server must give: an HTTP status (and problem
code), or the connection closed without an answer. After every case /livez must still answer and the
server's resident memory (VmRSS) must stay under the bound given by the caller. Python 3 standard
library only. Used by tests/e2e/hostile_requests.sh, which starts the server with small limits.
"""
import argparse
import json
import socket
import sys
import threading
import time

MIB = 1024 * 1024
HOST = "127.0.0.1"


class Failed(Exception):
    pass


def connect(port, source=HOST, small_buffers=False):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if small_buffers:
        # Like a real network with a slow reader: the client fills its buffers long before the body
        # is out, so a server that stops reading leaves it blocked or reset.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16 * 1024)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)
    s.bind((source, 0))
    s.settimeout(10)
    s.connect((HOST, port))
    return s


def recv_some(sock, deadline):
    """Bytes, b'' at the end of the stream, or None when the deadline passed."""
    left = deadline - time.monotonic()
    if left <= 0:
        return None
    sock.settimeout(left)
    try:
        return sock.recv(65536)
    except socket.timeout:
        return None
    except (ConnectionResetError, BrokenPipeError):
        return b""


class Answer:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def code(self):
        try:
            return json.loads(self.body).get("code")
        except (ValueError, AttributeError):
            return None


def read_answer(sock, deadline, buf=None, skip_interim=True):
    """The next answer on `sock`, or None when the connection ends (or the deadline passes) first.
    `buf` is a bytearray of what was read and not yet used; it is kept for the next call."""
    buf = buf if buf is not None else bytearray()
    while True:
        end = buf.find(b"\r\n\r\n")
        if end >= 0:
            head = bytes(buf[:end]).decode("latin-1").split("\r\n")
            del buf[: end + 4]
            status = int(head[0].split(" ")[1])
            headers = {}
            for line in head[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            if 100 <= status < 200 and skip_interim:
                continue
            length = int(headers.get("content-length", "0"))
            while len(buf) < length:
                more = recv_some(sock, deadline)
                if not more:
                    return None
                buf += more
            body = bytes(buf[:length])
            del buf[:length]
            return Answer(status, headers, body)
        more = recv_some(sock, deadline)
        if not more:
            return None
        buf += more


def closes_within(sock, seconds):
    """True when the server ends the connection within `seconds` (whatever it still sends first)."""
    deadline = time.monotonic() + seconds
    while True:
        more = recv_some(sock, deadline)
        if more is None:
            return False
        if more == b"":
            return True


def send_in_background(sock, data, pause=0.0, piece=None):
    def run():
        try:
            if piece is None:
                sock.sendall(data)
            else:
                for i in range(0, len(data), piece):
                    sock.sendall(data[i : i + piece])
                    if pause:
                        time.sleep(pause)
        except OSError:
            pass  # the server closed: expected for most cases

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


# ---------------------------------------------------------------------------------------------------
# The cases. `send`: how the bytes go out.
#   together - written by a thread while the answer is read (the server may answer before the end)
#   head     - only `data` first; the answer must come before any of `body` is sent
#   blocking - written whole with small socket buffers and nothing read meanwhile; then the answer
#   stall    - written, then nothing more: the server must close without an answer
#   dribble  - written one byte every 0.2 s: the server must close without an answer
# `expect`: a status, a set of statuses, or "closed". `code`: the problem code. `closes`: the server
# must close the connection after its answer.
# ---------------------------------------------------------------------------------------------------


def build_cases(token, max_body):
    auth = f"Authorization: Bearer {token}\r\n"
    post = "POST /api/v1/crossings HTTP/1.1\r\nHost: x\r\n"
    chunked_head = (post + auth + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").encode()
    cases = []

    def case(name, data, expect, code=None, send="together", closes=True, body=b"", **extra):
        cases.append(dict(name=name, data=data if isinstance(data, bytes) else data.encode("latin-1"),
                          expect=expect, code=code, send=send, closes=closes, body=body, **extra))

    # Issue 6, defect 1: the 65,600-byte chunked trailer, exactly as in the issue (no token, POST /).
    case("the issue's 65600-byte trailer on POST /",
         b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: " + b"a" * 65600 + b"\r\n\r\n",
         {404, 405})
    case("a 65600-byte trailer on an admitted request", chunked_head + b"0\r\nX: " + b"a" * 65600 + b"\r\n\r\n",
         431, "headers_too_large")
    case("a trailer section over its bound", chunked_head + b"0\r\n" + b"".join(
        b"X-%d: %s\r\n" % (i, b"a" * 1000) for i in range(8)) + b"\r\n", 431, "headers_too_large")
    case("too many trailer fields", chunked_head + b"0\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(40)) + b"\r\n",
         431, "headers_too_large")

    # Defect 2: framing a proxy in front could read another way.
    smuggling = {
        "Transfer-Encoding that is not chunked": "Transfer-Encoding: gzip\r\n",
        "Transfer-Encoding not ending in chunked": "Transfer-Encoding: chunked, gzip\r\n",
        "chunked after another coding": "Transfer-Encoding: gzip, chunked\r\n",
        "chunked twice": "Transfer-Encoding: chunked, chunked\r\n",
        "two Transfer-Encoding fields": "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding then Content-Length": "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
        "Content-Length then Transfer-Encoding": "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
        "chunked followed by a tab": "Transfer-Encoding: chunked\t\r\n",
        "a tab before chunked": "Transfer-Encoding:\tchunked\r\n",
        "space before the colon of Transfer-Encoding": "Transfer-Encoding : chunked\r\n",
        "two different Content-Lengths": "Content-Length: 5\r\nContent-Length: 6\r\n",
        "a repeated Content-Length": "Content-Length: 5\r\nContent-Length: 5\r\n",
        "a Content-Length list": "Content-Length: 5, 5\r\n",
        "a Content-Length with a sign": "Content-Length: +5\r\n",
        "a Content-Length that is not a number": "Content-Length: five\r\n",
        "a Content-Length of 25 digits": "Content-Length: 1000000000000000000000005\r\n",
    }
    for name, fields in smuggling.items():
        case(name, post + auth + fields + "\r\n0\r\n\r\nGET /livez HTTP/1.1\r\nHost: x\r\n\r\n", 400)
    case("a folded header line", post + auth + "X-A: 1\r\n 2\r\nContent-Length: 0\r\n\r\n", 400, "bad_request")
    case("a folded Transfer-Encoding", post + auth + "X-A: 1\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n", 400)
    case("whitespace before the colon", "GET /livez HTTP/1.1\r\nHost : x\r\n\r\n", 400, "bad_request")
    case("no Host", "GET /livez HTTP/1.1\r\n\r\n", 400, "invalid_host")
    case("two Hosts", "GET /livez HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400, "invalid_host")
    case("Transfer-Encoding in HTTP/1.0", "POST /api/v1/crossings HTTP/1.0\r\n" + auth +
         "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, "invalid_framing")
    case("a control character in a value", "GET /livez HTTP/1.1\r\nHost: x\r\nX: a\x01b\r\n\r\n", 400, "bad_request")
    case("a NUL in a value", "GET /livez HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n", 400, "bad_request")
    case("a bare CR in a value", "GET /livez HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n", 400, "bad_request")
    case("bare LF line ends", "GET /livez HTTP/1.1\nHost: x\n\n", 400, "bad_request")
    case("a request line without version", "GET /livez\r\nHost: x\r\n\r\n", 400, "bad_request")
    case("a request line with two spaces", "GET  /livez HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request")
    case("a request line with a bad method", "GE(T /livez HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request")
    case("a request line with a high byte", "GET /livez\xff HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request")
    case("HTTP/2.0 in the request line", "GET /livez HTTP/2.0\r\nHost: x\r\n\r\n", 505, "http_version_not_supported")
    case("TLS bytes to the plain port", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64 + b"\r\n", 400)

    # Defect 3: memory a stranger controls.
    case("a 2 MiB chunk extension", chunked_head + b"1;e=" + b"a" * (2 * MIB) + b"\r\nx\r\n0\r\n\r\n", 400,
         "invalid_chunk")
    case("48 MiB of small chunk extensions", chunked_head + (b"1;e=" + b"a" * 1000 + b"\r\nx\r\n") * (48 * 1024) +
         b"0\r\n\r\n", 400, "invalid_chunk")
    case("a chunk size of 17 digits", chunked_head + b"00000000000000001\r\nx\r\n0\r\n\r\n", 400, "invalid_chunk")
    case("a chunk size over the body limit", chunked_head + b"fffffffffffffff\r\n", 413, "payload_too_large",
         send="head")
    big_body = b"{" + b" " * (4 * MIB) + b"}"
    head4 = f"Content-Type: application/json\r\nContent-Length: {len(big_body)}\r\n\r\n"
    case("a 4 MiB body with no token is answered before it is sent", post + head4, 401, "unauthorized", send="head",
         body=big_body, then_body=True)
    case("a 4 MiB body with a wrong token is answered before it is sent",
         post + "Authorization: Bearer blt_not-a-token\r\n" + head4, 401, "unauthorized", send="head", body=big_body,
         then_body=True)
    case("a 4 MiB chunked body with no token is answered before it is sent",
         post + "Transfer-Encoding: chunked\r\n\r\n", 401, "unauthorized", send="head",
         body=b"".join(b"10000\r\n%s\r\n" % (b" " * 65536) for _ in range(64)) + b"0\r\n\r\n", then_body=True)
    case("a 4 MiB body with no token written whole before reading", (post + head4).encode() + big_body, 401,
         "unauthorized", send="blocking")
    case("a 4 MiB body with no token sent at once", (post + head4).encode() + big_body, 401, "unauthorized")
    case("a 4 MiB body to an unknown path", ("POST /nowhere HTTP/1.1\r\nHost: x\r\n" + head4).encode() + big_body,
         404, "not_found")
    case("Expect: 100-continue over the body limit is refused before the body",
         post + auth + f"Expect: 100-continue\r\nContent-Length: {4 * MIB}\r\n\r\n", 413, "payload_too_large",
         send="head", body=b"a" * (4 * MIB))

    # Issue 5, item 7: a client still writing an over-limit body reads the 413 (the server drains).
    over = b"[" + b" " * (8 * MIB) + b"]"
    case("an 8 MiB body over a 1 MiB limit, written whole before reading",
         (post + auth + f"Content-Type: application/json\r\nContent-Length: {len(over)}\r\n\r\n").encode() + over,
         413, "payload_too_large", send="blocking")
    piece = 64 * 1024
    chunked_over = b"".join(b"%x\r\n%s\r\n" % (piece, b" " * piece) for _ in range((8 * MIB) // piece)) + b"0\r\n\r\n"
    case("an 8 MiB chunked body over a 1 MiB limit, written whole before reading", chunked_head + chunked_over, 413,
         "payload_too_large", send="blocking")

    # Bounds of the head.
    case("a 9000-byte request line", "GET /" + "a" * 9000 + " HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri_too_long")
    case("a 9000-byte header", "GET /livez HTTP/1.1\r\nHost: x\r\nX: " + "a" * 9000 + "\r\n\r\n", 431,
         "headers_too_large")
    case("101 headers", "GET /livez HTTP/1.1\r\nHost: x\r\n" + "".join(f"X-{i}: 1\r\n" for i in range(101)) + "\r\n",
         431, "headers_too_large")
    case("a 20 KiB head", "GET /livez HTTP/1.1\r\nHost: x\r\n" + "".join(
        f"X-{i}: {'a' * 1000}\r\n" for i in range(20)) + "\r\n", 431, "headers_too_large")

    # Slow heads (slowloris): closed at the head timeout, long before the read timeout.
    case("a head that stops halfway", "GET /livez HTTP/1.1\r\nHost: x\r\nX-Slow:", "closed", send="stall")
    case("a head sent one byte every 0.2 s", "GET /livez HTTP/1.1\r\nHost: x\r\n" + "X-Slow: " + "a" * 200,
         "closed", send="dribble")

    # What must keep working.
    case("two pipelined requests are both answered", "GET /livez HTTP/1.1\r\nHost: x\r\n\r\n" * 2, 200, closes=False,
         answers=2)
    case("an empty line before a request is allowed", "\r\nGET /livez HTTP/1.1\r\nHost: x\r\n\r\n", 200,
         closes=False)
    case("a plain chunked body is read", chunked_head + b"1\r\n{\r\n0\r\n\r\n", 400, "invalid_json", closes=False)
    case("Expect: 100-continue gets 100 before the body", post + auth +
         "Content-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n", 400,
         "invalid_json", send="continue", body=b"{", closes=False)
    return cases


def client_values(data):
    """The header values and the target of a request head, as text: none may come back in a header."""
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    values = set(head[0].split(" ")[1:2])
    for line in head[1:]:
        values.add(line.partition(":")[2].strip())
    return {v for v in values if len(v) >= 6}


def run_case(c, port, head_timeout):
    deadline = time.monotonic() + 30
    sock = connect(port, small_buffers=c["send"] == "blocking")
    try:
        buf = bytearray()
        if c["send"] == "together":
            send_in_background(sock, c["data"])
        elif c["send"] == "head":
            sock.sendall(c["data"])
        elif c["send"] == "continue":
            sock.sendall(c["data"])
            interim = read_answer(sock, deadline, buf, skip_interim=False)
            if interim is None or interim.status != 100:
                raise Failed(f"expected 100 Continue, got {interim and interim.status}")
            sock.sendall(c["body"])
        elif c["send"] == "blocking":
            try:
                sock.sendall(c["data"])
            except OSError as e:
                raise Failed(f"the server reset the connection while the body was written: {e}")
        elif c["send"] in ("stall", "dribble"):
            if c["send"] == "stall":
                sock.sendall(c["data"])
            else:
                send_in_background(sock, c["data"], pause=0.2, piece=1)
            # The server must close within the head timeout (plus slack), well before the read timeout.
            limit = head_timeout + 5
            started = time.monotonic()
            buf2 = bytearray()
            while True:
                more = recv_some(sock, started + limit)
                if more is None:
                    raise Failed(f"still open {limit} s after a slow head")
                if more == b"":
                    break
                buf2 += more
            if buf2:
                raise Failed(f"expected no answer, got {bytes(buf2[:40])!r}")
            return "closed"
        answers = []
        for _ in range(c.get("answers", 1)):
            a = read_answer(sock, deadline, buf)
            if a is None:
                raise Failed("the connection ended without an answer")
            answers.append(a)
        a = answers[-1]
        expect = c["expect"] if isinstance(c["expect"], set) else {c["expect"]}
        if any(x.status not in expect for x in answers):
            raise Failed(f"answered {[x.status for x in answers]}, expected {sorted(expect)}: {a.body[:200]!r}")
        if c["code"] and a.code() != c["code"]:
            raise Failed(f"answered code {a.code()}, expected {c['code']}")
        echoed = client_values(c["data"]) & {v for v in a.headers.values() if len(v) >= 6}
        if echoed:
            raise Failed(f"the answer echoes client values in its headers: {sorted(echoed)[:3]}")
        if c["send"] == "head" and c["body"] and c.get("then_body"):
            # The answer came before the body was sent. A client that sends it anyway (it was already
            # writing) must be able to finish without a reset; then the server closes.
            try:
                sock.settimeout(30)
                sock.sendall(c["body"])
            except OSError as e:
                raise Failed(f"the body sent after the answer was reset: {e}")
            if not closes_within(sock, 15):
                raise Failed("the connection stays open after refusing a request whose body was not read")
        elif c["send"] == "head" and c["body"]:
            # Refused before the body, which the client (waiting on Expect) never sends: closed.
            if not closes_within(sock, 10):
                raise Failed("the connection stays open after refusing a request whose body was not read")
        elif c["closes"] and not closes_within(sock, 10):
            raise Failed("the connection stays open after the answer")
        return str(a.status)
    finally:
        sock.close()


def livez(port, source="127.0.0.5"):
    sock = connect(port, source=source)
    try:
        sock.sendall(b"GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        a = read_answer(sock, time.monotonic() + 10)
        return a is not None and a.status == 200
    finally:
        sock.close()


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise Failed("no VmRSS")


def request(port, source, raw):
    sock = connect(port, source=source)
    try:
        sock.sendall(raw.encode())
        return read_answer(sock, time.monotonic() + 10)
    finally:
        sock.close()


def check_address_share(port, share):
    """One address holding its whole share of connections does not lock out another address."""
    held = []
    holder, other = "127.0.0.6", "127.0.0.7"
    try:
        for _ in range(share):
            s = connect(port, source=holder)
            s.sendall(b"GET /livez HTTP/1.1\r\nHost: x\r\n\r\n")
            a = read_answer(s, time.monotonic() + 10)
            if a is None or a.status != 200:
                raise Failed("a connection within the share was not served")
            held.append(s)  # kept open, idle: the server keeps it until the read timeout
        extra = connect(port, source=holder)
        try:
            extra.sendall(b"GET /livez HTTP/1.1\r\nHost: x\r\n\r\n")
            a = read_answer(extra, time.monotonic() + 10)
            if a is not None:
                raise Failed(f"a connection over the address's share was served ({a.status})")
        finally:
            extra.close()
        if not livez(port, source=other):
            raise Failed("another address was locked out while one held its whole share")
    finally:
        for s in held:
            s.close()


def check_auth_throttle(port, limit, log_file):
    """Unknown tokens cost one database query each at most, and failures are rate-limited per address."""
    src = "127.0.0.3"
    same = "GET /api/v1/token HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer blt_same-unknown-token\r\n\r\n"
    for _ in range(5):
        a = request(port, src, same)
        if a is None or a.status != 401:
            raise Failed(f"an unknown token was answered {a and a.status}")
    with open(log_file) as f:
        lookups = sum(1 for line in f if '"event":"token_unknown"' in line and '"address":"127.0.0.3"' in line)
    if lookups != 1:
        raise Failed(f"the same unknown token was looked up {lookups} times in the database, not once")
    statuses = []
    for i in range(limit):
        a = request(port, src, f"GET /api/v1/token HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer blt_guess-{i}\r\n\r\n")
        statuses.append(a and a.status)
    if statuses[-1] != 429:
        raise Failed(f"after {limit + 5} failures the address is still answered {statuses[-1]}")
    a = request(port, src, same)
    if a is None or a.status != 429 or a.code() != "too_many_requests" or \
            not a.headers.get("retry-after", "").isdigit():
        raise Failed("a throttled address is not answered 429 too_many_requests with Retry-After")
    if int(a.headers["retry-after"]) > 60:
        raise Failed(f"Retry-After {a.headers['retry-after']} is longer than the failure window")
    return statuses.count(429)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--token", required=True, help="a device token")
    p.add_argument("--max-body", type=int, required=True)
    p.add_argument("--head-timeout", type=int, required=True)
    p.add_argument("--rss-bound-kib", type=int, required=True)
    p.add_argument("--address-share", type=int, required=True)
    p.add_argument("--auth-failures", type=int, required=True)
    p.add_argument("--log", required=True, help="the server's log file (debug level)")
    args = p.parse_args()

    failures = []
    peak = 0
    cases = build_cases(args.token, args.max_body)
    for c in cases:
        try:
            outcome = run_case(c, args.port, args.head_timeout)
            if not livez(args.port):
                raise Failed("/livez does not answer afterwards")
            rss = rss_kib(args.pid)
            peak = max(peak, rss)
            if rss > args.rss_bound_kib:
                raise Failed(f"the server holds {rss} KiB resident, over the bound of {args.rss_bound_kib} KiB")
            print(f"ok    {c['name']}: {outcome} (VmRSS {rss} KiB)")
        except (Failed, OSError) as e:
            failures.append(c["name"])
            print(f"FAIL  {c['name']}: {e}")
    for name, check in (("one address holding its connection share does not lock out another",
                         lambda: check_address_share(args.port, args.address_share)),
                        ("unknown tokens are cached and failures throttled per address",
                         lambda: check_auth_throttle(args.port, args.auth_failures, args.log))):
        try:
            check()
            if not livez(args.port):
                raise Failed("/livez does not answer afterwards")
            print(f"ok    {name}")
        except (Failed, OSError) as e:
            failures.append(name)
            print(f"FAIL  {name}: {e}")
    print(f"{len(cases) + 2 - len(failures)} passed, {len(failures)} failed; peak VmRSS {peak} KiB")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
