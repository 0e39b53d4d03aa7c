"""Answers real gateways give that the studio once misread (issue 18), each built from its documented shape
(docs/protocol.md 7, the reseller's Apifox export; sunoapi.org's error table)."""

from __future__ import annotations

import json

import httpx
import pytest

from songs.gateway import GatewayError, SubmitOutcomeUnknown, download, parse, upload_file
from songs.gateway import client as gateway_client
from tests.gateway.helpers import Recorder, ok, reply
from tests.gateway.misread_shapes import CONCAT_CLIP
from tests.gateway.test_v2 import v2_clip
from tests.seeds import SEED_V2_GENERATE_BODY


@pytest.fixture(autouse=True)
def routes_forgotten():
    """Which routes a gateway lacks is learnt per process: each test starts knowing none."""
    gateway_client._ROUTES_MISSING.clear()
    yield
    gateway_client._ROUTES_MISSING.clear()


# --- Concat answered with the new clip itself -------------------------------------------------------


@pytest.mark.parametrize("api_format", ["task", "v2"])
@pytest.mark.parametrize("answer", [CONCAT_CLIP, ok(CONCAT_CLIP), {"id": "gen-9", "clips": [CONCAT_CLIP]}])
def test_a_concat_answered_with_its_clip_is_tracked_not_called_unknown(make_gateway, api_format, answer):
    recorder = Recorder(reply(200, answer), reply(200, [{**CONCAT_CLIP, "status": "complete"}]))
    gateway = make_gateway(recorder, api_format=api_format)

    task_id = gateway.submit_concat(clip_id="a4715524-2d32-4ce3-a3dc-7e73d0705a98")
    task = gateway.fetch_task(task_id)

    assert parse.decode_v2_task_id(task_id)[1] == [CONCAT_CLIP["id"]]
    assert task.succeeded and [c.clip_type for c in task.clips] == ["concat"]


def test_a_concat_still_reads_the_task_formats_task_id(make_gateway):
    recorder = Recorder(reply(200, ok("1ce1322a-3db0-467a-821a-2029d1e5186f")))
    assert make_gateway(recorder).submit_concat(clip_id="c1") == "1ce1322a-3db0-467a-821a-2029d1e5186f"


def test_a_concat_answer_with_neither_a_task_id_nor_a_clip_is_an_unknown_outcome(make_gateway):
    with pytest.raises(SubmitOutcomeUnknown):
        make_gateway(Recorder(reply(200, {"msg": "ok"}))).submit_concat(clip_id="c1")


# --- Stems answered with only {"clips": [...]} -------------------------------------------------------


def test_a_stems_answer_without_a_generation_id_is_tracked_by_its_clips(make_gateway):
    vocals = {**v2_clip("b7e1-vocals", "queued"), "title": "骑在梦想龙的脊背 - Vocals"}
    backing = {**v2_clip("b7e1-inst", "queued"), "title": "骑在梦想龙的脊背 - Instrumental"}
    recorder = Recorder(reply(200, {"clips": [vocals, backing]}))

    task_id = make_gateway(recorder, api_format="v2").submit_music(payload={**SEED_V2_GENERATE_BODY})

    assert parse.decode_v2_task_id(task_id) == ("b7e1-vocals", ["b7e1-vocals", "b7e1-inst"])


# --- The reseller's own paths: /suno/generate and /suno/feed/<ids> ------------------------------------


def reseller(clips: list[dict], html: bool = False):
    """A gateway with only the reseller's SunoAPI paths: the engine's /suno/v2/ ones are 404 (or its web
    front end's page)."""
    by_id = {clip["id"]: clip for clip in clips}

    def answer(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/suno/generate":
            return reply(200, {"id": "gen-1", "clips": [{**clip, "status": "submitted"} for clip in clips]})
        if path.startswith("/suno/feed/"):
            return reply(200, [by_id[i] for i in path.removeprefix("/suno/feed/").split(",") if i in by_id])
        if html:
            return httpx.Response(200, html="<!doctype html><title>New API</title>")
        return reply(404, {"detail": "Not Found"})

    return answer


@pytest.mark.parametrize("html", [False, True], ids=["404", "web page"])
def test_a_gateway_with_only_the_resellers_paths_makes_and_reads_songs(make_gateway, html):
    recorder = Recorder(reseller([v2_clip("c1", "complete"), v2_clip("c2", "complete")], html=html))
    gateway = make_gateway(recorder, api_format="v2")

    task_id = gateway.submit_music(payload=SEED_V2_GENERATE_BODY)
    task = gateway.fetch_task(task_id)
    again = gateway.fetch_tasks([task_id])

    assert task.succeeded and [c.id for c in task.clips] == ["c1", "c2"] and again[0].succeeded
    paths = [r.url.path for r in recorder.requests]
    # each missing path asked once, then learnt: the second read goes straight to /suno/feed/
    assert paths == [
        "/suno/v2/generate",
        "/suno/generate",
        "/suno/v2/feed",
        "/suno/feed/c1,c2",
        "/suno/feed/c1,c2",
    ]
    assert json.loads(recorder.requests[1].content) == SEED_V2_GENERATE_BODY


def test_a_generate_refused_at_the_engines_path_is_not_sent_again(make_gateway):
    """Only a missing route falls back: a refusal there is the gateway's answer to this request."""
    recorder = Recorder(reply(400, {"code": "invalid_request", "message": "bad mv", "data": None}))
    with pytest.raises(GatewayError):
        make_gateway(recorder, api_format="v2").submit_music(payload=SEED_V2_GENERATE_BODY)
    assert len(recorder.requests) == 1


# --- Numeric error codes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code", "retryable"),
    [
        ({"code": 501, "msg": "Audio generation failed"}, "generation_failed", False),
        ({"code": 429, "msg": "Insufficient credits"}, "quota_not_enough", False),
        ({"code": 430, "msg": "Call frequency too high"}, "rate_limited", True),
        ({"code": 455, "msg": "System maintenance"}, "unavailable", True),
        ({"code": "501", "msg": "Audio generation failed"}, "generation_failed", False),
    ],
)
def test_an_envelope_with_a_numeric_error_code_is_an_error(make_gateway, sleeps, body, code, retryable):
    with pytest.raises(GatewayError) as caught:
        make_gateway(Recorder(reply(200, body)), max_retries=0).fetch_task("t-1")
    assert (caught.value.code, caught.value.retryable, caught.value.detail) == (code, retryable, body["msg"])


# --- Gateway media that is a web page --------------------------------------------------------------------


FORBIDDEN_PAGE = "<!DOCTYPE html><html><head><title>Forbidden</title></head><body>Access denied</body></html>"


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, html=FORBIDDEN_PAGE),
        httpx.Response(200, content=FORBIDDEN_PAGE.encode(), headers={"Content-Type": "audio/mpeg"}),
        httpx.Response(200, json={"error": "forbidden"}),
        httpx.Response(
            200, content=b"not audio at all", headers={"Content-Type": "application/octet-stream"}
        ),
    ],
    ids=["html", "html labelled audio", "json", "unknown bytes"],
)
def test_gateway_media_that_is_not_audio_is_never_kept_as_the_clips_mp3(make_gateway, tmp_path, answer):
    dest = tmp_path / "clip.mp3"
    with pytest.raises(GatewayError) as caught:
        download.download_media(
            make_gateway(Recorder(answer)),
            "https://cdn1.suno.ai/x.mp3",
            dest=dest,
            max_bytes=10**6,
            expect="audio",
        )
    assert (caught.value.code, caught.value.retryable) == ("not_media", False)
    assert list(tmp_path.iterdir()) == []  # nothing kept, not even a partial file


@pytest.mark.parametrize(
    ("expect", "head"),
    [
        ("audio", b"ID3\x04\x00\x00\x00\x00\x00\x00"),
        ("audio", b"\xff\xfb\x90\x64" + bytes(20)),
        ("audio", b"RIFF\x24\x00\x00\x00WAVEfmt "),
        ("image", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"),
        ("image", b"\x89PNG\r\n\x1a\n" + bytes(8)),
        ("video", b"\x00\x00\x00\x20ftypisom" + bytes(8)),
    ],
)
def test_real_media_passes_the_check(make_gateway, tmp_path, expect, head):
    body = head + bytes(1000)
    recorder = Recorder(
        httpx.Response(200, content=body, headers={"Content-Type": "application/octet-stream"})
    )
    size, _sha = download.download_media(
        make_gateway(recorder), "https://cdn1.suno.ai/x", dest=tmp_path / "x", max_bytes=10**6, expect=expect
    )
    assert size == len(body)


# --- The reseller's multi-step upload (docs/protocol.md 7.4) ----------------------------------------------


class ResellerUploads:
    """The six-step upload as the reference documents it; the storage form is a made-up public host."""

    def __init__(self, *, processing_polls: int = 1, final: str = "complete"):
        self.left, self.final = processing_polls, final
        self.stored: dict | None = None
        self.calls: list[tuple[str, str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.calls.append((request.method, f"{request.url.host}{path}"))
        if request.url.host == "suno-uploads.s3.amazonaws.com":
            assert "authorization" not in request.headers  # the key is for the gateway only
            self.stored = {"type": request.headers["content-type"], "body": request.read()}
            return httpx.Response(204)
        if path == "/suno/uploads/audio":
            assert json.loads(request.content) == {"extension": "mp3"}
            fields = {
                "Content-Type": "audio/mpeg",
                "key": "raw_uploads/c25a8c59.mp3",
                "policy": "p",
                "signature": "s",
            }
            return reply(
                200,
                {
                    "id": "c25a8c59-000a-481f-ac28-efde2dc9e677",
                    "url": "https://suno-uploads.s3.amazonaws.com/",
                    "fields": fields,
                },
            )
        if path.endswith("/upload-finish"):
            assert json.loads(request.content) == {
                "upload_type": "file_upload",
                "upload_filename": "song.mp3",
            }
            return reply(200, {})
        if path.endswith("/initialize-clip"):
            return reply(200, {"clip_id": "05c9b477-4519-4810-9ffa-00580c082067"})
        if path == "/suno/uploads/audio/c25a8c59-000a-481f-ac28-efde2dc9e677":
            self.left -= 1
            status = "processing" if self.left > 0 else self.final
            return reply(
                200,
                {
                    "id": "c25a8c59",
                    "status": status,
                    "error_message": "bad file" if status == "error" else None,
                    "s3_id": "m_05c9b477-4519-4810-9ffa-00580c082067",
                },
            )
        return reply(404, {"detail": "Not Found"})


@pytest.fixture
def mp3(tmp_path):
    path = tmp_path / "song.mp3"
    path.write_bytes(b"ID3" + bytes(2000))
    return path


def test_the_multi_step_upload_sends_the_file_to_the_form_and_answers_the_new_clip(
    make_gateway, mp3, sleeps, media_dns
):
    uploads = ResellerUploads(processing_polls=3)

    clip_id = upload_file(make_gateway(uploads), path=mp3, filename="song.mp3")

    assert clip_id == "05c9b477-4519-4810-9ffa-00580c082067"
    assert [call for _method, call in uploads.calls if "amazonaws" not in call][:2] == [
        "gateway.test/suno/uploads/audio",
        "gateway.test/suno/uploads/audio/c25a8c59-000a-481f-ac28-efde2dc9e677/upload-finish",
    ]
    assert b'name="policy"' in uploads.stored["body"] and b"ID3" in uploads.stored["body"]
    assert uploads.stored["type"].startswith("multipart/form-data")
    assert len(sleeps) == 2  # asked three times while it was processing


def test_a_multi_step_upload_the_gateway_could_not_process_fails_with_its_reason(
    make_gateway, mp3, media_dns
):
    with pytest.raises(GatewayError) as caught:
        upload_file(make_gateway(ResellerUploads(final="error")), path=mp3, filename="song.mp3")
    assert (caught.value.code, caught.value.message) == ("upload_failed", "bad file")
