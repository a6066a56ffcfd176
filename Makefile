# Splitday: `make run` starts the app, `make test` runs every check. Both set themselves up.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
export PYTHONDONTWRITEBYTECODE ?=

.PHONY: run test lint unit e2e bench screenshots clean i18n

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,package]'
	touch $@

# Translations (docs/i18n.md): extract the strings, compile resources/locale/*/splitday.mo
# (generated, never committed) and the pseudo-locale; run, test and package build them first.
i18n: $(VENV)/.installed
	$(PY) packaging/i18n.py all

run: $(VENV)/.installed i18n
	$(VENV)/bin/splitday

test: $(VENV)/.installed i18n
	bash tests/install-system-deps.sh
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache
	bash tests/run.sh $(PY)

screenshots: $(VENV)/.installed
	$(PY) tests/screenshots.py

bench: $(VENV)/.installed
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) build dist .mypy_cache .pytest_cache .ruff_cache

# Packaging (issue 8; packaging/README.md): the one-folder app in dist/, its smoke test, and
# the menu entry + icons + metainfo in the XDG locations (SYSTEM=1 for every user).
.PHONY: package package-check install-desktop
package: $(VENV)/.installed i18n
	bash tests/install-system-deps.sh
	PYTHON=$(PY) bash packaging/build.sh dist

package-check: package
	bash packaging/smoke.sh dist/splitday

install-desktop: $(VENV)/.installed
	if [ -x dist/splitday/splitday ]; then from="--app dist/splitday"; \
	  else from="--bin $(VENV)/bin/splitday"; fi; \
	  PYTHON=$(PY) bash packaging/install-desktop.sh $(if $(SYSTEM),--system,--user) $$from
