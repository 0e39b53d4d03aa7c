"""Time a whole song through the real studio: `runstudio` on a spare port with a throw-away database.

Measures, for a Custom song ("City Lights", "emotional punk"): time from pressing Create to the first
playable clip (a stream URL on the card), to both clips complete and stored, and the size of the answers.
Uses only the standard library so it drives the studio exactly as a browser would.

    .venv/bin/python bench/bench_studio.py [--runs 3]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import re
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.livestudio import live_studio  # noqa: E402

LYRICS = (
    "[Verse]\nWalking down the streets\nBeneath the city lights\n"
    "Neon signs flickering\nLighting up the night\n\n"
    "[Chorus]\nCity lights, city lights\nCarry me home tonight\n\n[Verse 2]\nConcrete jungle shining\n"
    "With its dazzling glow\n\n[Chorus]\nCity lights, city lights\nCarry me home tonight"
)


class Browser:
    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def get(self, path: str, headers: dict | None = None) -> tuple[int, str]:
        request = urllib.request.Request(self.base + path, headers=headers or {})
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def post(self, path: str, data: dict, headers: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.csrf()}).encode()
        request = urllib.request.Request(
            self.base + path, data=body, headers={"Referer": self.base, **(headers or {})}
        )
        with self.opener.open(request, timeout=30) as response:
            return response.status, response.read().decode()


def one_song(browser: Browser, project_path: str) -> dict:
    status, page = browser.get(project_path)
    key = re.search(r'name="request_key" value="([^"]+)"', page).group(1)
    started = time.perf_counter()
    _, fragment = browser.post(
        project_path + "songs/",
        {
            "mode": "custom",
            "lyrics": LYRICS,
            "tags": "emotional punk",
            "title": "City Lights",
            "mv": "chirp-v3-5",
            "request_key": key,
        },
        headers={"HX-Request": "true"},
    )
    task_id = re.search(r'id="task-(\d+)"', fragment).group(1)
    first_playable = stored = None
    while time.perf_counter() - started < 120:
        _, page = browser.get(project_path)
        card = page[page.index(f'id="task-{task_id}"') :]
        card = card[: card.find("</article>")]
        if first_playable is None and "<audio" in card:
            first_playable = time.perf_counter() - started
        if len(re.findall(r'<audio[^>]+src="/clips/', card)) >= 2:
            stored = time.perf_counter() - started
            break
        if "chip bad" in card:
            raise SystemExit("the song failed: " + re.sub(r"<[^>]+>", " ", card)[:300])
        time.sleep(0.1)
    return {"first_playable_s": first_playable, "both_stored_s": stored}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    with live_studio(port=args.port, username="bench", password="bench-pass-123") as base:
        browser = Browser(base)
        browser.get("/accounts/login/")
        browser.post("/accounts/login/", {"username": "bench", "password": "bench-pass-123"})
        browser.get("/")
        browser.post("/", {"name": "Bench"})
        _, listing = browser.get("/")
        project_path = re.search(r'href="(/projects/\d+/)"', listing).group(1)
        results = [one_song(browser, project_path) for _ in range(args.runs)]
    print("run  create->first playable (s)  create->both stored (s)")
    for number, result in enumerate(results, start=1):
        print(f"{number:>3}  {result['first_playable_s']:>27.2f}  {result['both_stored_s']:>23.2f}")


if __name__ == "__main__":
    main()
