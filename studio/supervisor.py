"""A small process supervisor for `make run`: starts the studio's processes and restarts one that dies.

Each child starts in a session (and so a process group) of its own, and the supervisor ends the whole group,
not only the process it started: a qcluster killed with SIGKILL leaves its worker processes behind, and
they would go on taking jobs (and memory) unsupervised. The group is ended when its top process dies, and
on stop. A child that exits is started again after a short backoff (0.5 s, 1 s, 2 s ... at most 5 s) that
resets once it has stayed up a while: a crash loop cannot spin the machine, and the studio is never left
without a worker or a poller for long.

Ctrl-C or SIGTERM stops every group and waits for it (qcluster finishes the job it is doing), which
honcho's 5 s kill does not. Every child also gets SIGTERM if the supervisor itself dies (Linux's
parent-death signal), so not even a SIGKILL of `make run` leaves the studio running headless.

The supervisor writes what it knows to a small JSON status file (every role: running or not, its pid, its
restarts, its last exit), which /health/ and /metrics read to say which process is missing.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

FIRST_BACKOFF_S = 0.5
MAX_BACKOFF_S = 5.0
HEALTHY_AFTER_S = 30.0  # up this long: the next crash starts the backoff from the beginning
STATUS_EVERY_S = 2.0  # the status file is rewritten at least this often (its age says the supervisor lives)
_PR_SET_PDEATHSIG = 1


@dataclass
class Child:
    name: str
    command: list[str]
    env: dict[str, str] | None = None
    nice: int = 0  # added niceness: background work yields the CPU to the web server's requests
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    backoff: float = FIRST_BACKOFF_S
    restart_at: float | None = None
    restarts: int = 0
    last_exit: int | None = None


def _child_setup(nice: int) -> None:
    """Run in the child between fork and exec: lower its priority, and ask for SIGTERM when we die."""
    if nice:
        os.nice(nice)
    if sys.platform.startswith("linux"):
        # Without it only a SIGKILL of the supervisor would leave strays: never a reason not to start.
        with contextlib.suppress(Exception):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def group_signal(pgid: int, signum: int) -> bool:
    """Send a signal to a whole process group. False when the group has no process left."""
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        return False
    except PermissionError:  # a pid reused by someone else's group: never ours to signal
        return False
    return True


@dataclass
class Supervisor:
    children: list[Child]
    log: Callable[[str], None] = print
    spawn: Callable[..., subprocess.Popen] = subprocess.Popen
    clock: Callable[[], float] = time.monotonic
    signal_group: Callable[[int, int], bool] = group_signal
    status_path: Path | None = None
    events: list[str] = field(default_factory=list)
    _status_written_at: float = -1e9

    def start(self) -> None:
        for child in self.children:
            self._spawn(child)
        self.status_write(force=True)

    def tend(self) -> None:
        """One look at every child: note the ones that died, restart the ones whose backoff is over."""
        now = self.clock()
        changed = False
        for child in self.children:
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.restart_at = None
                    child.restarts += 1
                    self._spawn(child)
                    changed = True
                continue
            code = child.process.poll() if child.process else None
            if code is None:
                continue
            # Its worker processes (qcluster's, gunicorn's) would live on without it: end them all.
            self._group_end(child)
            if now - child.started_at >= HEALTHY_AFTER_S:
                child.backoff = FIRST_BACKOFF_S
            child.last_exit = code
            child.restart_at = now + child.backoff
            self._note(f"{child.name} exited with {code}; restarting it in {child.backoff:g} s.")
            child.backoff = min(child.backoff * 2, MAX_BACKOFF_S)
            changed = True
        self.status_write(force=changed)

    def stop(self, *, grace: float) -> None:
        """SIGTERM every child's group, wait up to ``grace`` seconds, then SIGKILL whatever is left."""
        groups = [c for c in self.children if c.process is not None]
        for child in groups:
            child.restart_at = None
            self.signal_group(child.process.pid, signal.SIGTERM)
        deadline = self.clock() + grace
        for child in groups:
            try:
                child.process.wait(timeout=max(0.1, deadline - self.clock()))
            except subprocess.TimeoutExpired:
                self._note(f"{child.name} did not stop in time; killing it.")
        # The top processes are gone (or overdue): give their groups what is left of the grace, then kill.
        while any(self.signal_group(c.process.pid, 0) for c in groups) and self.clock() < deadline:
            time.sleep(0.1)
        for child in groups:
            if self.signal_group(child.process.pid, signal.SIGKILL):
                self._note(f"{child.name}: processes left in its group were killed.")
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.process.wait(timeout=5)
        if self.status_path is not None:
            self.status_path.unlink(missing_ok=True)

    def _group_end(self, child: Child) -> None:
        if child.process is not None and self.signal_group(child.process.pid, signal.SIGKILL):
            self._note(f"{child.name}: ended the processes it left behind.")

    def _spawn(self, child: Child) -> None:
        child.process = self.spawn(
            child.command,
            env=child.env,
            start_new_session=True,  # its own process group: ended with it, and Ctrl-C reaches only us
            preexec_fn=lambda nice=child.nice: _child_setup(nice),
        )
        child.started_at = self.clock()

    def status(self) -> dict:
        """What /health/ and /metrics read: every role, running or not."""
        roles = {}
        for child in self.children:
            running = child.restart_at is None and child.process is not None and child.process.poll() is None
            roles[child.name] = {
                "running": running,
                "pid": child.process.pid if running else None,
                "restarts": child.restarts,
                "last_exit": child.last_exit,
            }
        return {"supervisor_pid": os.getpid(), "updated": time.time(), "roles": roles}

    def status_write(self, *, force: bool = False) -> None:
        if self.status_path is None:
            return
        now = self.clock()
        if not force and now - self._status_written_at < STATUS_EVERY_S:
            return
        self._status_written_at = now
        try:
            self.status_path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.status_path.with_name(self.status_path.name + ".partial")
            partial.write_text(json.dumps(self.status()))
            partial.replace(self.status_path)  # readers never see half a file
        except OSError as exc:
            self.log(f"could not write the supervisor's status file: {exc}")

    def _note(self, message: str) -> None:
        self.events.append(message)
        self.log(message)
