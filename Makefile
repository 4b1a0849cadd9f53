# invoicebot: `make run` sets everything up and starts the service; `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Debian packages the service needs at run time (OCR with four languages, fonts, pango for PDFs).
APT_PACKAGES := tesseract-ocr tesseract-ocr-eng tesseract-ocr-deu tesseract-ocr-fra tesseract-ocr-dan \
	libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-dejavu-core fonts-liberation poppler-utils \
	libgl1 libglib2.0-0 python3-venv

.PHONY: setup system-packages venv db run test lint test-fast bench bench-service bench-hardening clean

setup: system-packages venv db

system-packages:
	@missing=""; \
	for pkg in $(APT_PACKAGES); do \
	  if [ "$$pkg" = python3-venv ] && $(PYTHON) -c 'import venv, ensurepip' 2>/dev/null; then continue; fi; \
	  dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing system packages:$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "invoicebot needs these system packages; run:"; \
	    echo "  sudo apt-get install -y$$missing"; \
	    exit 1; \
	  fi; \
	fi

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

db: $(STAMP)
	$(BIN)/invoicebot db upgrade

run: setup
	$(BIN)/invoicebot run

# The tests also start a real Dovecot IMAP server. They run in PYTEST_WORKERS processes, each
# test file in one of them (its module fixtures built once); PYTEST_WORKERS=0 runs them in this one.
PYTEST_WORKERS ?= 2
test: APT_PACKAGES += dovecot-imapd
test: setup lint
	$(BIN)/python -m pytest $(if $(filter-out 0,$(PYTEST_WORKERS)),-n $(PYTEST_WORKERS) --dist loadfile)

lint: venv
	$(BIN)/ruff check bot intake invoicing bench tests

test-fast: venv
	$(BIN)/python -m pytest -m "not slow"

# Accuracy (with invoice2data beside us), reading speed, printing and payment matching: a few minutes.
bench: setup
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m bench.accuracy
	$(BIN)/python -m bench.speed
	$(BIN)/python -m bench.render
	$(BIN)/python -m bench.matching

# The service-level figures: e-mail latency and crash safety (real Dovecot), chat latency,
# numbering under concurrency, cash flow over a large book.
bench-service: APT_PACKAGES += dovecot-imapd
bench-service: setup
	$(BIN)/python -m bench.mail_latency
	$(BIN)/python -m bench.mail_crash
	$(BIN)/python -m bench.mail_loop_block
	$(BIN)/python -m bench.telegram
	$(BIN)/python -m bench.numbering
	$(BIN)/python -m bench.cashflow

# Hostile input, eight writers on one SQLite file, a burst of 1,000 mails and 1,000 chat updates:
# half an hour on a loaded 2-core machine.
bench-hardening: setup
	$(BIN)/python -m bench.hostile --seeds 3
	$(BIN)/python -m bench.sqlite_writers --seconds 60
	$(BIN)/python -m bench.load --mails 1000 --updates 1000

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
