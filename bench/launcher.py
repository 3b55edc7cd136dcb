"""Run benchmark commands from a small process, so that each one's peak RSS is its own.

On Linux a child's ru_maxrss starts at the peak RSS of the process that forked
it (exec copies the old memory's high-water mark). A benchmark that has loaded
a province and filled a journal is hundreds of MB at its peak, and every child
it spawned would seem at least that big. So it starts this process once (a
fresh interpreter, ~13 MB) and has it run the commands: one JSON request per
line on stdin, ``{"argv": [...], "cwd": DIR, "stdout": FILE or null, "env": {NAME: VALUE}
or null}`` (``env``: variables set for that command only, over the launcher's own), and
one JSON result per line on stdout, the fields of Run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mb: float
    returncode: int
    stderr: str


def max_rss_mb(usage: object) -> float:
    # ru_maxrss is in kilobytes on Linux, in bytes on macOS.
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    return usage.ru_maxrss / scale


def run_request(argv: list[str], cwd: str, stdout_path: str | None, env: dict[str, str] | None = None) -> Run:
    """Wall time around the spawn, peak RSS of that child only (os.wait4), the one place the benchmarks time a command."""
    child_env = {**os.environ, **env} if env else None
    with tempfile.TemporaryFile() as stderr, open(stdout_path or os.devnull, "wb") as stdout:
        started = time.perf_counter()
        with subprocess.Popen(
            argv, cwd=cwd, env=child_env, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr
        ) as process:
            _, status, usage = os.wait4(process.pid, 0)
            seconds = time.perf_counter() - started
            process.returncode = os.waitstatus_to_exitcode(status)
        stderr.seek(0)
        message = stderr.read().decode("utf-8", errors="replace")
    return Run(seconds, max_rss_mb(usage), process.returncode, message)


def serve(requests: IO[str], results: IO[str]) -> None:
    for line in requests:
        request = json.loads(line)
        run = run_request(request["argv"], request["cwd"], request.get("stdout"), request.get("env"))
        results.write(json.dumps(asdict(run)) + "\n")
        results.flush()


class Launcher:
    """The client side: start the launcher process, send it commands, read their Runs."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        """``env``: the environment of the launcher, hence of every command it runs."""
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env=env,
        )

    def run(self, argv: list[str], cwd: Path, stdout: Path | None = None, env: dict[str, str] | None = None) -> Run:
        """Run argv once in the launcher; ``env`` adds or overrides variables for this command only."""
        assert self.process.stdin is not None and self.process.stdout is not None
        request: dict[str, Any] = {"argv": argv, "cwd": str(cwd), "stdout": str(stdout) if stdout else None, "env": env}
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the launcher process ended (exit code {self.process.wait()})")
        return Run(**json.loads(line))

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait()

    def __enter__(self) -> Launcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


if __name__ == "__main__":
    serve(sys.stdin, sys.stdout)
