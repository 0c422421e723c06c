#!/bin/bash
# PID 1 of a lab host until it execs systemd. Runs in the host's new mount,
# PID, UTS, IPC, cgroup and network namespaces (see core.py, _start_init).
# Environment: LAB_HOST_NAME, LAB_HOST_ROOT (.lab/hosts/NAME), LAB_OVERLAY_DIRS.
set -euo pipefail

mount --make-rprivate /
hostname "$LAB_HOST_NAME"

# Copy-on-write views of the machine's directories: changes stay on this host.
for dir in $LAB_OVERLAY_DIRS; do
  mount -t overlay "lab-$dir" \
    -o "lowerdir=/$dir,upperdir=$LAB_HOST_ROOT/upper/$dir,workdir=$LAB_HOST_ROOT/work/$dir" "/$dir"
done

# The console file may live under /tmp or /run on the machine: bind it before
# those get this host's own tmpfs.
mount --bind "$LAB_HOST_ROOT/console" /dev/console

mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp
mkdir -p /run/lock /run/sshd

# Kernel tunables and devices stay the machine's: expose them read-only.
mount --bind /proc/sys /proc/sys
mount -o remount,bind,ro /proc/sys
mount --rbind /sys /sys
mount -o remount,bind,ro /sys
mount -t cgroup2 cgroup2 /sys/fs/cgroup

exec env -i container=seti-lab TERM=dumb \
  setpriv --bounding-set -sys_module,-sys_time,-sys_rawio /lib/systemd/systemd --log-target=console
