#!/usr/bin/env bash
# mypy over the installed namespace: the four folders install as marsad.analyzers, marsad.index,
# marsad.search, marsad.web (setuptools package-dir), a mapping mypy cannot follow. So check a
# tree of symlinks (.typecheck/marsad/<layer> -> <layer>), configured by pyproject.toml [tool.mypy].
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .typecheck/marsad
: > .typecheck/marsad/__init__.py
for layer in analyzers index search web; do
    ln -sfn "../../$layer" ".typecheck/marsad/$layer"
done
cd .typecheck
exec ../.venv/bin/mypy --config-file ../pyproject.toml -p marsad
