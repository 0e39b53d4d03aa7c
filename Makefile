# Song Studio: `make run` starts everything, `make test` runs every test. Both install what they need.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT
export UV_PYTHON_DOWNLOADS := never

.PHONY: run test lint bench screenshots install install-runtime lock chromium cjk-font services migrate translations clean
# The database- and broker-sensitive tests (marked `backends`) run again on these.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/song_studio
TEST_REDIS_URL ?= redis://127.0.0.1:6379/7

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Two pinned sets (make lock): requirements.txt is what the studio runs on (make run, deploy/), and
# requirements-dev.txt adds the test and lint tools (make test). Production never installs pytest,
# Playwright, moto or Flask.
$(BIN)/uv: | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv

# The runtime set only, added to whatever is there: a developer's venv keeps its test tools.
$(VENV)/.runtime: requirements.txt | $(BIN)/uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.txt
	touch $@

# Runtime + dev, exactly (sync removes what neither set pins).
$(VENV)/.installed: requirements-dev.txt requirements.txt | $(BIN)/uv
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements-dev.txt
	touch $@ $(VENV)/.runtime

install-runtime: $(VENV)/.runtime

install: $(VENV)/.installed

# Regenerate both sets from pyproject.toml: the runtime set on its own, then runtime + dev held to the
# runtime set's versions, so the tests run on exactly what production runs.
lock: | $(BIN)/uv
	$(BIN)/uv pip compile --quiet --python $(BIN)/python pyproject.toml -o requirements.txt
	$(BIN)/uv pip compile --quiet --python $(BIN)/python pyproject.toml --extra dev \
	  --constraint requirements.txt -o requirements-dev.txt

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Chromium from Debian's packages…"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The zh-Hans (and any other) catalogs: locale/*/LC_MESSAGES/*.po -> .mo, with Babel from requirements.txt
# (pure Python, so no GNU gettext/msgfmt is needed; docs/i18n.md). The .mo files are not committed.
translations: install-runtime
	$(BIN)/python manage.py compiletranslations -v0

# Chinese pages in the headless browser (browser tests, screenshots): a server image often has no CJK
# font at all, and Chromium then draws boxes. WenQuanYi Micro Hei is 5 MB (Noto CJK is ~100 MB).
cjk-font:
	@fc-list :lang=zh 2>/dev/null | grep -q . || { \
	  echo "Installing a Chinese font (fonts-wqy-microhei) from Debian's packages…"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null; }

migrate: install-runtime translations
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py collectstatic --noinput -v0

run: migrate
	$(BIN)/python manage.py runstudio --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

services:
	@bash scripts/services.sh

test: install chromium cjk-font services lint translations
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(BIN)/python -m pytest -n 2 -q -m backends

# Engine and studio figures, then SQLite vs PostgreSQL + Redis side by side (BENCH_LOAD_SECONDS, default 60).
bench: install-runtime
	$(BIN)/python bench/bench_all.py

screenshots: install chromium cjk-font translations
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) staticfiles var
