"""Run the real efctl command line in a child process with a bound on its time and memory.

The child is forked from the test process, which has imported efctl already, so a case costs
milliseconds instead of a Python start: it is still its own process, with its own address
space limit (RLIMIT_AS), CPU limit (RLIMIT_CPU), file descriptors, exit status and a wall-clock
deadline after which the parent kills it. A case that would hang or balloon fails, it cannot
stall or exhaust the suite.
"""

from __future__ import annotations

import os
import resource
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import jsonschema  # noqa: F401 (what efctl imports for an invalid document: once, not per child)
import jsonschema_rs  # noqa: F401

from efctl.cli import cli

MEMORY = 512 * 1024 * 1024  # bytes a case may add to the address space it starts with
CPU_SECONDS = 10
WALL_SECONDS = 20


@dataclass(frozen=True)
class Outcome:
    exit_code: int | None  # None: killed (a signal, or the wall-clock deadline)
    stdout: str
    stderr: str
    signal: int | None = None


def run_efctl(args: list[str], cwd: Path, env: dict[str, str]) -> Outcome:
    """``efctl ARGS`` in CWD with ENV added, in a bounded child process."""
    out, err = cwd / ".stdout", cwd / ".stderr"
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 70
        try:
            code = _child(args, cwd, env, out, err)
        finally:
            os._exit(code)
    deadline = time.monotonic() + WALL_SECONDS
    while (done := os.waitpid(pid, os.WNOHANG))[0] == 0:
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            done = os.waitpid(pid, 0)
            break
        time.sleep(0.005)
    status = done[1]
    return Outcome(
        exit_code=os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
        stdout=out.read_text(encoding="utf-8", errors="replace"),
        stderr=err.read_text(encoding="utf-8", errors="replace"),
        signal=os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
    )


def _child(args: list[str], cwd: Path, env: dict[str, str], out: Path, err: Path) -> int:
    for fd, path in ((1, out), (2, err)):
        opened = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(opened, fd)
        os.close(opened)
    sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115 (the child's own)
    sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115
    os.chdir(cwd)
    os.environ.update(env)
    pages = int(Path("/proc/self/statm").read_text().split()[0])
    start = pages * resource.getpagesize()
    resource.setrlimit(resource.RLIMIT_AS, (start + MEMORY, start + MEMORY))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    try:
        cli.main(args=args, prog_name="efctl")
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    sys.stdout.flush()
    sys.stderr.flush()
    return code
