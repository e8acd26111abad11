"""Finding 10: a request with another Host header got a redirect to that host (Starlette's
trailing-slash redirect builds its Location from the Host); there was no HSTS.

Now a Host that is not the site's is refused (400, in French), and every absolute URL is
built on the configured public address; HSTS is sent when that address is https.
"""

# ruff: noqa: F811  (fixtures imported from tests/web/conftest.py)

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from tests.web.conftest import fake_rasa, make_client, settings, store  # noqa: F401

PUBLIC = "https://diagnostic.example.fr"
HSTS = "max-age=31536000; includeSubDomains"


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client(public_url=PUBLIC)


@pytest.mark.parametrize("path", ["/equipe", "/diagnostic/", "/"])
@pytest.mark.parametrize(
    "host", ["pirate.example", "diagnostic.example.fr.pirate.example", "pirate.example:443"]
)
def test_another_host_gets_no_redirect_to_itself(client: TestClient, host: str, path: str) -> None:
    response = client.get(path, headers={"Host": host}, follow_redirects=False)
    assert "pirate" not in response.headers.get("location", "")
    assert response.status_code == 400
    assert "adresse publique" in response.text
    assert 'lang="fr"' in response.text


def test_the_api_refuses_another_host_in_json(client: TestClient) -> None:
    response = client.post(
        "/api/messages", json={"message": "bonjour"}, headers={"Host": "pirate.example"}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "requete_invalide"
    assert "adresse publique" in response.json()["message"]


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost", "[::1]:8000", "diagnostic.example.fr"])
def test_redirects_go_to_the_public_address(client: TestClient, host: str) -> None:
    # The site's own names and loopback (a health check, a proxy) are served...
    response = client.get("/diagnostic/", headers={"Host": host}, follow_redirects=False)
    # ...and a redirect built by the framework points at the public address, whatever the Host.
    assert response.status_code in (307, 308)
    assert response.headers["location"] == f"{PUBLIC}/diagnostic"


def test_hsts_is_sent_when_the_site_is_served_over_https(client: TestClient) -> None:
    for path in ("/", "/api/health", "/widget.js", "/page-inconnue"):
        assert client.get(path).headers["strict-transport-security"] == HSTS


def test_no_hsts_over_plain_http(make_client: Callable[..., TestClient]) -> None:
    client = make_client(public_url="http://127.0.0.1:8000")
    assert "strict-transport-security" not in client.get("/").headers
