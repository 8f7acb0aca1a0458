# Two commands for a new machine (Debian, Python 3.11+, make):
#   make run   - create .venv, install, start the app on http://127.0.0.1:8501 (SQLite default)
#   make test  - create .venv with the test extra, install Debian's chromium, poppler-utils and
#                postgresql when missing, run every test including the browser tests
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
APT_PACKAGES := chromium poppler-utils postgresql fonts-dejavu-core

.PHONY: run test system-deps bench clean lock

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

# Upgrade path for the pins: resolve pyproject.toml's ranges afresh in a scratch venv, run the
# whole suite there, and only then write the result to constraints.txt.
lock: system-deps
	rm -rf .venv-lock
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --upgrade pip
	.venv-lock/bin/python -m pip install --quiet -e '.[test,bench]'
	.venv-lock/bin/python -m playwright --version >/dev/null
	.venv-lock/bin/python -m pytest -q
	{ sed -n '1,2p' constraints.txt; .venv-lock/bin/python -m pip freeze --exclude-editable; } > constraints.txt.new
	mv constraints.txt.new constraints.txt
	rm -rf .venv-lock

run: $(VENV)/.installed
	$(VENV)/bin/streamlit run app.py --server.address 127.0.0.1 --server.port 8501 \
		--server.headless true --browser.gatherUsageStats false

system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v pdftoppm >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing="$$missing fonts-dejavu-core"; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

test: $(VENV)/.installed-test system-deps
	$(PY) -m pytest -q

bench: $(VENV)/.installed
	$(PY) bench/ingest.py
	$(PY) bench/market.py
	$(PY) bench/forecast.py
	$(PY) bench/hedge.py
	$(PY) bench/report.py
	$(PY) bench/app.py

clean:
	rm -rf $(VENV) .pytest_cache
