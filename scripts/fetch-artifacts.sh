#!/usr/bin/env bash
# Fill the control node's artifact cache (.cache/artifacts) from the package
# registries. Roles copy from this cache to the nodes; nodes never download.
# Each release is fetched and verified once; later runs only re-check checksums.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .cache/artifacts

export ANSIBLE_CONFIG="$PWD/ansible.cfg"
export PATH="$PWD/.venv/bin:$PATH"
ansible-playbook -i inventory/lab playbooks/artifacts.yml
