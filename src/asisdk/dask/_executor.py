"""``executor_for``: a Dask cluster's executor for every ``executor=`` parameter."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from concurrent.futures import Executor
from typing import Final

from asisdk.dask._imports import import_distributed
from asisdk.errors import ConfigurationError, TransportError

__all__ = ["CONNECT_TIMEOUT", "executor_for"]

#: Seconds to wait for the scheduler before giving up.
CONNECT_TIMEOUT: Final = 10.0


@contextlib.contextmanager
def executor_for(address: str, *, timeout: float = CONNECT_TIMEOUT) -> Iterator[Executor]:
    """Connect to the Dask scheduler at ``address`` and yield its executor.

    The executor is a ``concurrent.futures.Executor``: pass it as ``executor=`` to
    :func:`asisdk.decode.unpack_frame`, :func:`asisdk.ioc.extract_frame`,
    :func:`asisdk.cluster.cluster_events` (and their ``_async`` variants) and their chunks
    run on the cluster's workers. Leaving the block closes the connection, never the
    cluster. Entering blocks while connecting (up to ``timeout``), so enter it before
    ``asyncio.run`` where you can; the executor itself works from async code.

    Args:
        address: the scheduler, e.g. ``"tcp://10.0.0.5:8786"`` or ``"10.0.0.5:8786"``.
        timeout: seconds to wait for the scheduler.

    Yields:
        The cluster's executor.

    Raises:
        ConfigurationError: ``address`` is empty, or Dask is not installed.
        TransportError: the scheduler did not answer in ``timeout`` seconds.

    Examples:
        >>> from asisdk.dask import executor_for
        >>> with executor_for("tcp://127.0.0.1:8786") as executor:  # doctest: +SKIP
        ...     frame = unpack_frame(events, "CommandLine", executor=executor)
    """
    if not address or not address.strip():
        raise ConfigurationError(
            "the Dask scheduler address is empty; pass e.g. tcp://scheduler-host:8786"
        )
    distributed = import_distributed()
    try:
        client = distributed.Client(address.strip(), timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise TransportError(
            f"no Dask scheduler answered at {address!r} within {timeout:g} s ({exc}); check "
            "the address (tcp://host:8786) and that the scheduler is running"
        ) from exc
    try:
        executor: Executor = client.get_executor()
        yield executor
    finally:
        client.close()
