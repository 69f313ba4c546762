#!/usr/bin/env python3
"""Writes host-seccomp.json: a container runtime's default seccomp profile (Docker's/containerd's, given as the first
argument) plus what the plugin launcher needs inside the host's container, and nothing else:

  clone        with namespace flags (CLONE_NEWPID|CLONE_NEWUSER ...): the runtime's default allows clone only without
               them unless the container holds CAP_SYS_ADMIN
  unshare      the net, ipc, uts and mount namespaces of each plugin
  mount, umount2, mount_setattr, pivot_root
               the plugin's minimal root: a tmpfs holding only its own paths, bound read-only, then pivot_root into
               it and detach the container's tree (pivot_root is not in the default profile at all)

seccomp (with SECCOMP_FILTER_FLAG_NEW_LISTENER), the notification ioctls and landlock_* are already in the default.
usage: make-host-seccomp.py DEFAULT.json > host-seccomp.json"""
import json
import sys

LAUNCHER = ["clone", "unshare", "mount", "umount2", "mount_setattr", "pivot_root"]

profile = json.load(open(sys.argv[1]))
for rule in profile["syscalls"]:
    # The default's conditional clone rules (flags masked, or only with CAP_SYS_ADMIN) are superseded by ours.
    if rule["names"] == ["clone"]:
        rule["names"] = []
profile["syscalls"] = [r for r in profile["syscalls"] if r["names"]]
profile["syscalls"].append({
    "names": LAUNCHER,
    "action": "SCMP_ACT_ALLOW",
    "comment": "pluginhost: the plugin launcher's namespaces and minimal root (docs/deploy/README.md)",
})
json.dump(profile, sys.stdout, indent=2)
sys.stdout.write("\n")
