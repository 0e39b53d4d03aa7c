"""The only package that imports httpx: everything the studio says to a gateway goes through here.

- ``client``: the ``Gateway`` (submits never retried, fetches retried), ``get_gateway``, ``gateway_for``.
- ``formats``: the task and v2 adapters, and what each can do (``Capabilities``); ``families``: which
  adapter speaks for each SUNO_API_FORMAT.
- ``client``: the ``Gateway`` (submits never retried, fetches retried), ``get_gateway``, ``gateway_for``
  (one client per destination: the configured gateway, or the sketch engine beside it).
- ``formats``: the task and v2 adapters, and what each can do (``Capabilities``).
- ``errors``: ``GatewayError`` and ``SubmitOutcomeUnknown``, from both error shapes and the network.
- ``parse``: lenient parsing of answers into ``Task``, ``Clip`` and ``Lyrics``.
- ``download``: a clip's media from the CDN, and a user's own link through ``netguard`` (SSRF guard).
- ``probe``: whether the gateway answers at all, for /health/ (a GET of its base address, no key).

Callers import the names below from ``songs.gateway``.
"""

from songs.gateway.client import (
    SKETCH_FORMAT,
    Gateway,
    RetryPolicy,
    gateway_for,
    get_gateway,
    sketches_offered,
)
from songs.gateway.download import download_media, fetch_public, fetch_public_for
from songs.gateway.errors import GatewayError, SubmitOutcomeUnknown
from songs.gateway.families import FORMATS, callback_task_ids, capabilities_for
from songs.gateway.formats import FETCH_BATCH_SIZE, Capabilities
from songs.gateway.multistep import upload_file
from songs.gateway.parse import AlignedWord, Clip, Lyrics, Task, parse_aligned_words, parse_clip, parse_task
from songs.gateway.probe import gateway_unreachable_reason

__all__ = [
    "SKETCH_FORMAT",
    "AlignedWord",
    "FETCH_BATCH_SIZE",
    "FORMATS",
    "Capabilities",
    "Clip",
    "Gateway",
    "GatewayError",
    "Lyrics",
    "RetryPolicy",
    "SubmitOutcomeUnknown",
    "Task",
    "callback_task_ids",
    "capabilities_for",
    "download_media",
    "fetch_public",
    "fetch_public_for",
    "gateway_for",
    "gateway_unreachable_reason",
    "get_gateway",
    "parse_aligned_words",
    "parse_clip",
    "parse_task",
    "upload_file",
    "sketches_offered",
]
