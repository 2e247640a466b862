"""Widgets driven headless: build them, set values as a user would, read the results."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from asisdk.config import Secret
from asisdk.data import sample_alert_rows, sample_alerts
from asisdk.entities import Alert, TimeSpan, merge_query_params
from asisdk.errors import InvalidInputError
from asisdk.executors import InlineExecutor, map_frame
from asisdk.notebook import (
    GetEnvironmentKey,
    Lookback,
    OptionButtons,
    Progress,
    QueryTime,
    SelectAlert,
    SelectItem,
    SelectSubset,
    WidgetState,
)
from asisdk.notebook._defaults import STATE_NAME

ORIGIN = "2024-05-01T12:00:00Z"
NOON = datetime(2024, 5, 1, 12, tzinfo=UTC)


# -- QueryTime --------------------------------------------------------------------------------
def test_query_time_gives_the_window_around_the_origin() -> None:
    qt = QueryTime(units="hours", before=6, after=2, origin=ORIGIN)
    assert qt.start == NOON - timedelta(hours=6)
    assert qt.end == NOON + timedelta(hours=2)
    assert qt.timespan == TimeSpan(start=qt.start, end=qt.end)
    assert qt.query_params() == {"start": qt.start, "end": qt.end}


def test_query_time_defaults_follow_the_unit() -> None:
    qt = QueryTime(units="d", origin=ORIGIN)
    assert (qt.before, qt.after) == (1, 1)
    assert qt._range.min == -28
    assert qt._range.max == 28
    big = QueryTime(units="minute", before=500, after=0, origin=ORIGIN)
    assert big._range.min == -2000  # 4 x before when it exceeds the default maximum


def test_query_time_is_a_query_parameter_provider_that_later_providers_extend() -> None:
    qt = QueryTime(units="minute", before=30, after=0, origin=ORIGIN)
    alert = sample_alerts()[0]
    params = merge_query_params(alert, qt)
    assert params["start"] == NOON - timedelta(minutes=30)
    assert params["host_name"] == alert.query_params()["host_name"]


def test_moving_the_slider_and_origin_changes_the_window() -> None:
    qt = QueryTime(units="hour", before=1, after=1, origin=ORIGIN)
    qt._range.value = (-3, 0)  # what dragging the slider does
    assert (qt.start, qt.end) == (NOON - timedelta(hours=3), NOON)
    qt.set_origin("2024-05-02T00:00:00Z")
    assert qt.end == datetime(2024, 5, 2, tzinfo=UTC)
    assert qt._start_text.value == "2024-05-01T21:00:00+00:00"


def test_set_time_covers_the_timespan() -> None:
    qt = QueryTime(units="hour", before=1, after=1, origin=ORIGIN)
    span = TimeSpan(start="2024-04-01T00:00:00Z", end="2024-04-05T00:00:00Z")
    qt.set_time(span)
    assert qt.end == span.end
    assert qt.start <= span.start
    assert qt.before == 96


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"units": "fortnight"}, "unknown time unit"),
        ({"before": -1}, "before"),
        ({"origin": "yesterday-ish"}, "origin"),
    ],
)
def test_query_time_rejects_bad_arguments(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        QueryTime(**kwargs)  # type: ignore[arg-type]


def test_values_survive_recreating_the_widget_with_the_same_arguments() -> None:
    state = WidgetState()
    first = QueryTime(units="day", before=1, after=0, origin=ORIGIN, state=state)
    first.set_range(before=5, after=1)
    rerun = QueryTime(units="day", before=1, after=0, origin=ORIGIN, state=state)
    assert (rerun.before, rerun.after) == (5, 1)
    other = QueryTime(units="day", before=2, after=0, origin=ORIGIN, state=state)
    assert (other.before, other.after) == (2, 0)  # different arguments, separate values


def test_without_a_shell_or_state_nothing_is_remembered() -> None:
    first = QueryTime(units="week", before=1, after=0, origin=ORIGIN)
    first.set_range(before=7)
    again = QueryTime(units="week", before=1, after=0, origin=ORIGIN)
    assert again.before == 1


def test_the_kernel_remembers_values_in_its_own_namespace(shell: object) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    assert isinstance(shell, InteractiveShell)
    first = QueryTime(units="hour", before=4, after=0, origin=ORIGIN)
    first.set_range(before=9, after=2)
    first.set_origin("2024-06-01T00:00:00Z")
    rerun = QueryTime(units="hour", before=4, after=0, origin=ORIGIN)
    assert (rerun.before, rerun.after) == (9, 2)
    assert rerun.origin == datetime(2024, 6, 1, tzinfo=UTC)
    state = shell.user_ns[STATE_NAME]
    assert isinstance(state, WidgetState)
    assert STATE_NAME in shell.user_ns_hidden  # %who does not list it
    # another kernel (a new shell) starts with nothing
    InteractiveShell.clear_instance()
    InteractiveShell.instance()
    fresh = QueryTime(units="hour", before=4, after=0, origin=ORIGIN)
    assert (fresh.before, fresh.after) == (4, 0)


def test_reset_forgets_widget_values(shell: object) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    assert isinstance(shell, InteractiveShell)
    Lookback(default=3, units="h", origin=ORIGIN).value = 30
    assert Lookback(default=3, units="h", origin=ORIGIN).value == 30
    shell.reset()
    assert Lookback(default=3, units="h", origin=ORIGIN).value == 3


def test_widget_state_forgets_the_oldest_beyond_its_size() -> None:
    state = WidgetState(max_widgets=2)
    for n in range(3):
        state.save(("w", str(n)), {"v": n})
    assert len(state) == 2
    assert state.load(("w", "0")) == {}
    assert state.load(("w", "2")) == {"v": 2}


# -- Lookback ---------------------------------------------------------------------------------
def test_lookback_window_ends_at_the_origin() -> None:
    lb = Lookback(default=12, units="hour", origin=ORIGIN)
    assert lb.timespan == TimeSpan(start=NOON - timedelta(hours=12), end=NOON)
    lb.value = 100  # beyond the slider: the slider grows
    assert lb.timespan.duration == timedelta(hours=100)
    assert lb.query_params()["end"] == NOON


def test_lookback_rejects_min_above_max() -> None:
    with pytest.raises(InvalidInputError, match="min_value"):
        Lookback(default=1, units="day", min_value=50, max_value=10)


# -- SelectItem / SelectAlert / SelectSubset --------------------------------------------------
def test_select_item_from_a_dict_returns_the_value_and_runs_the_action() -> None:
    seen: list[str] = []
    pick = SelectItem(
        {"Production": "prod-ws", "Lab": "lab-ws"}, action=lambda v: seen.append(v) or v.upper()
    )
    assert pick.value is None
    pick.select("Lab")
    assert (pick.label, pick.value, seen, pick.action_result) == (
        "Lab",
        "lab-ws",
        ["lab-ws"],
        "LAB-WS",
    )


def test_select_item_filter_narrows_the_list_and_select_clears_it() -> None:
    pick = SelectItem(["alpha", "beta", "gamma", "Alphabet"], value="beta")
    pick.filter("ALPHA")
    assert pick.options == ["alpha", "Alphabet"]
    assert pick.value is None  # the selection was filtered away
    pick.select("gamma")
    assert pick.value == "gamma"
    assert len(pick.options) == 4
    with pytest.raises(InvalidInputError, match="not one of the options"):
        pick.select("delta")


def test_select_alert_from_a_dataframe_returns_an_alert() -> None:
    frame = pd.DataFrame(sample_alert_rows())
    chosen: list[Alert] = []
    picker = SelectAlert(frame, action=chosen.append)
    assert len(picker.alerts) == len(frame)
    picker.filter("Low")
    assert len(picker.options) == 1
    picker.select_index(0)
    alert = picker.selected_alert
    assert alert is not None
    assert alert.severity is not None
    assert alert.severity.value == "Low"
    assert chosen == [alert]
    assert picker.query_params() == alert.query_params()


def test_select_alert_by_id_and_newest_first() -> None:
    alerts = sample_alerts()
    picker = SelectAlert(alerts)
    starts = [a.time_window[0] for a in picker.alerts]
    assert starts == sorted(starts, reverse=True)
    target = alerts[2]
    assert target.system_alert_id
    picker.select_id(target.system_alert_id.upper())
    assert picker.selected_alert == target
    with pytest.raises(InvalidInputError):
        picker.select_id("no-such-alert")
    assert SelectAlert([]).query_params() == {}


def test_select_alert_rejects_other_things() -> None:
    with pytest.raises(InvalidInputError):
        SelectAlert(["not an alert"])  # type: ignore[list-item]


def test_select_subset_add_remove_and_buttons() -> None:
    subset = SelectSubset(["4624", "4625", "4688", 4688], default_selected=["4688"])
    assert subset.selected_items == ["4688"]
    subset.add(["4624"])
    assert subset.selected_items == ["4624", "4688"]  # source order
    subset.remove(["4688", "never-there"])
    assert subset.value == ["4624"]
    subset.filter("462")
    subset.add_all()  # only what the filter shows
    assert subset.selected_items == ["4624", "4625"]
    add_all_button = subset.widget.children[2].children[1].children[2]
    remove_all_button = subset.widget.children[2].children[1].children[3]
    remove_all_button.click()
    assert subset.selected_items == []
    subset.filter("")
    add_all_button.click()
    assert subset.selected_items == ["4624", "4625", "4688"]
    with pytest.raises(InvalidInputError, match="not among"):
        subset.add(["1102"])


# -- GetEnvironmentKey ------------------------------------------------------------------------
def _all_state(widget: object) -> str:
    """Everything the widget and its children would send to the browser (and a saved notebook)."""
    from ipywidgets import Widget

    assert isinstance(widget, Widget)
    parts = [json.dumps(widget.get_state(), default=str)]
    for child in getattr(widget, "children", ()):
        parts.append(_all_state(child))
    return "\n".join(parts)


def test_environment_key_is_set_and_never_echoed() -> None:
    env: dict[str, str] = {}
    secret = "vt-key-0123456789abcdef0123456789abcdef"
    prompt = GetEnvironmentKey("ASISDK_VT_API_KEY", environ=env, help_text="from virustotal.com")
    assert not prompt.is_set
    assert prompt.value is None
    prompt._box.value = secret  # what typing does
    assert secret in _all_state(prompt.widget)  # while typing, the box holds it ...
    prompt._button.click()
    assert env == {"ASISDK_VT_API_KEY": secret}
    assert prompt.value == Secret(secret)
    assert secret not in _all_state(prompt.widget)  # ... and after Set it is gone
    assert secret not in repr(prompt) + prompt.status + repr(prompt.value)
    assert prompt.status == f"ASISDK_VT_API_KEY is set ({len(secret)} characters)"


def test_environment_key_ignores_blank_input_and_rejects_foreign_names() -> None:
    env = {"ASISDK_IPSTACK_API_KEY": "old"}
    prompt = GetEnvironmentKey("ASISDK_IPSTACK_API_KEY", environ=env)
    prompt.set_value("   ")
    assert env["ASISDK_IPSTACK_API_KEY"] == "old"
    for name in ("PATH", "asisdk_lower", "ASISDK_"):
        with pytest.raises(InvalidInputError, match="not an asisdk variable"):
            GetEnvironmentKey(name, environ=env)


# -- OptionButtons ----------------------------------------------------------------------------
async def test_option_buttons_wait_returns_the_click() -> None:
    ask = OptionButtons(["Continue", "Stop"], description="Go on?")
    waiting = asyncio.ensure_future(ask.wait(timeout=30))
    await asyncio.sleep(0)
    ask.widget.children[1].click()  # the real button: "Continue"
    assert await waiting == "Continue"
    assert ask.value == "Continue"
    assert not ask.timed_out


async def test_option_buttons_time_out_to_the_default() -> None:
    ask = OptionButtons(["Yes", "No"], default="No", timeout=0.01)
    assert await ask.wait() == "No"
    assert ask.timed_out
    assert ask.value == "No"
    assert ask._waiters == []


def test_option_buttons_reject_bad_setups() -> None:
    with pytest.raises(InvalidInputError):
        OptionButtons([])
    with pytest.raises(InvalidInputError):
        OptionButtons(["a", "a"])
    with pytest.raises(InvalidInputError, match="default"):
        OptionButtons(["a"], default="b")
    with pytest.raises(InvalidInputError):
        OptionButtons(["a"]).click("b")


# -- Progress ---------------------------------------------------------------------------------
def test_progress_is_a_progress_callback_for_map_frame() -> None:
    bar = Progress(total=0, description="Rows")
    frame = pd.DataFrame({"x": range(1000)})
    map_frame(
        lambda chunk: chunk * 2, frame, executor=InlineExecutor(), chunk_size=100, progress=bar
    )
    assert (bar.done, bar.total, bar.fraction) == (1000, 1000, 1.0)
    assert bar._label.value == "1000 / 1000"


def test_progress_clamps_and_hides() -> None:
    bar = Progress(total=10, visible=False)
    assert not bar.visible
    bar.advance(4)
    bar.update(50)
    assert bar.done == 10
    bar.update(-3)
    assert bar.done == 0
    with pytest.raises(InvalidInputError):
        Progress(total=-1)
