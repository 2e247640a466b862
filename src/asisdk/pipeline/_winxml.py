"""Reading Windows event XML (``wevtutil qe /f:xml``, ``/f:RenderedXml``, exported ``<Events>``).

Each ``<Event>`` is turned into the ``evtx`` crate's JSON layout and flattened by
:func:`asisdk.pipeline._evtx.flatten_event`, so an exported XML file gives the same columns
as the ``.evtx`` it came from (``EventID``, ``Channel``, ``Computer``, ``TimeCreated``,
``CommandLine`` ...). XML has no types: the numeric ``System`` fields (``Version``, ``Level``,
``Task``, ``Opcode``, ``EventRecordID``, the execution process and thread ids) are made
integers as the ``.evtx`` reader gives them; ``EventData`` values stay text. The rendered
message of ``/f:RenderedXml`` (``RenderingInfo/Message``) becomes ``Message``.

The file is parsed as a stream (bounded memory), with or without an ``<Events>`` root
(``wevtutil`` writes bare ``<Event>`` elements one after another). A file with a DTD is
refused (no entity is ever expanded). Control characters that XML does not allow but
exporters write anyway are read as U+FFFD. A malformed event ends the reading there, reported
with its number; the events before it are kept.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final, cast
from xml.etree import ElementTree

from asisdk.errors import InvalidInputError
from asisdk.pipeline._encoding import sniff_encoding
from asisdk.pipeline._evtx import flatten_event

__all__ = ["event_element_to_json", "is_event_xml", "read_event_xml"]

_PROLOG: Final = re.compile(
    rb"\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*(?:<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>\s*)?"
    rb"(?:<!--.*?-->\s*)*<(?:\w+:)?Events?[\s>]",
    re.DOTALL,
)
_DECLARATION: Final = re.compile(r"^\s*<\?xml[^>]*\?>")
_DTD: Final = re.compile(r"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
#: Characters XML 1.0 does not allow, which exporters still write (``PrivilegeList`` values).
_NOT_XML: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_INT_SYSTEM: Final = frozenset({"Version", "Level", "Task", "Opcode", "EventRecordID"})
_INT_ATTRIBUTES: Final = frozenset({"ProcessID", "ThreadID"})
_CHUNK_CHARS: Final = 1024 * 1024
_ROOT: Final = "asi-root"

#: Called with (1-based event number, message) for an event that cannot be read.
EventProblem = Callable[[int, str], None]


def is_event_xml(head: bytes) -> bool:
    """Whether a file's first bytes (UTF-8) open Windows event XML: ``<Events>`` or ``<Event>``.

    Examples:
        >>> is_event_xml(b'<?xml version="1.0"?>\\n<Events><Event xmlns="http://schemas...">')
        True
        >>> is_event_xml(b"<html><body>")
        False
    """
    return _PROLOG.match(head) is not None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _int(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return value


def _generic(element: ElementTree.Element) -> Any:
    """An element as the ``evtx`` crate writes it in JSON (``#attributes``, ``#text``)."""
    attributes = {_local(k): v for k, v in element.attrib.items()}
    children: dict[str, Any] = {}
    for child in element:
        name = _local(str(child.tag))
        value = _generic(child)
        if name in children:
            previous = children[name]
            children[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            children[name] = value
    text = (element.text or "").strip() if len(element) else element.text
    out: dict[str, Any] = {}
    if attributes:
        out["#attributes"] = attributes
    if children:
        out.update(children)
        return out
    if not attributes:
        return text
    if text:
        out["#text"] = text
    return out


def _system(element: ElementTree.Element) -> dict[str, Any]:
    system: dict[str, Any] = {}
    for child in element:
        name = _local(str(child.tag))
        value = _generic(child)
        if name in _INT_SYSTEM:
            value = _int(value)
        elif isinstance(value, dict) and "#attributes" in value:
            value["#attributes"] = {
                k: _int(v) if k in _INT_ATTRIBUTES else v for k, v in value["#attributes"].items()
            }
        system[name] = value
    return system


def _event_data(element: ElementTree.Element) -> dict[str, Any]:
    data: dict[str, Any] = {}
    unnamed: list[Any] = []
    for child in element:
        name = _local(str(child.tag))
        if name == "Data":
            field = child.get("Name")
            if field:
                data[field] = child.text or ""
            else:
                unnamed.append(child.text)
        else:
            data[name] = _generic(child)
    if unnamed:
        data["Data"] = unnamed
    return data


def event_element_to_json(element: ElementTree.Element) -> dict[str, Any]:
    """One ``<Event>`` element in the ``evtx`` crate's JSON layout (``{"Event": {...}}``).

    Examples:
        >>> from xml.etree import ElementTree
        >>> xml = ('<Event><System><EventID Qualifiers="0">4688</EventID>'
        ...        '<Channel>Security</Channel></System><EventData>'
        ...        '<Data Name="NewProcessName">cmd.exe</Data></EventData></Event>')
        >>> event_element_to_json(ElementTree.fromstring(xml))["Event"]["EventData"]
        {'NewProcessName': 'cmd.exe'}
    """
    body: dict[str, Any] = {}
    for child in element:
        name = _local(str(child.tag))
        if name == "System":
            body["System"] = _system(child)
        elif name == "EventData":
            body["EventData"] = _event_data(child)
        else:
            body[name] = _generic(child)
    return {"Event": body}


def _row(element: ElementTree.Element) -> dict[str, Any]:
    event = event_element_to_json(element)
    row = flatten_event(event)
    rendering = event["Event"].get("RenderingInfo")
    if isinstance(rendering, dict):
        message = rendering.get("Message")
        if isinstance(message, str) and message:
            row.setdefault("Message", message)
    return row


def _chunks(file: Path) -> Iterator[str]:
    with file.open("rb") as raw:
        encoding, bom = sniff_encoding(raw.read(4096))
        raw.seek(bom)
        stream = io.TextIOWrapper(raw, encoding=encoding, errors="replace")
        first = stream.read(_CHUNK_CHARS)
        if _DTD.search(first.partition("<Event")[0]):  # the prolog
            raise InvalidInputError("the event XML has a DTD; it is not read (no entities)")
        yield _NOT_XML.sub("\ufffd", _DECLARATION.sub("", first, count=1))
        while chunk := stream.read(_CHUNK_CHARS):
            yield _NOT_XML.sub("\ufffd", chunk)


def read_event_xml(path: Path, on_problem: EventProblem) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(event number, flat row)`` for every ``<Event>`` of a Windows event XML file.

    Args:
        path: the XML file.
        on_problem: called with (event number, message) when the XML breaks off.

    Yields:
        The 1-based event number and its row (:func:`~asisdk.pipeline._evtx.flatten_event`).

    Raises:
        InvalidInputError: the file has a DTD.

    Examples:
        >>> rows = read_event_xml(Path("Security.xml"), print)  # doctest: +SKIP
        >>> next(rows)[1]["EventID"]  # doctest: +SKIP
        4624
    """
    parser: ElementTree.XMLPullParser[ElementTree.Element] = ElementTree.XMLPullParser(
        events=("start", "end")
    )
    parser.feed(f"<{_ROOT}>")
    open_elements: list[ElementTree.Element] = []
    number = 0

    def finished_events() -> Iterator[tuple[int, dict[str, Any]]]:
        nonlocal number
        for event in parser.read_events():
            kind, element = cast("tuple[str, ElementTree.Element]", event)
            if kind == "start":
                open_elements.append(element)
                continue
            open_elements.pop()
            if _local(str(element.tag)) != "Event":
                continue
            number += 1
            row = _row(element)
            if open_elements:
                open_elements[-1].remove(element)  # bounded memory: done with this event
            yield number, row

    try:
        for chunk in _chunks(path):
            parser.feed(chunk)
            yield from finished_events()
        parser.feed(f"</{_ROOT}>")
        parser.close()
        yield from finished_events()
    except ElementTree.ParseError as exc:
        on_problem(
            number + 1,
            f"the XML breaks off at event {number + 1} ({exc}); the rest of the file is not read",
        )
