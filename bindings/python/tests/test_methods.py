"""Every method not exercised by a flow, through both front doors, against the real server."""

from __future__ import annotations

import asyncio

import pytest

import jiga
from conftest import fast_agent, unique


def test_agent_lifecycle_versions_and_my_agents(url: str) -> None:
    owner = jiga.Client(url)
    agent = fast_agent(owner, aps=1)
    assert agent.status == "published"
    updated = owner.update_agent(agent.id, description="Now with openings", tags=["openings"])
    assert updated.description == "Now with openings" and "openings" in updated.tags
    versions = owner.agent_versions(agent.id, limit=1)
    assert versions.items
    every = list(owner.all_agent_versions(agent.id, limit=1))
    assert len(every) >= 2 and len({v.version for v in every}) == len(every)
    mine = owner.my_agents(limit=10)
    assert [a.id for a in mine.items] == [agent.id]
    assert [a.id for a in owner.all_my_agents(limit=1)] == [agent.id]
    down = owner.unpublish_agent(agent.id)
    assert down.status != "published"
    with pytest.raises(jiga.NotFound):
        jiga.Client(url).listing(agent.id)


def test_reviews_after_a_session(url: str) -> None:
    owner = jiga.Client(url)
    agent = fast_agent(owner, aps=2)
    c = jiga.Client(url)
    c.sign_in_device(unique("reviewer"))
    c.topup(100)
    hire = c.hire(agent_id=agent.id, game="chess", budget=50)
    c.end_session(hire.session.id)
    review = c.create_review(agent.id, hire.session.id, 5, "Sharp opening advice")
    assert review.rating == 5 and review.text == "Sharp opening advice"
    page = c.reviews(agent.id, limit=10)
    assert [r.id for r in page.items] == [review.id]
    assert [r.id for r in c.all_reviews(agent.id, limit=1)] == [review.id]
    with pytest.raises(jiga.JigaError):
        c.create_review(agent.id, hire.session.id, 4, "twice")


def test_me_update_me_user_sessions_and_transactions(url: str) -> None:
    async def run() -> None:
        async with jiga.AsyncClient(url) as c:
            me = await c.sign_in_device(unique("me"))
            updated = await c.update_me(display_name="Renamed Bot")
            assert updated.display_name == "Renamed Bot"
            assert (await c.me()).display_name == "Renamed Bot"
            assert (await c.user(me.id)).id == me.id
            await c.topup(300)
            owner = jiga.Client(url)
            agent = fast_agent(owner, aps=1)
            hires = [await c.hire(agent_id=agent.id, game="chess", budget=40) for _ in range(3)]
            active = await c.sessions(status="active", limit=2)
            assert len(active.items) == 2 and active.next_cursor
            every = [s.id async for s in c.all_sessions(status="active", limit=2)]
            assert sorted(every) == sorted(h.session.id for h in hires)
            one = await c.session(hires[0].session.id)
            assert one.id == hires[0].session.id and one.budget == 40
            for h in hires:
                await c.end_session(h.session.id)
            txs = await c.transactions(limit=100)
            assert any(t.type == "topup" for t in txs.items)
            topups = [t async for t in c.all_transactions(type="topup")]
            assert topups and all(t.type == "topup" for t in topups)

    asyncio.run(run())


def test_stream_state_and_rest_command(url: str) -> None:
    owner = jiga.Client(url)
    agent = fast_agent(owner, aps=5)
    c = jiga.Client(url)
    c.sign_in_device(unique("state"))
    c.topup(100)
    hire = c.hire(agent_id=agent.id, game="chess", budget=60)
    events = c.session_events(hire.session.id)
    assert events.state in ("connecting", "live")
    first = next(events)
    assert first.seq == 1 and events.state == "live"
    assert "SessionEvent(seq=1" in repr(first) and first.json.startswith("{")
    accepted = c.send_command(hire.session.id, "rest-1", {"focus": "center"})
    assert accepted.command_id == "rest-1"
    events.command("ws-1", {"focus": "queen"})
    c.end_session(hire.session.id)
    acked = [e.command_id for e in events if e.type == "session.command_ack"]
    assert "rest-1" in acked and "ws-1" in acked
    assert events.state == "ended"


def test_payload_too_large_timeout_decode_and_server_errors(url: str) -> None:
    import http.server
    import socket
    import threading

    owner = jiga.Client(url)
    agent = fast_agent(owner, aps=1)
    c = jiga.Client(url)
    c.sign_in_device(unique("big"))
    c.topup(100)
    hire = c.hire(agent_id=agent.id, game="chess", budget=50)
    with pytest.raises(jiga.PayloadTooLarge) as big:
        c.send_command(hire.session.id, "big-1", {"focus": "x" * 20_000})
    assert big.value.status == 413 and big.value.limit == 16384
    c.end_session(hire.session.id)

    class Odd(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body = (500, b"{}") if "featured" in self.path else (200, b"not json")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    odd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Odd)
    threading.Thread(target=odd.serve_forever, daemon=True).start()
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        base = f"http://127.0.0.1:{odd.server_address[1]}"
        with pytest.raises(jiga.DecodeError):
            jiga.Client(base, max_attempts=1).categories()
        with pytest.raises(jiga.ServerError) as server:
            jiga.Client(base, max_attempts=1).featured()
        assert server.value.status == 500
        with pytest.raises(jiga.Timeout):
            jiga.Client(f"http://127.0.0.1:{silent.getsockname()[1]}", timeout=0.5, max_attempts=1).categories()
    finally:
        odd.shutdown()
        silent.close()


def test_achievements_list_what_the_caller_unlocked(url: str) -> None:
    owner = jiga.Client(url)
    fast_agent(owner, aps=1)
    got = owner.achievements()
    assert [a.id for a in got.items] == ["first_publish"]
    assert got.items[0].name and got.items[0].unlocked_at.endswith("Z")

    async def go() -> None:
        async with jiga.AsyncClient(url) as c:
            await c.sign_in_device(unique("nobody"))
            assert (await c.achievements()).items == []

    asyncio.run(go())
