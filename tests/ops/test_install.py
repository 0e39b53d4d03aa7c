"""What a production install gets: the runtime set only; the test tools live in the dev set (make lock)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEST_TOOLS = ("pytest", "pytest-django", "pytest-xdist", "pytest-playwright", "playwright", "moto", "flask",
              "flask-cors", "ruff", "import-linter")  # fmt: skip


def _pins(name: str) -> dict[str, str]:
    pins = {}
    for line in (ROOT / name).read_text().splitlines():
        if match := re.match(r"^([A-Za-z0-9_.\-\[\]]+)==(\S+)", line):
            pins[re.sub(r"\[.*\]", "", match[1]).lower().replace("_", "-")] = match[2]
    return pins


def _declared(group: list[str]) -> set[str]:
    return {re.split(r"[\[<>=!~ ;]", item, maxsplit=1)[0].lower().replace("_", "-") for item in group}


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_it_keeps_the_test_tools_out_of_the_runtime_set():
    runtime = _pins("requirements.txt")
    assert "django" in runtime and "gunicorn" in runtime
    assert not [tool for tool in TEST_TOOLS if tool in runtime]


def test_it_pins_every_runtime_dependency_in_the_runtime_set():
    assert _declared(_project()["dependencies"]) <= set(_pins("requirements.txt"))


def test_it_gives_the_tests_exactly_the_versions_production_runs():
    runtime, dev = _pins("requirements.txt"), _pins("requirements-dev.txt")
    assert {name: dev.get(name) for name in runtime} == runtime
    assert _declared(_project()["optional-dependencies"]["dev"]) <= set(dev)


def test_it_installs_only_the_runtime_set_to_run_and_to_deploy():
    makefile = (ROOT / "Makefile").read_text()
    runtime_stamp = makefile.split("$(VENV)/.runtime:", 1)[1].split("\n\n", 1)[0]
    assert "-r requirements.txt" in runtime_stamp and "requirements-dev" not in runtime_stamp
    assert re.search(r"^migrate: install-runtime\b", makefile, re.M)
    assert re.search(r"^run: migrate\b", makefile, re.M)
    assert re.search(r"^test: install\b", makefile, re.M)
    deploy = [p for p in (ROOT / "deploy").rglob("*") if p.is_file()]
    assert not [p.name for p in deploy if "requirements-dev" in p.read_text()]
    readme = (ROOT / "README.md").read_text().splitlines()
    readme_installs = [line for line in readme if "uv pip sync" in line]
    assert readme_installs and all(line.rstrip().endswith(" requirements.txt") for line in readme_installs)
