"""Create, check and remove lab hosts.

Naming, for a lab called ``seti`` (``SETI_LAB_NAME``) on ``10.213.7``
(``SETI_LAB_NET``):

- bridge ``seti-br`` with ``10.213.7.1/24`` on the machine side;
- host ``kafka-1`` with lab index 11: network namespace ``seti-kafka-1``,
  veth ``seti-v11`` on the bridge (``eth0`` inside), address ``10.213.7.11``;
- cgroup ``/sys/fs/cgroup/unified/seti.lab/kafka-1``;
- overlay upper and work directories under ``.lab/hosts/kafka-1/``.

Every name the lab uses starts with the lab name, so ``down`` finds what an
earlier run or another checkout left under the same names.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import hashlib
import ipaddress
import json
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import yaml

log = logging.getLogger("seti_lab")

REPO_ROOT = Path(__file__).resolve().parents[2]
CGROUP2_ROOT = Path("/sys/fs/cgroup/unified")
OVERLAY_DIRS = ("etc", "opt", "var", "srv", "usr", "root", "home")
INIT_SCRIPT = Path(__file__).with_name("host-init.sh")

# Units with machine-wide effects or no use inside a lab host. Each is masked
# (linked to /dev/null) in the host's /etc overlay. Other services the machine
# enables for multi-user.target are masked too (see _units_to_mask).
MASKED_UNITS = (
    "systemd-tmpfiles-setup.service",
    "systemd-tmpfiles-setup-dev.service",
    "systemd-tmpfiles-clean.service",
    "systemd-tmpfiles-clean.timer",
    "systemd-remount-fs.service",
    "systemd-modules-load.service",
    "systemd-sysctl.service",
    "systemd-binfmt.service",
    "proc-sys-fs-binfmt_misc.automount",
    "systemd-timesyncd.service",
    "systemd-udevd.service",
    "systemd-udevd-control.socket",
    "systemd-udevd-kernel.socket",
    "systemd-udev-trigger.service",
    "systemd-udev-settle.service",
    "systemd-pstore.service",
    "systemd-firstboot.service",
    "systemd-hwdb-update.service",
    "getty.target",
    "getty@tty1.service",
    "console-getty.service",
    "e2scrub_all.timer",
    "e2scrub_reap.service",
    "fstrim.timer",
    "apt-daily.timer",
    "apt-daily-upgrade.timer",
    "man-db.timer",
    "sys-kernel-config.mount",
    "sys-kernel-debug.mount",
    "sys-kernel-tracing.mount",
    "sys-fs-fuse-connections.mount",
    "dev-hugepages.mount",
    "dev-mqueue.mount",
    "cryptsetup.target",
    "remote-fs.target",
)

LAB_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]{0,5}$")
HOST_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,30}$")


class LabError(RuntimeError):
    """A lab operation failed; the message names the value and the fix."""


@dataclasses.dataclass(frozen=True)
class LabHost:
    """One host of the lab: its name and the last octet of its address."""

    name: str
    index: int

    def __post_init__(self) -> None:
        if not HOST_NAME_PATTERN.match(self.name):
            raise LabError(
                f"invalid lab host name {self.name!r}: use lower-case letters, digits and '-', "
                "starting with a letter, at most 31 characters"
            )
        if not 2 <= self.index <= 254:
            raise LabError(
                f"invalid lab index {self.index} for host {self.name!r}: use 2..254 "
                "(.1 is the machine's side of the bridge)"
            )


def run(cmd: list[str], check: bool = True, capture: bool = True, timeout: float = 60,
        input_text: str | None = None) -> subprocess.CompletedProcess:
    """Run a command and raise LabError with its output when it fails."""
    log.debug("run: %s", " ".join(cmd))
    result = subprocess.run(cmd, capture_output=capture, text=True, timeout=timeout,
                            input=input_text)
    if check and result.returncode != 0:
        output = (result.stderr or result.stdout or "").strip()
        raise LabError(f"command failed ({result.returncode}): {' '.join(cmd)}: {output}")
    return result


def hosts_from_inventory(inventory_dir: Path) -> list[LabHost]:
    """Read the lab hosts and their ``lab_index`` from an inventory's hosts.yml."""
    path = Path(inventory_dir) / "hosts.yml"
    if not path.is_file():
        raise LabError(f"inventory file not found: {path}; pass an inventory directory with a hosts.yml")
    document = yaml.safe_load(path.read_text())
    indexes: dict[str, int | None] = {}

    def walk(group: dict) -> None:
        for name, variables in (group.get("hosts") or {}).items():
            index = (variables or {}).get("lab_index")
            if index is not None or name not in indexes:
                indexes[name] = index if index is not None else indexes.get(name)
        for child in (group.get("children") or {}).values():
            walk(child or {})

    walk(document.get("all", document))
    missing = sorted(name for name, index in indexes.items() if index is None)
    if missing:
        raise LabError(f"{path}: hosts without lab_index: {', '.join(missing)}")
    return [LabHost(name, int(index)) for name, index in sorted(indexes.items(), key=lambda kv: kv[1])]


class Lab:
    """The lab of one checkout: its hosts, network and SSH material."""

    def __init__(self, name: str | None = None, net: str | None = None,
                 state_dir: Path | None = None) -> None:
        self.name = name or os.environ.get("SETI_LAB_NAME") or "seti"
        if not LAB_NAME_PATTERN.match(self.name):
            raise LabError(
                f"invalid SETI_LAB_NAME {self.name!r}: use 1 to 6 lower-case letters or digits, "
                "starting with a letter (it prefixes interface names, which have at most 15 characters)"
            )
        net = net or os.environ.get("SETI_LAB_NET") or "10.213.7"
        try:
            self.network = ipaddress.ip_network(f"{net}.0/24")
        except ValueError as error:
            raise LabError(f"invalid SETI_LAB_NET {net!r}: give the first three octets, e.g. 10.213.7") from error
        if not self.network.is_private:
            raise LabError(f"SETI_LAB_NET {net!r} is not a private range; the lab only uses addresses it creates")
        self.net = net
        self.state_dir = Path(state_dir or REPO_ROOT / ".lab").resolve()
        self.ssh_dir = self.state_dir / "ssh"
        self.hosts_dir = self._hosts_dir_for(self.state_dir)
        self.bridge = f"{self.name}-br"
        self.cgroup_dir = CGROUP2_ROOT / f"{self.name}.lab"

    @staticmethod
    def _hosts_dir_for(state_dir: Path) -> Path:
        """Return where the hosts' overlay directories go.

        An overlay's upper directory must not lie inside its lower one, so a
        checkout under a directory that hosts overlay (say /root) keeps its
        host directories under /tmp instead, named after the checkout.
        """
        for directory in OVERLAY_DIRS:
            lower = Path("/") / directory
            if lower in state_dir.parents:
                digest = hashlib.sha1(str(state_dir).encode()).hexdigest()[:12]
                return Path("/tmp") / f"seti-lab-{digest}" / "hosts"
        return state_dir / "hosts"

    # Names and addresses.

    def netns(self, host: LabHost | str) -> str:
        return f"{self.name}-{host if isinstance(host, str) else host.name}"

    def veth(self, host: LabHost) -> str:
        return f"{self.name}-v{host.index}"

    def address(self, host: LabHost) -> str:
        return f"{self.net}.{host.index}"

    @property
    def gateway(self) -> str:
        return f"{self.net}.1"

    @property
    def key_file(self) -> Path:
        return self.ssh_dir / "id_ed25519"

    @property
    def known_hosts(self) -> Path:
        return self.ssh_dir / "known_hosts"

    def ssh_command(self, host: LabHost, command: str, timeout: int = 5) -> list[str]:
        return [
            "ssh", "-F", "none", "-i", str(self.key_file), "-o", "IdentitiesOnly=yes",
            "-o", f"UserKnownHostsFile={self.known_hosts}", "-o", "StrictHostKeyChecking=yes",
            "-o", "BatchMode=yes", "-o", f"ConnectTimeout={timeout}",
            f"root@{self.address(host)}", command,
        ]

    # State of the checkout.

    def _ensure_ssh_material(self) -> None:
        self.ssh_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.ssh_dir, 0o700)
        if not self.key_file.exists():
            run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"{self.name}-lab",
                 "-f", str(self.key_file)])
        self.known_hosts.touch(exist_ok=True)

    def _read_host_state(self, host_name: str) -> dict | None:
        path = self.hosts_dir / host_name / "host.json"
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError):
            return None

    def known_host_names(self) -> list[str]:
        """Names of hosts this checkout's lab has state for."""
        if not self.hosts_dir.is_dir():
            return []
        return sorted(p.name for p in self.hosts_dir.iterdir() if p.is_dir())

    # Health.

    def is_healthy(self, host: LabHost) -> bool:
        """Return whether the host is this checkout's, running, and accepting SSH logins."""
        state = self._read_host_state(host.name)
        if not state or state.get("index") != host.index or state.get("net") != self.net:
            return False
        pid = state.get("pid")
        try:
            netns_inode = os.stat(f"/run/netns/{self.netns(host)}").st_ino
            pid_netns_inode = os.stat(f"/proc/{pid}/ns/net").st_ino
        except OSError:
            return False
        if netns_inode != pid_netns_inode or state.get("netns_inode") != netns_inode:
            return False
        result = run(self.ssh_command(host, "systemctl is-system-running"), check=False, timeout=15)
        return result.stdout.strip() == "running"

    # Bring up.

    def up(self, hosts: list[LabHost]) -> dict[str, str]:
        """Make each host run; keep this checkout's healthy hosts, recreate the rest."""
        if os.geteuid() != 0:
            raise LabError("the lab needs root (network namespaces, mounts, cgroups); run it as root")
        self._check_unique(hosts)
        self._ensure_ssh_material()
        self._ensure_bridge()

        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, len(hosts))) as pool:
            healthy = dict(zip(hosts, pool.map(self.is_healthy, hosts)))
        started = []
        for host in hosts:
            if healthy[host]:
                log.info("host %s (%s) is healthy: kept", host.name, self.address(host))
            else:
                started.append(host)
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, len(started))) as pool:
            list(pool.map(self._create_host, started))
        self._write_known_hosts()
        self._write_ssh_config()
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, len(started))) as pool:
            list(pool.map(self._wait_ready, started))
        return {host.name: self.address(host) for host in hosts}

    def _create_host(self, host: LabHost) -> None:
        self._remove_host(host.name, host.index)
        self._create_network(host)
        self._prepare_root(host)
        self._start_init(host)

    def _check_unique(self, hosts: list[LabHost]) -> None:
        seen: dict[int, str] = {}
        for host in hosts:
            if host.index in seen and seen[host.index] != host.name:
                raise LabError(f"hosts {seen[host.index]!r} and {host.name!r} both have lab index {host.index}")
            seen[host.index] = host.name

    def _ensure_bridge(self) -> None:
        if run(["ip", "link", "show", self.bridge], check=False).returncode != 0:
            run(["ip", "link", "add", self.bridge, "type", "bridge"])
        addresses = run(["ip", "-o", "-4", "addr", "show", "dev", self.bridge]).stdout
        if f"{self.gateway}/24" not in addresses:
            run(["ip", "addr", "add", f"{self.gateway}/24", "dev", self.bridge])
        run(["ip", "link", "set", self.bridge, "up"])

    def _create_network(self, host: LabHost) -> None:
        namespace, veth, peer = self.netns(host), self.veth(host), f"{self.name}-p{host.index}"
        run(["ip", "neigh", "flush", "to", self.address(host), "dev", self.bridge], check=False)
        run(["ip", "netns", "add", namespace])
        run(["ip", "link", "add", veth, "type", "veth", "peer", "name", peer])
        run(["ip", "link", "set", peer, "netns", namespace])
        run(["ip", "link", "set", veth, "master", self.bridge, "up"])
        run(["ip", "-n", namespace, "link", "set", peer, "name", "eth0"])
        run(["ip", "-n", namespace, "addr", "add", f"{self.address(host)}/24", "dev", "eth0"])
        run(["ip", "-n", namespace, "link", "set", "eth0", "up"])
        run(["ip", "-n", namespace, "link", "set", "lo", "up"])

    def _prepare_root(self, host: LabHost) -> None:
        """Write the host's own files into its overlay upper directories."""
        root = self.hosts_dir / host.name
        for directory in OVERLAY_DIRS:
            (root / "upper" / directory).mkdir(parents=True, exist_ok=True)
            (root / "work" / directory).mkdir(parents=True, exist_ok=True)
        etc = root / "upper" / "etc"

        (etc / "hostname").write_text(f"{host.name}\n")
        (etc / "machine-id").write_text(secrets.token_hex(16) + "\n")
        (etc / "hosts").write_text(self._hosts_file())

        ssh = etc / "ssh"
        (ssh / "sshd_config.d").mkdir(parents=True, exist_ok=True)
        host_key = ssh / "ssh_host_ed25519_key"
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"root@{host.name}", "-f", str(host_key)])
        (ssh / "sshd_config.d" / "lab.conf").write_text(
            "# Written by the seti-stream lab: key-only root login with this host's own key.\n"
            "HostKey /etc/ssh/ssh_host_ed25519_key\n"
            f"ListenAddress {self.address(host)}\n"
            "PermitRootLogin prohibit-password\n"
            "PasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\n"
            "UseDNS no\n"
            "MaxStartups 50:30:100\n"
        )

        dot_ssh = root / "upper" / "root" / ".ssh"
        dot_ssh.mkdir(parents=True, exist_ok=True)
        os.chmod(dot_ssh, 0o700)
        shutil.copyfile(self.key_file.with_suffix(".pub"), dot_ssh / "authorized_keys")
        os.chmod(dot_ssh / "authorized_keys", 0o600)

        units = etc / "systemd" / "system"
        units.mkdir(parents=True, exist_ok=True)
        for unit in self._units_to_mask():
            link = units / unit
            if link.is_symlink() or link.exists():
                link.unlink()
            link.symlink_to("/dev/null")
        default_target = units / "default.target"
        if default_target.is_symlink():
            default_target.unlink()
        default_target.symlink_to("/lib/systemd/system/multi-user.target")
        (root / "console").touch()

    def _units_to_mask(self) -> list[str]:
        wants_dir = Path("/etc/systemd/system/multi-user.target.wants")
        enabled = [p.name for p in wants_dir.iterdir()] if wants_dir.is_dir() else []
        extra = [name for name in enabled if name not in ("ssh.service", "sshd.service")
                 and name.endswith((".service", ".timer", ".socket", ".path"))]
        return sorted(set(MASKED_UNITS) | set(extra))

    def _hosts_file(self) -> str:
        lines = ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback"]
        for name in self.known_host_names():
            state = self._read_host_state(name)
            if state:
                lines.append(f"{self.net}.{state['index']}\t{name}")
        return "\n".join(lines) + "\n"

    def _start_init(self, host: LabHost) -> None:
        """Start the host's PID 1 in new namespaces, inside its own cgroup."""
        root = self.hosts_dir / host.name
        cgroup = self.cgroup_dir / host.name
        cgroup.mkdir(parents=True, exist_ok=True)
        log_file = open(root / "init.log", "wb")  # noqa: SIM115 - handed to the child process
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LAB_HOST_NAME": host.name,
               "LAB_HOST_ROOT": str(root), "LAB_OVERLAY_DIRS": " ".join(OVERLAY_DIRS)}
        # The launcher moves itself into the host's cgroup before unsharing, so
        # the host's cgroup namespace is rooted there and systemd manages a subtree.
        launcher = (
            f'echo $$ > "{cgroup}/cgroup.procs" && '
            f'exec ip netns exec {self.netns(host)} unshare --mount --uts --pid --ipc --cgroup '
            f'--fork --mount-proc --propagation private /bin/bash "{INIT_SCRIPT}"'
        )
        process = subprocess.Popen(["/bin/bash", "-c", launcher], stdout=log_file, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, env=env, start_new_session=True)
        log_file.close()
        init_pid = self._wait_for_child(process.pid)
        netns_inode = os.stat(f"/run/netns/{self.netns(host)}").st_ino
        state = {"name": host.name, "index": host.index, "net": self.net, "pid": init_pid,
                 "launcher_pid": process.pid, "netns_inode": netns_inode,
                 "address": self.address(host), "started_at": time.time()}
        (root / "host.json").write_text(json.dumps(state, indent=2) + "\n")
        log.info("host %s: init pid %d, address %s", host.name, init_pid, self.address(host))

    @staticmethod
    def _wait_for_child(launcher_pid: int, timeout: float = 10) -> int:
        """Return the PID of the host's init: the child that unshare forked."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                children = Path(f"/proc/{launcher_pid}/task/{launcher_pid}/children").read_text().split()
            except OSError as error:
                raise LabError(f"lab launcher {launcher_pid} exited early: {error}") from error
            if children:
                return int(children[0])
            time.sleep(0.02)
        raise LabError(f"lab launcher {launcher_pid} started no init within {timeout} s")

    def _wait_ready(self, host: LabHost, timeout: float = 60) -> None:
        """Wait until sshd accepts logins and systemd reports the boot finished."""
        deadline = time.monotonic() + timeout
        last = ""
        state = self._read_host_state(host.name) or {}
        while time.monotonic() < deadline:
            if not Path(f"/proc/{state.get('pid')}").exists():
                init_log = (self.hosts_dir / host.name / "init.log").read_text(errors="replace")[-2000:]
                raise LabError(f"host {host.name}: init exited during boot; init log:\n{init_log}")
            if self._port_open(self.address(host), 22):
                result = run(self.ssh_command(host, "systemctl is-system-running --wait"),
                             check=False, timeout=30)
                last = (result.stdout + result.stderr).strip()
                if result.stdout.strip() == "running":
                    return
                if result.stdout.strip() == "degraded":
                    failed = run(self.ssh_command(host, "systemctl --failed --no-legend --plain"),
                                 check=False).stdout.strip()
                    raise LabError(f"host {host.name} booted degraded; failed units: {failed or '?'}")
            time.sleep(0.1)
        init_log = (self.hosts_dir / host.name / "init.log").read_text(errors="replace")[-2000:]
        raise LabError(f"host {host.name} not ready within {timeout} s (last answer: {last!r}); "
                       f"init log:\n{init_log}")

    @staticmethod
    def _port_open(address: str, port: int) -> bool:
        try:
            with socket.create_connection((address, port), timeout=0.5):
                return True
        except OSError:
            return False

    def _write_known_hosts(self) -> None:
        lines = []
        for name in self.known_host_names():
            state = self._read_host_state(name)
            key_file = self.hosts_dir / name / "upper" / "etc" / "ssh" / "ssh_host_ed25519_key.pub"
            if not state or not key_file.exists():
                continue
            key_type, key = key_file.read_text().split()[:2]
            lines.append(f"{self.net}.{state['index']},{name} {key_type} {key}")
        self.known_hosts.write_text("\n".join(lines) + ("\n" if lines else ""))
        # Every host gets the same /etc/hosts listing all lab hosts.
        hosts_file = self._hosts_file()
        for name in self.known_host_names():
            etc_hosts = self.hosts_dir / name / "upper" / "etc" / "hosts"
            if etc_hosts.parent.is_dir():
                etc_hosts.write_text(hosts_file)

    def _write_ssh_config(self) -> None:
        blocks = []
        for name in self.known_host_names():
            state = self._read_host_state(name)
            if not state:
                continue
            blocks.append(
                f"Host {name} {self.net}.{state['index']}\n"
                f"  HostName {self.net}.{state['index']}\n"
                "  User root\n"
                f"  IdentityFile {self.key_file}\n"
                "  IdentitiesOnly yes\n"
                f"  UserKnownHostsFile {self.known_hosts}\n"
                "  StrictHostKeyChecking yes\n"
                "  BatchMode yes\n"
            )
        (self.ssh_dir / "config").write_text("\n".join(blocks))

    # Tear down.

    def down(self, host_names: list[str] | None = None) -> None:
        """Remove hosts (all of this lab's when none are named) and, when none remain, the bridge."""
        if host_names is None:
            names = set(self.known_host_names()) | set(self._namespaces_in_use())
        else:
            names = set(host_names)
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, len(names))) as pool:
            list(pool.map(lambda name: self._remove_host(name, (self._read_host_state(name) or {}).get("index")),
                          sorted(names)))
        if not self.known_host_names() and not self._namespaces_in_use():
            self._remove_bridge_and_cgroups()
        if self.ssh_dir.is_dir():
            self._write_known_hosts()
            self._write_ssh_config()

    def _namespaces_in_use(self) -> list[str]:
        """Host names of the network namespaces that carry this lab's prefix."""
        result = run(["ip", "netns", "list"], check=False)
        prefix = f"{self.name}-"
        names = []
        for line in result.stdout.splitlines():
            namespace = line.split()[0] if line.strip() else ""
            if namespace.startswith(prefix):
                names.append(namespace[len(prefix):])
        return names

    def _remove_host(self, name: str, index: int | None) -> None:
        """Kill the host's processes and remove its namespace, veth, cgroup and files."""
        namespace = f"{self.name}-{name}"
        self._kill_namespace_processes(namespace, name)
        if Path(f"/run/netns/{namespace}").exists():
            run(["ip", "netns", "del", namespace], check=False)
        if index is not None:
            veth = f"{self.name}-v{index}"
            if run(["ip", "link", "show", veth], check=False).returncode == 0:
                run(["ip", "link", "del", veth], check=False)
            run(["ip", "neigh", "flush", "to", f"{self.net}.{index}"], check=False)
        self._remove_cgroup(self.cgroup_dir / name)
        host_dir = self.hosts_dir / name
        if host_dir.exists():
            shutil.rmtree(host_dir)

    def _kill_namespace_processes(self, namespace: str, name: str) -> None:
        """Kill every process in the namespace, init first, and wait until they are gone."""
        state = self._read_host_state(name) or {}
        pids = set()
        if Path(f"/run/netns/{namespace}").exists():
            pids |= {int(p) for p in run(["ip", "netns", "pids", namespace], check=False).stdout.split()}
        cgroup = self.cgroup_dir / name
        pids |= self._cgroup_pids(cgroup)
        init_pid = state.get("pid")
        if init_pid and self._pid_in_netns(init_pid, namespace):
            pids.add(init_pid)
        if not pids:
            return
        # Killing the PID namespace's init makes the kernel kill the rest of it.
        for pid in sorted(pids, key=lambda p: p != init_pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            alive = [pid for pid in pids if Path(f"/proc/{pid}").exists() and not self._is_zombie(pid)]
            if not alive and not self._cgroup_pids(cgroup):
                return
            time.sleep(0.05)
        raise LabError(f"processes of lab host {name} still alive after SIGKILL: {sorted(pids)}")

    @staticmethod
    def _pid_in_netns(pid: int, namespace: str) -> bool:
        try:
            return os.stat(f"/proc/{pid}/ns/net").st_ino == os.stat(f"/run/netns/{namespace}").st_ino
        except OSError:
            return False

    @staticmethod
    def _is_zombie(pid: int) -> bool:
        try:
            return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
        except (OSError, IndexError):
            return True

    @staticmethod
    def _cgroup_pids(cgroup: Path) -> set[int]:
        pids: set[int] = set()
        if not cgroup.is_dir():
            return pids
        for procs in cgroup.rglob("cgroup.procs"):
            try:
                pids |= {int(p) for p in procs.read_text().split()}
            except OSError:
                continue
        return pids

    @staticmethod
    def _remove_cgroup(cgroup: Path) -> None:
        if not cgroup.is_dir():
            return
        directories = sorted((p for p in cgroup.rglob("*") if p.is_dir()), key=lambda p: len(p.parts),
                             reverse=True)
        for directory in [*directories, cgroup]:
            for _ in range(50):
                try:
                    directory.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)
            else:
                raise LabError(f"cgroup {directory} could not be removed; a process may still be in it")

    def _remove_bridge_and_cgroups(self) -> None:
        if run(["ip", "link", "show", self.bridge], check=False).returncode == 0:
            run(["ip", "link", "del", self.bridge], check=False)
        # Any veth of this lab still on the machine (left by a crashed run).
        for line in run(["ip", "-o", "link", "show"], check=False).stdout.splitlines():
            parts = line.split(":")
            if len(parts) > 1:
                link = parts[1].strip().split("@")[0]
                if link.startswith(f"{self.name}-v") or link.startswith(f"{self.name}-p"):
                    run(["ip", "link", "del", link], check=False)
        self._remove_cgroup(self.cgroup_dir)
        if self.hosts_dir.is_dir() and not any(self.hosts_dir.iterdir()):
            self.hosts_dir.rmdir()

    # Status.

    def status(self) -> list[dict]:
        rows = []
        for name in sorted(set(self.known_host_names()) | set(self._namespaces_in_use())):
            state = self._read_host_state(name)
            if state is None:
                rows.append({"name": name, "address": "?", "state": "foreign (not made by this checkout)"})
                continue
            host = LabHost(name, state["index"])
            rows.append({"name": name, "address": self.address(host),
                         "state": "running" if self.is_healthy(host) else "unhealthy"})
        return rows
