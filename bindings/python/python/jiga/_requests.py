"""Turns keyword arguments into the contract's JSON for the native module (shared by both
front doors). No rule lives here: the core validates and refuses."""

from __future__ import annotations

import json
from typing import Any, Dict, Iterable, Mapping, Optional, Sequence, Union

from .models import Model

Jsonish = Union[Mapping[str, Any], Model]


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def body(value: Optional[Jsonish], **fields: Any) -> str:
    """A request object from a mapping/model and/or keyword fields (camelCase or snake_case)."""
    out: Dict[str, Any] = {}
    if isinstance(value, Model):
        out.update(value.to_dict())
    elif value is not None:
        out.update(value)
    for k, v in fields.items():
        if v is not None:
            out[camel(k)] = v.to_dict() if isinstance(v, Model) else v
    return dumps(out)


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _many(v: Union[None, str, Iterable[str]]) -> Optional[Sequence[str]]:
    if v is None:
        return None
    return [v] if isinstance(v, str) else list(v)


def search_params(
    q: Optional[str] = None,
    *,
    game: Union[None, str, Iterable[str]] = None,
    rank: Union[None, str, Iterable[str]] = None,
    agent_type: Union[None, str, Iterable[str]] = None,
    provider: Union[None, str, Iterable[str]] = None,
    has_voice_chat: Optional[bool] = None,
    has_commentator: Optional[bool] = None,
    price_min: Optional[int] = None,
    price_max: Optional[int] = None,
    rating_min: Optional[float] = None,
    sort: Optional[str] = None,
    limit: Optional[int] = None,
    cursor: Optional[str] = None,
) -> str:
    return body(
        None,
        q=q,
        game=_many(game),
        rank=_many(rank),
        agent_type=_many(agent_type),
        provider=_many(provider),
        has_voice_chat=has_voice_chat,
        has_commentator=has_commentator,
        price_min=price_min,
        price_max=price_max,
        rating_min=rating_min,
        sort=sort,
        limit=limit,
        cursor=cursor,
    )


def page(limit: Optional[int] = None, cursor: Optional[str] = None) -> str:
    return body(None, limit=limit, cursor=cursor)


def stream_options(after_seq: int, guard: Optional[Mapping[str, Any]], end_at_cap: bool) -> str:
    g = None if guard is None else {camel(k): v for k, v in guard.items()}
    return body(None, after_seq=after_seq, guard=g, end_at_cap=end_at_cap)
