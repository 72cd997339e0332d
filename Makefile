# Hona Messaging — the two commands are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Links (client portal, alert emails, the phone simulator) point at the server actually run, unless
# PUBLIC_BASE_URL is set; a server on every address (HOST=0.0.0.0) is reached here on loopback.
LINK_HOST := $(if $(filter 0.0.0.0 0,$(HOST)),127.0.0.1,$(HOST))
DEV_LINKS := PUBLIC_BASE_URL=$${PUBLIC_BASE_URL:-http://$(LINK_HOST):$(PORT)}

.PHONY: run serve install lock migrate seed test check lint format bench worker beat clean

## run: set everything up (virtualenv, install, migrate, demo data) and serve on http://$(HOST):$(PORT)
run: install migrate seed serve

# Every install takes the locked versions in requirements/ (hashed; compiled by uv from pyproject.toml
# with `make lock`): dev.txt here, in the tests and in CI; app.txt, the same versions less the tools,
# in the Docker image. uv itself is locked in uv.txt. `uv pip sync` also removes what the lock dropped.
UV := $(BIN)/uv
UV_ENV := UV_PYTHON_DOWNLOADS=never UV_NO_PROGRESS=1
$(UV): requirements/uv.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --no-deps --require-hashes -r requirements/uv.txt
	touch $@

$(BIN)/.installed: $(UV) pyproject.toml requirements/dev.txt
	$(UV_ENV) $(UV) pip sync --quiet --python $(PY) --require-hashes requirements/dev.txt
	$(UV_ENV) $(UV) pip install --quiet --python $(PY) --no-deps -e .
	$(PY) requirements/check.py
	touch $@

install: $(BIN)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

seed: install
	$(PY) manage.py seed_demo

serve: install
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(DEV_LINKS) $(PY) manage.py runserver $(HOST):$(PORT)

## test: the whole suite (SQLite by default; PostgreSQL and Redis when DATABASE_URL / REDIS_URL say so):
## everything but the `worker` tests on two pytest-xdist workers, then the `worker` tests (real
## Celery workers, gunicorn, faults: they time what processes do) alone; TEST_WORKERS=0: one process
TEST_WORKERS ?= 2
PASSED_OR_NONE = { code=$$?; [ $$code -eq 5 ] || status=$$code; }
test: install
ifeq ($(TEST_WORKERS),0)
	$(PY) -m pytest $(PYTEST_ARGS)
else
	@status=0; \
	$(PY) -m pytest -n $(TEST_WORKERS) -m "not bench and not worker" $(PYTEST_ARGS) || $(PASSED_OR_NONE); \
	$(PY) -m pytest -m "worker and not bench" $(PYTEST_ARGS) || $(PASSED_OR_NONE); \
	exit $$status
endif

## lock: compile requirements/ again from pyproject.toml, keeping every locked version that still fits;
## `make lock UPGRADE=celery` moves one package (several: UPGRADE="celery kombu"), `UPGRADE=all` all
UPGRADE ?=
UV_COMPILE := $(UV_ENV) $(UV) pip compile --quiet --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command 'make lock'
UPGRADE_FLAGS := $(if $(filter all,$(UPGRADE)),--upgrade,$(foreach p,$(UPGRADE),--upgrade-package $(p)))
lock: $(UV)
	$(UV_COMPILE) $(UPGRADE_FLAGS) pyproject.toml --extra dev -o requirements/dev.txt
	$(UV_COMPILE) pyproject.toml -c requirements/dev.txt -o requirements/app.txt
	$(UV_COMPILE) $(UPGRADE_FLAGS) requirements/uv.in -o requirements/uv.txt
	$(MAKE) install

## check: the lock in step with pyproject.toml, lint, format check, types, the apps' layers,
## migrations in step with models, Django's checks
check: install
	$(PY) requirements/check.py
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## bench: micro-benchmarks, then every staff page at 50,000 threads / 1,000,000 messages on PostgreSQL
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/hona_bench
bench: install
	$(PY) -m pytest tests/perf -m bench -s -q $(PYTEST_ARGS)
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) tests/perf/page_bench.py
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) tests/perf/poll_bench.py
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) tests/perf/delivery_bench.py
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) tests/perf/filing_bench.py
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) tests/perf/queue_bench.py
	# 200 idle live streams on uvicorn, delivery across Redis, memory per stream (a pytest bench).
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/9} \
		$(PY) -m pytest tests/perf/live_bench.py -m bench -s -q

## worker: one Celery worker for every queue (sms, email, cms, default; production runs one each)
worker: install
	$(DEV_LINKS) $(BIN)/celery -A hona worker --loglevel=info

beat: install
	$(DEV_LINKS) $(BIN)/celery -A hona beat --loglevel=info

clean:
	rm -rf $(VENV) var staticfiles .mypy_cache .ruff_cache
