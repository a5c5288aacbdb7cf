"""./run_experiments.sh SWEEP --slurm on a real Slurm cluster: a single-node cluster on this host
from Debian's packages (munge, slurmctld, slurmd), configured in a temporary folder with ports of
its own and stopped at the end, gets the smoke sweep as a job array (at most 2 tasks at once)
and a figure job after it; when both are done, every point has one valid result, each written by
its own array task, and the figures are drawn. Exits 77 (ctest: skipped, with the reason) where
Slurm or munge is not installed, this is not root, or the daemons do not come up."""
import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
VALIDATE = os.path.join(ROOT, "scripts", "validate_results.py")
SKIP = 77
WAIT_S = 900


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """munged, slurmctld and slurmd on this host, all state in `d`; stop() ends them."""

    def __init__(self, d):
        self.d = d
        self.env = dict(os.environ, SLURM_CONF=os.path.join(d, "slurm.conf"))
        os.makedirs(os.path.join(d, "munge"), mode=0o700)
        for sub in ("state", "spool", "log", "run"):
            os.makedirs(os.path.join(d, sub))
        os.chmod(d, 0o755)
        os.chmod(os.path.join(d, "run"), 0o755)  # munged wants its socket's folder open to all
        key = os.path.join(d, "munge", "munge.key")
        with open(key, "wb") as f:
            f.write(os.urandom(1024))
        os.chmod(key, 0o400)
        self.sock = os.path.join(d, "run", "munge.socket")
        m = subprocess.run(["munged", f"--socket={self.sock}", f"--key-file={key}",
                            f"--pid-file={d}/munge/pid", f"--log-file={d}/munge/log", f"--seed-file={d}/munge/seed"],
                           capture_output=True, text=True)
        if m.returncode != 0:
            raise RuntimeError("munged: " + (m.stderr or m.stdout).strip())
        host = socket.gethostname()
        conf = f"""ClusterName=rpbtest
SlurmctldHost={host}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket={self.sock}
CredType=cred/munge
SlurmctldPort={free_port()}
SlurmdPort={free_port()}
StateSaveLocation={d}/state
SlurmdSpoolDir={d}/spool
SlurmctldPidFile={d}/slurmctld.pid
SlurmdPidFile={d}/slurmd.pid
SlurmctldLogFile={d}/log/slurmctld.log
SlurmdLogFile={d}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
SwitchType=switch/none
NodeName={host} CPUs={os.cpu_count()} State=UNKNOWN
PartitionName=rpbtest Nodes=ALL Default=YES MaxTime=INFINITE State=UP
"""
        with open(self.env["SLURM_CONF"], "w") as f:
            f.write(conf)
        for daemon in ("slurmctld", "slurmd"):
            p = subprocess.run([daemon, "-f", self.env["SLURM_CONF"]], capture_output=True, text=True, env=self.env)
            if p.returncode != 0:
                raise RuntimeError(f"{daemon}: " + (p.stderr or p.stdout).strip())
        deadline = time.time() + 30
        while time.time() < deadline:
            s = subprocess.run(["sinfo", "-h", "-o", "%t"], capture_output=True, text=True, env=self.env)
            if s.returncode == 0 and s.stdout.strip() in ("idle", "mix", "alloc"):
                return
            time.sleep(0.5)
        raise RuntimeError("the node did not become idle in 30 s: " + self.log_tail())

    def log_tail(self):
        out = ""
        for f in glob.glob(os.path.join(self.d, "log", "*.log")):
            with open(f, errors="replace") as fh:
                out += f"\n--- {f}\n" + "".join(fh.readlines()[-10:])
        return out

    def squeue(self, job_ids):
        p = subprocess.run(["squeue", "-h", "-j", ",".join(job_ids), "-o", "%i %T"], capture_output=True,
                           text=True, env=self.env)
        return p.stdout.strip()

    def stop(self):
        subprocess.run(["scancel", "-u", "root"], capture_output=True, env=self.env)
        for pid_file in ("slurmd.pid", "slurmctld.pid", "munge/pid"):
            try:
                with open(os.path.join(self.d, pid_file)) as f:
                    pid = int(f.read().strip())
                os.kill(pid, 15)
                for _ in range(50):
                    os.kill(pid, 0)
                    time.sleep(0.1)
            except (OSError, ValueError):
                pass


def unavailable():
    if os.geteuid() != 0:
        return "not root: the test starts its own slurmctld, slurmd and munged"
    for tool in ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo", "scancel"):
        if shutil.which(tool) is None:
            return tool + " is not installed (Debian: munge, slurmctld, slurmd, slurm-client)"
    return None


TMP = None      # the cluster's and the results' folder (main() makes it)
CLUSTER = None


class Slurm(unittest.TestCase):
    def setUp(self):
        self.tmp, self.cluster = TMP, CLUSTER

    def test_the_smoke_sweep_runs_as_a_job_array_and_a_figure_job_after_it(self):
        results = os.path.join(self.tmp.name, "results")
        p = subprocess.run([os.path.join(ROOT, "run_experiments.sh"), "smoke", "--slurm", "--max-parallel", "2",
                            "--results", results], capture_output=True, text=True, env=self.cluster.env, timeout=900)
        self.assertEqual(p.returncode, 0, p.stdout[-2000:] + p.stderr[-2000:])
        with open(os.path.join(results, "smoke", "slurm", "jobs.json")) as f:
            jobs = json.load(f)
        ids = [jobs["array_job"], jobs["figures_job"]]
        deadline = time.time() + WAIT_S
        while self.cluster.squeue(ids) and time.time() < deadline:
            time.sleep(1)
        self.assertEqual(self.cluster.squeue(ids), "", "jobs still queued after the wait" + self.cluster.log_tail())
        logs = os.path.join(results, "smoke", "slurm")
        tasks = sorted(glob.glob(os.path.join(logs, f"task-{jobs['array_job']}_*.out")))
        self.assertEqual(len(tasks), jobs["runs"], self.cluster.log_tail())
        for t in tasks:  # each task ran exactly one run of the sweep
            with open(t) as f:
                text = f.read()
            self.assertIn(f"run_sweep: shard ", text, text)
            self.assertIn("1 point(s) ok", text, text)
        points = sorted(glob.glob(os.path.join(results, "smoke", "*.json")))
        self.assertEqual(len(points), jobs["runs"])
        v = subprocess.run(["/usr/bin/python3", VALIDATE] + points, capture_output=True, text=True)
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        figures = glob.glob(os.path.join(logs, f"figures-{jobs['figures_job']}.out"))
        self.assertEqual(len(figures), 1)
        with open(figures[0]) as f:
            text = f.read()
        self.assertIn("skipped (valid result present)", text, text)
        self.assertNotIn(" ...\n", text.replace("skipped (valid result present)", ""),
                         "the figure job ran a point again: " + text)
        self.assertTrue(glob.glob(os.path.join(results, "smoke", "figures", "*.png")), text)


def main():
    global TMP, CLUSTER
    why = unavailable()
    if why:
        print("skipped: " + why)
        return SKIP
    TMP = tempfile.TemporaryDirectory()
    os.chmod(TMP.name, 0o755)  # munged and slurmd check the paths to their sockets and spools
    try:
        try:
            CLUSTER = Cluster(os.path.join(TMP.name, "cluster"))
        except (RuntimeError, OSError) as e:
            print(f"skipped: Slurm did not start: {e}")
            return SKIP
        ok = unittest.main(exit=False).result.wasSuccessful()
        return 0 if ok else 1
    finally:
        if CLUSTER:
            CLUSTER.stop()
        TMP.cleanup()


if __name__ == "__main__":
    sys.exit(main())
