"""Construction, settings, both formats' concat and upload, (the v2 format has its own module)."""

from __future__ import annotations

import httpx
import pytest

from songs.gateway import Gateway, GatewayError, SubmitOutcomeUnknown, formats
from songs.gateway import client as gateway_client
from tests.gateway.helpers import BASE, KEY, Recorder, facts, fail, ok, reply

# --- Construction, formats and settings -------------------------------------------------------


@pytest.mark.parametrize(("api_format", "infill_and_negative_tags"), [("task", False), ("v2", True)])
def test_it_declares_each_formats_capabilities(make_gateway, api_format, infill_and_negative_tags):
    gateway = make_gateway(Recorder(reply(200, ok(None))), api_format=api_format)

    flag = infill_and_negative_tags
    # the SunoAPI-style task fields travel like infill and negative_tags: only in v2 bodies (protocol 7.9)
    extras = dict.fromkeys(("stems", "cover", "persona", "vocal_gender", "controls"), flag)
    flags = {"infill": flag, "negative_tags": flag, "boost": True, **extras}
    expected = formats.Capabilities(concat=True, upload=True, models=formats.RESELLER_MODELS, **flags)
    assert gateway.capabilities == expected


def test_the_studio_refuses_to_start_with_a_format_no_family_speaks(settings):
    from django.core.exceptions import ImproperlyConfigured

    from songs.apps import api_format_check

    for known in ("task", "v2", "sunoapi", "acedata", "acestep"):
        settings.SUNO_API_FORMAT = known
        api_format_check()
    settings.SUNO_API_FORMAT = "v3"
    with pytest.raises(ImproperlyConfigured, match="SUNO_API_FORMAT must be one of task, v2, sunoapi"):
        api_format_check()


def test_it_refuses_an_unknown_format():
    with pytest.raises(ValueError, match="api_format"):
        Gateway(base_url=BASE, api_key=KEY, api_format="v3")


def test_it_closes_its_client_when_used_as_a_context_manager():
    with Gateway(base_url=BASE, api_key=KEY, transport=httpx.MockTransport(Recorder(reply()))) as gateway:
        pass

    with pytest.raises(RuntimeError):
        gateway.fetch_task("t-1")


def test_get_gateway_uses_settings_and_the_transport_override(settings, monkeypatch):
    settings.SUNO_GATEWAY_URL = "http://engine.local:9000"
    settings.SUNO_GATEWAY_KEY = "engine-key-42"
    settings.SUNO_API_FORMAT = "task"
    settings.SUNO_CONNECT_TIMEOUT = 1.5
    settings.SUNO_READ_TIMEOUT = 7.0
    recorder = Recorder(reply(200, ok("task-9")))
    monkeypatch.setattr(gateway_client, "transport_override", httpx.MockTransport(recorder))

    with gateway_client.get_gateway() as gateway:
        assert gateway.submit_lyrics(prompt="x") == "task-9"

    [request] = recorder.requests
    assert str(request.url) == "http://engine.local:9000/suno/submit/lyrics"
    assert request.headers["Authorization"] == "Bearer engine-key-42"
    assert request.extensions["timeout"] == {"connect": 1.5, "read": 7.0, "write": 7.0, "pool": 1.5}


def test_it_treats_a_504_on_submit_as_an_unknown_outcome():
    calls = []

    def handler(request):
        calls.append(1)
        return httpx.Response(504, text="gateway timeout")

    gw = Gateway(base_url="http://gw.test", api_key="k", transport=httpx.MockTransport(handler))
    with pytest.raises(SubmitOutcomeUnknown):
        gw.submit_music(payload={"mv": "chirp-v3-5", "gpt_description_prompt": "x"})
    assert calls == [1]


# --- Concat and upload: the task endpoints, in both formats -----------------------------------

SEED_CONCAT_CLIP = "a4715524-2d32-4ce3-a3dc-7e73d0705a98"
SEED_UPLOAD_URL = "http://cdnimg.exbapp.com/ai/2024-06-18/d416d9c3c34eb22c7d8c094831d8dbd0.mp3"
SEED_UPLOAD_ANSWER = {
    "clip_id": "f4e624c0-b018-4933-8f35-be2bcc79a0c8",
    "code": "success",
    "data": "f4e624c0-b018-4933-8f35-be2bcc79a0c8",
    "message": "",
}


def concat(gateway: Gateway) -> str:
    return gateway.submit_concat(clip_id=SEED_CONCAT_CLIP)


def upload(gateway: Gateway) -> str:
    return gateway.upload_audio_url(url=SEED_UPLOAD_URL)


def lyrics(gateway: Gateway) -> str:
    return gateway.submit_lyrics(prompt="乡愁")


TASK_ENDPOINT_SUBMITS = [
    pytest.param(concat, "/suno/submit/concat", id="concat"),
    pytest.param(upload, "/sunoapi/uploads/audio-url", id="upload"),
]
BOTH_FORMATS = pytest.mark.parametrize("api_format", ["task", "v2"])


def compact(request: httpx.Request) -> bytes:
    return request.content.replace(b" ", b"")


def test_it_submits_concat_with_the_seeds_body(make_gateway):
    recorder = Recorder(reply(200, ok("1ce1322a-3db0-467a-821a-2029d1e5186f")))

    task_id = make_gateway(recorder).submit_concat(clip_id=SEED_CONCAT_CLIP)

    assert task_id == "1ce1322a-3db0-467a-821a-2029d1e5186f"
    [request] = recorder.requests
    assert (request.method, request.url.path) == ("POST", "/suno/submit/concat")
    assert recorder.bodies() == [{"clip_id": "a4715524-2d32-4ce3-a3dc-7e73d0705a98", "is_infill": False}]
    # A JSON false, not 0: json.loads alone cannot tell them apart.
    assert b'"is_infill":false' in compact(request)


def test_it_submits_concat_for_an_infill(make_gateway):
    recorder = Recorder(reply(200, ok("task-9")))

    make_gateway(recorder).submit_concat(clip_id="c-3", is_infill=True)

    assert recorder.bodies() == [{"clip_id": "c-3", "is_infill": True}]
    assert b'"is_infill":true' in compact(recorder.requests[0])


def test_it_uploads_an_audio_url_with_the_seeds_body(make_gateway):
    recorder = Recorder(reply(200, SEED_UPLOAD_ANSWER))

    clip_id = make_gateway(recorder).upload_audio_url(url=SEED_UPLOAD_URL)

    assert clip_id == "f4e624c0-b018-4933-8f35-be2bcc79a0c8"
    [request] = recorder.requests
    assert (request.method, request.url.path) == ("POST", "/sunoapi/uploads/audio-url")
    assert recorder.bodies() == [
        {"url": "http://cdnimg.exbapp.com/ai/2024-06-18/d416d9c3c34eb22c7d8c094831d8dbd0.mp3"}
    ]


def test_it_takes_the_uploaded_clip_id_from_data_first(make_gateway):
    recorder = Recorder(reply(200, {"code": "success", "data": "from-data", "clip_id": "from-clip-id"}))

    assert make_gateway(recorder).upload_audio_url(url=SEED_UPLOAD_URL) == "from-data"


@pytest.mark.parametrize("data", [None, "", "missing"])
def test_it_falls_back_to_the_answers_clip_id_without_data(make_gateway, data):
    answer = {"code": "success", "message": "", "clip_id": "f4e624c0-b018-4933-8f35-be2bcc79a0c8"}
    if data != "missing":
        answer["data"] = data
    recorder = Recorder(reply(200, answer))

    assert make_gateway(recorder).upload_audio_url(url=SEED_UPLOAD_URL) == answer["clip_id"]


def test_it_reports_an_unknown_outcome_for_an_upload_answer_without_a_clip_id(make_gateway):
    recorder = Recorder(reply(200, ok(None)))

    with pytest.raises(SubmitOutcomeUnknown) as caught:
        make_gateway(recorder).upload_audio_url(url=SEED_UPLOAD_URL)

    assert facts(caught.value) == ("bad_response", 200, False)


@pytest.mark.parametrize(
    "call",
    [
        lambda gateway: gateway.submit_concat(clip_id=""),
        lambda gateway: gateway.upload_audio_url(url=""),
    ],
)
def test_it_refuses_a_concat_or_upload_without_its_argument(make_gateway, call):
    recorder = Recorder(reply(200, ok("never")))

    with pytest.raises(ValueError):
        call(make_gateway(recorder))

    assert recorder.requests == []


@BOTH_FORMATS
@pytest.mark.parametrize(("call", "path"), TASK_ENDPOINT_SUBMITS)
def test_it_does_not_retry_a_concat_or_upload_that_got_a_500(make_gateway, sleeps, api_format, call, path):
    recorder = Recorder(reply(500, fail("fail_to_fetch_task", "upstream down")))

    with pytest.raises(GatewayError) as caught:
        call(make_gateway(recorder, api_format=api_format))

    assert [r.url.path for r in recorder.requests] == [path]
    assert sleeps == []
    assert not isinstance(caught.value, SubmitOutcomeUnknown)
    assert facts(caught.value) == ("fail_to_fetch_task", 500, True)


@BOTH_FORMATS
@pytest.mark.parametrize(("call", "path"), TASK_ENDPOINT_SUBMITS)
@pytest.mark.parametrize("answer", [httpx.ReadTimeout("lost"), httpx.Response(504, text="timeout")])
def test_it_reports_an_unknown_outcome_for_a_concat_or_upload_that_may_have_been_sent(
    make_gateway, sleeps, api_format, call, path, answer
):
    recorder = Recorder(answer)

    with pytest.raises(SubmitOutcomeUnknown) as caught:
        call(make_gateway(recorder, api_format=api_format))

    assert len(recorder.requests) == 1
    assert sleeps == []
    assert caught.value.retryable is False


@pytest.mark.parametrize(
    ("call", "path"),
    [*TASK_ENDPOINT_SUBMITS, pytest.param(lyrics, "/suno/submit/lyrics", id="lyrics")],
)
def test_it_uses_the_task_endpoints_for_lyrics_concat_and_upload_on_v2(make_gateway, call, path):
    recorder = Recorder(reply(200, {**ok("id-1"), "clip_id": "id-1"}))

    assert call(make_gateway(recorder, api_format="v2")) == "id-1"
    assert [(r.method, r.url.path) for r in recorder.requests] == [("POST", path)]
