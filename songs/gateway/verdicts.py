"""What an error answer means, whatever shape a gateway wrapped it in.

Relays wrap their upstream's body as text inside ``message`` (JSON inside JSON, sometimes several
levels, sometimes masked Chinese text). ``unwrap`` digs out the innermost code and message; ``kind_of``
sorts the answer into one of a few kinds that decide what happens next (retry, give up, learn that a
feature is missing) and which plain sentence a person reads. See docs/protocol.md, "Errors".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from songs.gateway.parse import as_text

# The kinds, in the order they are checked. Only the last three may get better by themselves.
NOT_SUPPORTED = "not_supported"  # the gateway lacks the feature (route, channel or action)
UNAUTHORIZED = "unauthorized"  # the studio's key was refused
QUOTA = "quota"  # the gateway account is out of credits
REFUSED_CONTENT = "refused_content"  # lyrics, style or title refused (sensitive words, policy)
INVALID = "invalid"  # the request itself is wrong
NOT_FOUND = "not_found"  # the task is unknown to the gateway
NO_CHANNEL = "no_channel"  # no channel for a model right now
UNREACHABLE = "unreachable"  # the gateway could not reach its upstream (or we could not reach it)
TIMEOUT = "timeout"
RATE_LIMITED = "rate_limited"
UNKNOWN = "unknown"

TRANSIENT = frozenset({NO_CHANNEL, UNREACHABLE, TIMEOUT, RATE_LIMITED})

# Codes after which the upstream may have created (and billed) the task: never re-send.
MAYBE_ACCEPTED_CODES = frozenset(
    {
        "unmarshal_response_body_failed",
        "read_response_body_failed",
        "insert_task_failed",
        "save_task_failed",
        "update_task_failed",
    }
)

_CODE_KINDS = {
    "task_not_exist": NOT_FOUND,
    "task_origin_not_exist": NOT_FOUND,
    "quota_not_enough": QUOTA,
    "insufficient_user_quota": QUOTA,
    "pre_consume_token_quota_failed": QUOTA,
    "insufficient_credits": QUOTA,
    "invalid_request": INVALID,
    "bad_request": INVALID,
    "prompt_empty": INVALID,
    "unauthorized": UNAUTHORIZED,
    "invalid_api_key": UNAUTHORIZED,
    "model_not_found": NO_CHANNEL,
    "fail_to_fetch_task": UNREACHABLE,
    "do_request_failed": UNREACHABLE,
    "get_channel_failed": NO_CHANNEL,
    "rate_limited": RATE_LIMITED,
    "timeout": TIMEOUT,
    "network": UNREACHABLE,
    "not_supported": NOT_SUPPORTED,
    "unsupported_action": NOT_SUPPORTED,
    "invalid_action": NOT_SUPPORTED,
    # The sunoapi family's numeric codes (errors.NUMERIC_CODES)
    "unavailable": UNREACHABLE,
    "upstream_error": UNREACHABLE,
}

# Message patterns, Chinese and English, most specific first.
_PATTERNS = (
    (NOT_SUPPORTED, r"(unsupported|not support(ed)?|不支持|invalid) (task )?(action|task|mode)\b"),
    (NOT_SUPPORTED, r"action .* not support"),
    (QUOTA, r"quota|credit|insufficient|余额|额度|积分|欠费|balance"),
    (REFUSED_CONTENT, r"sensitive|敏感|违规|违禁|moderation|content polic|not allowed content|inappropriate"),
    # AceDataCloud's refusals (docs/protocol.md 10): "Lyrics contained copyrighted material", "Tags contained
    # artist name", "Song Description contained producer tag".
    (REFUSED_CONTENT, r"copyright|contained (an )?artist name|producer tag"),
    (UNAUTHORIZED, r"invalid token|无效的令牌|令牌|unauthori[sz]ed|api key"),
    (NO_CHANNEL, r"无可用渠道|no available channel|no channel|channel .* unavailable"),
    (UNREACHABLE, r"请求上游地址失败|upstream (is )?(unreachable|down|unavailable|error)"),
    (UNREACHABLE, r"connection refused|dial tcp"),
    (UNREACHABLE, r"bad gateway|no route to host|service unavailable"),
    # A relay's upstream (Suno) refused or failed it: "Internal server error. AxiosError: Request failed
    # with status code 403", relayed whole inside fail_reason.
    (UNREACHABLE, r"request failed with status code \d+|internal server error|axioserror"),
    (TIMEOUT, r"timed? ?out|超时|deadline exceeded"),
    (NOT_FOUND, r"task (is )?not (exist|found)|任务不存在"),
    (INVALID, r"invalid|不合法|参数错误|too long|required|must be"),
)
# "当前分组 default 下对于模型 suno_concat 无可用渠道": which model has no channel.
_MODEL_IN_MESSAGE = re.compile(r"(?:模型|model)\s+([\w.\-]+)", re.IGNORECASE)
_RAW_LIMIT = 2000


@dataclass(frozen=True)
class Unwrapped:
    code: str
    message: str


def unwrap(code: str, message: str, *, depth: int = 5) -> Unwrapped:
    """The innermost code and message of an error whose message may carry another error body."""
    for _ in range(depth):
        inner = _embedded_body(message)
        if inner is None:
            break
        inner_code, inner_message = code_and_message(inner)
        if not inner_code and not inner_message:
            break
        code, message = inner_code or code, inner_message or message
    return Unwrapped(code, message.strip())


def _embedded_body(text: str) -> dict | None:
    start = text.find("{")
    if start < 0:
        return None
    try:
        value, _end = json.JSONDecoder().raw_decode(text[start:])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def code_and_message(body: dict) -> tuple[str, str]:
    error = body.get("error")
    if isinstance(error, dict):
        body = error
    elif isinstance(error, str) and error:
        return "", error
    code = body.get("code")
    message = body.get("message") or body.get("msg") or body.get("detail") or ""
    named = isinstance(code, str) and code != "success" and not code.strip().isdigit()
    return (as_text(code) if named else ""), as_text(message)


def kind_of(code: str, message: str, status: int | None) -> str:
    """Sort an (unwrapped) error into a kind; the HTTP status is the last resort."""
    if code in _CODE_KINDS and _CODE_KINDS[code] not in (INVALID, UNREACHABLE, NO_CHANNEL):
        return _CODE_KINDS[code]
    text = message.lower()
    for kind, pattern in _PATTERNS:
        if re.search(pattern, text):
            return kind
    if code in _CODE_KINDS:
        return _CODE_KINDS[code]
    return _status_kind(status)


def _status_kind(status: int | None) -> str:
    if status is None:
        return UNKNOWN
    if status == 401:
        return UNAUTHORIZED
    if status == 429:
        return RATE_LIMITED
    if status == 404:
        return NOT_FOUND
    if status in (502, 503):
        return UNREACHABLE
    if status == 504:
        return TIMEOUT
    if 400 <= status < 500:
        return INVALID
    return UNKNOWN


def model_without_channel(message: str) -> str:
    """The model a "no channel" answer names (e.g. suno_concat), or ""."""
    match = _MODEL_IN_MESSAGE.search(message)
    return match.group(1) if match else ""


def raw_text(body: Any) -> str:
    """The answer as staff will read it in the admin (bounded)."""
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return text[:_RAW_LIMIT]
