"""Entry point of the local MongoDB-compatible server.

Runs under the separate Python >= 3.13 virtualenv that holds mongoeco, so it imports only
the standard library and mongoeco. It binds 127.0.0.1 on the given port (0 picks a free one),
writes the bound port to --port-file once it accepts connections, and stops cleanly on
SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
from pathlib import Path

from mongoeco.engines.sqlite import SQLiteEngine
from mongoeco.wire import AsyncMongoEcoProxyServer


async def serve(db_path: Path, host: str, port: int, port_file: Path) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    server = AsyncMongoEcoProxyServer(engine=SQLiteEngine(str(db_path)), host=host, port=port)
    address = await server.start()
    try:
        # Written atomically so a reader never sees a half-written port number.
        tmp = port_file.with_suffix(".tmp")
        tmp.write_text(str(address.port))
        os.replace(tmp, port_file)
        await stop.wait()
    finally:
        await server.close()
        port_file.unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, required=True, help="SQLite file of the engine")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", type=Path, required=True)
    args = parser.parse_args()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    asyncio.run(serve(args.db, args.host, args.port, args.port_file))


if __name__ == "__main__":
    main()
