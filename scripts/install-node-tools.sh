#!/usr/bin/env bash
# Install the Node.js tools that `make test` uses into a prefix inside the
# checkout (.cache/npm), so nothing is installed globally:
# npm-groovy-lint checks the Jenkinsfiles' Groovy syntax without a Jenkins.
# npm-groovy-lint 15.2 needs Node.js 20 or newer and Java 17 (version 18
# needs Node.js 22, which Debian 12 does not ship).
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=.cache/npm
groovy_lint_version=15.2.2

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "error: node and npm not found; run scripts/install-system-packages.sh as root" >&2
  exit 1
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "error: npm-groovy-lint $groovy_lint_version needs Node.js 20 or newer, found $(node --version)" >&2
  exit 1
fi

installed=$(node -p "require('./$prefix/lib/node_modules/npm-groovy-lint/package.json').version" 2>/dev/null || true)
if [ "$installed" = "$groovy_lint_version" ]; then
  echo "node tools: npm-groovy-lint $groovy_lint_version present"
  exit 0
fi

echo "node tools: installing npm-groovy-lint $groovy_lint_version into $prefix"
mkdir -p "$prefix"
npm install --global --prefix "$prefix" --no-audit --no-fund --loglevel=error \
  "npm-groovy-lint@$groovy_lint_version"
