"""The layer tree while it is built, and what it turns into: layers and the decoded text."""

from __future__ import annotations

import hashlib
from typing import Final

import attrs

from asisdk.decode._model import Encoding, FileType, Layer

__all__ = ["ARCHIVES", "Node", "flatten", "render", "splice"]

#: File types whose children are members (rendered one after the other with their names).
ARCHIVES: Final[frozenset[str]] = frozenset({"zip", "tar"})
#: Bytes of binary data shown in hex in a marker.
_MARKER_BYTES: Final = 16


@attrs.define
class Node:
    """A layer while it is being built (mutable; frozen into a :class:`Layer` at the end)."""

    encoding: Encoding
    source: str
    start: int
    end: int
    data: bytes
    text: str | None
    file_type: FileType
    file_name: str | None = None
    error: str | None = None
    deflated: bool = False
    key: str | None = None
    children: list[Node] = attrs.Factory(list)


def _marker(node: Node) -> str:
    head = node.data[:_MARKER_BYTES].hex()
    more = "..." if len(node.data) > _MARKER_BYTES else ""
    return f"[{node.file_type} {len(node.data)} bytes {head}{more}]"


def splice(text: str, children: list[Node]) -> str:
    """``text`` with each child's span replaced by the child's rendering."""
    if not children:
        return text
    pieces: list[str] = []
    position = 0
    for child in children:
        pieces.append(text[position : child.start])
        pieces.append(render(child))
        position = child.end
    pieces.append(text[position:])
    return "".join(pieces)


def render(node: Node) -> str:
    """What a layer decodes to, as text: its text, its members, or a marker for binary."""
    if node.text is not None:
        return splice(node.text, node.children)
    if not node.children:
        return _marker(node)
    if node.file_type in ARCHIVES:
        return "\n".join(
            f"[{child.encoding} member {child.file_name}]\n{render(child)}"
            for child in node.children
        )
    return render(node.children[0])


def flatten(nodes: list[Node], parent: str | None, depth: int, out: list[Layer]) -> list[Layer]:
    """Append the frozen layers of ``nodes`` and their subtrees to ``out``, depth first."""
    for number, node in enumerate(nodes, start=1):
        index = f"{parent}.{number}" if parent else str(number)
        out.append(
            Layer(
                index=index,
                parent=parent,
                depth=depth,
                encoding=node.encoding,
                source=node.source,
                start=node.start,
                end=node.end,
                data=node.data,
                text=node.text,
                file_name=node.file_name,
                file_type=node.file_type,
                md5=hashlib.md5(node.data, usedforsecurity=False).hexdigest(),
                sha1=hashlib.sha1(node.data, usedforsecurity=False).hexdigest(),
                sha256=hashlib.sha256(node.data).hexdigest(),
                error=node.error,
                key=node.key,
            )
        )
        flatten(node.children, index, depth + 1, out)
    return out
