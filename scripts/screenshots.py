"""Screenshots of the studio's pages, for looking at what we build: `make screenshots`.

Starts `runstudio` on a spare port with a throw-away database, drives Debian's Chromium
through a songwriter's session, and writes PNGs to test-artifacts/screens/.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "test-artifacts" / "screens"
PORT = int(os.environ.get("SCREENSHOT_PORT", "8766"))
BASE = f"http://127.0.0.1:{PORT}"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
LYRICS = (
    "[Verse]\nWalking down the streets\nBeneath the city lights\nNeon signs flickering\n"
    "Lighting up the night\n\n[Chorus]\nCity lights, city lights\nCarry me home tonight"
)


def manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def start(env: dict) -> subprocess.Popen:
    manage(env, "migrate", "-v0")
    manage(
        env,
        "shell",
        "-v0",
        "-c",
        "from django.contrib.auth.models import User; "
        "User.objects.create_superuser('alice', 'alice@example.com', 'correct-horse-battery')",
    )
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "runstudio", "--port", str(PORT)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{BASE}/accounts/login/", timeout=1)
            return proc
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the studio did not start")


def shoot(page, name: str) -> None:
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)
    print("wrote", OUT / f"{name}.png")


def session(page) -> None:
    page.goto(f"{BASE}/accounts/login/")
    shoot(page, "01-login")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Name").fill("Night Drive")
    page.get_by_role("button", name="New project").click()
    page.get_by_text("Custom", exact=True).click()
    page.get_by_label("Lyrics", exact=True).fill(LYRICS)
    page.get_by_label("Style of music").fill("emotional punk")
    page.get_by_label("Title", exact=True).fill("City Lights")
    page.get_by_role("button", name="Create").click()
    page.wait_for_selector("article.card .spinner")
    shoot(page, "02-project-pending")
    page.wait_for_selector("article.card audio", timeout=30_000)
    shoot(page, "03-project-streaming")
    page.wait_for_selector("article.card .chip.good", timeout=30_000)
    page.wait_for_selector("article.card audio[src^='/clips/']", timeout=30_000)
    page.get_by_label("Write lyrics about").fill("homesick on a night train")
    page.get_by_role("button", name="Write lyrics").click()
    page.wait_for_selector(".draft-actions", timeout=30_000)
    shoot(page, "04-project-done")
    page.locator("details.downloads summary").first.click()
    shoot(page, "05-downloads-open")
    page.locator("button", has_text="Continue from here").first.click()
    page.wait_for_selector(".continuing")
    shoot(page, "06-continue-form")
    page.goto(page.url.split("?")[0])
    page.locator(".draft-actions a", has_text="Edit").first.click()
    shoot(page, "07-draft-editor")
    page.goto(f"{BASE}/")
    shoot(page, "08-project-list")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "VAR_DIR": tmp,
            "MEDIA_ROOT": f"{tmp}/media",
            "PORT": str(PORT),
            "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3",
            "LOG_LEVEL": "WARNING",
        }
        proc = start(env)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                session(page)
                browser.close()
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)


if __name__ == "__main__":
    main()
