"""Children that die with the runner: a sweep or paper runner killed with SIGKILL (which it cannot
catch) must not leave the rpbench it started running. Linux's parent-death signal, set in the
child between fork and exec, sends the child SIGTERM when the runner goes (rpbench then stops
cleanly: its engine's children, servers and memory nodes with it)."""
import ctypes
import signal
import subprocess

_PR_SET_PDEATHSIG = 1


def _die_with_parent():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def run(cmd, **kwargs):
    """subprocess.run, with the child bound to this process's life."""
    return subprocess.run(cmd, preexec_fn=_die_with_parent, **kwargs)
