"""gunicorn for Song Studio, behind a reverse proxy (deploy/nginx/song-studio.conf or deploy/Caddyfile).

Start: .venv/bin/gunicorn -c deploy/gunicorn.conf.py studio.wsgi:application
The proxy takes the slow clients: it reads whole request bodies (and caps them) before passing them
on, so gunicorn's few workers only ever see complete requests from 127.0.0.1.
"""

import os

# The production path never shows a traceback: DEBUG is off unless the environment file turns it on
# (then Django answers a failure with templates/500.html, which needs neither the database nor Redis).
os.environ.setdefault("DEBUG", "false")

# Only the proxy on this machine talks to gunicorn. PORT is also where the studio reaches the built-in
# engine (SUNO_GATEWAY_URL), so both must agree: keep it in the environment file.
bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8301')}"
workers = int(os.environ.get("WEB_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = 60  # a request still running after this is killed (media downloads stream in chunks)
graceful_timeout = 30
keepalive = 5
# Trust X-Forwarded-* only from the proxy on this machine.
forwarded_allow_ips = "127.0.0.1,::1"
limit_request_line = 8190
limit_request_fields = 100
accesslog = "-"
# Signed media links, upload, share and invitation tokens are redacted from every access-log line.
logger_class = "studio.logredact.RedactingLogger"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
