"""ACE-Step 1.5's API server (``SUNO_API_FORMAT=acestep``): an open model on the user's own GPU.

Written from ACE-Step's docs/en/API.md and acestep/api_server.py (docs/protocol.md section 11, and
docs/acestep.md for running it). ``POST /release_task`` queues a job (``task_type`` text2music, cover,
repaint, lego, extract, complete) and answers ``{task_id, status: "queued", queue_position}`` inside its
wrapper ``{data, code, error, timestamp, extra}``, or 429 when its queue is full (nothing was queued:
the studio waits and sends it again, songs.services.submit). ``POST /query_result`` with
``task_id_list`` answers ``[{task_id, status (0 running, 1 done, 2 failed), result, progress_text}]``,
``result`` being a JSON *string* of ``[{file: "/v1/audio?path=...", status, create_time, prompt, lyrics,
metas, dit_model, ...}]``. The files are served at ``GET /v1/audio`` to the same Bearer key.

ACE-Step names no clips and keeps no titles, so:
- a clip's id is the server's path of its file (the ``path`` of its ``/v1/audio`` link), which is also
  what a later repaint, cover or extract of that clip names as ``src_audio_path``;
- the studio's task id packs the server's task id with what the request was and its title
  (``encode_task_id``), as the v2 format packs its clip ids, so the clips come back titled.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from songs.gateway.errors import GatewayError, bad_response, not_supported
from songs.gateway.formats import ApiRequest, Capabilities, FetchPlan
from songs.gateway.parse import Task, as_float, as_text, parse_clip

RELEASE_PATH = "/release_task"
QUERY_PATH = "/query_result"
TASK_PREFIX = "ace:"
# How far a Continue reaches past the chosen second: ACE-Step repaints 3-90 s at a time (its Tutorial).
CONTINUE_SECONDS = 60.0
# Its extract task needs the base DiT model (README's model table: turbo and sft cannot extract).
EXTRACT_MODEL = "acestep-v15-base"
EXTRACT_VOCALS = "Extract the vocals track from the audio:"
# A clip id is the server's file path; longer ones do not fit the studio's clip id (191 characters).
CLIP_ID_LIMIT = 191
_KINDS = ("gen", "stem", "cover", "repaint")


def encode_task_id(server_id: str, kind: str, title: str) -> str:
    """``"ace:" + server task id + ":" + kind + ":" + quoted title`` (the pair below is the only reader)."""
    if not server_id or ":" in server_id or kind not in _KINDS:
        raise ValueError(f"unusable ACE-Step task {server_id!r} ({kind})")
    return f"{TASK_PREFIX}{server_id}:{kind}:{quote(title, safe='')}"


def decode_task_id(task_id: str) -> tuple[str, str, str]:
    """(server task id, kind, title); an id the studio did not pack is the server's own, untitled."""
    if not task_id.startswith(TASK_PREFIX):
        return task_id, "gen", ""
    server_id, _, rest = task_id.removeprefix(TASK_PREFIX).partition(":")
    kind, _, title = rest.partition(":")
    return server_id, kind if kind in _KINDS else "gen", unquote(title)


def _language(lyrics: str) -> str:
    """ACE-Step's ``vocal_language`` from the script the lyrics are written in (its default is "en")."""
    if re.search(r"[\u3040-\u30ff]", lyrics):
        return "ja"
    if re.search(r"[\uac00-\ud7af]", lyrics):
        return "ko"
    if re.search(r"[\u4e00-\u9fff]", lyrics):
        return "zh"
    if re.search(r"[\u0400-\u04ff]", lyrics):
        return "ru"
    return "en"


def release_body(payload: dict) -> tuple[dict, str]:
    """The ``/release_task`` body for a studio music payload, and the kind of request it is."""
    task = payload.get("task") or ""
    source = payload.get("continue_clip_id") or ""
    if task == "gen_stem":
        body = {
            "task_type": "extract",
            "src_audio_path": source,
            "instruction": EXTRACT_VOCALS,
            "model": EXTRACT_MODEL,
            "batch_size": 1,
        }
        return body, "stem"
    if "gpt_description_prompt" in payload:
        # Description mode: its 5Hz LM writes caption, lyrics and metadata (it reads "instrumental" in it).
        query = payload.get("gpt_description_prompt") or ""
        if payload.get("make_instrumental"):
            query = f"{query} (instrumental)"
        return {"task_type": "text2music", "sample_query": query, "thinking": True}, "gen"
    lyrics = "" if payload.get("make_instrumental") else payload.get("prompt") or ""
    body: dict[str, Any] = {
        "prompt": payload.get("tags") or "",
        "lyrics": lyrics or "[Instrumental]",  # ACE-Step's own marker for music without singing
        "vocal_language": _language(lyrics),
    }
    if task == "cover":
        return body | {"task_type": "cover", "src_audio_path": payload.get("cover_clip_id") or ""}, "cover"
    if source and payload.get("infill_start_s") is not None:
        start, end = payload.get("infill_start_s"), payload.get("infill_end_s")
        return body | {
            "task_type": "repaint",
            "src_audio_path": source,
            "repainting_start": start,
            "repainting_end": end,
        }, "repaint"
    if source:
        # Repainting past the source's end extends it: the answer is the whole song, start to new end.
        start = as_float(payload.get("continue_at")) or 0.0
        return body | {
            "task_type": "repaint",
            "src_audio_path": source,
            "repainting_start": start,
            "repainting_end": start + CONTINUE_SECONDS,
        }, "repaint"
    return body | {"task_type": "text2music"}, "gen"


# --- Reading answers ---


def _data(body: Any) -> Any:
    if not isinstance(body, dict):
        raise bad_response("ACE-Step's answer is not its wrapper")
    if body.get("error") or body.get("code") not in (200, None):
        raise GatewayError("upstream_error", as_text(body.get("error")) or "ACE-Step reported an error")
    return body.get("data")


def _read_release(kind: str, title: str):
    def read(body: Any) -> str:
        data = _data(body)
        server_id = as_text(data.get("task_id")) if isinstance(data, dict) else ""
        try:
            return encode_task_id(server_id, kind, title)
        except ValueError:
            raise bad_response("ACE-Step's answer carries no usable task_id") from None

    return read


def clip_id_of(file_link: str) -> str:
    """The server path a ``/v1/audio?path=...`` link names (a full URL is kept as it is)."""
    parts = urlsplit(file_link)
    if parts.path.endswith("/v1/audio"):
        path = parse_qs(parts.query).get("path", [""])[0]
        if path:
            return path
    return file_link


def _iso(seconds: Any) -> str:
    from datetime import UTC, datetime

    value = as_float(seconds)
    if not value:
        return ""
    return datetime.fromtimestamp(value, tz=UTC).isoformat().replace("+00:00", "Z")


def result_clip(item: dict, *, number: int, kind: str, title: str) -> dict:
    """One entry of ``result`` as the clip object the studio reads."""
    metas = item.get("metas") if isinstance(item.get("metas"), dict) else {}
    status = {1: "complete", 2: "error"}.get(item.get("status"), "queued")
    file_link = as_text(item.get("file"))
    if kind == "stem":
        title = f"{title} - Vocals" if title else "Vocals"
    elif title and number > 1:
        title = f"{title} ({number})"
    return {
        "id": clip_id_of(file_link),
        "title": title,
        "status": status,
        "audio_url": file_link,
        "model_name": as_text(item.get("dit_model")),
        "created_at": _iso(item.get("create_time")),
        "metadata": {
            "tags": as_text(item.get("prompt") or metas.get("genres")),
            "prompt": as_text(item.get("lyrics")),
            "duration": metas.get("duration"),
            "type": "stem" if kind == "stem" else "gen",
            "bpm": metas.get("bpm"),
            "keyscale": as_text(metas.get("keyscale")),
            "timesignature": as_text(metas.get("timesignature")),
            "seed": as_text(item.get("seed_value")),
            "error_message": as_text(item.get("error")) if status == "error" else "",
            # Its files are served to the key's holder only: a browser cannot play the link itself.
            "media_private": True,
        },
    }


def _result_items(result: Any) -> list[dict]:
    if isinstance(result, str):
        try:
            result = json.loads(result or "[]")
        except ValueError:
            return []
    return [item for item in result if isinstance(item, dict)] if isinstance(result, list) else []


def task_from_entry(entry: dict, studio_id: str) -> Task:
    """A ``/query_result`` entry as the studio's task (``studio_id`` is the packed id it was asked as)."""
    _server_id, kind, title = decode_task_id(studio_id)
    items = _result_items(entry.get("result"))
    code = entry.get("status")
    files = [item for item in items if item.get("file")]
    clips = [
        parse_clip(result_clip(item, number=n, kind=kind, title=title)) for n, item in enumerate(files, 1)
    ]
    clips = [clip for clip in clips if clip.id and len(clip.id) <= CLIP_ID_LIMIT]
    fail_reason = ""
    if code == 1:
        status = "SUCCESS"
    elif code == 2:
        status = "FAILURE"
        errors = [as_text(item.get("error")) for item in items if item.get("error")]
        fail_reason = errors[0] if errors else "ACE-Step could not make this song (its job failed)."
    else:
        running = any((as_float(item.get("progress")) or 0) > 0 for item in items)
        status = "IN_PROGRESS" if running else "QUEUED"
    progress = items[0].get("progress") if items else None
    percent = f"{round((as_float(progress) or 0) * 100)}%" if status not in ("SUCCESS", "FAILURE") else "100%"
    raw = {"task_id": studio_id, "action": "MUSIC", "status": status, "data": [c.raw for c in clips]}
    return Task(
        task_id=studio_id,
        action="MUSIC",
        status=status,
        fail_reason=fail_reason,
        progress=percent,
        submit_time=int(as_float(items[0].get("create_time")) or 0) if items else 0,
        start_time=0,
        finish_time=0,
        clips=clips,
        raw=raw | {"progress_text": as_text(entry.get("progress_text"))[:500]},
    )


def _read_entries(body: Any) -> list[dict]:
    data = _data(body)
    if data is None:
        return []
    if not isinstance(data, list):
        raise bad_response("ACE-Step's query answer is not a list")
    return [entry for entry in data if isinstance(entry, dict) and entry.get("task_id")]


def _missing(what: str) -> GatewayError:
    return not_supported(f"ACE-Step's API server has no {what}.", http_status=None)


class AceStepFormat:
    """ACE-Step 1.5's API server (docs/protocol.md section 11). Polled: it never calls back."""

    capabilities = Capabilities(
        concat=False,  # a Continue (repaint past the end) already answers the whole song
        upload=False,  # it takes files only as multipart uploads or paths on its own disk, not links
        infill=True,  # repaint between two seconds
        negative_tags=False,
        video=False,
        timing=False,
        stems=True,  # extract (the vocals), with the base model loaded
        cover=True,
        persona=False,
        vocal_gender=False,
        controls=False,
        boost=False,
        lyrics=False,  # it writes lyrics only inside a song (description mode)
        model_choice=False,  # the server's own DiT model makes every song: no Suno model to pick
    )
    callback_param = None
    # Ids a /query_result: the server reads each from its own memory, so a large batch costs it little.
    fetch_batch_size = 100

    def submit_music(self, payload: dict) -> ApiRequest:
        body, kind = release_body(payload)
        title = payload.get("title") or ""
        return ApiRequest("POST", RELEASE_PATH, _read_release(kind, title), body)

    def submit_lyrics(self, prompt: str) -> ApiRequest:
        raise _missing("lyrics call")

    def submit_concat(self, clip_id: str, is_infill: bool) -> ApiRequest:
        raise _missing("concat call (a continued song is whole already)")

    def upload_audio_url(self, url: str) -> ApiRequest:
        raise _missing("upload by link")

    def persona_create(self, body: dict) -> ApiRequest:
        raise _missing("personas")

    def style_boost(self, tags: str) -> ApiRequest:
        raise _missing("style boost")

    def fetch_one(self, task_id: str) -> FetchPlan:
        plan = self.fetch_many([task_id])

        def combine(answers: list[Any]) -> list[Task]:
            tasks = plan.combine(answers)
            if not tasks:
                raise GatewayError("task_not_exist", "ACE-Step knows no such task", retryable=False)
            return tasks

        return FetchPlan(plan.requests, combine)

    def fetch_many(self, task_ids: list[str]) -> FetchPlan:
        by_server = {decode_task_id(task_id)[0]: task_id for task_id in task_ids}
        servers = list(by_server)
        size = self.fetch_batch_size
        batches = [servers[i : i + size] for i in range(0, len(servers), size)]
        requests = [ApiRequest("POST", QUERY_PATH, _read_entries, {"task_id_list": ids}) for ids in batches]

        def combine(answers: list[Any]) -> list[Task]:
            entries = [entry for answer in answers for entry in answer]
            return [
                task_from_entry(entry, by_server[entry["task_id"]])
                for entry in entries
                if entry["task_id"] in by_server
            ]

        return FetchPlan(requests, combine)

    def timing(self, clip_id: str, task_id: str = "") -> ApiRequest:
        raise _missing("lyric timing")

    @staticmethod
    def callback_task_ids(body: Any) -> list[str]:
        return []  # ACE-Step never calls back
