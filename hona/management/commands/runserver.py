"""`manage.py runserver` (and `make run`): in development, links point where the server runs.

Portal links, alert emails and the phone simulator use PUBLIC_BASE_URL. On a developer's machine
that is left unset, so it follows the address this server is started on: `make run PORT=8100`
makes links to http://127.0.0.1:8100. A PUBLIC_BASE_URL that is set, and production
(DJANGO_DEBUG off), are never changed.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from whitenoise.runserver_nostatic.management.commands.runserver import (
    Command as WhiteNoiseRunserver,
)

from hona.devserver import point_links_at


class Command(WhiteNoiseRunserver):
    def run(self, **options: Any) -> None:
        if settings.DEBUG and not settings.PUBLIC_BASE_URL_SET:
            base = point_links_at(self.addr, str(self.port), ipv6=self._raw_ipv6)
            self.stdout.write(f"Links (client portal, phone simulator) point at {base}.")
        super().run(**options)
