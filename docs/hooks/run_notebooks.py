"""MkDocs hook: run the example notebooks, with time limits, before mkdocs-jupyter renders them.

mkdocs-jupyter can execute notebooks itself, but its executor waits without a limit for every
cell and for the kernel: a kernel that goes away or a cell that never answers stops the build
for good instead of failing it. This hook executes each ``*.ipynb`` page with nbclient the way
``tests/notebook/test_example_notebook.py`` does (a limit per cell and for the kernel's start,
widget state kept for the page), writes the executed copy to a temporary folder and points the
page at it, so mkdocs-jupyter (``execute: false``) renders real outputs. The committed notebooks
stay without outputs.

A cell error fails the build at once and names the notebook. A kernel that dies or does not
start, or a cell that does not answer within its limit, is more likely an accident of a loaded
machine than of the notebook (the test suite runs the same notebook, with its own limit, and
checks its outputs), so the notebook gets one more run before the build fails.

Set ``ASISDK_DOCS_EXECUTE=0`` to render the notebooks without outputs (a quick ``mkdocs serve``).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority

log = logging.getLogger("mkdocs.hooks.run_notebooks")

CELL_TIMEOUT_S = 300  # the slowest cell (clustering 419 events) takes a few seconds
STARTUP_TIMEOUT_S = 120
ATTEMPTS = 2

_executed_dir: Path | None = None


def _execute(source: Path, target: Path) -> None:
    import nbclient
    import nbformat
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    for attempt in range(1, ATTEMPTS + 1):
        notebook = nbformat.read(source, as_version=4)  # type: ignore[no-untyped-call]
        client = nbclient.NotebookClient(
            notebook,
            timeout=CELL_TIMEOUT_S,
            startup_timeout=STARTUP_TIMEOUT_S,
            kernel_name="python3",
            store_widget_state=True,
            resources={"metadata": {"path": str(source.parent)}},
        )
        try:
            client.execute()
        except CellExecutionError as exc:
            raise PluginError(f"{source}: a cell failed: {exc}") from exc
        except (CellTimeoutError, DeadKernelError, RuntimeError, TimeoutError) as exc:
            what = f"a cell ran over {CELL_TIMEOUT_S} s, or the kernel died or did not start"
            if attempt == ATTEMPTS:
                raise PluginError(f"{source}: {what}, {ATTEMPTS} times: {exc}") from exc
            log.warning("%s: %s (%s); trying again", source, what, exc)
            continue
        nbformat.write(notebook, target)  # type: ignore[no-untyped-call]
        return


# After mkdocs-jupyter has wrapped the notebook files: its wrapper computes the source path
# itself, so the executed copy's path is set on the wrapper.
@event_priority(-100)
def on_files(files: Any, config: Any) -> Any:
    """Execute every ``*.ipynb`` page and point it at its executed copy."""
    global _executed_dir
    if os.environ.get("ASISDK_DOCS_EXECUTE", "1") == "0":
        return files
    _executed_dir = Path(tempfile.mkdtemp(prefix="asisdk-docs-notebooks-"))
    for file in files:
        if not file.src_uri.endswith(".ipynb") or file.abs_src_path is None:
            continue
        source = Path(file.abs_src_path)
        target = _executed_dir / file.src_uri
        target.parent.mkdir(parents=True, exist_ok=True)
        log.info("Executing notebook: %s", file.src_uri)
        _execute(source, target)
        file.abs_src_path = str(target)
    return files


def on_post_build(config: Any) -> None:
    """Remove the executed copies."""
    global _executed_dir
    if _executed_dir is not None:
        shutil.rmtree(_executed_dir, ignore_errors=True)
        _executed_dir = None
