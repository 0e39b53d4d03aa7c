"""One error family for every way a gateway call can fail, and whether trying again can help.

Both failure shapes of the protocol (docs/protocol.md, "Errors") and every network failure become a
``GatewayError``; a submit that may have reached the gateway becomes ``SubmitOutcomeUnknown``, which
is never retried, because a re-send may bill twice.
"""

from __future__ import annotations

from typing import Any

import httpx

from songs.gateway import verdicts
from songs.gateway.parse import as_float, as_text

_MESSAGE_LIMIT = 300

# Application codes that will fail the same way however often they are retried,
# even if a gateway sends them with a 5xx status.
PERMANENT_CODES = frozenset({"invalid_request", "task_not_exist", "quota_not_enough"})
_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    429: "rate_limited",
}


class GatewayError(Exception):
    """Any failure talking to the gateway. ``retryable`` says whether trying again later can help."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        http_status: int | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message
        self.http_status = http_status
        self.retryable = retryable
        # Seconds the gateway asked us to wait (429 Retry-After), when it said so.
        self.retry_after = retry_after
        # What it means (verdicts.kind_of), the innermost message of a wrapped body, and the answer as
        # staff read it in the admin. Set where an answer was read; a bare error keeps these defaults.
        self.kind = kind_for_code(code)
        self.detail = message
        self.raw = ""

    def __str__(self) -> str:
        where = f", HTTP {self.http_status}" if self.http_status is not None else ""
        text = self.message or "The music gateway reported an error"
        return f"{text} ({self.code}{where})"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, "
            f"http_status={self.http_status!r}, retryable={self.retryable!r})"
        )


class SubmitOutcomeUnknown(GatewayError):
    """The submit may have reached the gateway (and may bill). Never re-send it blindly."""

    def __init__(self, code: str, message: str, *, http_status: int | None = None) -> None:
        # Never retryable: the caller resolves it by fetching, not by sending it again.
        super().__init__(code, message, http_status=http_status, retryable=False)


def kind_for_code(code: str) -> str:
    """The kind an error made here (not read from an answer) has, from its own code."""
    return verdicts.kind_of(code, "", None)


# Kinds that fail the same way however often they are sent again.
_PERMANENT_KINDS = frozenset(
    {
        verdicts.NOT_SUPPORTED,
        verdicts.UNAUTHORIZED,
        verdicts.QUOTA,
        verdicts.REFUSED_CONTENT,
        verdicts.INVALID,
        verdicts.NOT_FOUND,
    }
)


def bad_response(message: str) -> GatewayError:
    return GatewayError("bad_response", message, retryable=False)


def required_text(data: Any, *keys: str, missing: str) -> str:
    """The first of ``keys`` the answer's data holds as text that is not blank; a malformed answer (saying
    ``missing``) otherwise. An id, a persona, a boosted style: the one field an answer exists to carry."""
    for key in keys if isinstance(data, dict) else ():
        if text := as_text(data.get(key)).strip():
            return text
    raise bad_response(missing)


def too_large(max_bytes: int, status: int | None) -> GatewayError:
    return GatewayError("too_large", f"The media file is larger than {max_bytes} bytes", http_status=status)


def status_retryable(status: int) -> bool:
    return status == 429 or status >= 500


def status_code_name(status: int) -> str:
    return _STATUS_CODES.get(status, f"http_{status}")


def _short(text: Any) -> str:
    return as_text(text).strip()[:_MESSAGE_LIMIT]


# Numeric envelope codes (sunoapi.org and kie.ai answer {"code": 200, "msg", "data"}, usually with HTTP
# 200 whatever happened; docs/protocol.md, "sunoapi.org and kie.ai"): what each means, and whether trying
# again later can help. 429 is "insufficient credits" there, not a rate limit (430 is).
NUMERIC_CODES = {
    400: ("invalid_request", False),
    401: ("unauthorized", False),
    402: ("quota_not_enough", False),
    404: ("task_not_exist", False),
    405: ("rate_limited", True),
    409: ("invalid_request", False),
    413: ("invalid_request", False),
    422: ("invalid_request", False),
    429: ("quota_not_enough", False),
    430: ("rate_limited", True),
    451: ("invalid_request", False),
    455: ("unavailable", True),
    500: ("upstream_error", True),
    501: ("generation_failed", False),
    503: ("unavailable", True),
    505: ("not_supported", False),
    531: ("generation_failed", False),
}


def numeric_code(body: Any) -> int | None:
    """A failure's numeric envelope code (200 and 0 mean success), or None."""
    code = body.get("code") if isinstance(body, dict) else None
    if isinstance(code, str) and code.strip().isdigit():
        code = int(code)
    if isinstance(code, bool) or not isinstance(code, int) or code in (0, 200):
        return None
    return code


def error_from_body(status: int, body: Any) -> GatewayError | None:
    """Every failure shape of the protocol, at any HTTP status (a 200 can carry a failure too): New API's
    {"error": ...}, the task format's string code, and the sunoapi family's numeric code."""
    if not isinstance(body, dict):
        return None
    number = numeric_code(body)
    if number is not None:
        code, _retryable = NUMERIC_CODES.get(number, (f"code_{number}", number >= 500))
        return GatewayError(code, _short(body.get("msg") or body.get("message")), http_status=status)
    error = body.get("error")
    if isinstance(error, dict | str) and error:
        # New API's {"error": {"message", "type", "code"?}}; "type" is always "new_api_error", so
        # the code comes from error.code when present, otherwise from the HTTP status.
        details = error if isinstance(error, dict) else {"message": error}
        code = as_text(details.get("code")) or status_code_name(status)
        return GatewayError(code, _short(details.get("message")), http_status=status)
    code = body.get("code")
    if isinstance(code, str) and code != "success" and not code.strip().isdigit():
        return GatewayError(code or status_code_name(status), _short(body.get("message")), http_status=status)
    return None


def _retry_after(response: httpx.Response) -> float | None:
    # Only the seconds form; an HTTP-date falls back to our own backoff.
    value = as_float(response.headers.get("Retry-After"))
    return max(value, 0.0) if value is not None else None


def answer_error(response: httpx.Response, body: Any) -> GatewayError | None:
    """The error an answer carries, if any, with what it means and its retry rule set."""
    status = response.status_code
    error = error_from_body(status, body)
    if error is None and status >= 400:
        message = (body.get("message") or body.get("detail")) if isinstance(body, dict) else ""
        error = GatewayError(status_code_name(status), _short(message), http_status=status)
    if error is not None:
        explain(error, body)
        number = numeric_code(body)
        # A numeric code is the family's own verdict (its HTTP status is 200 either way).
        retryable = (
            status_retryable(status) if number is None else NUMERIC_CODES.get(number, ("", number >= 500))[1]
        )
        error.retryable = (
            retryable and error.code not in PERMANENT_CODES and error.kind not in _PERMANENT_KINDS
        )
        if status == 429:
            error.retry_after = _retry_after(response)
    return error


def explain(error: GatewayError, body: Any) -> GatewayError:
    """Set what the error means from the innermost code and message of a (possibly wrapped) body."""
    code, message = verdicts.code_and_message(body) if isinstance(body, dict) else ("", "")
    inner = verdicts.unwrap(code or error.code, message or error.message)
    error.kind = verdicts.kind_of(inner.code, inner.message, error.http_status)
    error.detail = _short(inner.message)
    error.raw = verdicts.raw_text(body)
    return error


def not_supported(message: str, *, http_status: int | None, body: Any = "") -> GatewayError:
    """The gateway has no such route or action: nothing was accepted, and asking again will not help."""
    error = GatewayError("not_supported", message, http_status=http_status)
    error.kind, error.raw = verdicts.NOT_SUPPORTED, verdicts.raw_text(body)
    return error


# Failures where the request cannot have left this machine.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError)
# Failures that are our own fault (bad URL, bad request): retrying cannot help.
_OUR_FAULT = (httpx.UnsupportedProtocol, httpx.LocalProtocolError, httpx.InvalidURL, httpx.TooManyRedirects)
# Everything httpx raises while sending a request or reading its answer.
HTTPX_ERRORS = (httpx.HTTPError, httpx.InvalidURL)


def network_error(exc: Exception, *, submit: bool, peer: str = "the gateway") -> GatewayError:
    detail = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, _OUR_FAULT):
        return GatewayError("bad_request", f"The request could not be completed ({detail})")
    if isinstance(exc, _NOT_SENT):
        return GatewayError("network", f"Could not reach {peer} ({detail})", retryable=True)
    if submit:
        # Anything later (timeouts, dropped connections, unreadable bodies) may follow a created task.
        return SubmitOutcomeUnknown(
            "outcome_unknown", f"The submit may have reached the gateway; its answer was lost ({detail})"
        )
    if isinstance(exc, httpx.DecodingError):
        return GatewayError("bad_response", f"The gateway's answer could not be decoded ({detail})")
    code = "timeout" if isinstance(exc, httpx.TimeoutException) else "network"
    return GatewayError(code, f"The connection to {peer} failed ({detail})", retryable=True)
