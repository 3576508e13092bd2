"""The ``>>>`` examples in every module of the ``marsad`` namespace are tests too."""
from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import marsad.analyzers
import marsad.index
import marsad.search
import marsad.web


def _modules() -> list[str]:
    names = []
    for pkg in (marsad.analyzers, marsad.index, marsad.search, marsad.web):
        names.append(pkg.__name__)
        names += [m.name for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".")]
    return sorted(names)


MODULES = _modules()


def test_every_layer_has_modules():
    assert {m.split(".")[1] for m in MODULES} == {"analyzers", "index", "search", "web"}
    assert len(MODULES) > 20


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    mod = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(mod, name):
        runner.run(test)
    res = runner.summarize(verbose=False)
    assert res.failed == 0, f"{res.failed} of {res.attempted} examples failed in {name}"
