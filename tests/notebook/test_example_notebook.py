"""The example notebook runs top to bottom in a real kernel without a cell error."""

from __future__ import annotations

from pathlib import Path

import pytest

nbclient = pytest.importorskip("nbclient", reason="nbclient is a test dependency")
nbformat = pytest.importorskip("nbformat", reason="nbformat is a test dependency")
pytest.importorskip("ipykernel", reason="ipykernel runs the notebook")

NOTEBOOK = Path(__file__).parents[2] / "docs" / "notebooks" / "investigation.ipynb"


def _outputs(notebook: object) -> list[dict[str, object]]:
    return [
        output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs
    ]  # type: ignore[attr-defined]


def test_investigation_notebook_runs_and_shows_its_results(tmp_path: Path) -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), (
        "commit the notebook without outputs"
    )
    client = nbclient.NotebookClient(
        notebook,
        timeout=180,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # raises CellExecutionError on any cell error
    outputs = _outputs(notebook)
    assert not [o for o in outputs if o["output_type"] == "error"]
    html = "".join(str(o.get("data", {}).get("text/html", "")) for o in outputs)  # type: ignore[union-attr]
    text = "".join(str(o.get("text", "")) for o in outputs)
    assert "Suspicious PowerShell encoded command launched by a script host" in html
    assert "Sysmon: process created" in html
    assert "12 decoded layers" in html  # the Unpacked tree view: payload, bypass names, URL
    assert "http://10.10.10.5" in html
    assert "<td>ipv4</td>" in html  # the IoC table
    assert "<b>QueryResult</b>" in html  # the local query's result view
    # geolocation of ::1, or the advice to get a database when none is installed
    assert "<td>loopback</td>" in html or "asisdk geo update" in text
    assert "<b>ClusterResult</b> (dbscan): 419 events" in html
    assert "VirusTotal skipped ('Skip'" in text  # the top-level await timed out to the default
    assert "whoami.exe [9152]" in text
    bokeh_runs = [o for o in outputs if "application/vnd.bokehjs_exec.v0+json" in o.get("data", {})]  # type: ignore[operator]
    assert len(bokeh_runs) == 3  # timeline, duration plot, process tree
    widgets = [
        o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
    ]  # type: ignore[operator]
    assert len(widgets) >= 4  # alert picker, time range, key prompt, buttons
