# Song Studio: `make run` starts everything, `make test` runs every test. Both install what they need.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT
export UV_PYTHON_DOWNLOADS := never

.PHONY: run test lint bench screenshots install chromium cjk-font services migrate translations clean
# The database- and broker-sensitive tests (marked `backends`) run again on these.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/song_studio
TEST_REDIS_URL ?= redis://127.0.0.1:6379/7

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.txt
	touch $@

install: $(VENV)/.installed

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Chromium from Debian's packages…"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The zh-Hans (and any other) catalogs: locale/*/LC_MESSAGES/*.po -> .mo, with Babel from requirements.txt
# (pure Python, so no GNU gettext/msgfmt is needed; docs/i18n.md). The .mo files are not committed.
translations: install
	$(BIN)/python manage.py compiletranslations -v0

# Chinese pages in the headless browser (browser tests, screenshots): a server image often has no CJK
# font at all, and Chromium then draws boxes. WenQuanYi Micro Hei is 5 MB (Noto CJK is ~100 MB).
cjk-font:
	@fc-list :lang=zh 2>/dev/null | grep -q . || { \
	  echo "Installing a Chinese font (fonts-wqy-microhei) from Debian's packages…"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null; }

migrate: install translations
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py collectstatic --noinput -v0

run: migrate
	$(BIN)/python manage.py runstudio --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

services:
	@bash scripts/services.sh

test: install chromium cjk-font services lint translations
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(BIN)/python -m pytest -n 2 -q -m backends

# Engine and studio figures, then SQLite vs PostgreSQL + Redis side by side (BENCH_LOAD_SECONDS, default 60).
bench: install
	$(BIN)/python bench/bench_all.py

screenshots: install chromium cjk-font translations
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) staticfiles var
