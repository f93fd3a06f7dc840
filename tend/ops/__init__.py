"""Operations: health checks, structured logs, proxy headers, configuration checks, backups."""
from werkzeug.middleware.proxy_fix import ProxyFix

PROXY_HEADERS = ("x_for", "x_proto", "x_host", "x_port", "x_prefix")


def trust_proxy_headers(app) -> None:
    """Behind a reverse proxy, take the client address, scheme and host from the X-Forwarded-*
    headers set by as many proxies as ``TEND_PROXY_FIX_X_*`` say (0, the default, trusts none),
    so Secure cookies, HSTS, CSRF's same-origin check and absolute URLs see https."""
    counts = {name: app.config[f"TEND_PROXY_FIX_{name.upper()}"] for name in PROXY_HEADERS}
    if any(counts.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, **counts)


def init_app(app) -> None:
    # Imported here: the reminder worker imports tend.ops.heartbeat and tend.ops.logs, never
    # the health pages' blueprint or the commands.
    from tend.ops import cli, health, logs

    trust_proxy_headers(app)
    logs.init_app(app)
    app.register_blueprint(health.bp)
    cli.init_app(app)
