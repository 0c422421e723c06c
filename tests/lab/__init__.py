"""Lab hosts on one machine: network namespaces running systemd and sshd.

Each lab host is a network namespace on a private bridge with its own mount,
PID, UTS, IPC and cgroup namespaces, overlay copies of /etc, /opt, /var, /usr,
/srv, /root and /home, and systemd as its PID 1 running sshd. Ansible, Fabric
and testinfra reach the hosts over SSH with strict host key checking, as they
reach bare metal.

The lab's state (SSH key, known_hosts, host directories) lives in ``.lab/`` of
the checkout that made it. Command line: ``python -m tests.lab up|down|status``.
"""

from tests.lab.core import Lab, LabError, LabHost

__all__ = ["Lab", "LabError", "LabHost"]
