/* SPDX-License-Identifier: MIT */
/* Linux x86_64 ABI numbers: socket families, types, message flags, levels and
 * options. tests/unit/test_uapi.c checks each against the host's headers. */
#ifndef UAPI_SOCKET_H
#define UAPI_SOCKET_H

#include <uapi/fcntl.h>
#define AF_UNSPEC	   0
#define AF_UNIX		   1
#define AF_INET		   2
#define AF_INET6	   10
#define AF_NETLINK	   16
#define SOCK_STREAM	   1
#define SOCK_DGRAM	   2
#define SOCK_RAW	   3
#define SOCK_SEQPACKET	   5
#define SOCK_NONBLOCK	   O_NONBLOCK
#define SOCK_CLOEXEC	   O_CLOEXEC
#define MSG_OOB		   0x1
#define MSG_PEEK	   0x2
#define MSG_DONTROUTE	   0x4
#define MSG_CTRUNC	   0x8
#define MSG_TRUNC	   0x20
#define MSG_DONTWAIT	   0x40
#define MSG_EOR		   0x80
#define MSG_WAITALL	   0x100
#define MSG_NOSIGNAL	   0x4000
#define MSG_MORE	   0x8000
#define MSG_ERRQUEUE	   0x2000
#define MSG_CMSG_CLOEXEC   0x40000000
#define SHUT_RD		   0
#define SHUT_WR		   1
#define SHUT_RDWR	   2
#define SOL_SOCKET	   1
#define SCM_RIGHTS	   1
#define SCM_CREDENTIALS	   2
#define IPPROTO_IP	   0
#define IPPROTO_TCP	   6
#define IPPROTO_IPV6	   41
#define SO_REUSEADDR	   2
#define SO_TYPE		   3
#define SO_ERROR	   4
#define SO_DONTROUTE	   5
#define SO_BROADCAST	   6
#define SO_SNDBUF	   7
#define SO_RCVBUF	   8
#define SO_KEEPALIVE	   9
#define SO_OOBINLINE	   10
#define SO_PRIORITY	   12
#define SO_LINGER	   13
#define SO_REUSEPORT	   15
#define SO_PEERCRED	   17
#define SO_BINDTODEVICE	   25
#define SO_RCVLOWAT	   18
#define SO_RCVTIMEO	   20
#define SO_SNDTIMEO	   21
#define SO_ACCEPTCONN	   30
#define SO_SNDBUFFORCE	   32
#define SO_RCVBUFFORCE	   33
#define SO_PROTOCOL	   38
#define SO_DOMAIN	   39
#define SO_RCVTIMEO_NEW	   66
#define SO_SNDTIMEO_NEW	   67
#define IP_TOS		   1
#define IP_TTL		   2
#define IP_RECVTTL	   12
#define IP_RECVTOS	   13
#define TCP_NODELAY	   1
#define TCP_MAXSEG	   2
#define TCP_CORK	   3
#define TCP_KEEPIDLE	   4
#define TCP_KEEPINTVL	   5
#define TCP_KEEPCNT	   6
#define TCP_QUICKACK	   12
#define IP_PKTINFO	   8
#define IP_PKTOPTIONS	   9
#define IP_MTU_DISCOVER	   10
#define IP_RECVERR	   11
#define IP_FREEBIND	   15
#define IP_MULTICAST_IF	   32
#define IP_MULTICAST_TTL   33
#define IP_MULTICAST_LOOP  34
#define IP_ADD_MEMBERSHIP  35
#define IP_DROP_MEMBERSHIP 36
#define SIOCINQ		   0x541B /* FIONREAD */
#define SIOCOUTQ	   0x5411
#define MSG_WAITFORONE	   0x10000
#define IPPROTO_UDP	   17

#endif
