"""A local store for a bot's own tests: the reference server (the ``jiga-server`` wheel, or
any ``jiga-server`` binary) on loopback, with the demo catalogue, in memory.

    from jiga.testing import LocalStore

    with LocalStore() as store:
        client = store.client()                      # or store.async_client()
        client.login(*store.demo_login)
        ...

The binary is found through ``JIGA_SERVER_BIN``, then next to the running Python (a venv's
``bin/``, where ``pip install jiga-server`` puts it), then on ``PATH``.
"""

from __future__ import annotations

import collections
import os
import shutil
import subprocess
import sys
import sysconfig
import threading
import time
from typing import Any, Deque, List, Optional, Sequence, Tuple

from ._client import AsyncClient, Client

__all__ = ["LocalStore", "StoreNotFound", "StoreDidNotStart", "find_server"]

_BANNER = "jiga-server listening on "


class StoreNotFound(RuntimeError):
    """No ``jiga-server`` binary was found: ``pip install jiga-server`` or set
    ``JIGA_SERVER_BIN``."""


class StoreDidNotStart(RuntimeError):
    """The server exited or did not announce its address in time; the message holds its
    last output."""


def find_server() -> str:
    """The path of the ``jiga-server`` binary (see the module)."""
    env = os.environ.get("JIGA_SERVER_BIN")
    if env:
        if not os.access(env, os.X_OK):
            raise StoreNotFound(f"JIGA_SERVER_BIN={env!r} is not an executable file")
        return env
    name = "jiga-server.exe" if sys.platform == "win32" else "jiga-server"
    beside = os.path.join(sysconfig.get_path("scripts"), name)
    if os.access(beside, os.X_OK):
        return beside
    found = shutil.which(name)
    if found:
        return found
    raise StoreNotFound(
        "no jiga-server binary: `pip install jiga-server` (the wheel this project builds) "
        "or set JIGA_SERVER_BIN"
    )


class LocalStore:
    """One ``jiga-server`` process on ``127.0.0.1`` (a free port), in-memory database,
    seeded with the demo catalogue unless ``seed_demo=False``. ``args`` are passed on (see
    ``jiga-server --help``: e.g. ``["--access-token-ttl", "2"]``). Start it with ``start()`` or
    ``with``; ``url`` is its address; ``stop()`` ends it."""

    #: The demo catalogue's player account (email, password).
    demo_login: Tuple[str, str] = ("demo@jiga.dev", "demo-player-1")

    def __init__(
        self,
        *,
        seed_demo: bool = True,
        args: Sequence[str] = (),
        binary: Optional[str] = None,
        start_timeout: float = 20.0,
    ) -> None:
        self._cmd: List[str] = [binary or find_server(), "--bind", "127.0.0.1:0", "--db", "sqlite::memory:"]
        if seed_demo:
            self._cmd.append("--seed-demo")
        self._cmd.extend(args)
        self._timeout = start_timeout
        self._proc: Optional["subprocess.Popen[str]"] = None
        self._tail: Deque[str] = collections.deque(maxlen=200)
        self._url: Optional[str] = None

    @property
    def url(self) -> str:
        """The store's base URL (``http://127.0.0.1:PORT``)."""
        if self._url is None:
            raise RuntimeError("the store is not running: call start() or use `with`")
        return self._url

    @property
    def output(self) -> str:
        """The server's last 200 lines of output (for a failing test's report)."""
        return "".join(self._tail)

    def start(self) -> "LocalStore":
        if self._proc is not None:
            return self
        proc = subprocess.Popen(
            self._cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            bufsize=1,
        )
        self._proc = proc
        found = threading.Event()

        def drain() -> None:
            # Reads everything the server writes, so a chatty server never blocks on a full
            # pipe; the address comes from its banner.
            assert proc.stdout is not None
            for line in proc.stdout:
                self._tail.append(line)
                if self._url is None and line.startswith(_BANNER):
                    self._url = line[len(_BANNER):].split()[0]
                    found.set()
            found.set()

        threading.Thread(target=drain, name="jiga-server output", daemon=True).start()
        deadline = time.monotonic() + self._timeout
        while not found.wait(0.05):
            if time.monotonic() > deadline:
                break
        if self._url is None:
            self.stop()
            raise StoreDidNotStart(f"jiga-server did not start:\n{self.output}")
        return self

    def stop(self) -> None:
        """Ends the server (SIGTERM, then SIGKILL after 5 s). Idempotent."""
        proc, self._proc = self._proc, None
        self._url = None
        if proc is None:
            return
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def client(self, **options: Any) -> Client:
        """A blocking client of this store (``jiga.Client`` options as keywords)."""
        return Client(self.url, **options)

    def async_client(self, **options: Any) -> AsyncClient:
        """An asyncio client of this store."""
        return AsyncClient(self.url, **options)

    def __enter__(self) -> "LocalStore":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"LocalStore(url={self._url!r})"
