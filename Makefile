# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.12
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench serve teams-package clean check-python check-shared

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null || \
		{ echo "Opslag kræver Python 3.12 eller nyere ($(PYTHON) mangler eller er for gammel)."; exit 1; }

$(STAMP): pyproject.toml | check-python
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

# Leaving the chat with Ctrl-C or Ctrl-D (exit 130) is a normal end, not a failed make.
run: $(STAMP)
	@$(BIN)/opslag chat || [ $$? -eq 130 ]

serve: $(STAMP)
	$(BIN)/opslag serve

test: $(STAMP)
	$(BIN)/ruff check policy bot handlers opslag tests bench tools
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest

# Not part of `make test`: compares tests/data with the originals in ../shared (or SHARED=path),
# which only a machine of ours has.
SHARED ?= ../shared
check-shared: | check-python
	$(PYTHON) tools/check_shared.py $(SHARED)

bench: $(STAMP)
	$(BIN)/python -m bench

# The Teams app package to upload: manifest and the two icons, flat in one zip.
teams-package: teams/manifest.json teams/color.png teams/outline.png
	rm -f teams/opslag-teams.zip
	$(PYTHON) -m zipfile -c teams/opslag-teams.zip $^
	@echo "teams/opslag-teams.zip er klar: upload den i Teams under Apps > Administrer dine apps."

clean:
	rm -rf $(VENV) build *.egg-info
