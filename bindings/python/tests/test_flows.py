"""The binding flows (shared/notes/binding-flows.md) through both front doors, against the
real server: every method, every exception class, resume across cuts, cancellation."""

from __future__ import annotations

import asyncio
import http.server
import json
import os
import queue
import threading
import time
from typing import Any, Tuple

import pytest

import jiga
from conftest import fast_agent, unique


def test_flow_sign_in(url: str) -> None:
    c = jiga.Client(url)
    assert not c.is_signed_in
    me = c.sign_in_device(unique("dev"))
    assert me.id.startswith("usr_") and me.email is None
    email = unique("py") + "@example.com"
    reg = jiga.Client(url)
    user = reg.register(email, "correct horse 1", "Py Bot")
    assert user.email == email and user.display_name == "Py Bot"
    again = jiga.Client(url)
    assert again.login(email, "correct horse 1").id == user.id
    restored = jiga.Client(url, tokens=again.tokens())
    assert restored.is_signed_in
    assert restored.me().id == user.id  # no new login
    restored.sign_out()
    assert not restored.is_signed_in and restored.tokens() == "null"


def test_flow_refresh(short_ttl_url: str) -> None:
    async def run() -> None:
        c = jiga.AsyncClient(short_ttl_url)
        await c.sign_in_device(unique("refresh"))
        before = c.tokens()
        for _ in range(2):
            await asyncio.sleep(2.2)
            wallets = await asyncio.gather(*(c.wallet() for _ in range(8)))
            assert all(w.balance == 0 for w in wallets)
        assert c.tokens() != before

    asyncio.run(run())


def test_flow_search_paging(client: jiga.Client) -> None:
    client.sign_in_device(unique("search"))
    first = client.search(sort="rating", limit=7)
    assert first.total >= 40 and len(first.items) == 7
    assert sum(first.facets.rank.values()) == first.total
    seen = [l.id for l in client.search_all(sort="rating", limit=7)]
    assert len(seen) == first.total and len(set(seen)) == len(seen)
    chess = client.search(game="chess", price_max=50, limit=100)
    assert all(l.pricing.per_minute <= 50 for l in chess.items)
    assert client.listing(first.items[0].id).id == first.items[0].id
    assert client.featured().items
    assert client.categories().games
    assert client.agent(first.items[0].id).name == first.items[0].name


def test_flow_hire_stream_end(url: str) -> None:
    async def run() -> None:
        async with jiga.AsyncClient(url) as c:
            await c.login("demo@jiga.dev", "demo-player-1")
            listing = (await c.search(sort="rating", price_max=50, limit=1)).items[0]
            hire = await c.hire(agent_id=listing.id, game=listing.games[0], budget=300)
            events = c.session_events(hire.session.id)
            seqs, actions, counted = [], 0, 0
            async for e in events:
                seqs.append(e.seq)
                if e.seq == 1:
                    assert e.type == "session.started" and e.session is not None
                    assert e.session.id == hire.session.id
                if e.type == "agent.action":
                    actions += 1
                    if actions == 3:
                        ended = await c.end_session(hire.session.id)
                        s = ended.settlement
                        assert s.consumed == s.owner_earnings + s.platform_fee
                        assert s.released == 300 - s.consumed
                if e.type == "session.dof_update":
                    assert e.delta is not None
                    counted += e.delta
                    assert e.consumed == counted and e.remaining == 300 - counted
            assert seqs == list(range(1, len(seqs) + 1))
            with pytest.raises(jiga.Conflict) as err:
                await c.end_session(hire.session.id)
            assert err.value.status == 409 and err.value.code == "conflict"
            assert (await c.session(hire.session.id)).status == "ended"

    asyncio.run(run())


def test_flow_reconcile(url: str) -> None:
    owner = jiga.Client(url)
    agent = fast_agent(owner, aps=20, per_action=3)
    with jiga.Client(url) as c:
        c.sign_in_device(unique("reconcile"))
        c.topup(400)
        hire = c.hire(agent_id=agent.id, game="chess", budget=300)
        metered, settled = 0, None
        with c.session_events(hire.session.id) as events:
            for e in events:
                if e.type == "session.dof_update":
                    assert e.delta is not None
                    metered += e.delta
                    if metered >= 30 and settled is None:
                        settled = c.end_session(hire.session.id).settlement
                if e.type == "session.ended":
                    assert e.settlement is not None and e.settlement.consumed == metered
            r = events.reconciled()
            meter = events.meter()
        assert settled is not None and r is not None
        assert r["consumed"] == metered == meter.consumed == settled.consumed
        assert r["ownerEarnings"] + r["platformFee"] == r["consumed"]
        assert r["released"] == 300 - r["consumed"]
        assert meter.charges == r["charges"] and meter.budget == 300


def test_flow_budget_guard(url: str) -> None:
    owner = jiga.Client(url)
    agent = fast_agent(owner, aps=10, per_action=2)
    c = jiga.Client(url)
    c.sign_in_device(unique("guard"))
    c.topup(500)
    hire = c.hire(agent_id=agent.id, game="chess", budget=200)
    warns, end = 0, None
    with c.session_events(hire.session.id, guard={"cap": 20, "warn_at": [0.05]}, end_at_cap=True) as events:
        for e in events:
            for kind, _ in e.guard_actions:
                warns += kind == "warn"
            if e.cap_end is not None:
                assert isinstance(e.cap_end, jiga.EndSessionResponse), e.cap_end
                end = e.cap_end
    assert warns == 1 and end is not None
    assert 20 <= end.settlement.consumed <= 20 + 2


def test_flow_command_ack(url: str) -> None:
    async def run() -> None:
        owner = jiga.Client(url)
        agent = fast_agent(owner, aps=5)
        c = jiga.AsyncClient(url)
        await c.sign_in_device(unique("cmd"))
        await c.topup(100)
        hire = await c.hire(agent_id=agent.id, game="chess", budget=50)
        events = c.session_events(hire.session.id)
        # Nobody reads events while the command waits for its acknowledgement.
        await asyncio.wait_for(events.command("focus-1", {"focus": "mid"}), 20)
        accepted = await c.send_command(hire.session.id, "focus-2", {"focus": "top"})
        assert accepted.command_id == "focus-2"
        await c.end_session(hire.session.id)
        acks = [e.command_id async for e in events if e.type == "session.command_ack"]
        assert acks[:2] == ["focus-1", "focus-2"]

    asyncio.run(run())


def test_flow_resume_across_cuts(url: str, chop_url: str) -> None:
    owner = jiga.Client(url)
    agent = fast_agent(owner, aps=50)
    c = jiga.Client(url)
    c.sign_in_device(unique("cuts"))
    c.topup(1000)
    hire = c.hire(agent_id=agent.id, game="chess", budget=900)
    time.sleep(3)
    c.end_session(hire.session.id)
    via = jiga.Client(chop_url, tokens=c.tokens())
    before = int(open(os.environ["JIGA_TEST_CHOP_STATS"]).read() or 0) if os.path.exists(os.environ["JIGA_TEST_CHOP_STATS"]) else 0
    events = via.session_events(hire.session.id)
    seqs = [e.seq for e in events]
    cuts = int(open(os.environ["JIGA_TEST_CHOP_STATS"]).read()) - before
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) > 200
    assert cuts >= 50, cuts
    assert events.reconciled() is not None


def test_flow_idempotent_retry(url: str, drop_url: str) -> None:
    owner = jiga.Client(url)
    agent = fast_agent(owner, aps=1)
    c = jiga.Client(drop_url)
    c.sign_in_device(unique("retry"))
    c.topup(500)
    hire = c.hire(agent_id=agent.id, game="chess", budget=120)
    assert c.wallet().available == 380
    assert len(c.sessions(status="active").items) == 1
    c.end_session(hire.session.id)


def test_flow_errors(url: str, limited_url: str) -> None:
    anon = jiga.Client(url, max_attempts=1)
    with pytest.raises(jiga.Unauthenticated) as e1:
        anon.wallet()
    assert e1.value.status == 401 and e1.value.request_id and e1.value.kind == "unauthenticated"
    c = jiga.Client(url)
    c.login("demo@jiga.dev", "demo-player-1")
    with pytest.raises(jiga.NotFound):
        c.listing("agt_does_not_exist")
    with pytest.raises(jiga.InvalidArgument) as e2:
        c.search(limit=100000)
    assert e2.value.field
    listing = c.search(sort="rating", limit=1).items[0]
    with pytest.raises(jiga.InsufficientFunds) as e3:
        c.hire(agent_id=listing.id, game=listing.games[0], budget=1_000_000)
    assert e3.value.needed == 1_000_000 and e3.value.available is not None
    assert 0 <= e3.value.available < 1_000_000
    other = jiga.Client(url)
    other.sign_in_device(unique("other"))
    with pytest.raises(jiga.Forbidden):
        other.user(c.me().id)
    other.topup(5, idempotency_key="py-key-" + unique("k"))
    key = "py-key-" + unique("k")
    other.topup(5, idempotency_key=key)
    with pytest.raises(jiga.IdempotencyConflict):
        other.topup(6, idempotency_key=key)
    limited = jiga.Client(limited_url, max_attempts=1)
    with pytest.raises(jiga.RateLimited) as e4:
        for _ in range(20):
            limited.categories()
    assert e4.value.retry_after is not None and e4.value.retry_after > 0
    assert issubclass(jiga.RateLimited, jiga.JigaError)


def test_flow_cancel(url: str) -> None:
    async def run() -> None:
        c = jiga.AsyncClient(url)
        await c.login("demo@jiga.dev", "demo-player-1")
        owner = jiga.Client(url)
        agent = fast_agent(owner, aps=1)
        await c.topup(100)
        hire = await c.hire(agent_id=agent.id, game="chess", budget=50)
        events = c.session_events(hire.session.id)
        await events.__anext__()
        # A pending event read, cancelled: no event is lost.
        read = asyncio.ensure_future(events.__anext__())
        await asyncio.sleep(0)
        read.cancel()
        with pytest.raises(asyncio.CancelledError):
            await read
        nxt = await events.__anext__()
        assert nxt.seq == 2
        # Pending calls, cancelled.
        calls = [asyncio.ensure_future(c.search(q="coach", limit=50)) for _ in range(10)]
        await asyncio.sleep(0)
        for t in calls:
            t.cancel()
        await asyncio.gather(*calls, return_exceptions=True)
        assert (await c.wallet()).balance >= 0  # the client still works
        await c.end_session(hire.session.id)

    asyncio.run(run())


def test_flow_notifications(url: str) -> None:
    async def run() -> None:
        owner_sync = jiga.Client(url)
        agent = fast_agent(owner_sync, aps=1)
        owner = jiga.AsyncClient(url, tokens=owner_sync.tokens())
        notes = owner.notifications()
        first = asyncio.ensure_future(notes.__anext__())
        await asyncio.sleep(0.5)
        c = jiga.Client(url)
        c.sign_in_device(unique("hirer"))
        c.topup(100)
        hire = c.hire(agent_id=agent.id, game="chess", budget=50)
        got = []
        n = await asyncio.wait_for(first, 20)
        got.append(n)
        while not any(x.type == "agent.hired" for x in got):
            got.append(await asyncio.wait_for(notes.__anext__(), 20))
        hired = [x for x in got if x.type == "agent.hired"]
        assert len(hired) == 1 and hire.session.id in json.dumps(hired[0].data)
        await notes.aclose()
        c.end_session(hire.session.id)

    asyncio.run(run())


class _Receiver:
    """A webhook receiver on loopback: every request's ``JIGA-Signature`` and raw body."""

    def __init__(self) -> None:
        got: "queue.Queue[Tuple[str, bytes]]" = queue.Queue()
        self.got = got

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                got.put((self.headers.get("JIGA-Signature", ""), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_flow_webhook(url: str) -> None:
    c = jiga.Client(url)
    c.sign_in_device(unique("hooked"))
    assert c.webhook() is None
    assert c.delete_webhook() is False
    rx = _Receiver()
    try:
        hook = c.set_webhook(rx.url)
        assert hook.url == rx.url and hook.secret.startswith("whsec_")
        shown = c.webhook()
        assert shown is not None and shown.url == rx.url
        assert "secret" not in shown.to_dict()

        # One real delivery: a dev top-up completes at once, notifying the caller.
        c.topup(50)
        signature, body = rx.got.get(timeout=20)
        n = jiga.verify_webhook(hook.secret, signature, body)
        assert n.type == "transaction.completed" and n.id.startswith("ntf_")
        assert n.data["amount"] == 50

        tampered = body.replace(b'"amount":50', b'"amount":5000')
        assert tampered != body
        with pytest.raises(jiga.WebhookError) as e:
            jiga.verify_webhook(hook.secret, signature, tampered)
        assert e.value.reason == "bad_signature" and isinstance(e.value, jiga.JigaError)
        with pytest.raises(jiga.WebhookError) as e:
            jiga.verify_webhook("whsec_other", signature, body)
        assert e.value.reason == "bad_signature"
        with pytest.raises(jiga.WebhookError) as e:
            jiga.verify_webhook(hook.secret, signature, body, now=int(time.time()) + 3600)
        assert e.value.reason == "timestamp_out_of_tolerance"
        late = jiga.verify_webhook(
            hook.secret, signature, body, now=int(time.time()) + 3600, tolerance=7200
        )
        assert late.id == n.id
        with pytest.raises(jiga.WebhookError) as e:
            jiga.verify_webhook(hook.secret, "v1=nope", body)
        assert e.value.reason == "malformed_header"
    finally:
        rx.close()

    assert c.delete_webhook() is True
    assert c.webhook() is None
    assert c.delete_webhook() is False

    async def the_async_door() -> None:
        async with jiga.AsyncClient(url, tokens=c.tokens()) as a:
            hook = await a.set_webhook("http://127.0.0.1:9/hook")
            assert hook.url == "http://127.0.0.1:9/hook" and hook.secret
            shown = await a.webhook()
            assert shown is not None and shown.url == hook.url
            assert await a.delete_webhook() is True
            assert await a.webhook() is None
            assert await a.delete_webhook() is False

    asyncio.run(the_async_door())


def test_models_are_classes_with_repr_and_equality(client: jiga.Client) -> None:
    client.sign_in_device(unique("models"))
    w = client.wallet()
    assert isinstance(w.balance, int) and repr(w).startswith("Wallet(")
    assert w == client.wallet() and w.to_dict()["available"] == w.available


def test_a_client_used_after_fork_fails_clearly(client: jiga.Client) -> None:
    client.sign_in_device(unique("fork"))
    pid = os.fork()
    if pid == 0:
        try:
            client.wallet()
            os._exit(1)
        except jiga.JigaError as e:
            os._exit(0 if "fork" in str(e) else 2)
        except BaseException:
            os._exit(3)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0
    assert client.wallet().balance == 0
