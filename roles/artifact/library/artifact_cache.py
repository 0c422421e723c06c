#!/usr/bin/python
# -*- coding: utf-8 -*-
"""Fill and verify the control node's artifact cache for one component release."""

from __future__ import annotations

DOCUMENTATION = r"""
module: artifact_cache
short_description: Fetch a release into the control node's cache and verify its SHA-512.
description:
  - Keeps one release of a component under C(CACHE_DIR/COMPONENT/VERSION/) and returns
    the path and SHA-512 of the tarball that nodes unpack.
  - C(source=archive) downloads the official release archive from a mirror and checks it
    against a pinned SHA-512 or against the C(.sha512) file published on the official host.
  - C(source=maven) resolves Maven coordinates with their runtime dependencies through
    C(mvn dependency:copy-dependencies) and packs the jars in the release's layout; the
    tarball's SHA-512 is recorded beside it at pack time and checked on every later run.
  - A missing or wrong checksum fails the module and leaves nothing unverified in the cache.
options:
  component: {type: str, required: true, description: Component name, used in cache paths.}
  version: {type: str, required: true, description: Release version.}
  source: {type: str, required: true, choices: [archive, maven], description: Where the release comes from.}
  cache_dir: {type: path, required: true, description: Root of the cache on the control node.}
  archive_url: {type: str, description: URL of the release archive on the mirror.}
  checksum_url: {type: str, description: URL of the release's .sha512 file on the official host.}
  sha512: {type: str, description: Pinned SHA-512 of the archive; when set, checksum_url is not read.}
  maven_repository_url: {type: str, description: Maven repository to resolve from.}
  maven_coordinates: {type: list, elements: str, description: groupId:artifactId:version of each root artifact.}
  maven_layout_dir: {type: str, default: libs, description: Directory of the jars inside the packed release.}
  maven_executable: {type: str, default: mvn, description: Maven command on the control node.}
  package_name: {type: str, description: Top directory inside the packed tarball; COMPONENT-VERSION by default.}
  timeout: {type: int, default: 60, description: Timeout of each HTTP request in seconds.}
"""

import gzip
import hashlib
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.urls import open_url

SHA512_HEX_LENGTH = 128
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
COORDINATE_PATTERN = re.compile(r"^[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+:[A-Za-z0-9_.+-]+$")


class ArtifactError(Exception):
    """A release that cannot be fetched or verified."""


def parse_sha512(text, filename=None):
    """Return the lower-case SHA-512 hex digest written in a .sha512 file.

    Accepts the sha512sum format (``HEX  NAME`` or ``HEX``) and the multi-line
    ``gpg --print-md SHA512`` format (``NAME: HEX HEX ...``) that Apache
    projects such as Kafka publish. Raises ArtifactError when no digest is found
    or when the file names another file than ``filename``.
    """
    text = text.strip()
    if not text:
        raise ArtifactError("the checksum file is empty")

    first_token = text.split()[0]
    if re.fullmatch(r"[0-9A-Fa-f]{%d}" % SHA512_HEX_LENGTH, first_token):
        named = text.split()[1:]
        if filename and named and named[0].lstrip("*") != filename:
            raise ArtifactError("the checksum file is for %s, not %s" % (named[0], filename))
        return first_token.lower()

    name, separator, digest = text.partition(":")
    if separator:
        digest_hex = "".join(digest.split())
        if re.fullmatch(r"[0-9A-Fa-f]{%d}" % SHA512_HEX_LENGTH, digest_hex):
            if filename and name.strip() != filename:
                raise ArtifactError("the checksum file is for %s, not %s" % (name.strip(), filename))
            return digest_hex.lower()

    raise ArtifactError("no SHA-512 digest found in the checksum file")


def normalize_sha512(value):
    """Return a pinned SHA-512 as 128 lower-case hex digits, or raise ArtifactError."""
    digest = "".join(value.split()).lower()
    if not re.fullmatch(r"[0-9a-f]{%d}" % SHA512_HEX_LENGTH, digest):
        raise ArtifactError(
            "the pinned SHA-512 %r is invalid: expected %d hex digits" % (value, SHA512_HEX_LENGTH)
        )
    return digest


def file_sha512(path):
    """Return the SHA-512 hex digest of a file."""
    digest = hashlib.sha512()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_recorded_sha512(path):
    """Return the digest recorded in a sha512sum-format file, or None when it is missing."""
    if not os.path.exists(path):
        return None
    with open(path, encoding="ascii") as stream:
        return parse_sha512(stream.read())


def write_recorded_sha512(path, digest, filename):
    """Record a digest in sha512sum format, so `sha512sum -c` can check the cache too."""
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="ascii") as stream:
        stream.write("%s  %s\n" % (digest, filename))
    os.replace(temporary, path)


def http_get(url, timeout):
    """Return an open HTTP response for url, raising ArtifactError with the URL on failure."""
    try:
        return open_url(url, timeout=timeout, follow_redirects="safe")
    except Exception as error:  # open_url raises HTTPError, URLError, socket errors, ...
        raise ArtifactError("GET %s failed: %s" % (url, error)) from error


def download(url, destination, timeout):
    """Stream url into destination."""
    response = http_get(url, timeout)
    with open(destination, "wb") as stream:
        shutil.copyfileobj(response, stream, 1 << 20)


def expected_archive_sha512(params, filename):
    """Return the SHA-512 the archive must have: the pinned one or the official .sha512 file."""
    if params["sha512"]:
        return normalize_sha512(params["sha512"]), "pinned artifact_sha512"

    checksum_url = params["checksum_url"]
    if not checksum_url:
        raise ArtifactError(
            "no SHA-512 to check %s against: pin artifact_sha512 or set "
            "artifact_archive_checksum_url to the .sha512 file on the official host" % filename
        )
    if urlsplit(checksum_url).netloc == urlsplit(params["archive_url"]).netloc:
        raise ArtifactError(
            "artifact_archive_checksum_url (%s) is on the mirror's host; a mirror's own "
            ".sha512 proves nothing, so point it at the official host or pin "
            "artifact_sha512" % checksum_url
        )

    try:
        text = http_get(checksum_url, params["timeout"]).read().decode("utf-8", "replace")
        return parse_sha512(text, filename), checksum_url
    except ArtifactError as error:
        raise ArtifactError(
            "the SHA-512 checksum of %s is missing or unreadable (%s); pin artifact_sha512 "
            "or fix artifact_archive_checksum_url" % (filename, error)
        ) from error


def ensure_archive(params, release_dir):
    """Download and verify the release archive unless the cache already has it."""
    archive_url = params["archive_url"]
    if not archive_url:
        raise ArtifactError("artifact_archive_url is required when artifact_source is archive")

    filename = os.path.basename(urlsplit(archive_url).path)
    path = os.path.join(release_dir, filename)
    checksum_path = path + ".sha512"
    expected, checksum_source = expected_archive_sha512(params, filename)

    if os.path.exists(path) and file_sha512(path) == expected:
        write_recorded_sha512(checksum_path, expected, filename)
        return path, expected, False

    descriptor, temporary = tempfile.mkstemp(prefix=filename + ".", suffix=".part", dir=release_dir)
    os.close(descriptor)
    try:
        download(archive_url, temporary, params["timeout"])
        actual = file_sha512(temporary)
        if actual != expected:
            raise ArtifactError(
                "SHA-512 mismatch for %s: the download has %s, %s expects %s; nothing was "
                "installed and the download was discarded"
                % (archive_url, actual, checksum_source, expected)
            )
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)

    write_recorded_sha512(checksum_path, expected, filename)
    return path, expected, True


def render_pom(params):
    """Return a pom.xml that depends on the coordinates and resolves from one repository.

    The repository and plugin repository use the id `central`, so they replace
    Maven's built-in Central entry: an internal mirror is then the only source.
    """
    dependencies = []
    for coordinate in params["maven_coordinates"]:
        if not COORDINATE_PATTERN.match(coordinate):
            raise ArtifactError(
                "invalid Maven coordinate %r: expected groupId:artifactId:version" % coordinate
            )
        group_id, artifact_id, version = coordinate.split(":")
        dependencies.append(
            "    <dependency><groupId>%s</groupId><artifactId>%s</artifactId>"
            "<version>%s</version></dependency>" % (group_id, artifact_id, version)
        )

    repository = escape(params["maven_repository_url"])
    return "\n".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<project xmlns="http://maven.apache.org/POM/4.0.0">',
            "  <modelVersion>4.0.0</modelVersion>",
            "  <groupId>seti-stream.artifacts</groupId>",
            "  <artifactId>%s</artifactId>" % escape(params["component"]),
            "  <version>%s</version>" % escape(params["version"]),
            "  <packaging>pom</packaging>",
            "  <repositories><repository><id>central</id><url>%s</url></repository></repositories>"
            % repository,
            "  <pluginRepositories><pluginRepository><id>central</id><url>%s</url>"
            "</pluginRepository></pluginRepositories>" % repository,
            "  <dependencies>",
            *dependencies,
            "  </dependencies>",
            "</project>",
            "",
        ]
    )


def pack_tarball(source_dir, package_name, destination):
    """Write source_dir as package_name/ into a gzip tarball with fixed owners and times.

    Fixed metadata makes two packs of the same jars byte-identical.
    """

    def normalize(info):
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        info.mtime = 0
        info.mode = 0o755 if info.isdir() else 0o644
        return info

    with open(destination, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as compressed:
            with tarfile.open(fileobj=compressed, mode="w", format=tarfile.PAX_FORMAT) as archive:
                archive.add(source_dir, arcname=package_name, recursive=False, filter=normalize)
                for root, directories, files in os.walk(source_dir):
                    directories.sort()
                    for name in sorted(directories) + sorted(files):
                        full = os.path.join(root, name)
                        relative = os.path.relpath(full, source_dir)
                        archive.add(
                            full,
                            arcname=os.path.join(package_name, relative),
                            recursive=False,
                            filter=normalize,
                        )


def ensure_maven_pack(params, release_dir, run_command):
    """Resolve the jars from Maven and pack them unless the cache already has the pack."""
    if not params["maven_coordinates"]:
        raise ArtifactError("artifact_maven_coordinates is required when artifact_source is maven")

    package_name = params["package_name"] or "%s-%s" % (params["component"], params["version"])
    filename = "%s-maven.tar.gz" % package_name
    path = os.path.join(release_dir, filename)
    checksum_path = path + ".sha512"

    recorded = read_recorded_sha512(checksum_path) if os.path.exists(path) else None
    if recorded is not None:
        actual = file_sha512(path)
        if actual != recorded:
            raise ArtifactError(
                "the cached %s has SHA-512 %s but %s was recorded when it was packed; the cache "
                "is corrupt or was changed: delete %s and run `make artifacts`"
                % (path, actual, recorded, release_dir)
            )
        return path, recorded, False

    work_dir = tempfile.mkdtemp(prefix="maven-pack.", dir=release_dir)
    try:
        pom_path = os.path.join(work_dir, "pom.xml")
        with open(pom_path, "w", encoding="utf-8") as stream:
            stream.write(render_pom(params))

        package_dir = os.path.join(work_dir, "package")
        jar_dir = os.path.join(package_dir, params["maven_layout_dir"])
        command = [
            params["maven_executable"], "--batch-mode", "--quiet", "--file", pom_path,
            DEPENDENCY_PLUGIN + ":copy-dependencies",
            "-DincludeScope=runtime",
            "-DoutputDirectory=" + jar_dir,
        ]
        code, stdout, stderr = run_command(command)
        if code != 0:
            raise ArtifactError(
                "`%s` failed with exit code %d while resolving %s from %s:\n%s"
                % (" ".join(command), code, ", ".join(params["maven_coordinates"]),
                   params["maven_repository_url"], (stdout + stderr)[-4000:])
            )
        if not os.path.isdir(jar_dir) or not os.listdir(jar_dir):
            raise ArtifactError("Maven resolved no jars for %s" % ", ".join(params["maven_coordinates"]))

        with open(os.path.join(package_dir, "MAVEN-SOURCE.txt"), "w", encoding="utf-8") as stream:
            stream.write("repository: %s\n" % params["maven_repository_url"])
            for coordinate in params["maven_coordinates"]:
                stream.write("coordinate: %s\n" % coordinate)

        temporary = os.path.join(work_dir, filename)
        pack_tarball(package_dir, package_name, temporary)
        digest = file_sha512(temporary)
        os.replace(temporary, path)
        write_recorded_sha512(checksum_path, digest, filename)
        return path, digest, True
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


def ensure_artifact(params, run_command):
    """Return (path, sha512, changed) of the verified release tarball in the cache."""
    if not re.fullmatch(r"[A-Za-z0-9_.+-]+", params["component"]):
        raise ArtifactError("invalid component name %r" % params["component"])
    if not re.fullmatch(r"[A-Za-z0-9_.+-]+", params["version"]):
        raise ArtifactError("invalid version %r" % params["version"])

    release_dir = os.path.join(params["cache_dir"], params["component"], params["version"])
    os.makedirs(release_dir, exist_ok=True)

    if params["source"] == "archive":
        return ensure_archive(params, release_dir)
    return ensure_maven_pack(params, release_dir, run_command)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            component=dict(type="str", required=True),
            version=dict(type="str", required=True),
            source=dict(type="str", required=True, choices=["archive", "maven"]),
            cache_dir=dict(type="path", required=True),
            archive_url=dict(type="str", default=""),
            checksum_url=dict(type="str", default=""),
            sha512=dict(type="str", default="", no_log=False),
            maven_repository_url=dict(type="str", default="https://repo.maven.apache.org/maven2"),
            maven_coordinates=dict(type="list", elements="str", default=[]),
            maven_layout_dir=dict(type="str", default="libs"),
            maven_executable=dict(type="str", default="mvn"),
            package_name=dict(type="str", default=""),
            timeout=dict(type="int", default=60),
        ),
        supports_check_mode=False,
    )

    def run_command(command):
        return module.run_command(command)

    try:
        path, digest, changed = ensure_artifact(module.params, run_command)
    except ArtifactError as error:
        module.fail_json(
            msg="%s %s (%s): %s"
            % (module.params["component"], module.params["version"], module.params["source"], error)
        )

    module.exit_json(changed=changed, path=path, filename=os.path.basename(path), sha512=digest)


if __name__ == "__main__":
    main()
