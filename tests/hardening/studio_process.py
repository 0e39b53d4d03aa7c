"""Another studio process, as a second gunicorn worker would be: the same database, its own memory.

Run by tests/hardening/test_sessions.py as ``python -m tests.hardening.studio_process <database name>``.
It reads one JSON request a line from stdin ({"method", "path", "cookies", "data"}) and answers one JSON
line ({"status", "location", "type", "body"}). With REDIS_URL in its environment it is configured as
production is (Redis for the caches and the broker), not as the test settings are.
"""

from __future__ import annotations

import json
import os
import sys


def main() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "studio.settings_test"
    from studio import settings as production
    from studio import settings_test

    settings_test.DATABASES["default"]["NAME"] = sys.argv[1]  # the test run's database, not a new one
    settings_test.Q_CLUSTER = production.Q_CLUSTER  # a real broker: Redis when REDIS_URL says so
    settings_test.CACHES = production.CACHES
    import django

    django.setup()
    from django.test import Client

    for line in sys.stdin:
        ask = json.loads(line)
        client = Client()
        client.cookies.load(ask.get("cookies", {}))
        method = getattr(client, ask.get("method", "GET").lower())
        response = method(ask["path"], ask.get("data") or {}, headers=ask.get("headers") or {})
        body = b"" if response.streaming else response.content
        answer = {
            "status": response.status_code,
            "location": response.get("Location", ""),
            "type": response.get("Content-Type", ""),
            "body": body.decode("utf-8", "replace")[:4000],
        }
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
