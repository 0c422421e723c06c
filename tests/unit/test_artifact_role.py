"""The artifact role's archive source against mirrors served on 127.0.0.1.

No machine of this project reaches the Apache archive, so each test serves a
release-layout archive from one local HTTP server (the mirror) and its `.sha512`
from another (the official host), then runs the role against localhost with the
node's install directory under tmp_path.
"""

import functools
import hashlib
import http.server
import io
import subprocess
import sys
import tarfile
import threading
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
ANSIBLE_PLAYBOOK = Path(sys.executable).parent / "ansible-playbook"
RELEASE = "kafka_2.13-4.1.1"
ARCHIVE_NAME = RELEASE + ".tgz"


def release_archive():
    """Return a gzip tarball in the Kafka release layout: bin/, config/, libs/."""
    members = {
        "bin/kafka-server-start.sh": b"#!/bin/sh\nexit 0\n",
        "config/server.properties": b"process.roles=broker,controller\n",
        "libs/kafka_2.13-4.1.1.jar": b"PK\x05\x06" + b"\x00" * 18,
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in members.items():
            info = tarfile.TarInfo("%s/%s" % (RELEASE, name))
            info.size = len(content)
            info.mode = 0o755 if name.startswith("bin/") else 0o644
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def gpg_print_md(name, digest):
    """Format a digest as the `.sha512` files on the Apache host are written."""
    groups = [digest[i : i + 8].upper() for i in range(0, len(digest), 8)]
    lines = [" ".join(groups[i : i + 8]) for i in range(0, len(groups), 8)]
    return name + ": " + ("\n" + " " * (len(name) + 2)).join(lines) + "\n"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture
def serve(tmp_path):
    """Start HTTP servers on 127.0.0.1 for directories; stop them after the test."""
    servers = []

    def start(directory):
        handler = functools.partial(QuietHandler, directory=str(directory))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
        thread.daemon = True
        thread.start()
        servers.append((server, thread))
        return "http://127.0.0.1:%d" % server.server_port

    yield start

    for server, thread in servers:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def release(tmp_path, serve):
    """Serve the archive from a mirror and its checksum file from an official host."""
    content = release_archive()
    digest = hashlib.sha512(content).hexdigest()

    mirror_dir = tmp_path / "mirror" / "kafka" / "4.1.1"
    mirror_dir.mkdir(parents=True)
    (mirror_dir / ARCHIVE_NAME).write_bytes(content)
    official_dir = tmp_path / "official" / "kafka" / "4.1.1"
    official_dir.mkdir(parents=True)
    (official_dir / (ARCHIVE_NAME + ".sha512")).write_text(gpg_print_md(ARCHIVE_NAME, digest))

    mirror = serve(tmp_path / "mirror")
    official = serve(tmp_path / "official")
    return {
        "digest": digest,
        "official_checksum": official_dir / (ARCHIVE_NAME + ".sha512"),
        "archive_url": "%s/kafka/4.1.1/%s" % (mirror, ARCHIVE_NAME),
        "checksum_url": "%s/kafka/4.1.1/%s.sha512" % (official, ARCHIVE_NAME),
        "mirror_checksum_url": "%s/kafka/4.1.1/%s.sha512" % (mirror, ARCHIVE_NAME),
    }


def run_role(tmp_path, **role_vars):
    """Run the artifact role on localhost and return the finished process."""
    role_vars = {
        "artifact_component": "kafka",
        "artifact_version": "4.1.1",
        "artifact_source": "archive",
        "artifact_cache_dir": str(tmp_path / "cache"),
        "artifact_install_dir": str(tmp_path / "opt" / "kafka"),
        "artifact_download_timeout": 10,
        **role_vars,
    }
    role_vars = {name: value for name, value in role_vars.items() if value is not None}
    playbook = tmp_path / "playbook.yml"
    playbook.write_text(
        yaml.safe_dump(
            [
                {
                    "name": "Install a release with the artifact role",
                    "hosts": "all",
                    "gather_facts": False,
                    "tasks": [
                        {
                            "name": "Install the release",
                            "ansible.builtin.include_role": {"name": "artifact"},
                            "vars": role_vars,
                        }
                    ],
                }
            ]
        )
    )
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(
        yaml.safe_dump(
            {
                "all": {
                    "hosts": {
                        "localhost": {
                            "ansible_connection": "local",
                            "ansible_python_interpreter": sys.executable,
                        }
                    }
                }
            }
        )
    )
    environment = {
        "PATH": "%s:/usr/bin:/bin" % ANSIBLE_PLAYBOOK.parent,
        "ANSIBLE_ROLES_PATH": str(REPO / "roles"),
        "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
        "ANSIBLE_NOCOLOR": "1",
        "NO_PROXY": "127.0.0.1",
        "no_proxy": "127.0.0.1",
        "HOME": str(Path.home()),
    }
    return subprocess.run(
        [str(ANSIBLE_PLAYBOOK), "-i", str(inventory), str(playbook)],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def recap_changed(output):
    """Return the changed= count of localhost in a play recap."""
    line = [row for row in output.splitlines() if row.startswith("localhost") and "changed=" in row][-1]
    return int(line.split("changed=")[1].split()[0])


def test_archive_with_official_checksum_installs(tmp_path, release):
    role_vars = {
        "artifact_archive_url": release["archive_url"],
        "artifact_archive_checksum_url": release["checksum_url"],
    }
    result = run_role(tmp_path, **role_vars)
    assert result.returncode == 0, result.stdout + result.stderr

    current = tmp_path / "opt" / "kafka" / "current"
    assert (current / "libs" / "kafka_2.13-4.1.1.jar").is_file()
    assert (current / "bin" / "kafka-server-start.sh").is_file()
    assert (current / ".artifact.sha512").read_text().strip() == release["digest"]

    cached = tmp_path / "cache" / "kafka" / "4.1.1" / ARCHIVE_NAME
    assert hashlib.sha512(cached.read_bytes()).hexdigest() == release["digest"]

    second = run_role(tmp_path, **role_vars)
    assert second.returncode == 0, second.stdout + second.stderr
    assert recap_changed(second.stdout) == 0, second.stdout


def test_archive_with_pinned_checksum_installs(tmp_path, release):
    result = run_role(
        tmp_path,
        artifact_archive_url=release["archive_url"],
        artifact_sha512=release["digest"].upper(),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "opt" / "kafka" / "current" / "libs" / "kafka_2.13-4.1.1.jar").is_file()


def assert_nothing_installed(tmp_path):
    assert not (tmp_path / "opt").exists(), "the node's install directory was created"
    assert not (tmp_path / "cache" / "kafka" / "4.1.1" / ARCHIVE_NAME).exists(), "an unverified archive was cached"


def test_archive_wrong_official_checksum_fails(tmp_path, release):
    wrong = hashlib.sha512(b"another release").hexdigest()
    release["official_checksum"].write_text(gpg_print_md(ARCHIVE_NAME, wrong))

    result = run_role(
        tmp_path,
        artifact_archive_url=release["archive_url"],
        artifact_archive_checksum_url=release["checksum_url"],
    )

    assert result.returncode != 0
    assert "SHA-512 mismatch" in result.stdout, result.stdout
    assert release["digest"] in result.stdout.replace("\n", "").replace(" ", "")
    assert_nothing_installed(tmp_path)


def test_archive_wrong_pinned_checksum_fails(tmp_path, release):
    result = run_role(
        tmp_path,
        artifact_archive_url=release["archive_url"],
        artifact_sha512=hashlib.sha512(b"another release").hexdigest(),
    )

    assert result.returncode != 0
    assert "SHA-512 mismatch" in result.stdout, result.stdout
    assert_nothing_installed(tmp_path)


def test_archive_missing_checksum_file_fails(tmp_path, release):
    release["official_checksum"].unlink()

    result = run_role(
        tmp_path,
        artifact_archive_url=release["archive_url"],
        artifact_archive_checksum_url=release["checksum_url"],
    )

    assert result.returncode != 0
    assert "checksum of %s is missing" % ARCHIVE_NAME in result.stdout, result.stdout
    assert "404" in result.stdout
    assert_nothing_installed(tmp_path)


def test_archive_without_any_checksum_fails(tmp_path, release):
    result = run_role(tmp_path, artifact_archive_url=release["archive_url"])

    assert result.returncode != 0
    assert "no SHA-512 to check" in result.stdout, result.stdout
    assert_nothing_installed(tmp_path)


def test_archive_checksum_from_mirror_fails(tmp_path, release):
    result = run_role(
        tmp_path,
        artifact_archive_url=release["archive_url"],
        artifact_archive_checksum_url=release["mirror_checksum_url"],
    )

    assert result.returncode != 0
    assert "on the mirror's host" in result.stdout, result.stdout
    assert_nothing_installed(tmp_path)


def test_missing_component_fails_validation(tmp_path, release):
    result = run_role(tmp_path, artifact_component=None, artifact_archive_url=release["archive_url"])

    assert result.returncode != 0
    assert "artifact_component" in result.stdout, result.stdout
    assert_nothing_installed(tmp_path)
