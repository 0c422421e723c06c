"""Unit tests of the artifact_cache module's checksum parsing and packing."""

import hashlib
import importlib.util
import tarfile
from pathlib import Path

import pytest

MODULE_PATH = Path(__file__).resolve().parents[2] / "roles/artifact/library/artifact_cache.py"
spec = importlib.util.spec_from_file_location("artifact_cache", MODULE_PATH)
artifact_cache = importlib.util.module_from_spec(spec)
spec.loader.exec_module(artifact_cache)

DIGEST = hashlib.sha512(b"release").hexdigest()


def gpg_print_md(name, digest):
    """Format a digest as `gpg --print-md SHA512` does: upper case, grouped, wrapped."""
    groups = [digest[i : i + 8].upper() for i in range(0, len(digest), 8)]
    lines = [" ".join(groups[i : i + 8]) for i in range(0, len(groups), 8)]
    indent = " " * (len(name) + 2)
    return name + ": " + ("\n" + indent).join(lines) + "\n"


def test_parse_sha512sum_format():
    text = "%s  kafka_2.13-4.1.1.tgz\n" % DIGEST
    assert artifact_cache.parse_sha512(text, "kafka_2.13-4.1.1.tgz") == DIGEST


def test_parse_bare_digest():
    assert artifact_cache.parse_sha512(DIGEST.upper() + "\n") == DIGEST


def test_parse_gpg_print_md_format():
    text = gpg_print_md("kafka_2.13-4.1.1.tgz", DIGEST)
    assert "\n" in text.strip()
    assert artifact_cache.parse_sha512(text, "kafka_2.13-4.1.1.tgz") == DIGEST


def test_parse_rejects_other_file_name():
    with pytest.raises(artifact_cache.ArtifactError, match="for other.tgz"):
        artifact_cache.parse_sha512("%s  other.tgz" % DIGEST, "kafka_2.13-4.1.1.tgz")

    with pytest.raises(artifact_cache.ArtifactError, match="for other.tgz"):
        artifact_cache.parse_sha512(gpg_print_md("other.tgz", DIGEST), "kafka_2.13-4.1.1.tgz")


@pytest.mark.parametrize(
    "text",
    ["", "   \n", "<html>404 Not Found</html>", DIGEST[:-2] + "  x.tgz", "x.tgz: ABCD 1234"],
)
def test_parse_rejects_text_without_digest(text):
    with pytest.raises(artifact_cache.ArtifactError):
        artifact_cache.parse_sha512(text)


def test_normalize_pinned_digest():
    spaced = " ".join(DIGEST[i : i + 16].upper() for i in range(0, 128, 16))
    assert artifact_cache.normalize_sha512(spaced) == DIGEST

    with pytest.raises(artifact_cache.ArtifactError, match="invalid"):
        artifact_cache.normalize_sha512("abc123")


def test_render_pom_replaces_central(tmp_path):
    params = {
        "component": "kafka",
        "version": "4.1.1",
        "maven_repository_url": "http://127.0.0.1:8081/maven2",
        "maven_coordinates": ["org.apache.kafka:kafka_2.13:4.1.1"],
    }
    pom = artifact_cache.render_pom(params)

    assert "<id>central</id><url>http://127.0.0.1:8081/maven2</url>" in pom
    assert "<artifactId>kafka_2.13</artifactId><version>4.1.1</version>" in pom


def test_render_pom_rejects_bad_coordinate():
    params = {
        "component": "kafka",
        "version": "4.1.1",
        "maven_repository_url": "https://repo.maven.apache.org/maven2",
        "maven_coordinates": ["org.apache.kafka:kafka_2.13"],
    }
    with pytest.raises(artifact_cache.ArtifactError, match="invalid Maven coordinate"):
        artifact_cache.render_pom(params)


def test_pack_tarball_is_reproducible(tmp_path):
    source = tmp_path / "package"
    (source / "libs").mkdir(parents=True)
    (source / "libs" / "b.jar").write_bytes(b"b")
    (source / "libs" / "a.jar").write_bytes(b"a")

    first, second = tmp_path / "first.tar.gz", tmp_path / "second.tar.gz"
    artifact_cache.pack_tarball(str(source), "kafka-4.1.1", str(first))
    (source / "libs" / "a.jar").touch()
    artifact_cache.pack_tarball(str(source), "kafka-4.1.1", str(second))

    assert first.read_bytes() == second.read_bytes()
    with tarfile.open(first) as archive:
        names = archive.getnames()
    assert names == ["kafka-4.1.1", "kafka-4.1.1/libs", "kafka-4.1.1/libs/a.jar", "kafka-4.1.1/libs/b.jar"]


def test_maven_pack_detects_changed_cache(tmp_path):
    release_dir = tmp_path / "kafka" / "4.1.1"
    release_dir.mkdir(parents=True)
    pack = release_dir / "kafka-4.1.1-maven.tar.gz"
    pack.write_bytes(b"tampered")
    artifact_cache.write_recorded_sha512(str(pack) + ".sha512", DIGEST, pack.name)
    params = {
        "component": "kafka",
        "version": "4.1.1",
        "package_name": "",
        "maven_coordinates": ["org.apache.kafka:kafka_2.13:4.1.1"],
    }

    def run_command(command):
        raise AssertionError("Maven must not run when the cache has a pack")

    with pytest.raises(artifact_cache.ArtifactError, match="corrupt or was changed"):
        artifact_cache.ensure_maven_pack(params, str(release_dir), run_command)
