"""A TCP proxy in its own process: the fault suite kills it to make PostgreSQL
unreachable to the portal (open connections drop, new ones are refused) without touching
the PostgreSQL server that others use.

It can also go silent, as a network partition does (not a reset): on SIGUSR1 it stops
forwarding bytes in either direction and leaves every socket open (new connections are
accepted and then hear nothing); on SIGUSR2 it forwards again what it held.

    python -m bench.faults.tcpproxy LISTEN_PORT TARGET_HOST TARGET_PORT
"""

import asyncio
import signal
import sys


async def pipe(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, flowing: asyncio.Event
) -> None:
    try:
        while data := await reader.read(65536):
            await flowing.wait()  # silent: the bytes are held, the sockets stay open
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def main(listen: int, host: str, port: int) -> None:
    flowing = asyncio.Event()
    flowing.set()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, flowing.clear)
    loop.add_signal_handler(signal.SIGUSR2, flowing.set)

    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        await flowing.wait()
        try:
            server_r, server_w = await asyncio.open_connection(host, port)
        except OSError:
            client_w.close()
            return
        await asyncio.gather(pipe(client_r, server_w, flowing), pipe(server_r, client_w, flowing))

    server = await asyncio.start_server(handle, "127.0.0.1", listen)
    print(f"proxy 127.0.0.1:{listen} -> {host}:{port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3])))
