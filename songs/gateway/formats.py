"""The two API formats, as small adapters that shape requests and read answers; no HTTP here.

An adapter turns a call into ``ApiRequest``s (what to send, and how to read each answer) and, for
fetches, a ``FetchPlan`` whose ``combine`` turns the answers back into tasks. The client
(``songs.gateway.client``) sends them; nothing here calls back into it. Each format also declares
its ``Capabilities`` so the UI offers only what the gateway can do. See docs/protocol.md.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol
from urllib.parse import quote

from songs.gateway.errors import GatewayError, bad_response
from songs.gateway.parse import (
    AlignedWord,
    Clip,
    Task,
    as_text,
    decode_v2_task_id,
    encode_v2_task_id,
    is_v2_task_id,
    parse_aligned_words,
    parse_clip,
    parse_task,
    v2_task,
)

# Ids per fetch request, unless a format says otherwise (``fetch_batch_size``): the task format's batch
# fetch and the engine's feed take up to 1,000 (docs/protocol.md, "Timing"), so a poll cycle of 1,000
# tasks is one or two requests, not twenty.
FETCH_BATCH_SIZE = 500


@dataclass(frozen=True)
class Capabilities:
    """What a format can do beyond plain songs; the UI offers only what the gateway supports."""

    concat: bool
    upload: bool
    infill: bool
    negative_tags: bool
    video: bool = True
    timing: bool = True  # act/timing: the sung words' times (karaoke); the same call in both formats
    # The reseller's SunoAPI-style extras (docs/protocol.md section 7). Relays re-encode the task
    # format's body and drop task, cover_clip_id, persona_id and vocal_gender, so only v2 carries these.
    stems: bool = False  # task: gen_stem
    cover: bool = False  # task: cover, cover_clip_id
    persona: bool = False  # POST persona/create/, task: artist_consistency
    vocal_gender: bool = False
    controls: bool = False  # duration, style_weight, weirdness_constraint (newest models only)
    boost: bool = False  # POST act/tags: a call of its own, learnt missing when a gateway lacks it
    # The models (songs/catalog.py names) the family takes; None: every model in the catalog.
    models: tuple[str, ...] | None = None
    lyrics: bool = True  # a lyrics call of its own (ACE-Step has none: the panel says so instead)
    model_choice: bool = True  # Suno's models to pick from (ACE-Step makes every song with its own)
    # Add vocals / Add instrumental to a user's own audio (sunoapi's add-vocals and add-instrumental).
    add_parts: bool = False
    # A clip's video is asked for by a call of its own, one clip at a time (sunoapi's mp4/generate), not
    # announced in the record as the task and v2 formats do: the card offers "Make video".
    video_call: bool = False
    # The gateway's own WAV of a clip (sunoapi's wav/generate); elsewhere the studio converts its MP3.
    gateway_wav: bool = False


# The models the reseller's formats (task, v2) name (docs/protocol.md 5), in the catalog's names.
RESELLER_MODELS = (
    "chirp-v3-0",
    "chirp-v3-5",
    "chirp-v4",
    "chirp-auk",
    "chirp-bluejay",
    "chirp-crow",
    "chirp-fenix",
    "chirp-v6",
)


class ApiRequest(NamedTuple):
    """One HTTP call an adapter wants made, and how to read its answer."""

    method: str
    path: str  # without the query: failures are logged under it, and queries carry ids
    # Turns the answer body (failure shapes already raised as GatewayError) into the result.
    read: Callable[[Any], Any]
    json: Any = None
    query: str = ""  # already encoded; "ids=a,b" keeps its commas as the feed expects
    # A fetch whose final refusal (unknown task, ...) leaves its answer out (None) instead of failing the
    # whole plan: families that read one task a request must not let one odd task stall the others.
    lenient: bool = False
    # Where to send it instead when the gateway has no such route (404, or a web page): the same call at
    # the path another member of the family documents. Learnt once per gateway (client._ROUTES_MISSING).
    fallback: ApiRequest | None = None


@dataclass(frozen=True)
class FetchPlan:
    """The requests one fetch needs, and how their read answers (in the same order) become tasks."""

    requests: list[ApiRequest]
    combine: Callable[[list[Any]], list[Task]]


class GatewayFormat(Protocol):
    """What an API format must provide. The client does the HTTP; adapters only shape data.

    Callbacks (docs/protocol.md, "Callbacks"): ``callback_param`` is the request body key that carries
    the studio's callback address (None: the family never calls back), and ``callback_task_ids`` the
    upstream task ids a callback's body names. A callback only wakes those tasks (they are fetched at
    once); what is stored comes from the fetch, never from the callback's body.
    """

    capabilities: Capabilities
    callback_param: str | None
    fetch_batch_size: int

    def callback_task_ids(self, body: Any) -> list[str]: ...

    def submit_music(self, payload: dict) -> ApiRequest: ...
    def submit_lyrics(self, prompt: str) -> ApiRequest: ...
    def submit_concat(self, clip_id: str, is_infill: bool) -> ApiRequest: ...
    def upload_audio_url(self, url: str) -> ApiRequest: ...
    def persona_create(self, body: dict) -> ApiRequest: ...
    def style_boost(self, tags: str) -> ApiRequest: ...
    def fetch_one(self, task_id: str) -> FetchPlan: ...
    def fetch_many(self, task_ids: list[str]) -> FetchPlan: ...
    def timing(self, clip_id: str, task_id: str = "") -> ApiRequest: ...


# --- Reading answers (each ApiRequest names one of these) ---


def _envelope_data(body: Any) -> Any:
    # Failure envelopes were already turned into errors; only success is left.
    if not isinstance(body, dict) or body.get("code") != "success":
        raise bad_response("The gateway's answer has no success envelope")
    return body.get("data")


def _read_task_id(body: Any) -> str:
    data = _envelope_data(body)
    if not isinstance(data, str) or not data:
        raise bad_response("The gateway's answer carries no task id")
    return data


def _read_clip_id(body: Any) -> str:
    # The upload answers the clip id in data (New API style) and again in clip_id; either will do.
    data = _envelope_data(body)
    for value in (data, body.get("clip_id")):
        if isinstance(value, str) and value:
            return value
    raise bad_response("The gateway's answer carries no clip id")


def _read_persona_id(body: Any) -> str:
    # persona/create/ answers the persona itself (no envelope); its id is the persona_id.
    if isinstance(body, dict) and body.get("code") == "success":
        body = body.get("data")
    persona_id = as_text(body.get("id")) if isinstance(body, dict) else ""
    if not persona_id:
        raise bad_response("The gateway's persona carries no id")
    return persona_id


def _read_upsampled_tags(body: Any) -> str:
    if isinstance(body, dict) and body.get("code") == "success":
        body = body.get("data")
    tags = as_text(body.get("upsampled_tags")).strip() if isinstance(body, dict) else ""
    if not tags:
        raise bad_response("The gateway's answer carries no upsampled_tags")
    return tags


def _read_task(body: Any) -> Task:
    data = _envelope_data(body)
    if data is None:
        # Some gateways answer an unknown id with a success envelope and no data.
        raise GatewayError("task_not_exist", "The gateway knows no such task", retryable=False)
    if not isinstance(data, dict):
        raise bad_response("The gateway's task is not an object")
    return parse_task(data)


def _read_tasks(body: Any) -> list[Task]:
    data = _envelope_data(body)
    if data is None:
        return []
    if not isinstance(data, list):
        raise bad_response("The gateway's task list is not a list")
    return [parse_task(item) for item in data if isinstance(item, dict) and item.get("task_id")]


def _read_generation(body: Any) -> str:
    """v2 generate answers the generation itself; its id and clip ids become the task id.

    The reseller's stems answer is only ``{"clips": [...]}`` (docs/protocol.md 7.5): no generation id, so
    the first clip's id stands for it (the id is only ever used to find the clips again)."""
    if isinstance(body, dict) and body.get("code") == "success":
        body = body.get("data")  # lenient: a gateway that wraps it in the task envelope
    clips = body.get("clips") if isinstance(body, dict) else None
    if not isinstance(clips, list):
        raise bad_response("The gateway's generation lists no clips")
    clip_ids = [as_text(clip.get("id")) if isinstance(clip, dict) else "" for clip in clips]
    generation_id = as_text(body.get("id")) or (clip_ids[0] if clip_ids else "")
    try:
        return encode_v2_task_id(generation_id, clip_ids)
    except ValueError as exc:
        raise bad_response(f"The gateway's generation cannot be tracked ({exc})") from None


def _read_concat(body: Any) -> str:
    """A concat answers a task id (task format), or, on SunoAPI-style gateways, the new clip itself
    (``{"id", "status": "queued", "metadata": {"type": "concat", "concat_history": [...]}}``) or a
    generation holding it: those are tracked through the feed like a v2 generation. Reading only the
    task id called a billed concat "outcome unknown" and gave the credits back."""
    if isinstance(body, dict) and body.get("code") == "success" and isinstance(body.get("data"), str):
        return _read_task_id(body)
    if isinstance(body, dict) and body.get("code") == "success":
        body = body.get("data")
    if isinstance(body, dict) and isinstance(body.get("clips"), list):
        return _read_generation(body)
    clip_id = as_text(body.get("id")) if isinstance(body, dict) else ""
    if clip_id and ("status" in body or "metadata" in body):
        try:
            return encode_v2_task_id(clip_id, [clip_id])
        except ValueError as exc:
            raise bad_response(f"The gateway's concat clip cannot be tracked ({exc})") from None
    raise bad_response("The gateway's concat answer carries neither a task id nor a clip")


def _read_timing(body: Any) -> list[AlignedWord]:
    words = parse_aligned_words(body)
    if words is None:
        raise bad_response("The gateway's timing answer has no aligned_words list")
    return words


def _timing_request(clip_id: str) -> ApiRequest:
    # The reseller's SunoAPI-style call, served beside both formats at the same path (protocol.md 7.6);
    # clip ids are opaque: quoted so one can never change the path.
    return ApiRequest("GET", f"/suno/act/timing/{quote(clip_id, safe='')}", _read_timing)


def _read_feed(body: Any) -> list[Clip]:
    # The engine answers a bare list; gateways may wrap it in {"clips": [...]} or the task envelope.
    if isinstance(body, dict) and body.get("code") == "success":
        body = body.get("data")
    if isinstance(body, dict):
        body = body.get("clips")
    if body is None:
        return []
    if not isinstance(body, list):
        raise bad_response("The gateway's feed is not a list of clips")
    return [parse_clip(item) for item in body if isinstance(item, dict) and item.get("id")]


# --- Fetch plans: a task id says which format made it ("v2:..." ids track a v2 generation), so either
# format fetches both kinds, and switching SUNO_API_FORMAT never strands the tasks already in flight.


def _batches(items: list[str], size: int = FETCH_BATCH_SIZE) -> list[list[str]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def task_ids_named(body: Any, *keys: str) -> list[str]:
    """The task ids a callback body names under ``keys``, bare or inside an envelope's ``data`` (one or
    two levels: {"data": {"task_id"}}, {"code", "data": {"data": ...}}), without repeats."""
    found: list[str] = []
    for level in (body, body.get("data") if isinstance(body, dict) else None):
        if isinstance(level, dict):
            found += [as_text(level.get(key)) for key in keys if isinstance(level.get(key), str | int)]
    return list(dict.fromkeys(task_id for task_id in found if task_id))


# The feed is a GET: its ids travel in the request line, which servers cap (gunicorn 8,190 bytes, nginx 8 KB
# by default; deploy/gunicorn.conf.py). A batch of feed ids stops at this many characters of query, and at
# the engine's 1,000 ids: 1,000 two-clip generations are about ten requests.
FEED_QUERY_LIMIT = 7000
FEED_MAX_IDS = 1000


def _feed_batches(clip_ids: list[str]) -> list[list[str]]:
    batches: list[list[str]] = []
    length = 0
    for clip_id in clip_ids:
        size = len(quote(clip_id, safe="")) + 1
        if not batches or length + size > FEED_QUERY_LIMIT or len(batches[-1]) >= FEED_MAX_IDS:
            batches.append([])
            length = len("ids=")
        batches[-1].append(clip_id)
        length += size
    return batches


def _feed_request(clip_ids: list[str]) -> ApiRequest:
    # Each id quoted on its own so the commas between them stay literal, as the feed expects.
    joined = ",".join(quote(clip_id, safe="") for clip_id in clip_ids)
    # The reseller documents the feed as GET /suno/feed/<id1>,<id2> (docs/protocol.md 7): used where the
    # engine's /suno/v2/feed?ids= is missing.
    reseller = ApiRequest("GET", f"{RESELLER_FEED_PATH}/{joined}", _read_feed)
    return ApiRequest("GET", V2_FEED_PATH, _read_feed, query=f"ids={joined}", fallback=reseller)


def _many_plan(task_ids: list[str], batch_size: int = FETCH_BATCH_SIZE) -> FetchPlan:
    """Task-format ids in batches, then one feed query per batch of generation clips."""
    others = [task_id for task_id in task_ids if not is_v2_task_id(task_id)]
    wanted: dict[str, list[str]] = {}
    for task_id in task_ids:
        if is_v2_task_id(task_id):
            with contextlib.suppress(ValueError):  # a malformed id is unknown, like any other
                wanted[task_id] = decode_v2_task_id(task_id)[1]
    clip_ids = list(dict.fromkeys(clip_id for clips in wanted.values() for clip_id in clips))
    task_requests = [
        ApiRequest("POST", "/suno/fetch", _read_tasks, {"ids": ids}) for ids in _batches(others, batch_size)
    ]
    feed_requests = [_feed_request(ids) for ids in _feed_batches(clip_ids)]

    def combine(answers: list[Any]) -> list[Task]:
        # Task-format answers first, then generations in the order asked for.
        tasks = [task for answer in answers[: len(task_requests)] for task in answer]
        found = {clip.id: clip for answer in answers[len(task_requests) :] for clip in answer}
        generations = (v2_task(task_id, clips, found) for task_id, clips in wanted.items())
        return tasks + [task for task in generations if task is not None]

    return FetchPlan(task_requests + feed_requests, combine)


def _one_plan(task_id: str) -> FetchPlan:
    if is_v2_task_id(task_id):
        return _many_plan([task_id])
    # Task ids are opaque: quote them so one can never change the path.
    request = ApiRequest("GET", f"/suno/fetch/{quote(task_id, safe='')}", _read_task)
    return FetchPlan([request], lambda answers: [answers[0]])


# --- The formats ---


class TaskFormat:
    """The "task" (New API) format: submit returns a task id, fetch returns task objects."""

    capabilities = Capabilities(
        concat=True, upload=True, infill=False, negative_tags=False, boost=True, models=RESELLER_MODELS
    )
    # The reseller's task format takes a notify_hook (documented on lyrics; relays pass it or drop it):
    # the gateway POSTs the task object there.
    callback_param: str | None = "notify_hook"
    fetch_batch_size = FETCH_BATCH_SIZE

    def callback_task_ids(self, body: Any) -> list[str]:
        return task_ids_named(body, "task_id")

    def submit_music(self, payload: dict) -> ApiRequest:
        return ApiRequest("POST", "/suno/submit/music", _read_task_id, payload)

    def submit_lyrics(self, prompt: str) -> ApiRequest:
        return ApiRequest("POST", "/suno/submit/lyrics", _read_task_id, {"prompt": prompt})

    def submit_concat(self, clip_id: str, is_infill: bool) -> ApiRequest:
        body = {"clip_id": clip_id, "is_infill": is_infill}
        return ApiRequest("POST", "/suno/submit/concat", _read_concat, body)

    def upload_audio_url(self, url: str) -> ApiRequest:
        return ApiRequest("POST", "/sunoapi/uploads/audio-url", _read_clip_id, {"url": url})

    def persona_create(self, body: dict) -> ApiRequest:
        # The trailing slash is the reference's (docs/protocol.md 7.3); its five fields, nothing more.
        body = {key: value for key, value in body.items() if key != "task_id"}
        return ApiRequest("POST", "/suno/persona/create/", _read_persona_id, body)

    def style_boost(self, tags: str) -> ApiRequest:
        return ApiRequest("POST", "/suno/act/tags", _read_upsampled_tags, {"original_tags": tags})

    def fetch_one(self, task_id: str) -> FetchPlan:
        return _one_plan(task_id)

    def fetch_many(self, task_ids: list[str]) -> FetchPlan:
        return _many_plan(task_ids, self.fetch_batch_size)

    def timing(self, clip_id: str, task_id: str = "") -> ApiRequest:
        return _timing_request(clip_id)


V2_GENERATE_PATH = "/suno/v2/generate"
# The seed does not show the feed's path; this is where the built-in engine serves it
# (docs/protocol.md, "v2 format"). The only place the client names it.
V2_FEED_PATH = "/suno/v2/feed"
# The reseller's own "SunoAPI format" paths for the same calls (docs/protocol.md 7): a gateway without
# the /suno/v2/ paths (404 or a web page) is sent these instead, learnt once.
RESELLER_GENERATE_PATH = "/suno/generate"
RESELLER_FEED_PATH = "/suno/feed"

# v2 generate always gets these keys, "" or null when unused, as in the seed's example ...
_V2_TEXT_KEYS = ("prompt", "tags", "mv", "title")
_V2_NULLABLE_KEYS = ("continue_clip_id", "continue_at", "infill_start_s", "infill_end_s")
# ... and these only when the request has them (not every gateway takes them).
_V2_OPTIONAL_KEYS = ("gpt_description_prompt", "make_instrumental", "negative_tags")
# The SunoAPI-style task fields (docs/protocol.md section 7), sent only when the request has them.
_V2_TASK_KEYS = (
    "task",
    "generation_type",
    "cover_clip_id",
    "persona_id",
    "artist_clip_id",
    "stem_type_id",
    "stem_type_group_name",
    "stem_task",
    "vocal_gender",
    "duration",
    "style_weight",
    "weirdness_constraint",
)


def _v2_generate_body(payload: dict) -> dict:
    # Every other key is dropped: notably "task_id", which only the task format's continue needs.
    body = {key: payload.get(key) or "" for key in _V2_TEXT_KEYS}
    body.update({key: payload.get(key) for key in _V2_NULLABLE_KEYS})
    body.update({key: payload[key] for key in _V2_OPTIONAL_KEYS + _V2_TASK_KEYS if key in payload})
    return body


class V2Format(TaskFormat):
    """The v2 format (tests/seeds/000_*.txt): music goes through generate and the feed.

    Lyrics, concat and upload use the task endpoints on v2 gateways too, so they are inherited, and so
    is fetching (which tells the kinds apart by id: a generation is tracked under an encoded "v2:..." id,
    see ``encode_v2_task_id``).
    """

    capabilities = Capabilities(
        concat=True,
        upload=True,
        infill=True,
        negative_tags=True,
        stems=True,
        cover=True,
        persona=True,
        vocal_gender=True,
        controls=True,
        boost=True,
        models=RESELLER_MODELS,
    )
    # The SunoAPI-style generate documents no callback (docs/protocol.md 7.8): v2 is polled.
    callback_param = None

    def callback_task_ids(self, body: Any) -> list[str]:
        return []

    def submit_music(self, payload: dict) -> ApiRequest:
        body = _v2_generate_body(payload)
        reseller = ApiRequest("POST", RESELLER_GENERATE_PATH, _read_generation, body)
        return ApiRequest("POST", V2_GENERATE_PATH, _read_generation, body, fallback=reseller)
