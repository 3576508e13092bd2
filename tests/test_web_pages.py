"""Every link a page sends is a real URL of this site (no Python object leaks into an href),
and the facet links that clear a selection really clear it."""
from __future__ import annotations

import re

import pytest

URLS = ["/", "/?q=سوريا", "/?q=سوريا&date=2015", "/?q=سوريا&province=حلب&outlet=الشرق الأوسط&date=2015-07",
        "/facet/outlet?q=سوريا"]


@pytest.mark.parametrize("url", URLS)
def test_every_href_is_a_url_that_answers(client, url):
    html = client.get(url).get_data(as_text=True)
    hrefs = set(re.findall(r'href="([^"]*)"', html))
    assert hrefs
    for h in hrefs:
        assert re.match(r"^(/|#|https?://)", h) and "object at" not in h, h
    for h in sorted(hrefs):
        if h.startswith("/") and not h.startswith("/static/"):
            assert client.get(h.replace("&amp;", "&")).status_code == 200, h


def test_clear_links_clear_their_facet(client):
    html = client.get("/?q=سوريا&date=2015&province=حلب").get_data(as_text=True)
    clears = [h.replace("&amp;", "&") for h in re.findall(r'class="clear-facet" href="([^"]*)"', html)]
    assert len(clears) == 2
    from web_support import params
    kept = [{k for k, _ in params(h)} for h in clears]
    assert {"q", "province"} in kept and {"q", "date"} in kept


def test_links_follow_the_mount_point_of_each_request(client):
    """Route URLs are remembered per mount point (SCRIPT_NAME): an app served under a
    prefix links under it, and the same process serving at the root does not."""
    import re
    q = "?q=" + "حلب"
    mounted = client.get("/" + q, environ_overrides={"SCRIPT_NAME": "/marsad"}).get_data(as_text=True)
    root = client.get("/" + q).get_data(as_text=True)
    hrefs = re.findall(r'href="(/[^"]*)"', mounted)
    assert hrefs and all(h.startswith("/marsad/") for h in hrefs)
    assert any("/marsad/doc/" in h for h in hrefs) and any("/marsad/entity/" in h for h in hrefs)
    assert not re.findall(r'href="/marsad', root) and re.findall(r'href="/doc/', root)
