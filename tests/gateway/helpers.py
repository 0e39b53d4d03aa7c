"""Helpers for the gateway client's tests: the seed's bodies, a recording MockTransport, answer builders."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx

from songs.gateway import GatewayError
from tests.conftest import GATEWAY_KEY, GATEWAY_URL
from tests.seeds import SEEDS_DIR

BASE, KEY = GATEWAY_URL, GATEWAY_KEY
SEEDS = SEEDS_DIR

Handler = Callable[[httpx.Request], httpx.Response]


# --- Seed bodies (tests/seeds/004_*.txt, trimmed to the fields that matter plus a few extras) ---

SEED_LYRICS_TASK = {
    "task_id": "24c35560-5d0a-470d-bd31-976d02d43926",
    "notify_hook": "",
    "action": "LYRICS",
    "status": "SUCCESS",
    "fail_reason": "",
    "submit_time": 1730209678,
    "start_time": 1730209678,
    "finish_time": 1730209687,
    "progress": "100%",
    "data": {"status": "complete", "text": "[Verse]\n骑着单车在海边漫游\n夕阳洒在我们", "title": "厦门"},
}


def seed_clip(clip_id: str, duration: object, *, pending: bool = True) -> dict:
    return {
        "audio_url": f"https://cdn1.suno.ai/{clip_id}.mp3",
        "avatar_image_url": "https://cdn1.suno.ai/defaultOrange.webp",
        "created_at": "2024-10-29T13:23:44.841Z",
        "display_name": "DisconcertedBass2764",
        "handle": "disconcertedbass2764",
        "id": clip_id,
        "image_large_url": f"https://cdn2.suno.ai/image_large_{clip_id}.jpeg",
        "image_url": f"https://cdn2.suno.ai/image_{clip_id}.jpeg",
        "is_handle_updated": False,
        "is_liked": False,
        "is_public": False,
        "is_trashed": False,
        "is_video_pending": pending,
        "major_model_version": "v3",
        "metadata": {
            "duration": duration,
            "gpt_description_prompt": "天津",
            "prompt": "[Verse]\nOn the streets of Tianjin we dance in the rain",
            "refund_credits": False,
            "stream": True,
            "tags": "pop lively",
            "type": "gen",
        },
        "model_name": "chirp-v3",
        "play_count": 0,
        "status": "complete",
        "title": "天津",
        "upvote_count": 0,
        "video_url": f"https://cdn1.suno.ai/{clip_id}.mp4",
    }


SEED_MUSIC_TASK = {
    "task_id": "6e7dfb41-5a21-4189-8246-e2b6ae103ccd",
    "notify_hook": "",
    "action": "MUSIC",
    "status": "SUCCESS",
    "fail_reason": "",
    "submit_time": 1730208225,
    "start_time": 1730208225,
    "finish_time": 1730208257,
    "progress": "100%",
    "data": [
        seed_clip("53db4a32-cb40-4412-8c1f-34409d2f3327", 64.36),
        seed_clip("94241e2d-7e50-44db-9b7e-e6ca656894c1", 74.68),
    ],
}

SEED_CUSTOM_PAYLOAD = {
    "prompt": "[Verse]\nWalking down the streets\nBeneath the city lights",
    "tags": "emotional punk",
    "mv": "chirp-v3-5",
    "title": "City Lights",
}


def ok(data: object) -> dict:
    return {"code": "success", "message": "", "data": data}


def fail(code: str, message: str = "it failed") -> dict:
    return {"code": code, "message": message, "data": None}


def new_api_error(message: str, **extra: str) -> dict:
    return {"error": {"message": message, "type": "new_api_error", **extra}}


def facts(error: GatewayError) -> tuple[str, int | None, bool]:
    return (error.code, error.http_status, error.retryable)


# --- Helpers -------------------------------------------------------------------------------


class Recorder:
    """A MockTransport handler that replays answers in order and remembers every request."""

    def __init__(self, *answers: httpx.Response | Exception | Handler) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer(request)
        return answer

    def bodies(self) -> list[object]:
        return [json.loads(r.content) for r in self.requests]


def reply(status: int = 200, body: object = None, **kwargs: object) -> httpx.Response:
    return httpx.Response(status, json=body, **kwargs)
