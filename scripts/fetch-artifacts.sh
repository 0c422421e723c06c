#!/usr/bin/env bash
# Fill the control node's artifact cache (.cache/artifacts) from the package
# registries. Roles copy from this cache to the nodes; nodes never download.
# Each release is fetched and verified once; later runs only re-check checksums.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .cache/artifacts

# --- Python wheelhouse (.cache/wheelhouse) -----------------------------------
# Wheels for the Python packages that roles install into venvs on the nodes
# (roles/python_venv installs them with pip --no-index). The wheels are built
# by the control node's Python 3.11, the same minor version as Debian 12's
# /usr/bin/python3 on the nodes, so platform wheels match too.
# pip wheel builds a wheel for packages that PyPI only serves as an sdist and
# reuses wheels already in the directory, so a second run is quick.
mkdir -p .cache/wheelhouse
.venv/bin/pip wheel --quiet --disable-pip-version-check \
  --wheel-dir .cache/wheelhouse --find-links .cache/wheelhouse \
  -r scripts/wheelhouse-requirements.txt
echo "wheelhouse: $(ls .cache/wheelhouse | wc -l) wheels in .cache/wheelhouse"

# --- Spark's Kafka source (.cache/artifacts/spark-sql-kafka/<version>) -------
# spark-sql-kafka-0-10 and the runtime jars it needs beyond the pyspark wheel,
# resolved by Maven from the pom under scripts/maven/spark-sql-kafka.
spark_version=4.1.1
spark_kafka_dir=.cache/artifacts/spark-sql-kafka/$spark_version
if ! ls "$spark_kafka_dir"/spark-sql-kafka-0-10_2.13-"$spark_version".jar >/dev/null 2>&1; then
  mkdir -p "$spark_kafka_dir.tmp"
  mvn --quiet --batch-mode -f scripts/maven/spark-sql-kafka/pom.xml \
    -Dspark.version="$spark_version" \
    dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$PWD/$spark_kafka_dir.tmp"
  rm -rf "$spark_kafka_dir"
  mv "$spark_kafka_dir.tmp" "$spark_kafka_dir"
fi
echo "spark-sql-kafka: $(ls "$spark_kafka_dir" | wc -l) jars in $spark_kafka_dir"

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

export ANSIBLE_CONFIG="$PWD/ansible.cfg"
export PATH="$PWD/.venv/bin:$PATH"
ansible-playbook -i inventory/lab playbooks/artifacts.yml
