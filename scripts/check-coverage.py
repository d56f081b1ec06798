#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check that every syscall marked "full" in the syscall list (the source of
docs/syscalls.md) is called by at least one differential guest program.

A program calls a syscall when its source (comments stripped) names the
libc wrapper, `name(`, or the number, `SYS_name`/`__NR_name`. Wrappers whose
name differs from the syscall's are in WRAPPERS: a call of any of them
counts; NUMBER_ONLY rows count only by number. The table was checked
against strace of every guest program on the host (both libcs): each row
found here is really issued. The check reads sources only, so it runs in seconds without a
build or a boot; tests/guest/test_coverage.py runs it under `make
test-guest` (and test-guest-host).

Naming a call is not testing it: each program that calls a full syscall
should also check its effect, so that a no-op returning 0 fails (the
audit of 2026-12-06 added the missing ones). NO_EFFECT lists the rows
whose effect cannot be observed, with the reason; ALLOWLIST the full rows
no program calls at all, with the reason (empty).

Usage: scripts/check-coverage.py [-v]   (-v: every full row and its users)
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIST = os.path.join(ROOT, "kernel", "sys", "syscall_list.h")
GUEST_SRC = os.path.join(ROOT, "tests", "guest", "src")

ENTRY = re.compile(r'^SYSCALL\((\d+),\s*(\w+),\s*(\d+),\s*(\w+),\s*"(.*)"\)\s*$')

# Syscall -> libc functions (musl or glibc, x86_64) that issue it. Only the
# names that differ from the syscall's own; the syscall's name always counts.
WRAPPERS = {
    "open": ["fopen", "creat"],  # musl's open/fopen/creat: SYS_open
    "openat": ["open", "fopen", "creat", "opendir"],  # glibc's open: openat
    "stat": [],
    "newfstatat": ["stat", "lstat", "fstatat"],  # glibc >= 2.33
    "lstat": [],
    "fstat": ["fdopen"],
    "pread64": ["pread"],
    "pwrite64": ["pwrite"],
    "rt_sigaction": ["sigaction", "signal"],
    "rt_sigprocmask": ["sigprocmask", "pthread_sigmask"],
    "rt_sigreturn": ["sigaction"],  # every handler that returns
    "rt_sigpending": ["sigpending"],
    "rt_sigsuspend": ["sigsuspend"],
    "rt_sigtimedwait": ["sigtimedwait", "sigwaitinfo", "sigwait"],
    "rt_sigqueueinfo": ["sigqueue"],
    "rt_tgsigqueueinfo": ["pthread_sigqueue"],
    "wait4": ["waitpid", "wait", "wait3"],
    "clone": ["fork", "pthread_create", "posix_spawn"],  # glibc fork: clone
    "fork": [],  # musl's fork: SYS_fork on x86_64
    "vfork": ["posix_spawn"],
    "exit": ["pthread_exit"],
    "exit_group": ["exit", "_exit", "guest_exit"],
    "execve": ["execv", "execvp", "execl", "execlp", "execle", "execvpe"],
    "getdents64": ["readdir"],
    "getdents": [],
    "mmap": ["malloc"],
    "brk": ["sbrk"],
    "prlimit64": ["getrlimit", "setrlimit"],  # glibc
    "tgkill": ["raise", "abort", "pthread_kill"],
    "futex": ["pthread_mutex_lock", "pthread_cond_wait", "pthread_join",
              "sem_wait", "sem_post"],
    "set_tid_address": [],
    "getcwd": [],
    "getrandom": [],
    "pipe2": ["pipe"],  # glibc's pipe: pipe2
    "ppoll": [],
    "pselect6": ["pselect"],
    "epoll_wait": [],
    "epoll_pwait": [],
    "epoll_create1": ["epoll_create"],
    "accept4": [],
    "accept": [],
    "sendto": ["send"],
    "recvfrom": ["recv"],
    "clock_nanosleep": ["nanosleep", "usleep", "sleep"],  # glibc
    "nanosleep": ["usleep", "sleep"],  # musl
    "gettid": ["pthread_self"],
    "shmat": [],
    "msgrcv": [],
    "semop": [],
    "mq_getsetattr": ["mq_getattr", "mq_setattr"],
    "mq_timedsend": ["mq_send"],
    "mq_timedreceive": ["mq_receive"],
    "semtimedop": ["semop"],  # glibc's semop: semtimedop
    "faccessat": ["access"],
    "faccessat2": ["faccessat"],  # with flags, in both libcs
    "unlinkat": ["unlink", "rmdir", "remove"],
    "renameat": ["rename"],
    "mkdirat": ["mkdir"],
    "mknodat": ["mknod", "mkfifo"],
    "mknod": ["mkfifo"],
    "linkat": ["link"],
    "utimensat": ["utime", "utimes", "futimens"],
    "statfs": [],
    "fstatfs": [],
    "getpgid": ["getpgrp"],
    "setpgid": ["setpgrp"],
    "sched_getaffinity": ["pthread_getaffinity_np", "sysconf"],
    "timer_create": [],
    "clock_gettime": ["time", "gettimeofday", "clock"],
    "getitimer": [],
    "setitimer": ["ualarm"],
    "alarm": [],
    "uname": ["gethostname"],
    "ioctl": ["tcgetattr", "isatty"],
    "fcntl": ["lockf"],
    "lseek": ["fseek", "rewind", "lseek64"],
    "ftruncate": ["ftruncate64"],
    "fadvise64": ["posix_fadvise"],
    "fallocate": ["posix_fallocate"],
    "memfd_create": [],
    "signalfd4": ["signalfd"],
    "eventfd2": ["eventfd"],
    "inotify_init1": ["inotify_init"],
    "timerfd_create": [],
    "preadv": [],
    "pwritev": [],
    "preadv2": [],
    "pwritev2": [],
    "sync_file_range": [],
    "sigaltstack": [],
    "setresuid": [],
    "setresgid": [],
    "getresuid": [],
    "getresgid": [],
    "setfsuid": [],
    "setfsgid": [],
    "pidfd_send_signal": [],
    "waitid": [],
    "arch_prctl": [],
}

# Rows named like a libc function that issues another syscall (glibc's
# and musl's time/gettimeofday use the vDSO or clock_gettime,
# getrlimit/setrlimit prlimit64, signalfd/eventfd signalfd4/eventfd2):
# only the number counts.
NUMBER_ONLY = {"time", "gettimeofday", "getrlimit", "setrlimit", "signalfd",
               "eventfd"}

# Full rows no guest program names, each with the reason. Keep it empty.
ALLOWLIST = {
}

# Full rows whose effect no program can observe: their checks can only see
# the return value (and errors), so a no-op returning 0 would pass them.
# Each must still be called by a guest program.
NO_EFFECT = {
    "sched_yield": "gives up the CPU; nothing to see but the return",
    "sync": "nothing to write back (tmpfs, read-only image)",
    "syncfs": "as sync; EBADF is checked",
    "fsync": "as sync; EBADF is checked",
    "fdatasync": "as sync",
    "fadvise64": "a hint; ESPIPE on a pipe is checked",
    "munlock": "unlocked pages stay resident, on Linux too; only VmLck in "
               "/proc/self/status would show it (Kiln has none)",
    "munlockall": "as munlock",
}


def rows(path=LIST):
    """(nr, name, nargs, level, note) of every entry of the syscall list."""
    out, base, todo = [], os.path.dirname(path), [path]
    while todo:
        for line in open(todo.pop(0)):
            m = ENTRY.match(line.strip())
            if m:
                out.append(m.groups())
            inc = re.match(r'^#include "(list_\w+\.h)"', line.strip())
            if inc:
                todo.append(os.path.join(base, inc.group(1)))
    return out


def strip_comments(text):
    """TEXT without C comments and string literals (keeps line count)."""
    pat = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'',
                     re.S)
    return pat.sub(lambda m: "\n" * m.group(0).count("\n")
                   if m.group(0)[0] == "/" else '""', text)


def guest_sources(src=GUEST_SRC):
    """{program: source without comments} for every tests/guest/src/*.c."""
    out = {}
    for f in sorted(os.listdir(src)):
        if f.endswith(".c"):
            with open(os.path.join(src, f)) as fh:
                out[f[:-2]] = strip_comments(fh.read())
    return out


def users(name, sources):
    """The programs that call syscall NAME, by wrapper or by number."""
    words = ([] if name in NUMBER_ONLY else [name]) + WRAPPERS.get(name, [])
    call = re.compile(r"(?<![\w.>])(?:" + "|".join(map(re.escape, words))
                      + r")\s*\(") if words else None
    num = re.compile(r"\b(?:SYS|__NR)_" + re.escape(name) + r"\b")
    return [p for p, text in sources.items()
            if (call and call.search(text)) or num.search(text)]


def main(argv):
    verbose = "-v" in argv
    sources = guest_sources()
    full = [r for r in rows() if r[3] == "full"]
    missing, stale = [], []
    for nr, name, _, _, _ in sorted(full, key=lambda r: int(r[0])):
        progs = users(name, sources)
        if verbose:
            print(f"{nr:>4} {name:<24} {' '.join(progs) or '-'}")
        if not progs and name not in ALLOWLIST:
            missing.append(name)
        if progs and name in ALLOWLIST:
            stale.append(name)
    names = {r[1] for r in full}
    unknown = [n for n in list(ALLOWLIST) + list(NO_EFFECT) if n not in names]
    for n in missing:
        print(f"check-coverage: full syscall {n} is called by no guest "
              f"program (tests/guest/src)", file=sys.stderr)
    for n in stale + unknown:
        print(f"check-coverage: listed {n} is "
              + ("now called by a guest program" if n in stale
                 else "not a full row")
              + ": drop it from ALLOWLIST/NO_EFFECT", file=sys.stderr)
    bad = missing + stale + unknown
    print(f"check-coverage: {len(full)} full syscalls, {len(full) - len(missing)}"
          f" called by a guest program or allowlisted, {len(bad)} problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
