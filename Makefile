# Newsroom. The two commands that matter: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_PASSWORD ?= newsroom-demo
export NEWSROOM_PGPORT ?= 54329
NEWSROOM_EDGE_PORT ?= 8080
export DEMO_PASSWORD

# Without DATABASE_URL, use this checkout's private cluster (scripts/db).
ifeq ($(strip $(DATABASE_URL)),)
# Exported, so that a recursive make (test-fast) still starts the cluster.
export LOCAL_DB := 1
export DATABASE_URL := postgres://newsroom@127.0.0.1:$(NEWSROOM_PGPORT)/newsroom
endif

.PHONY: help run demo serve test test-fast lint format db db-stop bench clean venv backup restore crash-test messages cluster cluster-stop

help:
	@echo "make run      serve the site with demo content at http://$(HOST):$(PORT) (DEBUG on)"
	@echo "make test     lint, checks and every test (browser tests included)"
	@echo "make test-fast  the same without the browser and cluster tests (edit loop)"
	@echo "make serve    production-like server: DEBUG off, granian, whitenoise, Redis"
	@echo "make demo     demo accounts and content, into an empty database only"
	@echo "make cluster  production topology: Varnish edge, two app servers, Redis, PostgreSQL"
	@echo "make cluster-stop  stop it"
	@echo "make lint     ruff check + ruff format --check"
	@echo "make messages collect new public words into locale/*/django.po to translate"
	@echo "make format   ruff format + ruff check --fix"
	@echo "make db-stop  stop this checkout's PostgreSQL cluster (and its Redis)"
	@echo "make backup   dump the database and media into var/backups/"
	@echo "make restore BACKUP=var/backups/newsroom-<stamp>  restore one"

# Runtime virtualenv; reinstalls only when requirements.txt changes.
$(VENV)/.runtime-installed: requirements.txt
	@if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
		py="$$(scripts/find-python)" || exit 1; \
		echo "Creating $(VENV) with $$py"; rm -rf $(VENV); "$$py" -m venv $(VENV) || exit 1; \
	fi
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.runtime-installed
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

venv: $(VENV)/.runtime-installed

# Compiled translations (.mo, git-ignored), remade when a .po changes.
TRANSLATIONS := $(wildcard locale/*/LC_MESSAGES/django.po)
locale/.compiled: $(TRANSLATIONS) $(VENV)/.runtime-installed
	@scripts/messages compile
	@touch $@

messages: $(VENV)/.runtime-installed
	scripts/messages update

db:
ifdef LOCAL_DB
	@scripts/db start
else
	@echo "Using DATABASE_URL from the environment"
endif

db-stop:
	@scripts/db stop
	@scripts/redis stop

# The dev runner: DEBUG on, this checkout's database and Redis, recorded in
# var/dev.env so that every manage.py command run here shares them.
run: export DJANGO_DEBUG := true
run: $(VENV)/.runtime-installed locale/.compiled db
	@if [ -z "$$NEWSROOM_CACHE_URL" ]; then \
		NEWSROOM_CACHE_URL="$$(scripts/redis start)" || { \
		NEWSROOM_CACHE_URL=locmem://; \
		echo "warning: no Redis, so each process has its own cache: changes made by manage.py commands show on the running site only after NEWSROOM_PAGE_CACHE_SECONDS" >&2; }; \
	fi; export NEWSROOM_CACHE_URL && \
	scripts/dev-env && \
	$(MANAGE) migrate --noinput && \
	$(MANAGE) load_demo && \
	$(MANAGE) load_demo_comments && \
	echo && \
	echo "  Newsroom is at  http://$(HOST):$(PORT)/   (admin: http://$(HOST):$(PORT)/admin/)" && \
	echo "  Demo logins (password: $(DEMO_PASSWORD), set DEMO_PASSWORD to change):" && \
	echo "    admin, editor, journalist, moderator" && \
	echo "  Settings of this checkout: var/dev.env (read by every manage.py command)" && \
	echo && \
	exec $(MANAGE) runserver $(HOST):$(PORT)

# Demo accounts and content, only into a database with no users and no
# articles yet (an existing site or account is never touched).
demo: $(VENV)/.runtime-installed locale/.compiled db
	$(MANAGE) migrate --noinput
	$(MANAGE) load_demo
	$(MANAGE) load_demo_comments

# Production-like: DEBUG off, granian (scripts/serve), whitenoise (compressed, hashed
# static files), a private Redis as the shared cache unless NEWSROOM_CACHE_URL
# is set. A local secret key is generated into var/ when DJANGO_SECRET_KEY is unset.
# It loads no demo content (`make demo` does, into an empty database).
serve: export DJANGO_DEBUG := false
serve: export NEWSROOM_SERVE_MEDIA ?= true
serve: export DJANGO_ALLOWED_HOSTS ?= 127.0.0.1,localhost
serve: $(VENV)/.runtime-installed locale/.compiled db
	@mkdir -p var && [ -s var/secret-key ] || $(PY) -c 'import secrets; print(secrets.token_urlsafe(50))' > var/secret-key
	@export DJANGO_SECRET_KEY="$${DJANGO_SECRET_KEY:-$$(cat var/secret-key)}"; \
	$(MANAGE) migrate --noinput && \
	$(MANAGE) collectstatic --noinput -v 0 && \
	export NEWSROOM_CACHE_URL="$${NEWSROOM_CACHE_URL:-$$(scripts/redis start)}" && \
	echo "Serving (production mode) at http://$(HOST):$(PORT)/ (cache $$NEWSROOM_CACHE_URL)" && \
	WEB_ACCESS_LOG=$${WEB_ACCESS_LOG:-true} exec scripts/serve $(HOST) $(PORT)

# Tests run with DEBUG off, like production; only the secret is a test value.
test: export DJANGO_DEBUG := false
test: export DJANGO_SECRET_KEY := test-only-secret-key-not-for-production-use-0123456789
test: export DJANGO_ALLOWED_HOSTS := testserver,localhost,127.0.0.1
test: export DJANGO_ALLOW_ASYNC_UNSAFE := true
test: export NEWSROOM_SERVE_MEDIA := true
test: export DJANGO_CONN_MAX_AGE := 0
test: export NEWSROOM_ENV_FILE :=
test: $(VENV)/.dev-installed locale/.compiled db
	@export CHROMIUM_PATH="$$(scripts/ensure-chromium)" || exit 1; \
	export REDIS_SERVER="$$(scripts/ensure-redis)" || exit 1; \
	validators="$$(scripts/ensure-validators)" || exit 1; \
	echo "Chromium: $$CHROMIUM_PATH, Redis: $$REDIS_SERVER, page checkers: $$validators"; \
	set -e; \
	$(VENV)/bin/ruff check . ; \
	$(VENV)/bin/ruff format --check . ; \
	$(VENV)/bin/lint-imports --no-cache ; \
	$(MANAGE) check ; \
	$(MANAGE) makemigrations --check --dry-run ; \
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The edit loop: everything make test runs but the browser and cluster tests.
test-fast:
	@$(MAKE) --no-print-directory test PYTEST_ARGS="-m 'not browser and not cluster'"

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: $(VENV)/.dev-installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The production topology on this machine (scripts/cluster), every process
# under supervisord: Varnish with xkey at http://127.0.0.1:$(NEWSROOM_EDGE_PORT)
# in front of two app servers, Redis, PostgreSQL and its replica, the object
# store, two workers, the scheduler; then the demo content, into an empty
# database only (an existing site is untouched). Without DATABASE_URL the
# cluster runs this checkout's PostgreSQL itself.
cluster: export NEWSROOM_CLUSTER_LOCAL_DB := $(LOCAL_DB)
cluster: $(VENV)/.runtime-installed locale/.compiled
	@scripts/cluster start
	@scripts/cluster demo

# Stops everything `make cluster` started (read from var/cluster/cluster.env).
cluster-stop:
	@scripts/cluster stop

# Benchmarks with wrk against the production server (scripts/bench.py);
# BENCH_BULK=1 for 100k articles / 1M comments. Appends to docs/benchmarks.md.
# The one-client article figure on bulk data, every cache off:
#   BENCH_BULK=1 BENCH_ONLY=render make bench
# What each caching layer earns: BENCH_ONLY=layers make bench
bench: $(VENV)/.dev-installed db
	$(PY) scripts/bench.py

# Crash drill: kill -9 the app server and crash PostgreSQL while comments are
# posted; prints the counts (see scripts/crash_test.py). Not part of make test.
crash-test: $(VENV)/.runtime-installed db
	$(PY) scripts/crash_test.py

# Database dump (pg_dump custom format) + media archive into var/backups/.
backup: db
	@scripts/backup

# make restore BACKUP=var/backups/newsroom-<timestamp>
restore: db
	@scripts/restore "$(BACKUP)"

# Stops what would otherwise be orphaned (the cluster, this checkout's
# PostgreSQL, replica, Redis and object store), then removes every runtime
# folder, those outside the checkout too (README, "Runtime folders").
clean:
	-@scripts/cluster stop 2>/dev/null
	-@scripts/db replica-remove >/dev/null 2>&1
	-@scripts/db stop >/dev/null 2>&1
	-@scripts/redis stop 2>/dev/null
	-@scripts/objectstore stop 2>/dev/null
	rm -rf "$$(scripts/db datadir)" "$$(scripts/db datadir)-replica" $(VENV) var test-output .pgdata .pgdata-replica
	rm -rf $${TMPDIR:-/tmp}/newsroom-edge-$(NEWSROOM_EDGE_PORT) /dev/shm/newsroom-edge-$(NEWSROOM_EDGE_PORT) $${TMPDIR:-/tmp}/newsroom-mta-$$(printf '%s' "$(CURDIR)/var/cluster" | sha1sum | cut -c1-12)
