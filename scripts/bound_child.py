"""Children that die with the runner: a sweep or paper runner killed with SIGKILL (which it cannot
catch) must not leave the rpbench it started running. Linux's parent-death signal, set in the
child between fork and exec, sends the child SIGTERM when the runner goes (rpbench then stops
cleanly: its engine's children, servers and memory nodes with it)."""
import ctypes
import os
import signal
import subprocess

_PR_SET_PDEATHSIG = 1


def _binder(parent):
    def die_with_parent():
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"prctl(PR_SET_PDEATHSIG): {os.strerror(err)}")
        if os.getppid() != parent:  # the runner died before the signal was armed
            os._exit(1)
    return die_with_parent


def run(cmd, **kwargs):
    """subprocess.run, with the child bound to this process's life."""
    return subprocess.run(cmd, preexec_fn=_binder(os.getpid()), **kwargs)
