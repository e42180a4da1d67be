# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.12
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench serve teams-package clean check-python check-shared docker

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
	$(BIN)/pytest -n 2

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

# Not part of `make test`: builds the container image and starts it once, on a free port of
# this machine, until it answers GET /healthz as a user other than root (needs docker; the
# tests check the Dockerfile without it: tests/ops/test_container.py).
DOCKER_IMAGE ?= opslag:local
docker:
	@command -v docker >/dev/null || { echo "docker findes ikke på denne maskine."; exit 1; }
	docker build -t $(DOCKER_IMAGE) .
	@test "$$(docker run --rm --entrypoint id $(DOCKER_IMAGE) -u)" != 0 || \
		{ echo "Billedet kører som root."; exit 1; }
	@cid=$$(docker run -d --rm -p 127.0.0.1::3000 $(DOCKER_IMAGE)); \
	port=$$(docker port $$cid 3000/tcp | head -n 1 | sed 's/.*://'); ok=1; \
	for i in $$(seq 1 30); do \
		if python3 -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$$port/healthz', timeout=2)" \
			2>/dev/null; then ok=0; break; fi; \
		sleep 1; \
	done; \
	docker logs $$cid 2>&1 | tail -n 20; docker stop $$cid >/dev/null; \
	if [ $$ok -eq 0 ]; then echo "$(DOCKER_IMAGE) starter og svarer på /healthz."; \
	else echo "$(DOCKER_IMAGE) svarede ikke på /healthz inden for 30 s."; exit 1; fi

clean:
	rm -rf $(VENV) build *.egg-info
