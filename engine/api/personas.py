"""Personas (POST /suno/persona/create/): a singer kept from a clip, sung by later songs.

The engine knows exactly who sang a clip: the voice parameters it rendered with (engine.voice.voices,
stored in the clip's metadata.engine.voice; the neutral voice when there are none). A persona keeps them;
a request with task artist_consistency and the persona's id sings with them, whatever the new style.
"""

from __future__ import annotations

import zlib

from django.http import HttpRequest

from engine.api import protocol, sources
from engine.api.fields import RequestInvalid, text
from engine.models import EngineClip, EnginePersona
from engine.voice import voices

MAX_NAME = 100
MAX_DESCRIPTION = 1000
MAX_CLIPS = 20


def _required(body: dict, name: str) -> object:
    if name not in body or body[name] is None:
        raise RequestInvalid(
            f"{name} is required (persona/create takes root_clip_id, name, description, clips, is_public)."
        )
    return body[name]


def _root(owner: str, clip_id: object) -> EngineClip:
    if not isinstance(clip_id, str) or not clip_id.strip():
        raise RequestInvalid("root_clip_id must be a clip id string.")
    clip = sources.owned_clip(owner, clip_id.strip(), "root_clip_id")
    if clip.status != "complete" or not clip.has_audio:
        raise RequestInvalid(f"clip {clip.id} is not complete yet (status {clip.status}).")
    if clip.metadata.get("type") == "upload":
        raise RequestInvalid(f"clip {clip.id} is an upload: a persona is made from a generated clip.")
    return clip


def _clips(owner: str, value: object, root: EngineClip) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(i, str) and i.strip() for i in value):
        raise RequestInvalid("clips must be a list of clip id strings.")
    if len(value) > MAX_CLIPS:
        raise RequestInvalid(f"clips holds at most {MAX_CLIPS} ids.")
    ids = list(dict.fromkeys(i.strip() for i in value))
    for clip_id in ids:
        sources.owned_clip(owner, clip_id, "clips:")
    return ids or [root.id]


def create(owner: str, body: dict) -> EnginePersona:
    root = _root(owner, _required(body, "root_clip_id"))
    _required(body, "name"), _required(body, "description")
    name, description = text(body, "name").strip(), text(body, "description")
    if not name or len(name) > MAX_NAME:
        raise RequestInvalid(f"name must be 1 to {MAX_NAME} characters.")
    if len(description) > MAX_DESCRIPTION:
        raise RequestInvalid(f"description is {len(description)} characters; at most {MAX_DESCRIPTION}.")
    is_public = _required(body, "is_public")
    if not isinstance(is_public, bool):
        raise RequestInvalid("is_public must be true or false.")
    clip_ids = _clips(owner, _required(body, "clips"), root)
    voice = voices.from_dict((root.metadata.get("engine") or {}).get("voice"))
    return EnginePersona.objects.create(
        key_fingerprint=owner,
        root_clip=root,
        clip_ids=clip_ids,
        name=name,
        description=description,
        is_public=is_public,
        voice=voice.to_dict(),
    )


def persona_object(request: HttpRequest, persona: EnginePersona) -> dict:
    """The reseller's answer shape (docs/protocol.md 7.3): its id is the persona_id."""
    clips = EngineClip.objects.in_bulk(persona.clip_ids)
    root = protocol.clip_object(request, persona.root_clip)
    return {
        "id": persona.id,
        "name": persona.name,
        "description": persona.description,
        "root_clip_id": persona.root_clip_id,
        "clip": root,
        "is_public": persona.is_public,
        "user_display_name": protocol.DISPLAY_NAME,
        "user_handle": protocol.HANDLE,
        "user_image_url": "",
        "persona_clips": [
            {"clip": protocol.clip_object(request, clips[i]), "id": zlib.crc32(f"{persona.id}:{i}".encode())}
            for i in persona.clip_ids
            if i in clips
        ],
    }
