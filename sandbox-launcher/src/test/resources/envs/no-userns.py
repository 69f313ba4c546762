#!/usr/bin/python3
"""Test harness: runs CMD as uid/gid N where user namespaces cannot be created (a hardened distribution), without
touching the machine's own sysctl: inside a fresh user namespace whose max_user_namespaces is 0, mapping 0 and N to
themselves. Needs root. usage: no-userns.py N CMD ARGS..."""
import ctypes, os, sys
uid = int(sys.argv[1])
cmd = sys.argv[2:]
libc = ctypes.CDLL(None, use_errno=True)
r, w = os.pipe(); r2, w2 = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(r); os.close(w2)
    if libc.unshare(0x10000000) != 0:  # CLONE_NEWUSER
        sys.exit("unshare: %s" % os.strerror(ctypes.get_errno()))
    os.write(w, b"x"); os.close(w)
    os.read(r2, 1)  # until the parent has written the maps
    os.setresgid(0, 0, 0); os.setresuid(0, 0, 0)
    with open("/proc/sys/user/max_user_namespaces", "w") as f:
        f.write("0")
    os.setgroups([]); os.setresgid(uid, uid, uid); os.setresuid(uid, uid, uid)
    os.execv(cmd[0], cmd)
os.close(w); os.close(r2)
os.read(r, 1)
for name in ("uid_map", "gid_map"):
    with open(f"/proc/{pid}/{name}", "w") as f:
        f.write(f"0 0 1\n{uid} {uid} 1\n")
os.write(w2, b"x"); os.close(w2)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
