"""Response headers every page gets: CSP, framing, referrer, caching of private pages."""
from flask import current_app, request
from flask_login import current_user

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "manifest-src 'self'",
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def set_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config["TEND_HSTS"]:
        headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
    if _is_private(response):
        headers["Cache-Control"] = "no-store"
        headers.add("Vary", "Cookie")
    return response


def _is_private(response) -> bool:
    """Anything a signed-in person sees, and every API answer, must never be cached.
    Static files and the app shell (manifest, service worker, offline page) are the same for
    everyone and set their own caching."""
    if request.endpoint == "static" or request.blueprint == "pwa":
        return False
    return current_user.is_authenticated or request.path.startswith("/api/")


def init_app(app) -> None:
    app.after_request(set_security_headers)
