"""Transfer (issue 17): compressed responses and fingerprinted, long-cached static files."""
from __future__ import annotations

import gzip
import hashlib
import json
import re
import shutil
from pathlib import Path

import brotli
import pytest

from web_support import Page, web_index_dir

STATIC = Path(__file__).resolve().parents[1] / "web" / "static"
IMMUTABLE = "public, max-age=31536000, immutable"


def _static_urls(client) -> dict[str, str]:
    html = client.get("/?q=سوريا").get_data(as_text=True)
    page = Page(html)
    urls = page.scripts + page.stylesheets + re.findall(r'<link rel="icon" href="([^"]+)"', html)
    return {u.split("?")[0].rsplit("/", 1)[1]: u for u in urls if u}


def _no_timing(body: bytes, mimetype: str) -> object:
    """The body without the search time (the one thing two runs of a search differ in)."""
    if mimetype == "application/json":
        d = json.loads(body)
        d.pop("took_ms", None)
        return d
    return re.sub(r'<span class="took">[^<]*</span>', "", body.decode())


@pytest.mark.parametrize("url", ["/?q=سوريا", "/?q=سوريا&province=حلب", "/api/search?q=سوريا&page_size=20",
                                 "/api/openapi.json", "/static/marsad.css", "/static/marsad.js"])
def test_gzip_when_accepted_and_the_content_decodes_equal(client, url):
    plain = client.get(url)
    packed = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"] and "Accept-Encoding" in plain.headers["Vary"]
    assert len(packed.data) < len(plain.data) * 0.6, (len(packed.data), len(plain.data))
    body = gzip.decompress(packed.data)
    if url.startswith("/static/"):
        assert body == plain.data
    else:
        assert _no_timing(body, packed.mimetype) == _no_timing(plain.data, plain.mimetype)


def test_brotli_too_and_the_best_accepted_coding_wins(client):
    url = "/?q=سوريا"
    r = client.get(url, headers={"Accept-Encoding": "gzip, br"})
    assert r.headers["Content-Encoding"] in ("br", "zstd")
    r = client.get(url, headers={"Accept-Encoding": "br;q=1.0, gzip;q=0.5"})
    assert r.headers["Content-Encoding"] == "br"
    assert _no_timing(brotli.decompress(r.data), "text/html") == _no_timing(client.get(url).data, "text/html")


def test_tiny_bodies_errors_and_unaccepting_clients_are_sent_plain(client):
    for url in ("/static/favicon.svg", "/api/doc/no-such-id", "/?page=0"):
        r = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert "Content-Encoding" not in r.headers, url
        assert "Accept-Encoding" in r.headers["Vary"], url
    r = client.get("/?q=سوريا", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in r.headers


def test_templates_link_static_files_by_their_content_fingerprint(client):
    urls = _static_urls(client)
    assert set(urls) == {"marsad.css", "marsad.js", "favicon.svg"}
    for name, url in urls.items():
        want = hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]
        assert url == f"/static/{name}?v={want}", url


def test_fingerprinted_static_files_are_cached_for_a_year_others_revalidated(client):
    for name, url in _static_urls(client).items():
        r = client.get(url)
        assert r.status_code == 200 and r.headers["Cache-Control"] == IMMUTABLE, url
        assert r.data == (STATIC / name).read_bytes()
        # the bare URL and a stale fingerprint: served, but revalidated every time
        for other in (f"/static/{name}", f"/static/{name}?v=000000000000"):
            r = client.get(other)
            assert r.status_code == 200 and r.headers["Cache-Control"] == "no-cache", other
    # the immutable header survives compression
    url = _static_urls(client)["marsad.css"]
    r = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert r.headers["Cache-Control"] == IMMUTABLE and r.headers["Content-Encoding"] == "gzip"


def test_a_changed_file_gets_a_new_url(tmp_path, make_app):
    static = tmp_path / "static"
    shutil.copytree(STATIC, static)
    app = make_app(web_index_dir())  # its own app: the static folder is changed
    app.static_folder = str(static)
    c = app.test_client()
    before = _static_urls(c)["marsad.css"]
    css = static / "marsad.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n/* changed */\n", encoding="utf-8")
    after = _static_urls(c)["marsad.css"]
    assert before != after
    assert c.get(after).headers["Cache-Control"] == IMMUTABLE
    assert c.get(before).headers["Cache-Control"] == "no-cache"  # the old fingerprint is not the file's
