"""Marsad installs as one namespace, ``marsad``; nothing in the repo imports a bare top-level name.

The folders ``analyzers/``, ``index/``, ``search/`` and ``web/`` are mapped by
``pyproject.toml`` to ``marsad.analyzers`` … ``marsad.web``; installed bare,
``web`` or ``index`` would collide with other distributions.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("analyzers", "index", "search", "web")


def _python_files() -> list[Path]:
    out = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:  # not a git checkout: walk the tree
        return [p for p in ROOT.rglob("*.py") if ".venv" not in p.parts]
    return [ROOT / f for f in out.stdout.split()]


def test_no_module_imports_a_bare_layer_name():
    bad = []
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            bad += [f"{path.relative_to(ROOT)}:{node.lineno}: {n}" for n in names if n.split(".")[0] in LAYERS]
    assert not bad, "import through marsad.<layer>:\n" + "\n".join(bad)


def test_layers_import_under_marsad_only():
    import marsad.analyzers  # noqa: F401 - the layers, looked up in sys.modules below
    import marsad.index
    import marsad.search
    import marsad.web
    import marsad.web.cli  # noqa: F401 - the console script's module

    for layer in LAYERS:
        mod = sys.modules[f"marsad.{layer}"]
        assert Path(mod.__file__).resolve().parent == ROOT / layer
        assert layer not in sys.modules, f"bare module {layer!r} was imported"


def test_a_fresh_install_exposes_only_marsad(tmp_path):
    """A real (non-editable) install puts one top-level package into site-packages."""
    target = tmp_path / "site"
    r = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                        "--target", str(target), str(ROOT)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.fail(f"pip install failed:\n{r.stderr[-2000:]}")
    top = sorted(p.name for p in target.iterdir() if not p.name.endswith(".dist-info") and p.name != "bin")
    assert top == ["marsad"], top
    assert sorted(p.name for p in (target / "marsad").iterdir() if p.is_dir() and p.name != "__pycache__") == \
        sorted(LAYERS)
    # and it works from there, the checkout nowhere on the path
    code = (f"import sys; sys.path[:] = [p for p in sys.path if p not in ('', {str(ROOT)!r})]; sys.path.insert(0, {str(target)!r}); "
            "import marsad.analyzers as a; print(a.__file__)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().startswith(str(target))
