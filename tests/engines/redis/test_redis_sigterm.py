#!/usr/bin/python3
"""A signalled `rpbench run` leaves no redis-server behind.

Runs `$RPBENCH run <config> --set engine.type=redis` on a long run phase, waits until its
redis-server child exists, then (1) sends SIGTERM: rpbench must exit with 128+15, having stopped
and reaped the server and removed its private directory; (2) sends SIGKILL to a second run: the
server must die too (PR_SET_PDEATHSIG). Exit 77 (skipped) without /usr/bin/redis-server.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

SERVER = "/usr/bin/redis-server"


def children(pid):
    """Pids whose parent is pid (from /proc, no pgrep needed)."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'.
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid:
            out.append(int(name))
    return out


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return None


def alive_as(pid, name):
    """True while pid exists and is still `name` (and not a zombie)."""
    c = comm(pid)
    if c is None or not c.startswith(name):
        return False
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
        return stat[stat.rindex(")") + 2] != "Z"
    except OSError:
        return False


def wait_for_server(proc, timeout_s=30):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"rpbench exited ({proc.returncode}) before a redis-server appeared:\n"
                                 + proc.stderr.read().decode(errors="replace"))
        for c in children(proc.pid):
            if comm(c) == "redis-server":
                return c
        time.sleep(0.05)
    raise AssertionError("no redis-server child of rpbench appeared within %d s" % timeout_s)


def wait_gone(pid, timeout_s):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not alive_as(pid, "redis-server"):
            return True
        time.sleep(0.02)
    return False


def start(rpbench, config, workdir, tag):
    out = os.path.join(workdir, f"result-{tag}.json")
    return subprocess.Popen(
        [rpbench, "run", config, "--set", "engine.type=redis", "--set", f"engine.dir={workdir}/engine",
         "-o", out, "-q"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def main():
    rpbench = os.environ.get("RPBENCH")
    if not rpbench:
        print("RPBENCH (path of the rpbench binary) is not set", file=sys.stderr)
        return 1
    if not os.access(SERVER, os.X_OK):
        print(f"skipped: {SERVER} is missing (Debian package redis-server)")
        return 77
    with tempfile.TemporaryDirectory(prefix="rpbench-redis-sig-") as workdir:
        config = os.path.join(workdir, "config.json")
        with open(config, "w") as f:
            json.dump({
                "name": "redis-signal-test",
                "seed": 1,
                "engine": {"type": "redis"},
                "dataset": {"keys": 20000, "key_size": 16, "value_size": {"dist": "fixed", "size": 64}},
                "workload": {"keys": {"dist": "uniform"}, "mix": {"read": 0.5, "update": 0.5}},
                "measure": {"loop": "closed", "timeline_ms": 100, "memory_warmup": False},
                "phases": [{"type": "load"}, {"type": "run", "duration_s": 60}],
            }, f)

        # 1. SIGTERM: rpbench stops the experiment and its engine stops the server.
        proc = start(rpbench, config, workdir, "term")
        server = wait_for_server(proc)
        time.sleep(1.0)
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise AssertionError("rpbench did not exit within 30 s of SIGTERM")
        err = proc.stderr.read().decode(errors="replace")
        assert rc == 128 + signal.SIGTERM, f"rpbench exit status {rc}, expected {128 + signal.SIGTERM}:\n{err}"
        assert not alive_as(server, "redis-server"), f"redis-server {server} outlived rpbench after SIGTERM"
        engine_dir = os.path.join(workdir, "engine")
        left = os.listdir(engine_dir) if os.path.isdir(engine_dir) else []
        assert not left, f"the engine left {left} in {engine_dir}"

        # 2. SIGKILL: nothing in rpbench runs, PR_SET_PDEATHSIG kills the server.
        proc = start(rpbench, config, workdir, "kill")
        server = wait_for_server(proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stderr.close()
        assert wait_gone(server, 10), f"redis-server {server} outlived a SIGKILLed rpbench"
    print("ok: no redis-server left after SIGTERM or SIGKILL")
    return 0


if __name__ == "__main__":
    sys.exit(main())
