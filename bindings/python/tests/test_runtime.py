"""How the package meets Python's runtime: shutting a client down with work in flight, Ctrl-C
in a blocking call, the core's logs in `logging`."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from typing import Iterator, List

import pytest

import jiga
from conftest import fast_agent, unique


@pytest.fixture
def silent_url() -> Iterator[str]:
    """A server that accepts connections and never answers: calls to it stay in flight."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    yield f"http://127.0.0.1:{s.getsockname()[1]}"
    s.close()


def _native_handles() -> int:
    gc.collect()
    return sum(isinstance(o, (jiga._jiga.RawEvents, jiga._jiga.RawClient)) for o in gc.get_objects())


def test_flow_shutdown(url: str, silent_url: str) -> None:
    async def run() -> None:
        owner = jiga.Client(url)
        agent = fast_agent(owner, aps=5)
        c = jiga.AsyncClient(url)
        await c.sign_in_device(unique("shutdown"))
        await c.topup(100)
        hire = await c.hire(agent_id=agent.id, game="chess", budget=60)
        events = c.session_events(hire.session.id)
        assert (await events.__anext__()).seq == 1

        async def read_rest() -> int:
            return len([e async for e in events])

        reader = asyncio.ensure_future(read_rest())
        stuck = jiga.AsyncClient(silent_url, timeout=60)
        call = asyncio.ensure_future(stuck.featured())
        await asyncio.sleep(0.3)
        t = time.monotonic()
        c.close()
        stuck.close()
        await asyncio.wait_for(reader, 5)  # the stream ends, without an error
        with pytest.raises(jiga.Closed):
            await asyncio.wait_for(call, 5)
        assert time.monotonic() - t < 3
        assert c.is_closed
        with pytest.raises(jiga.Closed):
            await c.wallet()
        # The session is untouched: a new client with the same tokens ends it.
        again = jiga.AsyncClient(url, tokens=c.tokens())
        await again.end_session(hire.session.id)
        again.close()

    before = _native_handles()
    asyncio.run(run())
    assert _native_handles() == before, "every native handle is freed"


def test_leaving_with_closes_the_client(url: str) -> None:
    with jiga.Client(url) as c:
        c.sign_in_device(unique("with"))
    assert c.is_closed
    with pytest.raises(jiga.Closed):
        c.wallet()


def test_ctrl_c_interrupts_a_blocking_call(silent_url: str) -> None:
    script = textwrap.dedent(
        f"""
        import sys, time, jiga
        c = jiga.Client({silent_url!r}, timeout=60)
        print("calling", flush=True)
        t = time.monotonic()
        try:
            c.featured()
        except KeyboardInterrupt:
            print(f"interrupted after {{time.monotonic() - t:.2f}}", flush=True)
            sys.exit(0)
        sys.exit(1)
        """
    )
    p = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert p.stdout is not None
    assert p.stdout.readline().strip() == "calling"
    time.sleep(0.5)
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=10)
    assert p.returncode == 0, out
    assert out.startswith("interrupted after")


def test_the_cores_logs_reach_logging_under_jiga(url: str) -> None:
    records: List[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    log = logging.getLogger("jiga")
    handler = Keep()
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    try:
        c = jiga.Client(url)
        c.sign_in_device(unique("logs"))
        c.wallet()
        answers = [r for r in records if r.name.startswith("jiga") and "answer" in r.getMessage()]
        assert answers, [r.getMessage() for r in records]
        assert all(r.levelno == logging.DEBUG for r in answers)
        # At warning level (the handler still attached), the debug records stop at once.
        log.setLevel(logging.WARNING)
        n = len(records)
        jiga.Client(url).sign_in_device(unique("quiet"))
        assert len(records) == n
    finally:
        log.removeHandler(handler)
        log.setLevel(logging.NOTSET)


def test_an_idle_fork_child_fails_clearly_on_a_stream(url: str) -> None:
    c = jiga.Client(url)
    c.sign_in_device(unique("forkstream"))
    pid = os.fork()
    if pid == 0:
        try:
            c.session_events("ses_x")
            os._exit(1)
        except jiga.JigaError as e:
            os._exit(0 if "fork" in str(e) else 2)
        except BaseException:
            os._exit(3)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0
