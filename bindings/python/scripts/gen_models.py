"""Generates ``python/jiga/models.py`` from the server's OpenAPI document.

The models are the contract's shapes, so they come from the document the reference server
builds from the same wire types as the core (``GET /v1/openapi.json``), never by hand.

Usage: ``python scripts/gen_models.py OPENAPI_JSON OUT_PY`` (``scripts/test.sh`` regenerates
the file and fails when the checked-in one differs).
"""

from __future__ import annotations

import json
import keyword
import re
import sys
from typing import Any, Dict, List, Set, Tuple

HEADER = '''"""The store's models, generated from the server's OpenAPI document by
``scripts/gen_models.py``. Do not edit.

Every model is a class with attributes (snake_case), a ``repr`` and equality; money is
``int`` (DOF); timestamps are RFC 3339 strings; enumerations are strings. Unknown members
of a newer server are ignored. Their base is ``_model.py``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from ._model import Model, Page, _list, _opt, _page, _same

__all__ = [{names}]
'''


def snake(name: str) -> str:
    s = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
    return s + "_" if keyword.iskeyword(s) else s


def ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


class Gen:
    def __init__(self, schemas: Dict[str, Any]) -> None:
        self.schemas = schemas
        frames = self.stream_frames()
        self.models = [
            n
            for n, s in schemas.items()
            if self.is_model(s) and not n.startswith("Page") and n not in frames
        ]

    def stream_frames(self) -> Set[str]:
        """The stream frames' schemas (`SessionEvent`'s members, their `data`, `Notification`):
        the package's events are the native `SessionEvent` and `jiga.Notification`."""
        members = [ref_name(m["$ref"]) for m in self.schemas.get("SessionEvent", {}).get("oneOf", [])]
        data = [
            ref_name(self.schemas[m]["properties"]["data"]["$ref"])
            for m in members
            if "$ref" in self.schemas.get(m, {}).get("properties", {}).get("data", {})
        ]
        return set(members) | set(data) | {"SessionEvent", "Notification"}

    def is_model(self, s: Dict[str, Any]) -> bool:
        return s.get("type") == "object" and "properties" in s or "allOf" in s

    def scalar(self, name: str) -> str:
        s = self.schemas[name]
        t = s.get("type")
        return {"integer": "int", "number": "float", "string": "str", "boolean": "bool"}.get(
            t if isinstance(t, str) else "", "Any"
        )

    def typ(self, s: Dict[str, Any]) -> Tuple[str, str, bool]:
        """(annotation, converter, nullable) of a property schema."""
        if "$ref" in s:
            n = ref_name(s["$ref"])
            if n in self.models:
                return n, f"{n}._from", False
            if n.startswith("Page_"):
                item = n[len("Page_"):]
                return f"Page[{item}]", f"_page({item}._from)", False
            return self.scalar(n), "_same", False
        for key in ("oneOf", "anyOf"):
            if key in s:
                rest = [x for x in s[key] if x.get("type") != "null"]
                nullable = len(rest) < len(s[key])
                ann, conv, _ = self.typ(rest[0]) if len(rest) == 1 else ("Any", "_same", False)
                return ann, conv, nullable
        t = s.get("type")
        nullable = False
        if isinstance(t, list):
            nullable = "null" in t
            t = next((x for x in t if x != "null"), None)
        if t == "array":
            ann, conv, _ = self.typ(s.get("items", {}))
            return f"List[{ann}]", ("_same" if conv == "_same" else f"_list({conv})"), nullable
        if t == "object":
            extra = s.get("additionalProperties")
            if isinstance(extra, dict):
                ann, _, _ = self.typ(extra)
                return f"Dict[str, {ann}]", "_same", nullable
            return "Dict[str, Any]", "_same", nullable
        simple = {"integer": "int", "number": "float", "string": "str", "boolean": "bool"}
        return simple.get(t or "", "Any"), "_same", nullable

    def fields(self, s: Dict[str, Any]) -> Tuple[List[Tuple[str, str, str, str]], str]:
        """The model's own fields (attr, wire, annotation, converter) and its base class."""
        base = "Model"
        props: Dict[str, Any] = {}
        required: List[str] = []
        if "allOf" in s:
            for part in s["allOf"]:
                if "$ref" in part:
                    base = ref_name(part["$ref"])
                else:
                    props.update(part.get("properties", {}))
                    required += part.get("required", [])
        else:
            props = s.get("properties", {})
            required = s.get("required", [])
        out = []
        for wire in sorted(props):
            ann, conv, nullable = self.typ(props[wire])
            if nullable or wire not in required:
                ann, conv = f"Optional[{ann}]", conv
            out.append((snake(wire), wire, ann, conv))
        return out, base

    def all_fields(self, name: str) -> List[Tuple[str, str, str, str]]:
        own, base = self.fields(self.schemas[name])
        return (self.all_fields(base) if base != "Model" else []) + own

    def order(self) -> List[str]:
        done: List[str] = []

        def visit(n: str) -> None:
            if n in done:
                return
            _, base = self.fields(self.schemas[n])
            if base != "Model":
                visit(base)
            done.append(n)

        for n in sorted(self.models):
            visit(n)
        return done

    def render(self) -> str:
        names = ["Model", "Page"] + self.order()
        out = [HEADER.replace("{names}", ", ".join(f'"{n}"' for n in names))]
        for n in self.order():
            s = self.schemas[n]
            own, base = self.fields(s)
            doc = (s.get("description") or n).strip().split("\n\n")[0].replace('"""', "'")
            out.append(f"\n\nclass {n}({base}):\n    \"\"\"{doc}\"\"\"\n")
            out.append(f"    __slots__ = ({''.join(repr(a) + ', ' for a, _, _, _ in own)})\n")
            for attr, _, ann, _ in own:
                out.append(f"    {attr}: {ann}\n")
        # Converters refer to classes defined later, so the tables come last.
        out.append("\n\n# What each model reads from its JSON object: (attribute, member, converter).\n")
        for n in self.order():
            rows = self.all_fields(n)
            body = "".join(f"    ({a!r}, {w!r}, {c}),\n" for a, w, _, c in rows)
            out.append(f"{n}._fields = (\n{body})\n")
        return "".join(out)


def main() -> None:
    doc = json.load(open(sys.argv[1]))
    text = Gen(doc["components"]["schemas"]).render()
    with open(sys.argv[2], "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
