"""Bearer links never reach a log (issue 19 item 10).

A signed link is as good as a password while it lasts: the engine's media links (``?exp=&sig=``), the
upload links a gateway fetches (``/u/<token>``), share links (``/s/<token>/``), invitations
(``/invites/<token>/``) and a bucket's signed redirects (``X-Amz-Signature=``). Access logs and Django's
request warnings wrote them in full. Here they are cut down to what helps an operator: the path with
the token replaced, and the query's parameter names without their values.

Used by gunicorn (``RedactingLogger``: deploy/gunicorn.conf.py, runstudio) and Django's logging
(``RedactFilter`` on the console handler, studio/settings.py). Standard library only: gunicorn's master
loads it before Django.
"""

from __future__ import annotations

import logging
import re

TOKEN = "<token>"
REDACTED = "<redacted>"

# A path segment that is itself a bearer token, after these prefixes.
_TOKEN_PATHS = re.compile(r"(/(?:u|s|invites)/)([^/?#\s\"']+)")
# A query string inside a longer text (a request line, a URL in a message): up to a space or a quote.
_QUERY_IN_TEXT = re.compile(r"\?([^\s\"'#]*)")


def redact_query(query: str) -> str:
    """``exp=1&sig=abc&flag`` -> ``exp=<redacted>&sig=<redacted>&flag``: names kept, values gone."""
    if not query:
        return query
    parts = []
    for part in query.split("&"):
        name, eq, _value = part.partition("=")
        parts.append(f"{name}={REDACTED}" if eq else name)
    return "&".join(parts)


def redact(text: str) -> str:
    """Any text that may hold paths or links (a request line, a referer, a log message)."""
    if not text or ("/" not in text and "?" not in text):
        return text
    text = _TOKEN_PATHS.sub(rf"\1{TOKEN}", text)
    return _QUERY_IN_TEXT.sub(lambda m: "?" + redact_query(m.group(1)), text)


class RedactFilter(logging.Filter):
    """A logging filter that redacts the formatted message (and drops its arguments)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is logging's own business
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


try:  # gunicorn is a dependency of the web server only; the filter above needs none
    from gunicorn.glogging import Logger as _GunicornLogger
except ImportError:  # pragma: no cover
    _GunicornLogger = None

if _GunicornLogger is not None:

    class RedactingLogger(_GunicornLogger):
        """gunicorn's logger with every access-log atom redacted (request line, path, query, referer,
        Location of a redirect to a signed bucket link, any header or environ value)."""

        def atoms(self, resp, req, environ, request_time):
            atoms = super().atoms(resp, req, environ, request_time)
            for key, value in atoms.items():
                if key == "q":
                    atoms[key] = redact_query(value or "")
                elif isinstance(value, str):
                    atoms[key] = redact(value)
            return atoms
