"""The docs build's notebook runner (docs/hooks/run_notebooks.py) fails instead of hanging."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

PluginError = pytest.importorskip("mkdocs.exceptions", reason="the hook needs mkdocs").PluginError
File = pytest.importorskip("mkdocs.structure.files", reason="the hook needs mkdocs").File
nbformat = pytest.importorskip("nbformat", reason="nbformat is a test dependency")
pytest.importorskip("nbclient", reason="nbclient is a test dependency")
pytest.importorskip("ipykernel", reason="ipykernel runs the notebook")

HOOK = Path(__file__).parents[1] / "docs" / "hooks" / "run_notebooks.py"


@pytest.fixture
def hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("run_notebooks", HOOK)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _notebook(folder: Path, *sources: str) -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    path = folder / "example.ipynb"
    nbformat.write(notebook, path)
    return path


def _texts(path: Path) -> str:
    notebook = nbformat.read(path, as_version=4)
    return "".join(
        str(output.get("text", "")) for cell in notebook.cells for output in cell.get("outputs", [])
    )


def test_a_page_is_pointed_at_its_executed_copy(hook: ModuleType, tmp_path: Path) -> None:
    source = _notebook(tmp_path, "print(6 * 7)")
    page = File(
        "example.ipynb",
        src_dir=str(tmp_path),
        dest_dir=str(tmp_path / "site"),
        use_directory_urls=True,
    )
    other = File(
        "index.md", src_dir=str(tmp_path), dest_dir=str(tmp_path / "site"), use_directory_urls=True
    )
    files: Any = hook.on_files([page, other], config={})
    executed = Path(page.abs_src_path or "")
    assert executed != source
    assert executed.name == "example.ipynb"
    assert _texts(executed) == "42\n"
    assert _texts(source) == ""  # the committed notebook keeps no outputs
    assert other.abs_src_path == str(tmp_path / "index.md")
    assert files == [page, other]
    hook.on_post_build(config={})
    assert not executed.exists()


def test_execution_can_be_turned_off(
    hook: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _notebook(tmp_path, "print(6 * 7)")
    monkeypatch.setenv("ASISDK_DOCS_EXECUTE", "0")
    page = File(
        "example.ipynb",
        src_dir=str(tmp_path),
        dest_dir=str(tmp_path / "site"),
        use_directory_urls=True,
    )
    hook.on_files([page], config={})
    assert page.abs_src_path == str(tmp_path / "example.ipynb")


def test_a_cell_error_fails_the_build_and_names_the_notebook(
    hook: ModuleType, tmp_path: Path
) -> None:
    source = _notebook(tmp_path, "1 / 0")
    with pytest.raises(PluginError, match=r"example\.ipynb: a cell failed: ") as caught:
        hook._execute(source, tmp_path / "out.ipynb")
    assert "ZeroDivisionError" in str(caught.value)
    assert not (tmp_path / "out.ipynb").exists()


def test_a_cell_over_its_limit_gets_one_more_run_then_fails_the_build(
    hook: ModuleType,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(hook, "CELL_TIMEOUT_S", 2)
    source = _notebook(tmp_path, "import time\ntime.sleep(60)")
    with pytest.raises(PluginError, match=r"a cell ran over 2 s, .*, 2 times"):
        hook._execute(source, tmp_path / "out.ipynb")
    assert "trying again" in caplog.text


def test_a_kernel_that_dies_gets_one_more_try_then_fails(
    hook: ModuleType, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = _notebook(tmp_path, "import os\nos._exit(1)")
    with pytest.raises(PluginError, match="the kernel died or did not start, 2 times"):
        hook._execute(source, tmp_path / "out.ipynb")
    assert "trying again" in caplog.text
