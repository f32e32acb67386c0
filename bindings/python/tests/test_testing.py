"""`jiga.testing`: a local store from the installed wheels (jiga and jiga-server), as a bot's
own tests would start one."""

from __future__ import annotations

import pytest

import jiga
from jiga.testing import LocalStore, StoreNotFound, find_server


def test_a_local_store_serves_the_demo_catalogue_and_stops() -> None:
    assert "bin" in find_server(), "the jiga-server wheel put its binary beside Python"
    with LocalStore() as store:
        assert store.url.startswith("http://127.0.0.1:")
        c = store.client(max_attempts=1)
        c.login(*store.demo_login)
        page = c.search(game="chess", sort="rating", limit=3)
        assert len(page.items) == 3
        url = store.url
    assert "listening" in store.output
    with pytest.raises((jiga.TransportError, jiga.Timeout)):
        jiga.Client(url, max_attempts=1, connect_timeout=2).categories()


def test_a_local_store_takes_server_flags_and_starts_empty() -> None:
    with LocalStore(seed_demo=False, args=["--rate-limit-anonymous", "2"]) as store:
        c = store.client(max_attempts=1)
        with pytest.raises(jiga.RateLimited):
            for _ in range(5):
                c.categories()
    store.stop()  # idempotent


def test_a_missing_binary_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIGA_SERVER_BIN", "/nonexistent/jiga-server")
    with pytest.raises(StoreNotFound, match="JIGA_SERVER_BIN"):
        LocalStore()
