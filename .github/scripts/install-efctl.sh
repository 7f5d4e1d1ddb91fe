#!/usr/bin/env bash
# Install efctl for a workflow job. This repository installs its own checkout; a repository that
# only holds declarations pins a release instead: python -m pip install 'efctl==X.Y.Z'.
set -euo pipefail
python -m pip install --disable-pip-version-check --quiet .
efctl --version
