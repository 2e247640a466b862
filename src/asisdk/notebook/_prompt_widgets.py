"""Prompts: :class:`GetEnvironmentKey`, :class:`OptionButtons` and :class:`Progress`."""

from __future__ import annotations

import asyncio
import html
import os
import re
from collections.abc import MutableMapping, Sequence

from asisdk._defaults import ENV_PREFIX
from asisdk.config import Secret
from asisdk.errors import InvalidInputError
from asisdk.notebook._base import Widget, ipywidgets

__all__ = ["GetEnvironmentKey", "OptionButtons", "Progress"]

_ENV_NAME = re.compile(rf"^{ENV_PREFIX}[A-Z0-9_]+$")


class GetEnvironmentKey(Widget):
    """Set an ``ASISDK_*`` environment variable (an API key, say) without echoing it.

    The text box is a password box; pressing *Set* (or calling :meth:`set_value`) stores the
    value in the environment and empties the box, so the secret does not stay in the widget
    state a saved notebook keeps. The widget only ever shows whether the variable is set and
    how long it is; :attr:`value` returns a :class:`~asisdk.config.Secret`.

    Args:
        env_var: the variable, ``ASISDK_`` followed by capitals, digits and underscores.
        description: the text before the box.
        help_text: a line shown under the box (where to get a key, say).
        environ: the environment to write (default ``os.environ``; tests pass a dict).

    Examples:
        >>> env = {}
        >>> prompt = GetEnvironmentKey("ASISDK_VT_API_KEY", environ=env)
        >>> prompt.set_value("0123456789abcdef")
        >>> prompt.value, prompt.status
        (Secret('***'), 'ASISDK_VT_API_KEY is set (16 characters)')

    Raises:
        InvalidInputError: ``env_var`` is not an ``ASISDK_*`` name.
    """

    def __init__(
        self,
        env_var: str,
        *,
        description: str | None = None,
        help_text: str = "",
        environ: MutableMapping[str, str] | None = None,
    ) -> None:
        if not _ENV_NAME.match(env_var):
            raise InvalidInputError(
                f"{env_var!r} is not an asisdk variable: use {ENV_PREFIX}NAME in capitals"
            )
        self.env_var = env_var
        self._environ: MutableMapping[str, str] = os.environ if environ is None else environ
        w = ipywidgets()
        self._box = w.Password(
            description=description or env_var,
            placeholder="paste the value and press Set",
            style={"description_width": "initial"},
        )
        self._button = w.Button(description="Set")
        self._button.on_click(lambda _: self.set_value(str(self._box.value)))
        self._status = w.HTML()
        children = [w.HBox([self._box, self._button]), self._status]
        if help_text:
            children.append(w.HTML(f"<small>{html.escape(help_text)}</small>"))
        self.widget = w.VBox(children)
        self._show_status()

    @property
    def is_set(self) -> bool:
        """Whether the variable has a non-empty value."""
        return bool(self._environ.get(self.env_var))

    @property
    def value(self) -> Secret | None:
        """The variable's value as a :class:`Secret`, or ``None`` when unset."""
        text = self._environ.get(self.env_var)
        return Secret(text) if text else None

    @property
    def status(self) -> str:
        """What the widget shows: set (with the length) or not set; never the value."""
        text = self._environ.get(self.env_var)
        if not text:
            return f"{self.env_var} is not set"
        return f"{self.env_var} is set ({len(text)} characters)"

    def set_value(self, text: str) -> None:
        """Store ``text`` (stripped) in the variable and clear the box; empty text is ignored."""
        cleaned = text.strip()
        self._box.value = ""
        if cleaned:
            self._environ[self.env_var] = cleaned
        self._show_status()

    def _show_status(self) -> None:
        self._status.value = html.escape(self.status)

    def __repr__(self) -> str:
        return f"GetEnvironmentKey({self.env_var!r}, set={self.is_set})"


class OptionButtons(Widget):
    """A row of buttons whose choice can be awaited, with an optional timeout.

    Clicking a button (or :meth:`click` in code) sets :attr:`value` and completes a pending
    :meth:`wait`. When the timeout passes first, ``wait`` returns ``default`` and
    :attr:`timed_out` is true.

    In Jupyter, the kernel handles button clicks between cells, so a cell that awaits
    ``wait()`` directly would wait for the timeout: start it as a task in one cell
    (``choice = asyncio.ensure_future(buttons.wait(timeout=60))``) and read
    ``choice.result()`` (or :attr:`value`) in a later one.

    Args:
        buttons: the button labels (at least one, no duplicates).
        description: text before the buttons.
        default: the answer when the timeout passes (must be a label, or ``None``).
        timeout: seconds :meth:`wait` waits when not told otherwise (``None``: no limit).

    Examples:
        >>> import asyncio
        >>> ask = OptionButtons(["Continue", "Stop"], default="Stop", timeout=0.01)
        >>> asyncio.run(ask.wait()), ask.timed_out
        ('Stop', True)

    Raises:
        InvalidInputError: no buttons, duplicate labels, or a default that is not a label.
    """

    def __init__(
        self,
        buttons: Sequence[str],
        *,
        description: str = "",
        default: str | None = None,
        timeout: float | None = None,
    ) -> None:
        labels = [str(b) for b in buttons]
        if not labels or len(set(labels)) != len(labels):
            raise InvalidInputError("OptionButtons needs one or more distinct button labels")
        if default is not None and default not in labels:
            raise InvalidInputError(f"default {default!r} is not one of the buttons {labels}")
        if timeout is not None and timeout < 0:
            raise InvalidInputError("timeout must be >= 0 seconds, or None for no limit")
        self.labels = labels
        self.default = default
        self.timeout = timeout
        self.value: str | None = None
        self.timed_out = False
        self._waiters: list[asyncio.Future[str]] = []
        w = ipywidgets()
        row = []
        for label in labels:
            button = w.Button(description=label)
            button.on_click(lambda b: self.click(str(b.description)))
            row.append(button)
        self.widget = w.HBox([w.Label(description), *row] if description else row)

    def click(self, label: str) -> None:
        """Choose ``label``, as a click on its button does.

        Raises:
            InvalidInputError: no button has this label.
        """
        if label not in self.labels:
            raise InvalidInputError(f"{label!r} is not one of the buttons {self.labels}")
        self.value = label
        self.timed_out = False
        for waiter in self._waiters:
            if not waiter.done():
                waiter.get_loop().call_soon_threadsafe(_settle, waiter, label)
        self._waiters.clear()

    async def wait(self, *, timeout: float | None = None) -> str | None:  # noqa: ASYNC109
        """Wait for a click; return its label, or ``default`` when ``timeout`` passes.

        Args:
            timeout: seconds to wait (default: the widget's ``timeout``; ``None``: no limit).
        """
        limit = self.timeout if timeout is None else timeout
        waiter: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(limit):
                return await waiter
        except TimeoutError:
            self.timed_out = True
            self.value = self.default
            return self.default
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    def __repr__(self) -> str:
        return f"OptionButtons({self.labels!r}, value={self.value!r})"


def _settle(waiter: asyncio.Future[str], label: str) -> None:
    if not waiter.done():
        waiter.set_result(label)


class Progress(Widget):
    """A progress bar that is also a progress callback ``(done, total)``.

    Pass it as ``progress=`` to :func:`asisdk.executors.map_frame` and the frame functions
    built on it, or call :meth:`update` / :meth:`advance` yourself.

    Args:
        total: the amount of work (rows, items); may be changed by :meth:`update`.
        description: the text before the bar.
        visible: show the bar (a hidden bar still counts).

    Examples:
        >>> bar = Progress(total=200)
        >>> bar(50, 200)
        >>> bar.done, bar.fraction
        (50, 0.25)

    Raises:
        InvalidInputError: a negative total.
    """

    def __init__(self, *, total: int, description: str = "Progress", visible: bool = True) -> None:
        if total < 0:
            raise InvalidInputError("total must be >= 0")
        w = ipywidgets()
        self._bar = w.IntProgress(value=0, min=0, max=max(total, 1), description=description)
        self._label = w.Label()
        self.total = total
        self.widget = w.HBox([self._bar, self._label])
        self.visible = visible
        self._show()

    @property
    def visible(self) -> bool:
        """Whether the bar is shown."""
        return bool(self.widget.layout.visibility != "hidden")

    @visible.setter
    def visible(self, shown: bool) -> None:
        self.widget.layout.visibility = "visible" if shown else "hidden"

    @property
    def done(self) -> int:
        """Work done so far."""
        return int(self._bar.value)

    @property
    def fraction(self) -> float:
        """``done / total`` (1.0 when there is no work)."""
        return self.done / self.total if self.total else 1.0

    def update(self, done: int, total: int | None = None) -> None:
        """Set the work done (and the total, when it changed); values are clamped."""
        if total is not None and total >= 0:
            self.total = total
            self._bar.max = max(total, 1)
        self._bar.value = min(max(done, 0), max(self.total, 0))
        self._show()

    def advance(self, step: int = 1) -> None:
        """Add ``step`` to the work done."""
        self.update(self.done + step)

    def __call__(self, done: int, total: int) -> None:
        self.update(done, total)

    def _show(self) -> None:
        self._label.value = f"{self.done} / {self.total}"

    def __repr__(self) -> str:
        return f"Progress({self.done}/{self.total})"
