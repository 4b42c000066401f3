# meritsys: `make run` serves the app on the embedded default; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1:8000

.PHONY: run install assets messages compilemessages migrate seed test test-fast lint format clean serve-prod worker beat objects

# Public links (charter QR codes, e-mails) point where this serves unless PUBLIC_BASE_URL says otherwise.
run: install assets migrate compilemessages seed
	PUBLIC_BASE_URL="$${PUBLIC_BASE_URL:-http://$(HOST)}" $(MANAGE) runserver $(HOST)

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

# Front-end libraries and the register data come from npm; no CDN.
node_modules/.package-lock.json: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

assets: node_modules/.package-lock.json
	sh scripts/copy_assets.sh

migrate: install
	$(MANAGE) migrate --noinput

compilemessages: install
	$(MANAGE) compilemessages --ignore=.venv --ignore=node_modules -v0

messages: install
	# core's strings go to the root catalogue (core has no catalogue of its own).
	for app in accounts institutions assessments surveys certificates dashboards audit api demo; do mkdir -p $$app/locale; (cd $$app && ../$(PY) ../manage.py makemessages -l id --no-obsolete -v0); done
	$(MANAGE) makemessages -l id --no-obsolete -v0 --ignore=.venv --ignore=node_modules --ignore=accounts --ignore=institutions --ignore=assessments --ignore=surveys --ignore=certificates --ignore=dashboards --ignore=audit --ignore=api --ignore=demo --ignore=staticfiles

seed: install
	$(MANAGE) seed_demo

test: install assets compilemessages
	$(VENV)/bin/pytest

test-fast: install
	$(VENV)/bin/pytest -m "not browser and not worker and not faults"

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/pytest -q -p no:cacheprovider meritsys/tests/test_architecture.py

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) node_modules static/vendor staticfiles db.sqlite3

# Production-like processes (what docker-compose runs); need DATABASE_URL, REDIS_URL, SECRET_KEY.
serve-prod:
	$(MANAGE) collectstatic --noinput -v0
	$(VENV)/bin/gunicorn meritsys.wsgi --bind 0.0.0.0:8000 --workers 3 --access-logfile -

worker:
	$(VENV)/bin/celery -A meritsys worker -Q default,pdf --loglevel INFO

beat:
	$(VENV)/bin/celery -A meritsys beat --loglevel INFO

# A local S3-compatible store (rclone from requirements-dev) for trying the bucket mode:
# STORAGE_URL=s3+http://meritsys:local-trial-secret-change-me@127.0.0.1:9000/meritsys make run
objects: install
	mkdir -p .objects/meritsys
	$(VENV)/bin/rclone serve s3 .objects --addr 127.0.0.1:9000 --auth-key meritsys,local-trial-secret-change-me
