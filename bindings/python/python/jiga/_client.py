"""The two front doors, ``AsyncClient`` (asyncio) and ``Client`` (blocking), over one native
client. Each method turns its arguments into the contract's JSON, calls the core, and makes
models of the answer."""

from __future__ import annotations

import asyncio
import json
import os
from typing import (
    Any,
    AsyncGenerator,
    AsyncIterator,
    Callable,
    Dict,
    Generator,
    Iterator,
    List,
    Mapping,
    Optional,
    Type,
    TypeVar,
)

from . import _jiga
from . import _requests as rq
from .models import (
    Achievements,
    Agent,
    Categories,
    CommandAccepted,
    EndSessionResponse,
    Featured,
    HireResponse,
    Listing,
    Me,
    Model,
    Page,
    Review,
    SearchResults,
    Session,
    Settlement,
    Topup,
    Transaction,
    User,
    Wallet,
    Webhook,
    WebhookSecret,
)

M = TypeVar("M", bound=Model)
# Events read in a row without yielding to the event loop (see AsyncSessionEvents).
_FAIR = 256
T = TypeVar("T")

# The nested objects of events (`event.session`, `event.settlement`, `event.cap_end`).
# A client made before fork() fails clearly in the child (its runtime's threads are gone).
os.register_at_fork(after_in_child=_jiga.after_fork_in_child)

_jiga.register_models(
    {"Session": Session, "Settlement": Settlement, "EndSessionResponse": EndSessionResponse}
)


def _model(cls: Type[M], text: str) -> M:
    return cls(json.loads(text))


def _optional(cls: Type[M], text: str) -> Optional[M]:
    value = json.loads(text)
    return None if value is None else cls(value)


def _page(item: Type[M], text: str) -> Page[M]:
    return Page(json.loads(text), item)


def _options(
    base_url: str,
    timeout: Optional[float],
    connect_timeout: Optional[float],
    max_attempts: Optional[int],
    tokens: Optional[str],
) -> str:
    opts: Dict[str, Any] = {"baseUrl": base_url}
    if timeout is not None:
        opts["timeoutMs"] = max(1, int(timeout * 1000))
    if connect_timeout is not None:
        opts["connectTimeoutMs"] = max(1, int(connect_timeout * 1000))
    if max_attempts is not None:
        opts["retry"] = {"maxAttempts": max_attempts}
    if tokens is not None:
        opts["tokens"] = json.loads(tokens)
    return rq.dumps(opts)


class Notification:
    """A notification: ``id``, ``type`` (``agent.hired``…), ``ts`` and its ``data`` (a dict)."""

    __slots__ = ("id", "type", "ts", "data")

    def __init__(self, text: str) -> None:
        d = json.loads(text)
        self.id: str = d["id"]
        self.type: str = d["type"]
        self.ts: str = d["ts"]
        self.data: Dict[str, Any] = d.get("data") or {}

    def __repr__(self) -> str:
        return f"Notification(id={self.id!r}, type={self.type!r}, data={self.data!r})"


def verify_webhook(
    secret: str,
    signature: str,
    body: bytes,
    *,
    now: Optional[int] = None,
    tolerance: Optional[float] = None,
) -> Notification:
    """Checks one webhook delivery and returns its notification.

    ``secret`` is what ``set_webhook`` returned, ``signature`` the ``JIGA-Signature`` header and
    ``body`` the raw request body, unparsed. ``now`` (Unix seconds) defaults to this machine's
    clock, ``tolerance`` (seconds the signature's time may be away from it) to five minutes.
    Raises ``jiga.WebhookError`` (``reason``: ``malformed_header``, ``bad_signature``,
    ``timestamp_out_of_tolerance``, ``not_a_notification``). Deliveries come at least once:
    deduplicate by the notification's ``id``."""
    return Notification(_jiga.verify_webhook(secret, signature, body, now, tolerance))


class _Base:
    def __init__(
        self,
        base_url: str,
        *,
        timeout: Optional[float] = None,
        connect_timeout: Optional[float] = None,
        max_attempts: Optional[int] = None,
        tokens: Optional[str] = None,
    ) -> None:
        self._raw = _jiga.RawClient(
            _options(base_url, timeout, connect_timeout, max_attempts, tokens)
        )

    def close(self) -> None:
        """Shuts the client down: calls in flight stop and raise ``jiga.Closed``, later
        calls raise it at once, and its session and notification streams end. The tokens
        stay valid for a new client. Leaving a ``with`` / ``async with`` block calls it."""
        self._raw.close()

    @property
    def is_closed(self) -> bool:
        return bool(self._raw.is_closed())

    def tokens(self) -> str:
        """The tokens as JSON text (``null`` when signed out): pass them back as ``tokens=``
        to start signed in. They are secrets: store them as such."""
        return str(self._raw.tokens())

    @property
    def is_signed_in(self) -> bool:
        return bool(self._raw.is_signed_in())

    def sign_out(self) -> None:
        self._raw.sign_out()


class AsyncSessionEvents:
    """``async for event in client.session_events(id)``: every event once, in order, across
    reconnects; ends after ``session.ended``. ``meter()``, ``reconciled()``, ``command()``."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self._burst = 0

    def __aiter__(self) -> "AsyncSessionEvents":
        return self

    async def __anext__(self) -> "_jiga.SessionEvent":
        # Events that have arrived already are taken without a trip through the event loop;
        # after _FAIR of them in a row the loop gets a turn, so other tasks keep running
        # while a long replay is read.
        ev = self._raw.try_next()
        if ev is not None:
            self._burst += 1
            if self._burst >= _FAIR:
                self._burst = 0
                await asyncio.sleep(0)
            return ev  # type: ignore[no-any-return]
        self._burst = 0
        ev = await self._raw.next()
        if ev is None:
            raise StopAsyncIteration
        return ev  # type: ignore[no-any-return]

    async def command(self, command_id: str, data: Mapping[str, Any]) -> None:
        """Sends a command on the stream; returns once the agent acknowledged it."""
        await self._raw.command(command_id, rq.dumps(dict(data)))

    def meter(self) -> "_jiga.Meter":
        return self._raw.meter()  # type: ignore[no-any-return]

    def reconciled(self) -> Optional[Dict[str, int]]:
        """``{consumed, ownerEarnings, platformFee, released, charges}`` once the session
        ended (raises ``ReconciliationError`` when the settlement does not match)."""
        r = self._raw.reconciled()
        return None if r is None else json.loads(r)

    @property
    def state(self) -> str:
        return str(self._raw.state())

    def close(self) -> None:
        self._raw.close()

    async def __aenter__(self) -> "AsyncSessionEvents":
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()


class SessionEvents:
    """``for event in client.session_events(id)``: the blocking twin of
    ``AsyncSessionEvents``."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw

    def __iter__(self) -> "SessionEvents":
        return self

    def __next__(self) -> "_jiga.SessionEvent":
        ev = self._raw.try_next()
        if ev is None:
            ev = self._raw.next_blocking()
            if ev is None:
                raise StopIteration
        return ev  # type: ignore[no-any-return]

    def command(self, command_id: str, data: Mapping[str, Any]) -> None:
        self._raw.command_blocking(command_id, rq.dumps(dict(data)))

    def meter(self) -> "_jiga.Meter":
        return self._raw.meter()  # type: ignore[no-any-return]

    def reconciled(self) -> Optional[Dict[str, int]]:
        r = self._raw.reconciled()
        return None if r is None else json.loads(r)

    @property
    def state(self) -> str:
        return str(self._raw.state())

    def close(self) -> None:
        self._raw.close()

    def __enter__(self) -> "SessionEvents":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncPages(AsyncIterator[T]):
    """Every item of a list across its pages (the core's paginator)."""

    def __init__(self, raw: Any, make: Callable[[str], List[T]]) -> None:
        self._raw, self._make, self._buf = raw, make, []  # type: ignore[var-annotated]

    def __aiter__(self) -> "AsyncPages[T]":
        return self

    async def __anext__(self) -> T:
        while not self._buf:
            text = await self._raw.next_page()
            if text is None:
                raise StopAsyncIteration
            self._buf = self._make(text)
        return self._buf.pop(0)  # type: ignore[no-any-return]


class Pages(Iterator[T]):
    """Every item of a list across its pages (blocking)."""

    def __init__(self, raw: Any, make: Callable[[str], List[T]]) -> None:
        self._raw, self._make, self._buf = raw, make, []  # type: ignore[var-annotated]

    def __iter__(self) -> "Pages[T]":
        return self

    def __next__(self) -> T:
        while not self._buf:
            text = self._raw.next_page_blocking()
            if text is None:
                raise StopIteration
            self._buf = self._make(text)
        return self._buf.pop(0)  # type: ignore[no-any-return]


def _listings(text: str) -> List[Listing]:
    return SearchResults(json.loads(text)).items or []


def _items(item: Type[M]) -> Callable[[str], List[M]]:
    return lambda text: _page(item, text).items


class AsyncClient(_Base):
    """The store's client for asyncio. ``async with jiga.AsyncClient(url) as client: …``"""

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    async def sign_in_device(self, device_id: str) -> User:
        return _model(User, await self._raw.sign_in_device(device_id))

    async def login(self, email: str, password: str) -> User:
        return _model(User, await self._raw.login(email, password))

    async def register(self, email: str, password: str, display_name: str) -> User:
        req = rq.body(None, email=email, password=password, display_name=display_name)
        return _model(User, await self._raw.register(req))

    async def refresh(self) -> None:
        await self._raw.refresh()

    async def search(self, q: Optional[str] = None, **filters: Any) -> SearchResults:
        """One page: ``game``, ``rank``, ``agent_type``, ``provider`` (one or many),
        ``has_voice_chat``, ``has_commentator``, ``price_min``, ``price_max``, ``rating_min``,
        ``sort``, ``limit``, ``cursor``."""
        return _model(SearchResults, await self._raw.search(rq.search_params(q, **filters)))

    def search_all(self, q: Optional[str] = None, **filters: Any) -> AsyncPages[Listing]:
        """Every listing of a search, across pages: ``async for listing in …``."""
        return AsyncPages(self._raw.search_pages(rq.search_params(q, **filters)), _listings)

    async def listing(self, agent_id: str) -> Listing:
        return _model(Listing, await self._raw.listing(agent_id))

    async def featured(self) -> Featured:
        return _model(Featured, await self._raw.featured())

    async def categories(self) -> Categories:
        return _model(Categories, await self._raw.categories())

    async def agent(self, agent_id: str) -> Agent:
        return _model(Agent, await self._raw.agent(agent_id))

    async def create_agent(self, request: Optional[rq.Jsonish] = None, **fields: Any) -> Agent:
        return _model(Agent, await self._raw.create_agent(rq.body(request, **fields)))

    async def update_agent(self, agent_id: str, **fields: Any) -> Agent:
        return _model(Agent, await self._raw.update_agent(agent_id, rq.body(None, **fields)))

    async def publish_agent(self, agent_id: str) -> Agent:
        return _model(Agent, await self._raw.publish_agent(agent_id))

    async def unpublish_agent(self, agent_id: str) -> Agent:
        return _model(Agent, await self._raw.unpublish_agent(agent_id))

    async def agent_versions(
        self, agent_id: str, limit: Optional[int] = None, cursor: Optional[str] = None
    ) -> Page[Agent]:
        return _page(Agent, await self._raw.agent_versions(agent_id, rq.page(limit, cursor)))

    async def reviews(
        self, agent_id: str, limit: Optional[int] = None, cursor: Optional[str] = None
    ) -> Page[Review]:
        return _page(Review, await self._raw.reviews(agent_id, rq.page(limit, cursor)))

    async def create_review(self, agent_id: str, session_id: str, rating: int, text: str) -> Review:
        req = rq.body(None, session_id=session_id, rating=rating, text=text)
        return _model(Review, await self._raw.create_review(agent_id, req))

    async def me(self) -> Me:
        return _model(Me, await self._raw.me())

    async def achievements(self) -> Achievements:
        """The caller's unlocked achievements, oldest first."""
        return _model(Achievements, await self._raw.achievements())

    async def update_me(self, **fields: Any) -> Me:
        return _model(Me, await self._raw.update_me(rq.body(None, **fields)))

    async def set_webhook(self, url: str) -> WebhookSecret:
        """POST the caller's notifications to ``url``; the answer's ``secret`` (shown this once;
        a new call rotates it) is what ``jiga.verify_webhook`` checks deliveries with."""
        return _model(WebhookSecret, await self._raw.set_webhook(url))

    async def webhook(self) -> Optional[Webhook]:
        """The caller's webhook (its URL), or None when none is set."""
        return _optional(Webhook, await self._raw.webhook())

    async def delete_webhook(self) -> bool:
        """Removes the caller's webhook; whether one was set."""
        return bool(json.loads(await self._raw.delete_webhook()))

    async def user(self, user_id: str) -> Me:
        return _model(Me, await self._raw.user(user_id))

    async def my_agents(self, limit: Optional[int] = None, cursor: Optional[str] = None) -> Page[Agent]:
        return _page(Agent, await self._raw.my_agents(rq.page(limit, cursor)))

    async def hire(
        self,
        agent_id: str,
        game: str,
        budget: int,
        *,
        max_minutes: Optional[int] = None,
        expected_pricing: Optional[rq.Jsonish] = None,
        idempotency_key: Optional[str] = None,
    ) -> HireResponse:
        req = rq.body(None, agent_id=agent_id, game=game, budget=budget,
                      max_minutes=max_minutes, expected_pricing=expected_pricing)
        if idempotency_key is None:
            return _model(HireResponse, await self._raw.hire(req))
        return _model(HireResponse, await self._raw.hire_with_key(req, idempotency_key))

    async def session(self, session_id: str) -> Session:
        return _model(Session, await self._raw.session(session_id))

    async def sessions(
        self, status: Optional[str] = None, limit: Optional[int] = None, cursor: Optional[str] = None
    ) -> Page[Session]:
        f = rq.body(None, status=status, limit=limit, cursor=cursor)
        return _page(Session, await self._raw.sessions(f))

    async def send_command(self, session_id: str, command_id: str, data: Mapping[str, Any]) -> CommandAccepted:
        req = rq.body(None, command_id=command_id, data=dict(data))
        return _model(CommandAccepted, await self._raw.send_command(session_id, req))

    async def end_session(self, session_id: str, *, idempotency_key: Optional[str] = None) -> EndSessionResponse:
        if idempotency_key is None:
            return _model(EndSessionResponse, await self._raw.end_session(session_id))
        text = await self._raw.end_session_with_key(session_id, idempotency_key)
        return _model(EndSessionResponse, text)

    def session_events(
        self,
        session_id: str,
        *,
        after_seq: int = 0,
        guard: Optional[Mapping[str, Any]] = None,
        end_at_cap: bool = False,
    ) -> AsyncSessionEvents:
        """The session's events; ``guard={"cap": 900, "warn_at": [0.5]}`` with
        ``end_at_cap=True`` ends the session at the cap (see ``SessionEvent.cap_end``)."""
        opts = rq.stream_options(after_seq, guard, end_at_cap)
        return AsyncSessionEvents(self._raw.session_events(session_id, opts))

    async def wallet(self) -> Wallet:
        return _model(Wallet, await self._raw.wallet())

    async def transactions(
        self, type: Optional[str] = None, limit: Optional[int] = None, cursor: Optional[str] = None
    ) -> Page[Transaction]:
        f = rq.body(None, type=type, limit=limit, cursor=cursor)
        return _page(Transaction, await self._raw.transactions(f))

    def all_transactions(self, type: Optional[str] = None) -> AsyncPages[Transaction]:
        return AsyncPages(self._raw.transaction_pages(rq.body(None, type=type)), _items(Transaction))

    def all_sessions(self, status: Optional[str] = None, limit: Optional[int] = None) -> AsyncPages[Session]:
        """Every session of the caller across pages."""
        f = rq.body(None, status=status, limit=limit)
        return AsyncPages(self._raw.session_pages(f), _items(Session))

    def all_my_agents(self, limit: Optional[int] = None) -> AsyncPages[Agent]:
        """Every agent the caller owns across pages."""
        return AsyncPages(self._raw.my_agent_pages(rq.page(limit, None)), _items(Agent))

    def all_agent_versions(self, agent_id: str, limit: Optional[int] = None) -> AsyncPages[Agent]:
        """Every version of an agent across pages."""
        return AsyncPages(self._raw.agent_version_pages(agent_id, rq.page(limit, None)), _items(Agent))

    def all_reviews(self, agent_id: str, limit: Optional[int] = None) -> AsyncPages[Review]:
        """Every review of an agent across pages."""
        return AsyncPages(self._raw.review_pages(agent_id, rq.page(limit, None)), _items(Review))

    async def topup(self, amount: int, provider: str = "dev", *, idempotency_key: Optional[str] = None) -> Topup:
        req = rq.body(None, amount=amount, provider=provider)
        if idempotency_key is None:
            return _model(Topup, await self._raw.topup(req))
        return _model(Topup, await self._raw.topup_with_key(req, idempotency_key))

    async def notifications(self) -> AsyncGenerator[Notification, None]:
        """The caller's notifications, as they happen."""
        raw = self._raw.notifications()
        try:
            while True:
                text = await raw.next()
                if text is None:
                    return
                yield Notification(text)
        finally:
            raw.close()


class Client(_Base):
    """The store's client for plain scripts: the methods of ``AsyncClient``, blocking (the GIL
    is released while the core works; Ctrl-C interrupts)."""

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def sign_in_device(self, device_id: str) -> User:
        return _model(User, self._raw.sign_in_device_blocking(device_id))

    def login(self, email: str, password: str) -> User:
        return _model(User, self._raw.login_blocking(email, password))

    def register(self, email: str, password: str, display_name: str) -> User:
        req = rq.body(None, email=email, password=password, display_name=display_name)
        return _model(User, self._raw.register_blocking(req))

    def refresh(self) -> None:
        self._raw.refresh_blocking()

    def search(self, q: Optional[str] = None, **filters: Any) -> SearchResults:
        return _model(SearchResults, self._raw.search_blocking(rq.search_params(q, **filters)))

    def search_all(self, q: Optional[str] = None, **filters: Any) -> Pages[Listing]:
        return Pages(self._raw.search_pages(rq.search_params(q, **filters)), _listings)

    def listing(self, agent_id: str) -> Listing:
        return _model(Listing, self._raw.listing_blocking(agent_id))

    def featured(self) -> Featured:
        return _model(Featured, self._raw.featured_blocking())

    def categories(self) -> Categories:
        return _model(Categories, self._raw.categories_blocking())

    def agent(self, agent_id: str) -> Agent:
        return _model(Agent, self._raw.agent_blocking(agent_id))

    def create_agent(self, request: Optional[rq.Jsonish] = None, **fields: Any) -> Agent:
        return _model(Agent, self._raw.create_agent_blocking(rq.body(request, **fields)))

    def update_agent(self, agent_id: str, **fields: Any) -> Agent:
        return _model(Agent, self._raw.update_agent_blocking(agent_id, rq.body(None, **fields)))

    def publish_agent(self, agent_id: str) -> Agent:
        return _model(Agent, self._raw.publish_agent_blocking(agent_id))

    def unpublish_agent(self, agent_id: str) -> Agent:
        return _model(Agent, self._raw.unpublish_agent_blocking(agent_id))

    def agent_versions(
        self, agent_id: str, limit: Optional[int] = None, cursor: Optional[str] = None
    ) -> Page[Agent]:
        return _page(Agent, self._raw.agent_versions_blocking(agent_id, rq.page(limit, cursor)))

    def reviews(
        self, agent_id: str, limit: Optional[int] = None, cursor: Optional[str] = None
    ) -> Page[Review]:
        return _page(Review, self._raw.reviews_blocking(agent_id, rq.page(limit, cursor)))

    def create_review(self, agent_id: str, session_id: str, rating: int, text: str) -> Review:
        req = rq.body(None, session_id=session_id, rating=rating, text=text)
        return _model(Review, self._raw.create_review_blocking(agent_id, req))

    def me(self) -> Me:
        return _model(Me, self._raw.me_blocking())

    def achievements(self) -> Achievements:
        """The caller's unlocked achievements, oldest first."""
        return _model(Achievements, self._raw.achievements_blocking())

    def update_me(self, **fields: Any) -> Me:
        return _model(Me, self._raw.update_me_blocking(rq.body(None, **fields)))

    def set_webhook(self, url: str) -> WebhookSecret:
        """POST the caller's notifications to ``url``; the answer's ``secret`` (shown this once;
        a new call rotates it) is what ``jiga.verify_webhook`` checks deliveries with."""
        return _model(WebhookSecret, self._raw.set_webhook_blocking(url))

    def webhook(self) -> Optional[Webhook]:
        """The caller's webhook (its URL), or None when none is set."""
        return _optional(Webhook, self._raw.webhook_blocking())

    def delete_webhook(self) -> bool:
        """Removes the caller's webhook; whether one was set."""
        return bool(json.loads(self._raw.delete_webhook_blocking()))

    def user(self, user_id: str) -> Me:
        return _model(Me, self._raw.user_blocking(user_id))

    def my_agents(self, limit: Optional[int] = None, cursor: Optional[str] = None) -> Page[Agent]:
        return _page(Agent, self._raw.my_agents_blocking(rq.page(limit, cursor)))

    def hire(
        self,
        agent_id: str,
        game: str,
        budget: int,
        *,
        max_minutes: Optional[int] = None,
        expected_pricing: Optional[rq.Jsonish] = None,
        idempotency_key: Optional[str] = None,
    ) -> HireResponse:
        req = rq.body(None, agent_id=agent_id, game=game, budget=budget,
                      max_minutes=max_minutes, expected_pricing=expected_pricing)
        if idempotency_key is None:
            return _model(HireResponse, self._raw.hire_blocking(req))
        return _model(HireResponse, self._raw.hire_with_key_blocking(req, idempotency_key))

    def session(self, session_id: str) -> Session:
        return _model(Session, self._raw.session_blocking(session_id))

    def sessions(
        self, status: Optional[str] = None, limit: Optional[int] = None, cursor: Optional[str] = None
    ) -> Page[Session]:
        f = rq.body(None, status=status, limit=limit, cursor=cursor)
        return _page(Session, self._raw.sessions_blocking(f))

    def send_command(self, session_id: str, command_id: str, data: Mapping[str, Any]) -> CommandAccepted:
        req = rq.body(None, command_id=command_id, data=dict(data))
        return _model(CommandAccepted, self._raw.send_command_blocking(session_id, req))

    def end_session(self, session_id: str, *, idempotency_key: Optional[str] = None) -> EndSessionResponse:
        if idempotency_key is None:
            return _model(EndSessionResponse, self._raw.end_session_blocking(session_id))
        text = self._raw.end_session_with_key_blocking(session_id, idempotency_key)
        return _model(EndSessionResponse, text)

    def session_events(
        self,
        session_id: str,
        *,
        after_seq: int = 0,
        guard: Optional[Mapping[str, Any]] = None,
        end_at_cap: bool = False,
    ) -> SessionEvents:
        opts = rq.stream_options(after_seq, guard, end_at_cap)
        return SessionEvents(self._raw.session_events(session_id, opts))

    def wallet(self) -> Wallet:
        return _model(Wallet, self._raw.wallet_blocking())

    def transactions(
        self, type: Optional[str] = None, limit: Optional[int] = None, cursor: Optional[str] = None
    ) -> Page[Transaction]:
        f = rq.body(None, type=type, limit=limit, cursor=cursor)
        return _page(Transaction, self._raw.transactions_blocking(f))

    def all_transactions(self, type: Optional[str] = None) -> Pages[Transaction]:
        return Pages(self._raw.transaction_pages(rq.body(None, type=type)), _items(Transaction))

    def all_sessions(self, status: Optional[str] = None, limit: Optional[int] = None) -> Pages[Session]:
        """Every session of the caller across pages."""
        f = rq.body(None, status=status, limit=limit)
        return Pages(self._raw.session_pages(f), _items(Session))

    def all_my_agents(self, limit: Optional[int] = None) -> Pages[Agent]:
        """Every agent the caller owns across pages."""
        return Pages(self._raw.my_agent_pages(rq.page(limit, None)), _items(Agent))

    def all_agent_versions(self, agent_id: str, limit: Optional[int] = None) -> Pages[Agent]:
        """Every version of an agent across pages."""
        return Pages(self._raw.agent_version_pages(agent_id, rq.page(limit, None)), _items(Agent))

    def all_reviews(self, agent_id: str, limit: Optional[int] = None) -> Pages[Review]:
        """Every review of an agent across pages."""
        return Pages(self._raw.review_pages(agent_id, rq.page(limit, None)), _items(Review))

    def topup(self, amount: int, provider: str = "dev", *, idempotency_key: Optional[str] = None) -> Topup:
        req = rq.body(None, amount=amount, provider=provider)
        if idempotency_key is None:
            return _model(Topup, self._raw.topup_blocking(req))
        return _model(Topup, self._raw.topup_with_key_blocking(req, idempotency_key))

    def notifications(self) -> Generator[Notification, None, None]:
        raw = self._raw.notifications()
        try:
            while True:
                text = raw.next_blocking()
                if text is None:
                    return
                yield Notification(text)
        finally:
            raw.close()
