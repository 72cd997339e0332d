"""Real Celery workers for the benchmarks and the fault tests: on a queue of their own, stopped
after (or killed mid-task, by the fault tests)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def worker_command(
    queue: str, *, pool: str = "solo", concurrency: int = 1, loglevel: str = "WARNING"
) -> list[str]:
    command = [
        sys.executable, "-m", "celery", "-A", "hona", "worker", f"--pool={pool}", "-Q", queue,
        "--without-mingle", "--without-gossip", "--without-heartbeat", f"--loglevel={loglevel}",
    ]  # fmt: skip
    if pool != "solo":
        command.append(f"--concurrency={concurrency}")
    return command


def start_worker(
    queue: str, env: dict[str, str], log_path: Path, *, name: str = "", pool: str = "solo"
) -> subprocess.Popen[bytes]:
    """One worker process, its output appended to `log_path` (read it when a test fails)."""
    command = worker_command(queue, pool=pool, loglevel="INFO")
    if name:
        command += ["-n", f"{name}@%h"]
    with log_path.open("ab") as log:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def stop_worker(process: subprocess.Popen[bytes], timeout: float = 15) -> None:
    """Warm shutdown (finish the task in hand), killed if it takes longer than `timeout`."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


@contextmanager
def celery_workers(queue: str, env: dict[str, str], count: int = 2) -> Iterator[None]:
    command = worker_command(queue, pool="threads", concurrency=4)
    workers = [
        subprocess.Popen(
            [*command, "-n", f"{queue}-{n}@%h"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n in range(count)
    ]
    try:
        yield
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(15)
