"""Personas: a clip's singer kept by the gateway (persona/create/), to sing other songs of the team.

"Make a persona" saves the persona and its charged request in one transaction; a worker sends it
(``submit.task_submit``, action PERSONA) and ``persona_registered`` stores the gateway's persona_id. The
persona's state is its request's: waiting, ready, or failed with a reason.
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils.translation import gettext as _

from songs.models import Clip, GenerationTask, Persona
from songs.services import requests


class NotAPersonaSource(Exception):
    """The clip cannot give a persona (not finished, an upload, a stem); the message says why."""


def persona_payload(*, clip: Clip, name: str, description: str) -> dict:
    """The reference's body (docs/protocol.md 7.3): all five fields."""
    return {
        "root_clip_id": clip.upstream_id,
        "name": name,
        "description": description,
        "clips": [clip.upstream_id],
        "is_public": False,
        "task_id": clip.task.upstream_id,  # sunoapi names the clip by (taskId, audioId); others ignore it
    }


def persona_create(
    *, clip: Clip, user, name: str, description: str, request_key: uuid.UUID | None = None
) -> Persona:
    """ "Make a persona" from a clip, for the clip's team. A request key seen before returns its persona."""
    if clip.status != Clip.Status.COMPLETE or clip.clip_type in ("upload", "stem") or not clip.lyrics:
        raise NotAPersonaSource(
            _("A persona needs a finished song with a singer, made here (not an upload).")
        )
    with transaction.atomic():
        task = requests.task_create(
            project=clip.project,
            user=user,
            action=GenerationTask.Action.PERSONA,
            mode=GenerationTask.Mode.PERSONA,
            payload=persona_payload(clip=clip, name=name, description=description),
            request_key=request_key,
            parent_clip=clip,
        )
        persona, _created = Persona.objects.get_or_create(
            task=task,
            defaults={
                "team": clip.project.team,
                "name": name,
                "description": description,
                "source_clip": clip,
                "created_by": user,
            },
        )
    return persona


def persona_registered(*, task: GenerationTask, persona_id: str) -> None:
    """The gateway made it: keep its persona_id (the submit marks the request done)."""
    Persona.objects.filter(task=task).update(upstream_id=persona_id[:191])
