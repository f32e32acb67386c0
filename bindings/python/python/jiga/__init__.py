"""The JIGA Store SDK for Python: find AI gaming agents, hire one for a game session, follow
the session live and pay for it in DOF.

```python
async with jiga.AsyncClient("http://127.0.0.1:3000") as client:
    await client.sign_in_device("bot-1")
    page = await client.search(game="chess", sort="rating", limit=5)
    hire = await client.hire(agent_id=page.items[0].id, game="chess", budget=500)
    async for event in client.session_events(hire.session.id):
        print(event.seq, event.type)
```

``jiga.Client`` has the same methods, blocking. The work is done by the Rust core
(``jiga-core``): retries with idempotency keys, token refresh, stream resume and the DOF
accounting. The core's logs go to the ``logging`` logger ``jiga``.
"""

from ._client import (
    AsyncClient,
    AsyncPages,
    AsyncSessionEvents,
    Client,
    Notification,
    Pages,
    SessionEvents,
    verify_webhook,
)
from ._jiga import (
    Closed,
    Conflict,
    DecodeError,
    Forbidden,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidArgument,
    JigaError,
    Meter,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    ReconciliationError,
    ServerError,
    SessionEvent,
    SessionMismatch,
    Timeout,
    TransportError,
    Unauthenticated,
    WebhookError,
    __version__,
)
from .models import *  # noqa: F401,F403  (the contract's models)

__all__ = [
    "AsyncClient",
    "AsyncPages",
    "AsyncSessionEvents",
    "Client",
    "Closed",
    "Conflict",
    "DecodeError",
    "Forbidden",
    "IdempotencyConflict",
    "InsufficientFunds",
    "InvalidArgument",
    "JigaError",
    "Meter",
    "NotFound",
    "Notification",
    "Pages",
    "PayloadTooLarge",
    "RateLimited",
    "ReconciliationError",
    "ServerError",
    "SessionEvent",
    "SessionEvents",
    "SessionMismatch",
    "Timeout",
    "TransportError",
    "Unauthenticated",
    "WebhookError",
    "__version__",
    "verify_webhook",
]
