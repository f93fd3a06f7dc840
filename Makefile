# Tend: `make run` serves the app; `make test` runs every test. Both set themselves up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask
export FLASK_APP := app:create_app

.PHONY: bootstrap translations extract catalogues node-packages run test test-fast soak bench load audit system-packages clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/activate
	set -o pipefail; $(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt 2>&1 \
	  | { grep -v "is ignored: it is neither a file nor a directory" || true; }
	touch $@

bootstrap: $(VENV)/.installed translations
	$(FLASK) db upgrade

# Each language's catalogue (translations/<lang>/LC_MESSAGES/messages.po, committed) compiled
# into the .mo file Flask-Babel reads (not committed). tests/conftest.py runs this target too.
CATALOGUES := $(wildcard translations/*/LC_MESSAGES/messages.po)
translations: $(CATALOGUES:.po=.mo)

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(BIN)/pybabel -q compile -l $* -i $< -o $@

# Every msgid in the code and templates, freshly extracted (tests/test_translations.py
# compares the catalogues with it). POT= writes it elsewhere.
POT ?= translations/messages.pot
extract:
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --add-location=file \
	  --project=Tend -o $(POT) .

# After new strings land: extract them afresh and merge them into every catalogue. New ones
# come in empty, changed ones marked fuzzy (with the old translation as a hint); both make
# tests/test_translations.py fail, naming each msgid, until they are translated.
catalogues: extract
	$(BIN)/pybabel update -i $(POT) -d translations --ignore-obsolete

run: bootstrap
	$(FLASK) seed-demo --if-empty
	# Reminders tick inside this one process; production runs `flask reminders run` instead.
	TEND_SCHEDULER=embedded $(FLASK) run --host 127.0.0.1 --port 5000

# Debian packages the tests need, and the font prescriber-update PDFs are set in (fpdf2 itself
# is pure Python, from requirements.txt): installed when missing and run as root (CI is root).
system-packages:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v wrk >/dev/null || missing="$$missing wrk"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	command -v WebKitWebDriver >/dev/null || missing="$$missing webkit2gtk-driver"; \
	command -v Xvfb >/dev/null || missing="$$missing xvfb"; \
	command -v matchbox-window-manager >/dev/null || missing="$$missing matchbox-window-manager"; \
	command -v firefox-esr >/dev/null || missing="$$missing firefox-esr"; \
	test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf || missing="$$missing fonts-dejavu-core"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "Missing Debian packages:$$missing (run as root or install them to run every test)"; \
	  fi; \
	fi

# From npm, when it is there: axe-core (and Lighthouse) for the accessibility checks, and
# Puppeteer, which drives Firefox for the cross-engine tests (tests/engines).
tests/engines/node_modules/.installed: tests/engines/package.json tests/engines/package-lock.json
	npm install --prefix tests/engines --no-audit --no-fund --loglevel=error
	touch $@

node-packages: system-packages
	@if command -v npm >/dev/null; then \
	  $(MAKE) --no-print-directory tests/audit/node_modules/.installed tests/engines/node_modules/.installed; \
	else echo "npm is missing: the axe-core checks and the Firefox tests are not run"; fi

test: bootstrap system-packages node-packages
	bash tests/run.sh

# The property tests at full length, on SQLite, then on PostgreSQL like `make test`: the
# record's state machine (tests/test_record_invariants.py, 1000 random sequences;
# TEND_RECORD_EXAMPLES=n to change) and every test whose max_examples is examples(n, soak)
# (tests/conftest.py), which `make test` runs at the shorter n (the API fuzzing's generated
# cases too: 5 per operation in `make test`, 50 here).
SOAK_TESTS := tests/test_record_invariants.py tests/test_schedule_kinds.py tests/test_schedule.py \
  tests/test_travel.py tests/test_reminders_properties.py tests/test_api_schema_fuzz.py \
  tests/test_cycle_day.py tests/test_dose_counts.py
soak: bootstrap system-packages
	TEND_SOAK=1 TEND_RECORD_PROFILE=soak bash tests/run.sh $(SOAK_TESTS)

test-fast: bootstrap
	$(BIN)/pytest -q -m "not browser" -x

# Every bench/bench_*.py; bench_push_limit.py installs Node's web-push into bench/node_modules.
bench: bootstrap
	@set -e; for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python "$$b"; done

# The web tier as deployed (gunicorn, 3 workers) under wrk, on PostgreSQL and SQLite.
load: bootstrap system-packages
	$(BIN)/python bench/load.py

# Lighthouse 12 and axe-core from npm into tests/audit/node_modules (Debian's Node 20).
tests/audit/node_modules/.installed: tests/audit/package.json tests/audit/package-lock.json
	npm install --prefix tests/audit --no-audit --no-fund --loglevel=error
	touch $@

audit: bootstrap system-packages tests/audit/node_modules/.installed
	$(BIN)/python tests/audit/audit.py

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
