#!/usr/bin/env python3
"""Calls every operation docs/openapi.yaml describes with every kind of credential and checks each answer
against the roles the operation declares (x-roles), which the server's route table must match (the
OpenApi unit test holds the two together).

    role_matrix.py BASE_URL OPENAPI_YAML TOKENS_JSON

TOKENS_JSON names the credentials: {"none": "", "revoked": ..., "expired": ..., "admin": ...,
"operations": ..., "trainer": ..., "device": ...}; the device token speaks for device KAK-01.

The matrix:
  x-roles []          public: no credential is refused (never 401/403)
  no/revoked/expired  401 on every operation that is not public
  a role not listed   403
  a role listed       neither 401 nor 403, and no 5xx (bodies are deliberately invalid, so 400 and 404
                      are expected; no state changes)
  device, other device's path   403 wherever the path names a {device}
Prints one line per call that differs and exits 1 when any does.
"""
import http.client
import json
import re
import sys
import urllib.parse

ROLES = ["admin", "operations", "trainer", "device"]
BAD = ["none", "revoked", "expired"]
VALUES = {
    "device": "KAK-01",
    "checkpoint": "KAKAVIJE",
    "id": "1",
    "doc_country": "UTO",
    "doc_number": "L898902C3",
    "name": "app.css",
}


def operations(yaml_text):
    """(METHOD, path, roles) in the layout docs/openapi.yaml promises at its top."""
    path_line = re.compile(r"""^  (["']?/[^:]*["']?):\s*(#.*)?$""")
    method_line = re.compile(r"^    (get|put|post|delete|patch):\s*$")
    roles_line = re.compile(r"^      x-roles:\s*\[(.*)\]\s*$")
    out, path, method, in_paths = [], None, None, False
    for line in yaml_text.splitlines():
        if line and line[0] not in " #":
            in_paths = line.startswith("paths:")
            continue
        if not in_paths:
            continue
        if m := path_line.match(line):
            path = m.group(1).strip("\"'")
        elif m := method_line.match(line):
            method = m.group(1).upper()
        elif (m := roles_line.match(line)) and method:
            roles = [r.strip().strip("\"'") for r in m.group(1).split(",") if r.strip()]
            out.append((method, path, roles))
            method = None
    return out


def fill(path, device):
    values = dict(VALUES, device=device)
    return re.sub(r"\{(\w+)\}", lambda m: urllib.parse.quote(values.get(m.group(1), "x"), safe=""), path)


def call(base, method, path, token):
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    headers = {"Accept": "application/json"}
    body = None
    if token:
        headers["Authorization"] = "Bearer " + token
    if method in ("POST", "PUT", "PATCH"):
        body = b"[]"  # valid JSON no route accepts: the role is judged, nothing is changed
        headers["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=body, headers=headers)
        status = conn.getresponse().status  # the head only: /api/v1/events streams on
    finally:
        conn.close()
    return status


def expected(roles, credential):
    """A predicate on the status, and its description."""
    public = not roles
    if public:
        return (lambda s: s not in (401, 403) and s < 500), "not 401/403/5xx (public)"
    if credential in BAD:
        return (lambda s: s == 401), "401"
    if "*" in roles or credential in roles:
        return (lambda s: s not in (401, 403) and s < 500), "allowed: not 401/403/5xx"
    return (lambda s: s == 403), "403"


def main():
    base, yaml_file, tokens_file = sys.argv[1:4]
    with open(yaml_file, encoding="utf-8") as f:
        ops = operations(f.read())
    with open(tokens_file, encoding="utf-8") as f:
        tokens = json.load(f)
    if len(ops) < 20:
        print(f"only {len(ops)} operations read from {yaml_file}: its layout changed?")
        return 1
    failures = calls = 0
    for method, path, roles in ops:
        for credential in BAD + ROLES:
            ok, want = expected(roles, credential)
            status = call(base, method, fill(path, "KAK-01"), tokens[credential])
            calls += 1
            if not ok(status):
                failures += 1
                print(f"{method} {path} as {credential}: {status}, expected {want}")
        if "{device}" in path and ("device" in roles or "*" in roles):
            status = call(base, method, fill(path, "KAK-02"), tokens["device"])
            calls += 1
            if status != 403:
                failures += 1
                print(f"{method} {path} as device KAK-01 for KAK-02: {status}, expected 403")
    print(f"{len(ops)} operations, {calls} calls, {failures} differ from the matrix")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
