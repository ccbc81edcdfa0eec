# The two set-up commands: `make run` and `make test`. Both start from a bare Python 3.11.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi.py

.PHONY: run test install catalogs browser redis pdf-libraries messages

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

catalogs: install
	$(BIN)/pybabel compile --statistics -d consult/translations

## What WeasyPrint (the PDF report) needs from the system: Pango and a font.
pdf-libraries:
	@ldconfig -p | grep -q libpangoft2-1.0.so.0 && [ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core; }

## Install, create the SQLite database, load the demonstration and serve on 127.0.0.1:5000,
## with the worker of background jobs (mail, analysis, purge) beside it.
run: catalogs pdf-libraries
	$(BIN)/flask db upgrade
	$(BIN)/flask consult demo
	$(BIN)/flask consult worker & worker=$$!; trap 'kill $$worker' EXIT INT TERM; \
	  $(BIN)/flask run --host 127.0.0.1 --port 5000

## The browser the end-to-end tests drive: Debian's Chromium.
browser:
	@command -v chromium >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

## The Redis server the tests of shared rate limits start on loopback (or REDIS_URL's).
redis:
	@command -v redis-server >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq redis-server; }

## Install and run the whole test suite (on SQLite, or on DATABASE_URL when set).
test: catalogs browser redis pdf-libraries
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## After changing interface strings: refresh the template and the French catalog.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -o consult/translations/messages.pot \
	  --no-location --sort-output --project Consult .
	$(BIN)/pybabel update -i consult/translations/messages.pot -d consult/translations \
	  --no-fuzzy-matching --ignore-obsolete
