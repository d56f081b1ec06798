/* SPDX-License-Identifier: MIT */
/* clang-format off */ /* one line per entry: scripts/gen-syscalls-md.py */
/* Syscalls for sockets: AF_UNIX now, AF_INET with lwIP later. Same format as syscall_list.h. */
SYSCALL(41, socket, 3, partial, "AF_UNIX stream/seqpacket/dgram; AF_INET/AF_INET6: EAFNOSUPPORT until lwIP")
SYSCALL(42, connect, 3, full, "AF_UNIX: abstract and path names; blocks while the backlog is full")
SYSCALL(43, accept, 3, full, "")
SYSCALL(44, sendto, 6, full, "")
SYSCALL(45, recvfrom, 6, full, "")
SYSCALL(46, sendmsg, 3, full, "SCM_RIGHTS (no garbage collection of in-flight socket cycles)")
SYSCALL(47, recvmsg, 3, full, "SCM_RIGHTS, MSG_CMSG_CLOEXEC, MSG_CTRUNC, MSG_TRUNC")
SYSCALL(48, shutdown, 2, full, "")
SYSCALL(49, bind, 3, full, "AF_UNIX: abstract, path (an S_IFSOCK node) and autobind")
SYSCALL(50, listen, 2, full, "")
SYSCALL(51, getsockname, 3, full, "")
SYSCALL(52, getpeername, 3, full, "")
SYSCALL(53, socketpair, 4, full, "AF_UNIX stream, seqpacket, dgram")
SYSCALL(54, setsockopt, 5, partial, "stored and reported: SO_*, IP_TOS/TTL/RECVTOS/RECVTTL, TCP_NODELAY; others ENOPROTOOPT")
SYSCALL(55, getsockopt, 5, partial, "as setsockopt, plus SO_TYPE/ERROR/DOMAIN/PROTOCOL/ACCEPTCONN/PEERCRED")
SYSCALL(288, accept4, 4, full, "SOCK_NONBLOCK, SOCK_CLOEXEC")
/* clang-format on */
