"""Real Celery workers for the benchmarks: started on a queue of their own, stopped after."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def celery_workers(queue: str, env: dict[str, str], count: int = 2) -> Iterator[None]:
    command = [
        sys.executable, "-m", "celery", "-A", "hona", "worker", "--pool=threads",
        "--concurrency=4", "-Q", queue, "--without-mingle", "--without-gossip",
        "--without-heartbeat", "--loglevel=WARNING",
    ]  # fmt: skip
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
