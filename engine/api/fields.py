"""The error every request check raises, and the readers of plain fields (shared by the checks)."""

from __future__ import annotations

import math


class RequestInvalid(Exception):
    def __init__(self, message: str, *, model_not_allowed: bool = False):
        super().__init__(message)
        self.message = message
        self.model_not_allowed = model_not_allowed


def text(body: dict, name: str) -> str:
    value = body.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RequestInvalid(f"{name} must be a string.")
    return value


def finite(value: object) -> float | None:
    """A JSON number as a finite float, else None: bools, strings, NaN, infinities, and integers too large
    for a float (a 4,000-digit continue_at parses as JSON, and float() of it raises OverflowError)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None
