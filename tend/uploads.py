"""How large a request body may be: ``MAX_CONTENT_LENGTH`` everywhere, except where a route
takes a larger file on purpose (``TEND_UPLOAD_LIMITS``: endpoint -> bytes).

Decided on the request itself, so it holds before anything reads the body (the CSRF check
reads the form before any view runs). nginx needs the same limit for the same path
(deploy/nginx-tend.conf)."""
from flask import Request, current_app


class TendRequest(Request):
    @property
    def max_content_length(self) -> int | None:
        config = current_app.config
        return config["TEND_UPLOAD_LIMITS"].get(self.endpoint, config["MAX_CONTENT_LENGTH"])


def init_app(app) -> None:
    app.request_class = TendRequest
