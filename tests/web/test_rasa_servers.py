"""Several Rasa servers behind the door (DIAGNOSTIC_RASA_URL with several addresses).

Each conversation goes to its own server (or, with ``spread_turns``, turns go to the servers in
turn); a server that cannot have received a turn is passed over at once; a turn that may have
reached a server is never sent to another one. Rasa is an httpx
MockTransport that tells the servers apart by their host name.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from bot.settings import Settings, SettingsError, load_settings, rasa_addresses
from bot.storage import DiagnosticStore
from bot.web.app import create_app
from bot.web.rasa_client import REST_SECONDS, AssistantError, RasaClient
from tests.clocks import FrozenClock

SERVERS = ("http://rasa-1:5005", "http://rasa-2:5005", "http://rasa-3:5005")
REPLY = [{"recipient_id": "x", "text": "Bonjour !", "buttons": [{"title": "Oui", "payload": "/answer"}]}]


@dataclass
class Servers:
    """Fake Rasa servers: ``down[host]`` is the exception that host raises (None: it answers)."""

    down: dict[str, Exception | None] = field(default_factory=dict)
    served: list[tuple[str, str]] = field(default_factory=list)  # (host, message) answered
    tried: list[str] = field(default_factory=list)  # hosts a turn was offered to

    def handle(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if request.method == "POST":
            self.tried.append(host)
        error = self.down.get(host)
        if error is not None:
            raise error
        if request.method == "GET":
            return httpx.Response(200, json={"tracker_store": "ok"})
        self.served.append((host, json.loads(request.content)["message"]))
        return httpx.Response(200, json=REPLY)


@pytest.fixture
def servers() -> Servers:
    return Servers()


@pytest.fixture
def clock() -> FrozenClock[float]:
    return FrozenClock(1000.0)


@pytest.fixture
def make_rasa(servers: Servers, clock: FrozenClock[float]) -> Iterator[Callable[[int], RasaClient]]:
    clients: list[RasaClient] = []

    def make(count: int = 2, spread_turns: bool = True) -> RasaClient:
        client = RasaClient(
            ",".join(SERVERS[:count]),
            timeout=5,
            transport=httpx.MockTransport(servers.handle),
            clock=clock,
            spread_turns=spread_turns,
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        asyncio.run(client.aclose())


def send_all(rasa: RasaClient, messages: list[str], sender: str = "conversation-1") -> list[str]:
    """Sends each message in turn; what each got ("ok" or the error's code)."""

    async def run() -> list[str]:
        outcomes = []
        for message in messages:
            try:
                await rasa.send(sender, message)
                outcomes.append("ok")
            except AssistantError as error:
                outcomes.append(error.code)
        return outcomes

    return asyncio.run(run())


def hosts(servers: Servers) -> list[str]:
    return [host for host, _ in servers.served]


def test_spread_turns_go_to_each_server_in_turn(
    make_rasa: Callable[..., RasaClient], servers: Servers
) -> None:
    assert send_all(make_rasa(2), ["a", "b", "c", "d"]) == ["ok"] * 4
    assert servers.served == [("rasa-1", "a"), ("rasa-2", "b"), ("rasa-1", "c"), ("rasa-2", "d")]


def test_a_conversation_keeps_its_server_and_conversations_spread(
    make_rasa: Callable[..., RasaClient], servers: Servers
) -> None:
    rasa = make_rasa(3, spread_turns=False)
    for number in range(60):
        servers.served.clear()
        assert send_all(rasa, ["a", "b", "c"], sender=f"conversation-{number}") == ["ok"] * 3
        assert len(set(hosts(servers))) == 1, number
    other_door = make_rasa(3, spread_turns=False)  # another door process ranks the same way
    for number in range(60):
        servers.served.clear()
        send_all(rasa, ["a"], sender=f"conversation-{number}")
        send_all(other_door, ["b"], sender=f"conversation-{number}")
        assert len(set(hosts(servers))) == 1, number
    servers.served.clear()
    for number in range(300):
        send_all(rasa, ["a"], sender=f"conversation-{number}")
    shares = [hosts(servers).count(host) for host in ("rasa-1", "rasa-2", "rasa-3")]
    assert min(shares) >= 70, shares  # 100 each, give or take


def test_a_server_leaving_moves_its_own_conversations_only(
    make_rasa: Callable[..., RasaClient], servers: Servers
) -> None:
    rasa = make_rasa(3, spread_turns=False)
    before = {}
    for number in range(90):
        servers.served.clear()
        send_all(rasa, ["a"], sender=f"conversation-{number}")
        before[number] = hosts(servers)[0]
    servers.down["rasa-2"] = httpx.ConnectError("Connection refused")
    for number in range(90):
        servers.served.clear()
        assert send_all(rasa, ["b"], sender=f"conversation-{number}") == ["ok"]
        if before[number] != "rasa-2":
            assert hosts(servers) == [before[number]], number
        else:
            assert hosts(servers) != ["rasa-2"], number


@pytest.mark.parametrize(
    "error",
    [
        httpx.ConnectError("Connection refused"),
        httpx.ConnectTimeout("timed out"),
        httpx.WriteError("Connection reset by peer"),
    ],
)
def test_a_server_that_cannot_have_received_the_turn_is_passed_over(
    make_rasa: Callable[..., RasaClient], servers: Servers, clock: FrozenClock[float], error: Exception
) -> None:
    rasa = make_rasa(3)
    servers.down["rasa-1"] = error
    assert send_all(rasa, ["a", "b", "c", "d"]) == ["ok"] * 4
    # "a" fell on rasa-1, then went on to rasa-2 at once; rasa-1 rests: the others take the turns.
    assert servers.served == [("rasa-2", "a"), ("rasa-2", "b"), ("rasa-3", "c"), ("rasa-2", "d")]
    assert servers.tried.count("rasa-1") == 1
    # Back up, and its rest over: it gets its turns again.
    servers.down["rasa-1"] = None
    clock.now += REST_SECONDS + 0.1
    servers.served.clear()
    send_all(rasa, ["e", "f", "g"])
    assert sorted(hosts(servers)) == ["rasa-1", "rasa-2", "rasa-3"]


def test_a_resting_server_is_still_tried_when_no_other_answers(
    make_rasa: Callable[..., RasaClient], servers: Servers
) -> None:
    rasa = make_rasa(2)
    servers.down["rasa-1"] = httpx.ConnectError("Connection refused")
    send_all(rasa, ["a"])
    servers.down["rasa-1"] = None
    servers.down["rasa-2"] = httpx.ConnectError("Connection refused")
    assert send_all(rasa, ["b"]) == ["ok"]
    assert servers.served == [("rasa-2", "a"), ("rasa-1", "b")]


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (
            httpx.RemoteProtocolError("Server disconnected without sending a response."),
            "assistant_indisponible",
        ),
        (httpx.ReadError("Connection reset by peer"), "assistant_indisponible"),
        (httpx.ReadTimeout("timed out"), "assistant_trop_lent"),
    ],
)
def test_a_turn_that_may_have_reached_a_server_is_never_sent_to_another(
    make_rasa: Callable[..., RasaClient], servers: Servers, error: Exception, code: str
) -> None:
    rasa = make_rasa(2)
    servers.down["rasa-1"] = error
    assert send_all(rasa, ["a"]) == [code]
    assert servers.tried == ["rasa-1"] and servers.served == []


def test_no_server_answering_is_the_unavailable_message(
    make_rasa: Callable[..., RasaClient], servers: Servers
) -> None:
    rasa = make_rasa(3)
    for host in ("rasa-1", "rasa-2", "rasa-3"):
        servers.down[host] = httpx.ConnectError("Connection refused")
    assert send_all(rasa, ["a", "b"]) == ["assistant_indisponible"] * 2
    assert servers.tried == ["rasa-1", "rasa-2", "rasa-3", "rasa-2", "rasa-3", "rasa-1"]


def test_health_says_how_many_servers_answer(make_rasa: Callable[..., RasaClient], servers: Servers) -> None:
    rasa = make_rasa(2)
    assert asyncio.run(rasa.health()) == {"rasa": "ok", "tracker_store": "ok", "serveurs_rasa": "2/2"}
    servers.down["rasa-2"] = httpx.ConnectError("Connection refused")
    assert asyncio.run(rasa.health()) == {"rasa": "partiel", "tracker_store": "ok", "serveurs_rasa": "1/2"}
    servers.down["rasa-1"] = httpx.ConnectError("Connection refused")
    assert asyncio.run(rasa.health()) == {
        "rasa": "injoignable", "tracker_store": "inconnu", "serveurs_rasa": "0/2"
    }  # fmt: skip


def test_one_server_keeps_its_health_format(make_rasa: Callable[..., RasaClient]) -> None:
    assert asyncio.run(make_rasa(1).health()) == {"rasa": "ok", "tracker_store": "ok"}


def test_the_door_spreads_a_conversation_over_the_servers(
    tmp_path: Path, servers: Servers, settings: Settings
) -> None:
    store = DiagnosticStore.from_url(f"sqlite:///{tmp_path / 'diagnostic.db'}")
    rasa = RasaClient(
        ",".join(SERVERS[:2]), timeout=5, transport=httpx.MockTransport(servers.handle), spread_turns=True
    )
    with ExitStack() as stack:
        stack.callback(store.engine.dispose)
        client = stack.enter_context(
            TestClient(
                create_app(replace(settings), store=store, rasa_client=rasa), raise_server_exceptions=False
            )
        )
        first = client.post("/api/messages", json={"message": "bonjour"})
        sender = first.json()["sender"]
        servers.down["rasa-1"] = httpx.ConnectError("Connection refused")
        for text in ("oui", "non", "12"):
            response = client.post("/api/messages", json={"message": text, "sender": sender})
            assert response.status_code == 200, response.text
    assert servers.served == [("rasa-1", "bonjour"), ("rasa-2", "oui"), ("rasa-2", "non"), ("rasa-2", "12")]


def test_several_rasa_addresses_are_read() -> None:
    settings = load_settings({"DIAGNOSTIC_RASA_URL": " http://rasa-1:5005/ , http://rasa-2:5005,"})
    assert settings.rasa_url == "http://rasa-1:5005,http://rasa-2:5005"
    assert rasa_addresses(settings.rasa_url) == ("http://rasa-1:5005", "http://rasa-2:5005")
    assert rasa_addresses(load_settings({}).rasa_url) == ("http://127.0.0.1:5005",)


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("http://rasa-1:5005,rasa-2:5005", "adresse http:// ou https://"),
        ("http://rasa-1:5005, ftp://rasa-2", "adresse http:// ou https://"),
        ("http://rasa-1:5005?x=1", "adresse http:// ou https://"),
        ("http://rasa-1:5005, http://rasa-1:5005/", "une seule fois"),
        (" , ", "aucune adresse"),
    ],
)
def test_bad_rasa_addresses_are_reported_in_french(value: str, said: str) -> None:
    with pytest.raises(SettingsError, match="DIAGNOSTIC_RASA_URL") as raised:
        load_settings({"DIAGNOSTIC_RASA_URL": value})
    assert said in str(raised.value)
