"""The blocking door: asisdk's async clients for scripts, REPLs and notebooks.

Every class here wraps its async twin of the same name and forwards to it: each public
coroutine method becomes a method that blocks until the answer is there, each async iterator
(``VirusTotalClient.relationships``) becomes a plain iterator, ``aclose()`` becomes ``close()``
and ``async with`` becomes ``with``. The methods are generated from the async classes when this
module is imported, so the two doors cannot drift apart (a test checks the signatures).

One private event loop, on one daemon thread named ``asisdk-sync``, serves every call and every
client, so owned HTTP clients, rate limiters and caches live in one loop for their whole life
(never ``asyncio.run`` per call, never ``nest_asyncio``). The loop starts on first use, not at
import.

Calling from a running event loop (a Jupyter cell, a coroutine) works, because the work runs on
the other thread; but the call **blocks the caller's loop** until it returns. Inside ``async``
code prefer the async clients (``await asisdk.virustotal.VirusTotalClient(...).lookup(...)``).
Calling the blocking door from the door's own loop thread (e.g. from a ``progress`` callback)
would deadlock and raises :class:`~asisdk._http.EventLoopMismatchError` instead.

Examples:
    >>> import asisdk.sync
    >>> with asisdk.sync.VirusTotalClient(api_key="...") as vt:  # doctest: +SKIP
    ...     report = vt.lookup("8.8.8.8")
    ...     reports = vt.lookup_many(["example.com", "1.1.1.1"])
    ...     resolutions = [o.id for o in vt.relationships("example.com", "resolutions", limit=5)]
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import threading
import typing
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from typing import Any, ClassVar, Self, TypeVar

from asisdk._closing import Closing
from asisdk._http import EventLoopMismatchError
from asisdk.ipstack import IPStackClient as _AsyncIPStackClient
from asisdk.loganalytics import LogAnalyticsClient as _AsyncLogAnalyticsClient
from asisdk.queries import QueryProvider as _AsyncQueryProvider
from asisdk.virustotal import VirusTotalClient as _AsyncVirusTotalClient

__all__ = [
    "EventLoopMismatchError",
    "IPStackClient",
    "LogAnalyticsClient",
    "QueryProvider",
    "VirusTotalClient",
]

_T = TypeVar("_T")


class _Portal:
    """The private event loop on a daemon thread, started on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        loop, thread = self._loop, self._thread
        if loop is not None and thread is not None and thread.is_alive():
            return loop  # the common case, without taking the lock
        with self._lock:
            if self._loop is None or self._thread is None or not self._thread.is_alive():
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name="asisdk-sync", daemon=True)
                thread.start()
                self._loop, self._thread = loop, thread
            return self._loop

    def is_running(self) -> bool:
        """Whether the private loop's thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def check_thread(self) -> None:
        """Refuse a blocking call from the loop's own thread (it would wait for itself)."""
        if self._thread is not None and threading.current_thread() is self._thread:
            raise EventLoopMismatchError(
                "asisdk.sync was called from its own event loop thread (e.g. inside a progress "
                "callback), which would deadlock; use the async client there"
            )

    def call(self, coroutine: Coroutine[Any, Any, _T]) -> _T:
        """Run ``coroutine`` on the private loop and wait for its result."""
        loop = self._running_loop()
        try:
            self.check_thread()
        except EventLoopMismatchError:
            coroutine.close()
            raise
        future = asyncio.run_coroutine_threadsafe(coroutine, loop)
        try:
            return future.result()
        except BaseException:
            future.cancel()  # KeyboardInterrupt in the caller stops the work too
            raise


_PORTAL = _Portal()
#: The door class of each async client class, filled as the door classes are defined.
_DOORS: dict[type, type[_BlockingProxy]] = {}


async def _await(awaitable: Awaitable[_T]) -> _T:
    return await awaitable


async def _build(factory: Callable[[], _T]) -> _T:
    return factory()  # inside the private loop, so loop-bound state binds to it


class _BlockingIterator(Iterator[_T]):
    """A blocking iterator over an async iterator living in the private loop.

    Other attributes are the async iterator's (``vt.relationships(...).cursor``).
    """

    def __init__(self, iterator: AsyncIterator[_T]) -> None:
        self._iterator = iterator
        self._closed = False

    def __repr__(self) -> str:
        return f"<blocking {self._iterator!r}>"

    def __next__(self) -> _T:
        if self._closed:
            raise StopIteration
        try:
            return _PORTAL.call(_await(anext(self._iterator)))
        except StopAsyncIteration:
            self.close()
            raise StopIteration from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._iterator, name)

    def close(self) -> None:
        """Close the async iterator (an async generator runs its ``finally``). Idempotent."""
        if self._closed:
            return
        self._closed = True
        aclose = getattr(self._iterator, "aclose", None)
        if aclose is not None:
            _PORTAL.call(_await(aclose()))

    def __del__(self) -> None:
        if not self._closed and _PORTAL.is_running():
            with contextlib.suppress(Exception):  # nothing to tell at garbage collection
                self.close()


def _iterate(iterator: AsyncIterator[_T]) -> Iterator[_T]:
    return _BlockingIterator(iterator)


def _unwrap(value: Any) -> Any:
    """The async instance behind a door object (``QueryProvider(sync_la_client)``)."""
    return value._async if isinstance(value, _BlockingProxy) else value


def _resolve(result: Any) -> Any:
    if asyncio.iscoroutine(result):
        result = _PORTAL.call(result)
    elif inspect.isawaitable(result):
        result = _PORTAL.call(_await(result))
    elif isinstance(result, AsyncIterator):
        return _iterate(result)
    door = _DOORS.get(type(result))
    if door is not None:  # vt.with_options(...): a blocking client again
        return door._wrap(result)
    return result


def _invoke(function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Call ``function`` (door objects unwrapped) and resolve its result in the private loop.

    The coroutine is made here and run there; this path is what every door call costs, so it
    builds no wrapper and copies nothing it does not need to.
    """
    _PORTAL.check_thread()
    if args:
        args = tuple(_unwrap(a) for a in args)
    if kwargs:
        kwargs = {k: _unwrap(v) for k, v in kwargs.items()}
    return _resolve(function(*args, **kwargs))


def _blocking_callable(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` with its awaitable or async-iterator result resolved in the private loop."""

    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        return _invoke(function, args, kwargs)

    return call


def _forwarder(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def method(self: _BlockingProxy, *args: Any, **kwargs: Any) -> Any:
        return _invoke(getattr(self._async, name), args, kwargs)

    return method


def _returns_async_iterator(function: Callable[..., Any]) -> bool:
    """Whether a plain method is declared to return an async iterator (``relationships``)."""
    try:
        returned = typing.get_type_hints(function).get("return")
    except Exception:  # names imported only for type checking (pd.DataFrame): not ours
        return False
    return isinstance(returned, type) and issubclass(returned, AsyncIterator)


def _coroutine_methods(cls: type) -> dict[str, Callable[..., Any]]:
    """The public coroutine and async-generator methods of ``cls`` (its ``aclose`` included),
    and its methods that return an async iterator object."""
    return {
        name: function
        for name, function in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_")
        and (
            inspect.iscoroutinefunction(function)
            or inspect.isasyncgenfunction(function)
            or _returns_async_iterator(function)
        )
    }


class _BlockingNamespace:
    """An object made by an async ``__getattr__`` (``qp.WindowsSecurity``), made blocking."""

    def __init__(self, target: object) -> None:
        self._target = target

    def __repr__(self) -> str:
        return f"<blocking {self._target!r}>"

    def __dir__(self) -> list[str]:
        return dir(self._target)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        return _blocking_callable(value) if callable(value) else value


class _BlockingProxy(Closing):
    """Base of the door classes: a wrapped async instance built in the private loop.

    A subclass names its async twin in ``_async_class``; ``__init_subclass__`` adds one blocking
    method per public coroutine method (``aclose`` becomes ``close``), with the same signature.
    Other attributes are forwarded: plain values (``limits``) as they are, methods
    (``list_queries``) with awaitable results resolved, and objects with coroutine methods
    (``vt.cache``, ``qp.source``) wrapped so that those block too.
    """

    _async_class: ClassVar[type[Any]]
    _async: Any

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        source = cls._async_class
        _DOORS[source] = cls
        for name, function in _coroutine_methods(source).items():
            if name != "aclose":
                setattr(cls, name, _forwarder(name, function))
        init = source.__init__

        @functools.wraps(init)
        def same_init(self: _BlockingProxy, *args: Any, **kwargs: Any) -> None:
            _BlockingProxy.__init__(self, *args, **kwargs)

        same_init.__doc__ = f"Create a blocking {source.__name__}; arguments as its async twin."
        cls.__init__ = same_init  # type: ignore[method-assign]
        for name, attribute in vars(source).items():
            if isinstance(attribute, classmethod) and not name.startswith("_"):
                setattr(cls, name, cls._constructor(name, attribute.__func__))

    @classmethod
    def _constructor(cls, name: str, function: Callable[..., Any]) -> classmethod[Any, Any, Any]:
        @functools.wraps(function)
        def make(door: type[_BlockingProxy], *args: Any, **kwargs: Any) -> Any:
            build = functools.partial(getattr(door._async_class, name), *args, **kwargs)
            instance = _PORTAL.call(_build(build))
            if not isinstance(instance, door._async_class):
                return instance
            return door._wrap(instance)

        return classmethod(make)

    @classmethod
    def _wrap(cls, instance: Any) -> Self:
        """A door object around an async instance already built."""
        proxy = cls.__new__(cls)
        proxy._async = instance
        return proxy

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        args = tuple(_unwrap(a) for a in args)
        kwargs = {k: _unwrap(v) for k, v in kwargs.items()}
        self._async = _PORTAL.call(_build(lambda: self._async_class(*args, **kwargs)))

    def __repr__(self) -> str:
        return f"asisdk.sync.{self._async!r}"

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *dir(self._async)})

    def __getattr__(self, name: str) -> Any:
        if name == "_async":  # not set yet: __init__ failed
            raise AttributeError(name)
        value = getattr(self._async, name)
        if callable(value):
            return _blocking_callable(value)
        if _coroutine_methods(type(value)):  # vt.cache, qp.source: blocking too
            return _BlockingNamespace(value)
        if name in vars(self._async) or hasattr(type(self._async), name):
            return value
        return _BlockingNamespace(value)  # made by the async class's __getattr__

    @property
    def aio(self) -> Any:
        """The async client behind this one (use it only inside ``asisdk.sync``'s loop)."""
        return self._async

    def close(self) -> None:
        """Close the async client (its owned HTTP client, its cache). Idempotent."""
        aclose = getattr(self._async, "aclose", None)
        if aclose is not None:
            _PORTAL.call(_await(aclose()))


class VirusTotalClient(_BlockingProxy):
    """Blocking :class:`asisdk.virustotal.VirusTotalClient` (same arguments and methods).

    Examples:
        >>> with VirusTotalClient(api_key="...") as vt:  # doctest: +SKIP
        ...     print(vt.lookup("8.8.8.8").status)
    """

    _async_class = _AsyncVirusTotalClient


class IPStackClient(_BlockingProxy):
    """Blocking :class:`asisdk.ipstack.IPStackClient` (same arguments and methods).

    Examples:
        >>> with IPStackClient(api_key="...") as ipstack:  # doctest: +SKIP
        ...     print(ipstack.lookup("134.201.250.155").location)
    """

    _async_class = _AsyncIPStackClient


class LogAnalyticsClient(_BlockingProxy):
    """Blocking :class:`asisdk.loganalytics.LogAnalyticsClient` (same arguments and methods).

    Examples:
        >>> with LogAnalyticsClient.from_config() as la:  # doctest: +SKIP
        ...     print(la.query("SecurityEvent | take 5", timespan="P1D").to_frame())
    """

    _async_class = _AsyncLogAnalyticsClient


class QueryProvider(_BlockingProxy):
    """Blocking :class:`asisdk.queries.QueryProvider`; its source may be a blocking client.

    Examples:
        >>> from asisdk.local import LocalDataSource
        >>> with QueryProvider(LocalDataSource.sample()) as qp:
        ...     "WindowsSecurity.list_host_logons" in qp.list_queries()
        True
    """

    _async_class = _AsyncQueryProvider


# -- threat intelligence (issue 21; one additive block) -------------------------------------
from asisdk.ti import ThreatIntel as _AsyncThreatIntel  # noqa: E402


class ThreatIntel(_BlockingProxy):
    """Blocking :class:`asisdk.ti.ThreatIntel` (same arguments and methods).

    Examples:
        >>> with ThreatIntel(["circl", "tor"], cache="ti.sqlite") as ti:  # doctest: +SKIP
        ...     print(ti.lookup("8.8.8.8").verdict)
    """

    _async_class = _AsyncThreatIntel


__all__ = sorted([*__all__, "ThreatIntel"])
