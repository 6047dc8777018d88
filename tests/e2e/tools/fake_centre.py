#!/usr/bin/env python3
"""A fake central server that answers the real checkpoint the way a faulty or hostile centre would.

    fake_centre.py SCENARIO

Listens on a free loopback port and prints "listening PORT". Every request is logged to stderr as
"METHOD TARGET". GET /api/v1/token answers a device token of KAK-01 at KAKAVIJE; heartbeats get 204.
What batches and reconciles get depends on SCENARIO:

  mismatch          a batch answer whose third result names an id the batch did not send
  retry_after       the first batch: 503 with Retry-After: 2000000000; then every record is stored
  reconcile_claims  every record is stored; reconcile claims seqs missing far beyond what was sent
  reconcile_huge    every record is stored; reconcile answers one page of 400,000 ranges

Python 3 standard library only.
"""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SCENARIO = sys.argv[1]
state = {"batches": 0}


def stored(body):
    return {"results": [{"id": r["id"], "status": "stored"} for r in json.loads(body)["records"]]}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body=None, headers=None):
        data = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        print(f"GET {self.path}", file=sys.stderr, flush=True)
        if self.path.startswith("/api/v1/token"):
            return self.answer(200, {"role": "device", "checkpoint_id": "KAKAVIJE", "device_id": "KAK-01", "name": "",
                                     "limits": {"max_body_bytes": 4194304, "max_batch_records": 1000}})
        if "/reconcile" in self.path:
            stream = ""
            if "stream=" in self.path:
                stream = self.path.split("stream=")[1].split("&")[0]
            if SCENARIO == "reconcile_claims":
                return self.answer(200, {"device_id": "KAK-01", "stream_id": stream, "received": 3, "quarantined": 0,
                                         "max_seq": 1000000000001, "missing": [[2, 1000000000000]],
                                         "truncated": False, "server_time": "2026-11-27T12:00:00.000Z"})
            if SCENARIO == "reconcile_huge":
                missing = ",".join(f"[{2 * i + 1},{2 * i + 1}]" for i in range(400000))
                body = (f'{{"device_id":"KAK-01","stream_id":"{stream}","received":3,"quarantined":0,'
                        f'"max_seq":900000,"missing":[{missing}],"truncated":false,'
                        f'"server_time":"2026-11-27T12:00:00.000Z"}}').encode()
                return self.answer(200, body)
            return self.answer(200, {"device_id": "KAK-01", "stream_id": stream, "received": 0, "quarantined": 0,
                                     "max_seq": 0, "missing": [], "truncated": False,
                                     "server_time": "2026-11-27T12:00:00.000Z"})
        self.answer(404, {"code": "not_found"})

    def do_POST(self):
        print(f"POST {self.path}", file=sys.stderr, flush=True)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path.endswith("/heartbeat"):
            return self.answer(204)
        if self.path.startswith("/api/v1/crossings/batch"):
            state["batches"] += 1
            if SCENARIO == "mismatch":
                records = json.loads(body)["records"]
                results = [{"id": r["id"], "status": "stored"} for r in records]
                results[0] = {"id": records[0]["id"], "status": "rejected", "error": {"code": "invalid_field"}}
                if len(results) > 2:
                    results[2] = {"id": "01936f1e-0000-7000-8000-000000000000", "status": "stored"}
                return self.answer(200, {"results": results})
            if SCENARIO == "retry_after" and state["batches"] == 1:
                return self.answer(503, {"code": "central_offline"}, {"Retry-After": "2000000000"})
            return self.answer(200, stored(body))
        self.answer(404, {"code": "not_found"})


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(f"listening {server.server_address[1]}", flush=True)
server.serve_forever()
