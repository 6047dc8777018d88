#!/usr/bin/env bash
# borderlog-server serve under systemd's notify protocol (Type=notify, WatchdogSec): READY=1 once it
# listens, WATCHDOG=1 from its event loop at half the watchdog interval, STOPPING=1 when SIGTERM
# starts the drain, then exit 0. The "systemd" here is a datagram socket named by NOTIFY_SOCKET.
source "$(dirname "$0")/lib.sh"

create_database
python3 - "$SERVER_BIN" "$DB_URL" "$WORK" <<'PY' || fail "the server did not speak the notify protocol as expected"
import os, signal, socket, subprocess, sys, time
server, db, work = sys.argv[1:4]
path = os.path.join(work, "notify.sock")
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
sock.settimeout(30)
env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC="1000000")  # WatchdogSec=1: pings every 0.5 s
log = open(os.path.join(work, "server.log"), "ab")
proc = subprocess.Popen([server, "serve", "--db", db, "--listen", "127.0.0.1:0"], env=env, stdout=log, stderr=log)
said = []
try:
    while "STOPPING=1" not in said:
        said.append(sock.recv(4096).decode())
        if said.count("WATCHDOG=1") == 3:
            proc.send_signal(signal.SIGTERM)
    rc = proc.wait(timeout=30)
except Exception as e:
    proc.kill()
    sys.exit(f"after {said}: {e}")
print("told systemd:", said, "exit", rc, file=sys.stderr)
ready = said.index("READY=1") if "READY=1" in said else -1
ok = ready == 0 and said.count("WATCHDOG=1") >= 3 and said[-1] == "STOPPING=1" and rc == 0
sys.exit(0 if ok else 1)
PY
