#!/usr/bin/env bash
# make demo: lab hosts, the whole stack converged by site.yml, the bundled SETI
# data replayed through Kafka, Spark and Cassandra, the anomalies printed and
# plotted. A second run keeps healthy hosts and converged services.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH" ANSIBLE_CONFIG="$PWD/ansible.cfg"

step() { printf '\n== %s\n' "$*"; }

step "lab hosts (inventory/lab)"
python -m tests.lab up --set default

step "the stack: Kafka, Cassandra, Spark, detector, producer (playbooks/site.yml)"
started=$(date +%s)
ansible-playbook playbooks/site.yml
echo "site.yml took $(( $(date +%s) - started )) s"

step "replaying the bundled SETI data"
python scripts/demo.py "$@"
