"""Which adapter speaks for each ``SUNO_API_FORMAT``: one line a family.

A family's module (``formats`` for the reseller's task and v2 formats, ``sunoapi`` for sunoapi.org and
kie.ai, ...) builds requests and reads answers; this table is the only place that names them all, so a
new family is one import and one line here (settings.SUNO_API_FORMAT is checked against it at start).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from songs.gateway.acedata import AceDataFormat
from songs.gateway.acestep import AceStepFormat
from songs.gateway.formats import Capabilities, GatewayFormat, TaskFormat, V2Format
from songs.gateway.sunoapi import SunoApiFormat

FORMATS: Mapping[str, Callable[[], GatewayFormat]] = {
    "task": TaskFormat,
    "v2": V2Format,
    "sunoapi": SunoApiFormat,
    "acedata": AceDataFormat,
    "acestep": AceStepFormat,
}


def make_format(api_format: str) -> GatewayFormat:
    if api_format not in FORMATS:
        raise ValueError(f"Unknown gateway api_format {api_format!r}: expected one of {', '.join(FORMATS)}")
    return FORMATS[api_format]()


def callback_task_ids(*, api_format: str, body: object) -> list[str]:
    """The upstream task ids a callback body names, read as the family that made the task reads them."""
    return make_format(api_format).callback_task_ids(body)


def capabilities_for(api_format: str) -> Capabilities:
    """What a format can do, without building a client: the UI offers only that."""
    return make_format(api_format).capabilities
