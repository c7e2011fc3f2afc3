"""The sockets `mcred serve --workers N` gives its servers: shared by port (SO_REUSEPORT), and
their connections without Nagle's delay (asyncio sets TCP_NODELAY only on a socket whose
protocol says TCP; without it each small answer waited for the client's delayed ACK)."""

from __future__ import annotations

import asyncio
import socket

import pytest

from app import serving


@pytest.mark.skipif(not serving.supported(), reason="SO_REUSEPORT")
def test_two_servers_share_the_port_and_connections_have_nodelay() -> None:
    first = serving._listening_socket("127.0.0.1", 0, listen=True)
    port = first.getsockname()[1]
    second = serving._listening_socket("127.0.0.1", port, listen=True)  # same port: allowed
    seen: list[int] = []

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            sock = transport.get_extra_info("socket")
            seen.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    async def run() -> None:
        servers = [await asyncio.get_running_loop().create_server(Probe, sock=s)
                   for s in (first, second)]
        for _ in range(4):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
        for _ in range(100):
            if len(seen) == 4:
                break
            await asyncio.sleep(0.01)
        for server in servers:
            server.close()

    asyncio.run(run())
    assert len(seen) == 4 and all(seen), seen
