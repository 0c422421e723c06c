#!/usr/bin/env bash
# Fill the control node's artifact cache (.cache/artifacts) from the package
# registries. Roles copy from this cache to the nodes; nodes never download.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .cache/artifacts
