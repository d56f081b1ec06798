/* SPDX-License-Identifier: MIT */
/* clang-format off */ /* one line per entry: scripts/gen-syscalls-md.py */
/* Syscalls for sockets: AF_UNIX, and AF_INET over lwIP. Same format as syscall_list.h. */
SYSCALL(41, socket, 3, partial, "AF_UNIX stream/seqpacket/dgram; AF_INET stream (TCP) and dgram (UDP); AF_INET6, AF_NETLINK, SOCK_RAW: EAFNOSUPPORT/ESOCKTNOSUPPORT")
SYSCALL(42, connect, 3, full, "AF_UNIX: abstract and path names; blocks while the backlog is full. AF_INET: non-blocking EINPROGRESS + SO_ERROR; UDP AF_UNSPEC dissolves")
SYSCALL(43, accept, 3, full, "")
SYSCALL(44, sendto, 6, full, "")
SYSCALL(45, recvfrom, 6, full, "")
SYSCALL(46, sendmsg, 3, full, "SCM_RIGHTS (no garbage collection of in-flight socket cycles); UDP: IP_TOS and IP_TTL per datagram, IP_PKTINFO accepted (its source address ignored)")
SYSCALL(47, recvmsg, 3, full, "SCM_RIGHTS, MSG_CMSG_CLOEXEC, MSG_CTRUNC, MSG_TRUNC; UDP: IP_PKTINFO, IP_TTL, IP_TOS control messages when asked")
SYSCALL(48, shutdown, 2, full, "")
SYSCALL(49, bind, 3, full, "AF_UNIX: abstract, path (an S_IFSOCK node) and autobind. AF_INET: EADDRINUSE at bind for a listening port even with SO_REUSEADDR, as Linux")
SYSCALL(50, listen, 2, full, "")
SYSCALL(51, getsockname, 3, full, "")
SYSCALL(52, getpeername, 3, full, "")
SYSCALL(53, socketpair, 4, full, "AF_UNIX stream, seqpacket, dgram")
SYSCALL(54, setsockopt, 5, partial, "applied: SO_REUSEADDR/KEEPALIVE/BROADCAST/LINGER/BINDTODEVICE, IP_TOS/TTL, TCP_NODELAY/KEEPIDLE/KEEPINTVL/KEEPCNT; IP_RECVTOS/RECVTTL/PKTINFO give UDP control messages; stored and reported: SO_PRIORITY/buffers, IP_RECVERR, TCP_CORK (no IP_PKTOPTIONS on TCP); multicast ENODEV; others ENOPROTOOPT")
SYSCALL(55, getsockopt, 5, partial, "as setsockopt, plus SO_TYPE/ERROR/DOMAIN/PROTOCOL/ACCEPTCONN/PEERCRED, IP_PKTOPTIONS (TCP)")
SYSCALL(288, accept4, 4, full, "SOCK_NONBLOCK, SOCK_CLOEXEC")
SYSCALL(299, recvmmsg, 5, full, "recvmsg per entry; MSG_WAITFORONE; timeout checked between datagrams, as Linux")
SYSCALL(307, sendmmsg, 4, full, "sendmsg per entry")
/* clang-format on */
