"""Named defaults of the notebook layer."""

from __future__ import annotations

from typing import Final

#: Name under which the per-kernel widget state lives in the IPython user namespace.
STATE_NAME: Final = "_asisdk_widget_state"
#: Widgets remembered per kernel; the oldest are forgotten beyond this.
MAX_REMEMBERED_WIDGETS: Final = 256

#: QueryTime: default before/after and maximum slider range per unit (msticpy's choices).
DEFAULT_SPAN: Final = {"second": 60, "minute": 60, "hour": 6, "day": 1, "week": 1}
DEFAULT_MAX: Final = {"second": 3600, "minute": 240, "hour": 72, "day": 28, "week": 20}
#: When max_before/max_after are not given and before/after exceed the default maximum.
MAX_FACTOR: Final = 4

#: Rows shown in a list selector before scrolling.
SELECT_ROWS: Final = 8
#: Widest list selector / text layout.
WIDGET_WIDTH: Final = "70%"

#: Timeline and process tree plots.
PLOT_WIDTH: Final = 900
LANE_HEIGHT: Final = 28
MIN_PLOT_HEIGHT: Final = 220
RANGE_TOOL_HEIGHT: Final = 110
MAX_TOOLTIP_CHARS: Final = 200
MAX_PLOT_ROWS: Final = 100_000
#: Most process events build_process_tree links (its memory grows with them).
MAX_TREE_ROWS: Final = 5_000_000
PROCESS_ROW_HEIGHT: Final = 22

#: Text longer than this is cut in HTML tables (command lines, descriptions).
MAX_CELL_CHARS: Final = 1_000
