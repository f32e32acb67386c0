"""Fixtures: real jiga-server processes on loopback (started by tests/run.sh, which passes
their URLs in the environment) and clients of them."""

from __future__ import annotations

import os
import uuid
from typing import Iterator

import pytest

import jiga


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run the suite through tests/run.sh")
    return value


@pytest.fixture(scope="session")
def url() -> str:
    return _env("JIGA_TEST_URL")


@pytest.fixture(scope="session")
def short_ttl_url() -> str:
    return _env("JIGA_TEST_URL_SHORT_TTL")


@pytest.fixture(scope="session")
def limited_url() -> str:
    return _env("JIGA_TEST_URL_LIMITED")


@pytest.fixture(scope="session")
def chop_url() -> str:
    return _env("JIGA_TEST_URL_CHOP")


@pytest.fixture(scope="session")
def drop_url() -> str:
    return _env("JIGA_TEST_URL_DROP")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def client(url: str) -> Iterator[jiga.Client]:
    c = jiga.Client(url, max_attempts=2)
    yield c


def fast_agent(c: jiga.Client, aps: int = 20, per_action: int = 1) -> jiga.Agent:
    """A published agent of a fresh owner, acting `aps` times a second."""
    c.sign_in_device(unique("owner"))
    agent = c.create_agent(
        name="Py flow agent",
        games=["chess"],
        rank="gold",
        type="coach",
        provider="py-tests",
        pricing={"perMinute": 0, "perAction": per_action},
        actions_per_second=aps,
    )
    return c.publish_agent(agent.id)
