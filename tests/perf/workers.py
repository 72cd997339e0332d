"""Real Celery workers for the benchmarks and the fault tests: on queues of their own (every
queue of a prefix, or the ones named), stopped after (or killed mid-task, by the fault tests)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hona.queues import all_queues, queue_name

ROOT = Path(__file__).resolve().parents[2]


def queues_of(prefix: str, lanes: tuple[str, ...] = ()) -> str:
    """The -Q argument for the queues of `prefix`: the lanes named, or all of them."""
    names = [queue_name(lane, prefix) for lane in lanes] if lanes else all_queues(prefix)
    return ",".join(names)


def worker_command(
    prefix: str,
    *,
    pool: str = "solo",
    concurrency: int = 1,
    loglevel: str = "WARNING",
    lanes: tuple[str, ...] = (),
) -> list[str]:
    """A worker reading the queues of `prefix` (its env must say CELERY_QUEUE_PREFIX=prefix)."""
    queues = queues_of(prefix, lanes)
    command = [
        sys.executable, "-m", "celery", "-A", "hona", "worker", f"--pool={pool}", "-Q", queues,
        "--without-mingle", "--without-gossip", "--without-heartbeat", f"--loglevel={loglevel}",
    ]  # fmt: skip
    if pool != "solo":
        command.append(f"--concurrency={concurrency}")
    return command


def start_worker(
    prefix: str,
    env: dict[str, str],
    log_path: Path,
    *,
    name: str = "",
    pool: str = "solo",
    lanes: tuple[str, ...] = (),
) -> subprocess.Popen[bytes]:
    """One worker process, its output appended to `log_path` (read it when a test fails)."""
    command = worker_command(prefix, pool=pool, loglevel="INFO", lanes=lanes)
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
def celery_workers(
    prefix: str, env: dict[str, str], count: int = 2, lanes: tuple[str, ...] = ()
) -> Iterator[None]:
    command = worker_command(prefix, pool="threads", concurrency=4, lanes=lanes)
    workers = [
        subprocess.Popen(
            [*command, "-n", f"{prefix}{'-'.join(lanes)}{n}@%h"],
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


def filing_backlog(
    *, firm: Any, integration: Any, project: Any, thread: Any, count: int
) -> list[Any]:
    """`count` client messages of `thread` waiting to be filed in `project` (their outbox
    entries, not queued yet), as if they had just arrived."""
    from django.utils import timezone

    from cms_sync.models import OutboxEntry
    from messaging.models import Message

    now = timezone.now()
    messages = Message.objects.bulk_create(
        Message(
            organization=firm,
            thread=thread,
            direction="in",
            body=f"Backlog {i}",
            channel="sms",
            status="received",
            project=project,
            created_at=now,
            status_changed_at=now,
        )
        for i in range(count)
    )
    return OutboxEntry.objects.bulk_create(
        OutboxEntry(
            organization=firm,
            integration=integration,
            kind="message",
            message=m,
            project=project,
            case_id=project.cms_case_id,
            key=f"message:{m.pk}:{project.cms_case_id}",
        )
        for m in messages
    )
