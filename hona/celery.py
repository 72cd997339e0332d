"""The Celery application.

Without REDIS_URL the settings make every task run in-process (eager); with it, Redis is the
broker and `celery -A hona worker` / `celery -A hona beat` do the work.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hona.settings")

app = Celery("hona")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
