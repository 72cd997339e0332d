"""ASGI entry point: the live-update stream server (`uvicorn hona.asgi:application`).

In production gunicorn (WSGI, hona.wsgi) serves every page and uvicorn serves the /live/ streams,
where each open screen is one coroutine waiting for events instead of a thread (README: "Live
updates"). Every other path works here too, so one ASGI server alone also runs the whole app.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hona.settings")

application = get_asgi_application()
