"""Marsad web front end (Flask): an Arabic-first search page and a JSON API.

``create_app()`` is the application factory. Configuration, lowest to
highest priority: the defaults below, ``MARSAD_*`` environment variables
(``MARSAD_INDEX=/path`` sets ``INDEX``; values are parsed as JSON when they
can be, so ``MARSAD_PAGE_SIZE=20`` is an int), then ``test_config``.

>>> app = create_app({"INDEX": "/nonexistent", "TESTING": True})
>>> app.test_client().get("/healthz").status_code
503
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, Response, request
from flask_compress import Compress

__all__ = ["create_app"]

# Security headers sent with every response. The CSP allows only this app's
# own scripts, styles and images: no inline script, no CDN, no framing.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "geolocation=(), camera=(), microphone=(), interest-cohort=()",
}
# a static URL carrying its content's fingerprint (urls.static_url) never changes meaning
IMMUTABLE = "public, max-age=31536000, immutable"
READ_ONLY_METHODS = "GET, HEAD, OPTIONS"


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask application.

    Config keys: ``INDEX`` (index directory; None means the index layer's
    default, i.e. ``MARSAD_INDEX`` or the default data directory),
    ``MAX_QUERY_STRING`` (bytes of URL query accepted before a 414).
    """
    # instance_path given: Flask's own search for it fails on a namespace package (marsad is one),
    # and Marsad keeps nothing there (the index lives where MARSAD_INDEX says)
    app = Flask(__name__, instance_path=str(Path(__file__).resolve().parent / "instance"))
    # a document id may hold "//" (a URL used as id): routes must not merge slashes (a 308 to a 404)
    app.url_map.merge_slashes = False
    app.config.from_mapping(
        INDEX=None,
        MAX_QUERY_STRING=8192,
        MAX_CONTENT_LENGTH=64 * 1024,  # no endpoint takes a body; refuse big ones early
        JSON_SORT_KEYS=False,
        FACET_VISIBLE=8,  # facet values shown before "show more"
        # flask-compress: zstd, br or gzip as the client accepts; HTML, CSS, JS, JSON and SVG of 500
        # bytes or more (the search page: 65 KB -> 8 KB gzipped); "Vary: Accept-Encoding" on every response
        COMPRESS_MIN_SIZE=500,
        # preferred when a client accepts several; levels from bench/bench_transfer.py on the search
        # page (46.9 KB): br 5 -> 7.0 KB, zstd 6 -> 7.7 KB, gzip 6 -> 7.6 KB (library defaults br 4 and
        # zstd 3 gave 7.9 and 8.5 KB, larger than gzip)
        COMPRESS_ALGORITHM=["br", "zstd", "gzip", "deflate"],
        COMPRESS_BR_LEVEL=5,
        COMPRESS_ZSTD_LEVEL=6,
        # static files are sent as streams: gzip for them too (flask-compress leaves it out of the
        # streaming list by default, and gzip is what every client accepts)
        COMPRESS_ALGORITHM_STREAMING=["br", "zstd", "gzip", "deflate"],
    )
    app.config.from_prefixed_env("MARSAD")
    if test_config:
        app.config.update(test_config)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # DefaultJSONProvider: Arabic stays readable
    app.json.sort_keys = False  # type: ignore[attr-defined]

    from marsad.web import views
    from marsad.web.indexholder import IndexHolder

    app.extensions["marsad_index"] = IndexHolder(app.config["INDEX"])
    app.register_blueprint(views.pages)
    app.register_blueprint(views.api)
    views.register_error_handlers(app)
    views.register_template_helpers(app)
    from marsad.web.urls import static_fingerprint, static_url
    app.jinja_env.globals["static_url"] = static_url
    Compress(app)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if response.mimetype == "application/json":
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.after_request
    def _static_cache(response: Response) -> Response:
        # only the URL with the file's current fingerprint is cached for a year; a bare or stale
        # ?v= URL is revalidated every time (Flask's no-cache), so no one keeps an old file
        if (request.endpoint == "static" and response.status_code in (200, 206, 304)
                and request.args.get("v")
                and request.args.get("v") == static_fingerprint((request.view_args or {}).get("filename", ""))):
            response.headers["Cache-Control"] = IMMUTABLE
        return response

    @app.after_request
    def _allow_on_405(response: Response) -> Response:
        # RFC 9110: a 405 must say which methods the resource takes
        if response.status_code == 405 and "Allow" not in response.headers:
            try:
                methods = app.url_map.bind_to_environ(request.environ).allowed_methods()
            except Exception:  # noqa: BLE001 - no rule: every resource here is read-only
                methods = []
            response.headers["Allow"] = ", ".join(sorted(methods)) if methods else READ_ONLY_METHODS
        return response

    return app
