"""gunicorn settings for Tend in production (README, "Deploying").

    gunicorn -c deploy/gunicorn.conf.py "app:create_app()"

Every worker builds the app, and so its database engine, after the fork (``preload_app`` is
off, and ``create_app`` opens no connection anyway): a connection inherited across ``fork()``
would be shared by several processes. Reminders are not sent from here: run
``flask reminders run`` as its own service."""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tend.ops.checks import DEFAULT_WEB_WORKERS  # noqa: E402  (needs the path above)

bind = os.environ.get("TEND_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", DEFAULT_WEB_WORKERS))
worker_class = "sync"  # nginx buffers slow clients, so a sync worker never waits on one
preload_app = False
timeout = 30
graceful_timeout = 30
keepalive = 5  # matches nginx's upstream keepalive
# Recycle workers now and then, staggered, so a slow leak never grows without bound. Not
# often: a new worker spends about a second of CPU importing and building the app.
max_requests = 20000
max_requests_jitter = 2000
# Tend writes one JSON line per request itself (with no health data); gunicorn's access log
# would repeat it with the query string, so it stays off.
accesslog = None
errorlog = "-"
loglevel = "info"
# X-Forwarded-* are handled by the app (TEND_PROXY_FIX_*), not by gunicorn.
forwarded_allow_ips = "127.0.0.1"
proc_name = "tend-web"
