"""An httpx transport on aiohttp's connection pool: the wire of the door's calls to Rasa.

httpx's own pool (httpcore 1.0) walks every pooled connection twice a request, and asks the
system whether each idle one is readable; with the tens of connections a busy door keeps open
to Rasa, that cost 1.5 to 3 ms of CPU a turn (benchmarks/load.md), against 0.5 ms for the same
httpx client on aiohttp's pool. The door keeps httpx's interface (and its tests' MockTransport);
only the connections go through aiohttp, which Rasa already brings.

aiohttp's failures become httpx's, as bot/web/rasa_client.py tells them apart:

- no connection (refused, unknown host, reset while connecting): ``httpx.ConnectError``;
- no connection within the connect timeout (pool wait included): ``httpx.ConnectTimeout``;
- no whole answer within the read timeout (the whole exchange, connection included):
  ``httpx.ReadTimeout``;
- anything else once connected (the server closed the connection, a garbled answer):
  ``httpx.ReadError``, since the request may have reached the server. aiohttp does not say
  whether a failure happened while the request was still being written, so such a request
  is never taken for one the server cannot have received.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import aiohttp
import httpx

# Connections to Rasa kept open per door process, at most. Rasa keeps an idle connection 120 s.
POOL_SIZE = 100
# s: an idle connection is dropped after this, long before Rasa drops it.
KEEPALIVE_SECONDS = 15.0


@contextmanager
def _as_httpx_errors(request: httpx.Request) -> Iterator[None]:
    """aiohttp's failures as httpx's (see the module's docstring)."""
    try:
        yield
    except aiohttp.ServerTimeoutError as error:  # the connection phase (aiohttp's connect)
        raise httpx.ConnectTimeout(str(error), request=request) from error
    except asyncio.TimeoutError as error:  # the whole exchange (aiohttp's total)
        raise httpx.ReadTimeout("réponse trop lente", request=request) from error
    except aiohttp.ClientConnectorError as error:
        raise httpx.ConnectError(str(error), request=request) from error
    except aiohttp.ClientError as error:
        raise httpx.ReadError(str(error), request=request) from error


class _Body(httpx.AsyncByteStream):
    """The answer's body, read whole (Rasa's answers are a few kilobytes of JSON)."""

    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx_errors(self._request):
            yield await self._response.read()

    async def aclose(self) -> None:
        self._response.release()


class AiohttpTransport(httpx.AsyncBaseTransport):
    """httpx requests sent on one aiohttp session of the running event loop."""

    def __init__(self, pool_size: int = POOL_SIZE) -> None:
        self.pool_size = pool_size
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _session_of_this_loop(self) -> aiohttp.ClientSession:
        """The session, made in the running loop the first time (a session serves one loop)."""
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            connector = aiohttp.TCPConnector(limit=self.pool_size, keepalive_timeout=KEEPALIVE_SECONDS)
            self._session = aiohttp.ClientSession(connector=connector, auto_decompress=False)
            self._loop = loop
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeout = request.extensions.get("timeout", {})
        limits = aiohttp.ClientTimeout(total=timeout.get("read"), connect=timeout.get("connect"))
        with _as_httpx_errors(request):
            response = await self._session_of_this_loop()._request(
                request.method,
                str(request.url),
                headers=list(request.headers.multi_items()),
                data=request.content,
                allow_redirects=False,
                timeout=limits,
            )
        return httpx.Response(
            response.status,
            headers=list(response.raw_headers),
            stream=_Body(response, request),
            request=request,
        )

    async def aclose(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None
