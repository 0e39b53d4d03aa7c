"""Helpers for the engine tests: the seed's custom song, and how a client posts, fetches and downloads."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

SEED_CUSTOM = {
    "prompt": "[Verse]\nWalking down the streets\nBeneath the city lights\n"
    "Neon signs flickering\nLighting up the night\n\n"
    "[Verse 2]\nConcrete jungle shining\nWith its dazzling glow",
    "tags": "emotional punk",
    "mv": "chirp-v3-5",
    "title": "City Lights",
}


def post(client, path, body, headers):
    return client.post(
        path,
        data=json.dumps(body) if not isinstance(body, str) else body,
        content_type="application/json",
        **headers,
    )


def fetch_task(client, task_id: str, headers: dict) -> dict:
    answer = client.get(f"/suno/fetch/{task_id}", **headers).json()
    assert answer["code"] == "success", answer
    return answer["data"]


def make_song(client, headers: dict, **overrides) -> tuple[str, list[dict]]:
    """Submit a custom song (rendered inline in tests) and return its task id and complete clips."""
    answer = post(client, "/suno/submit/music", {**SEED_CUSTOM, **overrides}, headers).json()
    assert answer["code"] == "success", answer
    task = fetch_task(client, answer["data"], headers)
    assert task["status"] == "SUCCESS", task["fail_reason"]
    return answer["data"], task["data"]


def media_bytes(client, url: str) -> bytes:
    response = client.get(url.removeprefix("http://testserver"))
    assert response.status_code == 200, url
    return b"".join(response.streaming_content)


def url_path(url: str) -> str:
    """The path of a media link, without the signature and expiry the engine adds to every link."""
    return urlsplit(url).path
