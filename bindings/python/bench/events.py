"""The Python package's benchmark: a finished session's replay read by `jiga` and by three
hand-rolled Python clients (websockets, aiohttp, picows, each with `json.loads`), alternated in
one run on one server, plus the cost of one trivial call into the extension.

Usage: python events.py URL SESSION_ID HIRER_DEVICE RUNS   (bench/run.sh records the session)
Prints one `name=events_per_sec` line per reader (best of RUNS) and `trivial_call_ns=`.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import timeit
from typing import Any, Awaitable, Callable, Dict, List

import aiohttp
import picows
import websockets.asyncio.client

import jiga

URL, SID, DEVICE, RUNS = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
WS = URL.replace("http://", "ws://", 1) + f"/v1/sessions/{SID}/stream?afterSeq=0"


class Check:
    """What every reader must do with each event: see its seq and type, in order."""

    def __init__(self) -> None:
        self.n = 0
        self.types: Dict[str, int] = {}

    def see(self, seq: int, kind: str) -> None:
        self.n += 1
        if seq != self.n:
            raise SystemExit(f"seq {seq} where {self.n} was due")
        self.types[kind] = self.types.get(kind, 0) + 1


async def read_jiga(client: jiga.AsyncClient, c: Check) -> None:
    async for ev in client.session_events(SID):
        c.see(ev.seq, ev.type)


def read_jiga_blocking(client: jiga.Client, c: Check) -> None:
    for ev in client.session_events(SID):
        c.see(ev.seq, ev.type)


async def read_websockets(headers: Dict[str, str], c: Check) -> None:
    async with websockets.asyncio.client.connect(
        WS, additional_headers=headers, max_size=None, compression=None
    ) as ws:
        async for text in ws:
            d = json.loads(text)
            c.see(d["seq"], d["type"])


async def read_aiohttp(headers: Dict[str, str], c: Check) -> None:
    async with aiohttp.ClientSession() as s:
        async with s.ws_connect(WS, headers=headers, max_msg_size=0) as ws:
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.TEXT:
                    d = json.loads(msg.data)
                    c.see(d["seq"], d["type"])


async def read_picows(headers: Dict[str, str], c: Check) -> None:
    class Listener(picows.WSListener):  # type: ignore[misc]
        def on_ws_frame(self, transport: Any, frame: Any) -> None:
            if frame.msg_type == picows.WSMsgType.TEXT:
                d = json.loads(frame.get_payload_as_utf8_text())
                c.see(d["seq"], d["type"])
            elif frame.msg_type == picows.WSMsgType.CLOSE:
                transport.disconnect()

    transport, _ = await picows.ws_connect(Listener, WS, extra_headers=headers)
    await transport.wait_disconnected()


async def best(name: str, read: Callable[[Check], Awaitable[None]], total: int, out: Dict[str, float]) -> None:
    for _ in range(RUNS):
        c = Check()
        t = time.perf_counter()
        await read(c)
        dt = time.perf_counter() - t
        if c.n != total:
            raise SystemExit(f"{name}: {c.n} of {total} events")
        out[name] = max(out.get(name, 0.0), c.n / dt)


async def main() -> None:
    async with jiga.AsyncClient(URL) as client:
        await client.sign_in_device(DEVICE)
        total = (await client.session(SID)).last_seq
        tokens = json.loads(client.tokens())
        access = next(v for k, v in tokens.items() if "access" in k.lower())
        headers = {"Authorization": f"Bearer {access}"}
        blocking = jiga.Client(URL, tokens=client.tokens())
        out: Dict[str, float] = {}
        readers: List[Any] = [
            ("jiga_async", lambda c: read_jiga(client, c)),
            ("jiga_blocking", lambda c: asyncio.to_thread(read_jiga_blocking, blocking, c)),
            ("websockets", lambda c: read_websockets(headers, c)),
            ("aiohttp", lambda c: read_aiohttp(headers, c)),
            ("picows", lambda c: read_picows(headers, c)),
        ]
        # Alternated twice, so a slow moment of the machine hits every reader alike.
        for _ in range(2):
            for name, read in readers:
                await best(name, read, total, out)
        print(f"events={total}")
        for name, _ in readers:
            print(f"{name}={out[name]:.0f}")

        # One trivial call into the extension, beside a pure-Python method call.
        raw = client._raw

        class Py:
            def is_signed_in(self) -> bool:
                return True

        p = Py()
        n = 2_000_000
        native = min(timeit.repeat(raw.is_signed_in, number=n, repeat=5)) / n
        python = min(timeit.repeat(p.is_signed_in, number=n, repeat=5)) / n
        print(f"trivial_call_ns={native * 1e9:.0f}")
        print(f"python_method_call_ns={python * 1e9:.0f}")


asyncio.run(main())
