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

# cqlsh for the Cassandra nodes (roles/cassandra), at the version the role
# installs. pip wheel downloads the wheels and builds one for each dependency
# published only as a source archive (pure-sasl), so nodes install offline
# with --no-index. The wheels are for this venv's Python (3.11), the same
# minor version as the nodes' /usr/bin/python3 on Debian 12.
cqlsh_version=$(.venv/bin/python -c 'import yaml, sys; print(yaml.safe_load(open(sys.argv[1]))["cassandra_cqlsh_version"])' roles/cassandra/defaults/main.yml)
cqlsh_wheelhouse=.cache/wheelhouse/cqlsh
if compgen -G "$cqlsh_wheelhouse/cqlsh-$cqlsh_version-*.whl" >/dev/null; then
  echo "artifacts: cqlsh $cqlsh_version already in $cqlsh_wheelhouse"
else
  echo "artifacts: building the cqlsh $cqlsh_version wheelhouse in $cqlsh_wheelhouse"
  mkdir -p "$cqlsh_wheelhouse"
  .venv/bin/pip wheel --quiet --disable-pip-version-check --wheel-dir "$cqlsh_wheelhouse" "cqlsh==$cqlsh_version"
fi
