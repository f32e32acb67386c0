"""The runtime base of the generated models (``models.py``): ``Model`` (attributes from a
JSON object of the contract, ``repr``, equality, ``to_dict``), ``Page`` and the converters the
generated fields use. Hand-written; ``scripts/gen_models.py`` writes only the classes."""

from __future__ import annotations

from typing import Any, Callable, Dict, Generic, List, Mapping, Optional, Tuple, TypeVar

__all__ = ["Model", "Page"]

T = TypeVar("T")


def _same(v: Any) -> Any:
    return v


def _opt(conv: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda v: None if v is None else conv(v)


def _list(conv: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda v: [conv(x) for x in v]


def _page(conv: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda v: Page(v, conv)


class Model:
    """Base of every model: attributes from a JSON object of the contract."""

    __slots__ = ()
    _fields: Tuple[Tuple[str, str, Callable[[Any], Any]], ...] = ()

    def __init__(self, data: Mapping[str, Any]) -> None:
        for attr, wire, conv in self._fields:
            v = data.get(wire)
            object.__setattr__(self, attr, None if v is None else conv(v))

    @classmethod
    def _from(cls, data: Mapping[str, Any]) -> Any:
        return cls(data)

    def __repr__(self) -> str:
        inner = ", ".join(f"{a}={getattr(self, a)!r}" for a, _, _ in self._fields)
        return f"{type(self).__name__}({inner})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, a) == getattr(other, a) for a, _, _ in self._fields)

    def __hash__(self) -> int:
        return hash(tuple(repr(getattr(self, a)) for a, _, _ in self._fields))

    def to_dict(self) -> Dict[str, Any]:
        """The model as the contract's JSON object (camelCase members)."""
        out: Dict[str, Any] = {}
        for attr, wire, _ in self._fields:
            out[wire] = _plain(getattr(self, attr))
        return out


def _plain(v: Any) -> Any:
    if isinstance(v, Model):
        return v.to_dict()
    if isinstance(v, list):
        return [_plain(x) for x in v]
    return v


class Page(Model, Generic[T]):
    """One page of a list: ``items`` and the ``next_cursor`` to pass back (None on the last)."""

    __slots__ = ("items", "next_cursor")
    items: List[T]
    next_cursor: Optional[str]

    def __init__(self, data: Mapping[str, Any], item: Callable[[Any], T] = _same) -> None:
        object.__setattr__(self, "items", [item(x) for x in data.get("items", [])])
        object.__setattr__(self, "next_cursor", data.get("nextCursor"))

    _fields = (("items", "items", _same), ("next_cursor", "nextCursor", _same))
