"""A small process supervisor for `make run`: starts the studio's processes and restarts one that dies.

A child that exits is started again after a backoff (1 s, 2 s, 4 s ... up to a minute) that resets once
it has stayed up a while, so a crash loop cannot spin the machine and a one-off crash heals in a second.
Ctrl-C or SIGTERM stops every child and waits for it (qcluster finishes the job it is doing), which
honcho's 5 s kill does not.
"""

from __future__ import annotations

import functools
import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field

MAX_BACKOFF_S = 60.0
HEALTHY_AFTER_S = 30.0  # up this long: the next crash starts the backoff from the beginning


@dataclass
class Child:
    name: str
    command: list[str]
    env: dict[str, str] | None = None
    nice: int = 0  # added niceness: background work yields the CPU to the web server's requests
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    backoff: float = 1.0
    restart_at: float | None = None
    restarts: int = 0


@dataclass
class Supervisor:
    children: list[Child]
    log: Callable[[str], None] = print
    spawn: Callable[..., subprocess.Popen] = subprocess.Popen
    clock: Callable[[], float] = time.monotonic
    events: list[str] = field(default_factory=list)

    def start(self) -> None:
        for child in self.children:
            self._spawn(child)

    def tend(self) -> None:
        """One look at every child: note the ones that died, restart the ones whose backoff is over."""
        now = self.clock()
        for child in self.children:
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.restart_at = None
                    child.restarts += 1
                    self._spawn(child)
                continue
            code = child.process.poll() if child.process else None
            if code is None:
                continue
            if now - child.started_at >= HEALTHY_AFTER_S:
                child.backoff = 1.0
            child.restart_at = now + child.backoff
            self._note(f"{child.name} exited with {code}; restarting it in {child.backoff:.0f} s.")
            child.backoff = min(child.backoff * 2, MAX_BACKOFF_S)

    def stop(self, *, grace: float) -> None:
        running = [c for c in self.children if c.process and c.process.poll() is None]
        for child in running:
            child.process.terminate()
        deadline = self.clock() + grace
        for child in running:
            try:
                child.process.wait(timeout=max(0.1, deadline - self.clock()))
            except subprocess.TimeoutExpired:
                self._note(f"{child.name} did not stop in time; killing it.")
                child.process.kill()

    def _spawn(self, child: Child) -> None:
        extra = {"preexec_fn": functools.partial(os.nice, child.nice)} if child.nice else {}
        child.process = self.spawn(child.command, env=child.env, **extra)
        child.started_at = self.clock()

    def _note(self, message: str) -> None:
        self.events.append(message)
        self.log(message)
