"""Request bodies as JSON objects, with hostile input refused as invalid_request instead of a 500.

Refused: invalid UTF-8 or JSON; NaN and Infinity (not JSON); numbers too long for Python's int
conversion; nesting deeper than any request of the protocol needs (deep nesting raised RecursionError
inside the parser); lone surrogates such as "\\ud800", which JSON allows as escapes but UTF-8 cannot
encode (stored, they broke the database and the engine's admin pages later); bodies over Django's size
cap. Numbers that parse but fit no float (a 4,000-digit integer) are the field readers' to refuse
(engine.api.fields.finite).
"""

from __future__ import annotations

import json
import re

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest

from engine.api.validation import RequestInvalid

MAX_DEPTH = 32  # the deepest real body (a fetch's {"ids": [...]}) is 2
_SURROGATE = re.compile("[\ud800-\udfff]")


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _parse(raw: bytes) -> object:
    try:
        return json.loads(raw or b"null", parse_constant=_no_constants)
    except RecursionError:
        raise RequestInvalid(f"The request body is nested more than {MAX_DEPTH} levels deep.") from None
    except (ValueError, UnicodeDecodeError):  # JSONDecodeError and over-long integers are ValueErrors
        raise RequestInvalid("The request body is not valid JSON.") from None


def _check(value: object) -> None:
    """Walk the parsed body without recursion: depth and strings (keys included)."""
    pending: list[tuple[object, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise RequestInvalid("The request body has a lone surrogate (e.g. \\ud800), not Unicode.")
        elif isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise RequestInvalid(f"The request body is nested more than {MAX_DEPTH} levels deep.")
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)


def read_json(request: HttpRequest) -> dict:
    try:
        raw = request.body
    except RequestDataTooBig:  # Django's own cap (DATA_UPLOAD_MAX_MEMORY_SIZE); its answer is HTML
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raise RequestInvalid(f"The request body is larger than {limit} bytes.") from None
    body = _parse(raw)
    _check(body)
    if not isinstance(body, dict):
        raise RequestInvalid("The request body must be a JSON object.")
    return body
