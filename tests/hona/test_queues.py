"""Each kind of work waits in a queue of its own, read by workers of its own."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from hona.celery import app
from hona.queues import LANES, TASK_LANES

ROOT = Path(__file__).resolve().parents[2]


def queue_of(task_name: str) -> str:
    route = app.amqp.router.route({}, task_name, (1,), {})
    return str(route["queue"].name)


def test_every_task_is_routed_on_purpose() -> None:
    app.loader.import_default_modules()
    ours = {name for name in app.tasks if not name.startswith("celery.")}
    assert ours == set(TASK_LANES), "route a new task in hona/queues.py TASK_LANES"


def test_texts_emails_and_filings_each_wait_in_a_queue_of_their_own() -> None:
    assert queue_of("messaging.tasks.deliver_message") == "sms"
    assert queue_of("messaging.tasks.email_message") == "email"
    assert queue_of("notifications.tasks.send_thread_alerts") == "email"
    assert queue_of("cms_sync.tasks.file_entry") == "cms"
    assert queue_of("cms_sync.tasks.fetch_documents") == "cms"
    assert queue_of("messaging.tasks.reconcile_messages") == "default"
    assert queue_of("something.not.routed") == "default"


def test_the_prefix_keeps_deployments_sharing_one_redis_apart(settings: Any) -> None:
    settings.CELERY_QUEUE_PREFIX = "staging-"
    assert queue_of("messaging.tasks.deliver_message") == "staging-sms"
    assert queue_of("cms_sync.tasks.file_entry") == "staging-cms"


def test_each_queue_lands_in_that_queue_only() -> None:
    # One exchange and routing key per queue: a text is never copied into the filings' queue.
    keys = {queue.name: queue.routing_key for queue in app.conf.task_queues}
    assert keys == {lane: lane for lane in LANES}


def test_docker_compose_runs_one_worker_service_per_queue_and_one_beat() -> None:
    compose = (ROOT / "docker-compose.yml").read_text()
    read = re.findall(r'"celery", "-A", "hona", "worker", "-Q", "([a-z,]+)"', compose)
    assert sorted(read) == sorted(LANES)
    assert len(re.findall(r'"celery", "-A", "hona", "beat"', compose)) == 1
    readme = (ROOT / "README.md").read_text()
    for lane in LANES:
        assert f"celery -A hona worker -Q {lane}" in readme


def test_a_worker_process_holds_one_task_at_a_time_and_gives_it_back_if_it_dies() -> None:
    # Prefetch 1: a task never waits behind a slow one reserved by a busy process while another
    # process is idle. Acknowledged after it ran: a task whose worker died is run again.
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
