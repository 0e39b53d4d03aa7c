"""The error every request check raises, and the reader of plain string fields (shared by the checks)."""

from __future__ import annotations


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
