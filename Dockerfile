# The production image: one image for web (gunicorn), the Celery workers (one per queue) and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HONA_VAR_DIR=/app/var

WORKDIR /app
RUN groupadd --system hona && useradd --system --gid hona --home-dir /app hona

# The locked versions first (requirements/app.txt: hashed, the same versions `make install` puts
# in the tests and CI, less the tools), so code changes reuse this layer. uv is locked too.
COPY requirements/uv.txt requirements/app.txt requirements/
RUN pip install --no-deps --require-hashes -r requirements/uv.txt \
    && UV_NO_CACHE=1 uv pip sync --system --require-hashes requirements/app.txt
# The app installed in place (editable, no dependencies of its own beyond the lock), so settings
# find templates/ and static/ beside the code.
COPY . .
RUN UV_NO_CACHE=1 uv pip install --system --no-deps -e .
# collectstatic needs settings but no database or secrets: on a loopback PUBLIC_BASE_URL the app
# uses its local-only keys, which never leave this build step.
RUN PUBLIC_BASE_URL=http://127.0.0.1 python manage.py collectstatic --noinput \
    && mkdir -p /app/var/media && chown -R hona:hona /app/var

USER hona
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request, sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz/', timeout=4).status == 200 else 1)"
# No gunicorn access log: it would write the tokens of personal portal links; Django's own
# logging (with signed links redacted) reports errors.
# Forwarded headers are not taken from just anyone: Django believes X-Forwarded-Proto only behind
# an https PUBLIC_BASE_URL and X-Forwarded-For only as far as TRUSTED_PROXY_COUNT says, and
# gunicorn keeps its default (trust forwarded headers from loopback alone).
CMD ["gunicorn", "hona.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--no-control-socket"]
