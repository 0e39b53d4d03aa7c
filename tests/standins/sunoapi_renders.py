"""The sunoapi stand-in's renders of a clip it made: its WAV and its music video (docs/protocol.md 8.3),
as the family documents them.

- POST /api/v1/wav/generate and /api/v1/mp4/generate: ``taskId`` and ``audioId`` (a clip of that task)
  and ``callBackUrl`` required (400 otherwise; the MP4's ``author`` and ``domainName`` optional); the
  answer is ``data.taskId``.
- GET /api/v1/wav/record-info and /api/v1/mp4/record-info ?taskId=: ``{taskId, musicId, callbackUrl,
  completeTime, response: {audioWavUrl | videoUrl}, successFlag, createTime, errorCode, errorMessage}``;
  ``successFlag`` PENDING on the first read, then SUCCESS, or GENERATE_WAV_FAILED / GENERATE_MP4_FAILED
  (``fail_next``).
- The WAV is the engine's MP3 decoded to 16-bit PCM, served by the stand-in at /files/<taskId>.wav with no
  key (as a CDN link would be); the MP4 is the engine's own video of the clip (its ``video_url``).
- Callbacks, once a record is done: ``{code: 200, msg, data: {task_id, audio_wav_url | video_url}}``
  (``code`` 501 and no link on a failure).
"""

from __future__ import annotations

import io
import secrets
import urllib.request
import wave

import miniaudio

RENDER_FAILURES = {"WAV": "GENERATE_WAV_FAILED", "MP4": "GENERATE_MP4_FAILED"}
RENDER_PATHS = {"WAV": "/api/v1/wav/record-info", "MP4": "/api/v1/mp4/record-info"}
_LINK_KEYS = {"WAV": ("audioWavUrl", "audio_wav_url"), "MP4": ("videoUrl", "video_url")}


class RendersMixin:
    """Mixed into SunoApiStandIn: it has records, accept(), upstream(), clips(), fail_next and url."""

    files: dict[str, bytes]

    def render_handlers(self) -> dict:
        return {"/api/v1/wav/generate": self.wav_generate, "/api/v1/mp4/generate": self.mp4_generate}

    def wav_generate(self, body: dict) -> dict:
        return self.render("/api/v1/wav/generate", body, kind="WAV")

    def mp4_generate(self, body: dict) -> dict:
        return self.render("/api/v1/mp4/generate", body, kind="MP4")

    def render(self, path: str, body: dict, *, kind: str) -> dict:
        from tests.standins.sunoapi import Refusal

        self.accept(path, body, needs=("taskId", "audioId"))
        source = self.records.get(body["taskId"])
        if source is None or body["audioId"] not in source.get("clip_ids", []):
            raise Refusal(400, "The taskId and audioId do not name a song of yours")
        failure = self.fail_next if self.fail_next == RENDER_FAILURES[kind] else ""
        if failure:
            self.fail_next = ""
        task_id = secrets.token_hex(16)
        self.records[task_id] = {
            "kind": kind,
            "callback": body["callBackUrl"],
            "source": body["audioId"],
            "failure": failure,
            "reads": 0,
            "link": "",
            "told": set(),
        }
        return {"taskId": task_id}

    def render_record(self, task_id: str, row: dict) -> dict:
        row["reads"] += 1
        status = "PENDING"
        if row["failure"] and row["reads"] > 1:
            status = row["failure"]
        elif row["reads"] > 1:
            row["link"] = row["link"] or self.render_link(task_id, row)
            status = "SUCCESS" if row["link"] else "PENDING"
        link_key = _LINK_KEYS[row["kind"]][0]
        return {
            "taskId": task_id,
            "musicId": row["source"],
            "callbackUrl": row["callback"],
            "completeTime": None,
            "response": {link_key: row["link"] if status == "SUCCESS" else None},
            "successFlag": status,
            "createTime": None,
            "errorCode": 500 if status in RENDER_FAILURES.values() else None,
            "errorMessage": "Rendering failed upstream" if status in RENDER_FAILURES.values() else None,
        }

    def render_link(self, task_id: str, row: dict) -> str:
        """The file's link once it can be made: the WAV decoded from the engine's MP3 (served here), or the
        engine's video of the clip once it has one."""
        found = self.clips([row["source"]])
        if not found or found[0]["status"] != "complete":
            return ""
        clip = found[0]
        if row["kind"] == "MP4":
            return "" if clip.get("is_video_pending") else clip.get("video_url") or ""
        with urllib.request.urlopen(clip["audio_url"], timeout=60) as response:
            mp3 = response.read()
        decoded = miniaudio.decode(mp3, output_format=miniaudio.SampleFormat.SIGNED16)
        out = io.BytesIO()
        with wave.open(out, "wb") as wav:
            wav.setnchannels(decoded.nchannels)
            wav.setsampwidth(2)
            wav.setframerate(decoded.sample_rate)
            wav.writeframes(decoded.samples.tobytes())
        self.files[f"{task_id}.wav"] = out.getvalue()
        return f"{self.url}/files/{task_id}.wav"

    def serve_file(self, path: str) -> tuple[str, bytes] | None:
        data = self.files.get(path.removeprefix("/files/"))
        return ("audio/wav", data) if data is not None else None

    def render_callback(self, task_id: str, row: dict, record: dict) -> dict | None:
        """The callback body for a render record that has just ended, or None while it runs."""
        status = record["successFlag"]
        if status == "PENDING":
            return None
        record_key, callback_key = _LINK_KEYS[row["kind"]]
        data = {"task_id": task_id}
        if status == "SUCCESS":
            data[callback_key] = record["response"][record_key]
        return {"code": 200 if status == "SUCCESS" else 501, "msg": status, "data": data}
