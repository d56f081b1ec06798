// SPDX-License-Identifier: MIT
/*
 * Socket syscalls: argument decoding, checks and copies to and from user
 * memory only, with Linux's order of checks; the mechanism is in
 * net/socket.c and the families (net/unix.c).
 */
#include <kernel/string.h>
#include "syscall.h"
#include "arch/x86_64/percpu.h"
#include "mm/kheap.h"
#include "mm/uaccess.h"
#include "net/socket.h"
#include "proc/proc.h"
#include "sched/time.h"
#include <uapi/socket.h>

#define SOCK_MAX    11		/* socket types are below this */
#define CTL_MAX	    (64 * 1024) /* control data of one sendmsg (optmem) */
#define OPT_MAX	    16		/* the largest option value set */
#define OPT_GET_MAX 96		/* read: IP_PKTOPTIONS's messages */

struct user_msghdr {
	u64 name;
	u32 namelen;
	u32 pad;
	u64 iov;
	u64 iovlen;
	u64 control;
	u64 controllen;
	int flags;
};
_Static_assert(sizeof(struct user_msghdr) == 56, "struct msghdr size");

static struct fdtable *files(void)
{
	return current->proc->files;
}

/* The socket behind fd, with the file referenced (put it), or NULL. */
static struct file *sockfd_get(int fd, struct socket **s, long *err)
{
	struct file *f = fd_get(files(), fd);

	if (!f) {
		*err = -EBADF;
		return NULL;
	}
	*s = sock_of_file(f);
	if (!*s) {
		file_put(f);
		*err = -ENOTSOCK;
		return NULL;
	}
	return f;
}

/* Linux's move_addr_to_kernel: buf has SOCK_ADDR_MAX bytes. */
static int addr_in(u64 uaddr, u64 len, u8 *buf)
{
	if ((int)len < 0 || len > SOCK_ADDR_MAX)
		return -EINVAL;
	memset(buf, 0, SOCK_ADDR_MAX);
	return len && copy_from_user(buf, uaddr, len) ? -EFAULT : 0;
}

/* Linux's move_addr_to_user: copy at most *ulen bytes of the address,
 * then store its full length in *ulen. */
static int addr_out(const void *addr, u32 len, u64 uaddr, u64 ulen)
{
	int n;

	if (get_user(n, ulen))
		return -EFAULT;
	if (n < 0) /* a signed compare, as Linux: -1 is no huge buffer */
		return -EINVAL;
	if ((u32)n > len)
		n = len;
	if (n && copy_to_user(uaddr, addr, n))
		return -EFAULT;
	return put_user((int)len, ulen);
}

/* Give s an fd (s's reference goes to the file). */
static long sock_install(struct socket *s, int flags)
{
	struct file *f;
	int ret = sock_file(s, flags, &f);

	if (ret) {
		sock_discard(s);
		return ret;
	}
	int fd = fd_install(files(), f, 0, flags & SOCK_CLOEXEC);
	if (fd < 0)
		file_put(f);
	return fd;
}

static int type_flags(u64 type, int *flags)
{
	*flags = type & ~SOCK_TYPE_MASK;
	if (*flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK))
		return -EINVAL;
	return (type & SOCK_TYPE_MASK) >= SOCK_MAX ? -EINVAL : 0;
}

long sys_socket(u64 family, u64 type, u64 protocol, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	struct socket *s;
	int flags, ret = type_flags(type, &flags);

	if (!ret)
		ret = sock_create((int)family, type & SOCK_TYPE_MASK,
				  (int)protocol, &s);
	return ret ? ret : sock_install(s, flags);
}

long sys_socketpair(u64 family, u64 type, u64 protocol, u64 usv, u64 a4, u64 a5)
{
	(void)a4, (void)a5;
	struct socket *a, *b;
	int flags, ret = type_flags(type, &flags);

	if (!ret)
		ret = sock_socketpair((int)family, type & SOCK_TYPE_MASK,
				      (int)protocol, &a, &b);
	if (ret)
		return ret;
	long fda = sock_install(a, flags);
	if (fda < 0) {
		sock_discard(b);
		return fda;
	}
	long fdb = sock_install(b, flags);
	if (fdb < 0) {
		fd_close(files(), fda);
		return fdb;
	}
	int sv[2] = {fda, fdb};
	if (copy_to_user(usv, sv, sizeof(sv))) {
		fd_close(files(), fda);
		fd_close(files(), fdb);
		return -EFAULT;
	}
	return 0;
}

long sys_bind(u64 fd, u64 uaddr, u64 len, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	u8 buf[SOCK_ADDR_MAX];
	struct socket *s;
	long ret;
	struct file *f = sockfd_get(fd, &s, &ret);

	if (!f)
		return ret;
	ret = addr_in(uaddr, len, buf);
	if (!ret)
		ret = s->ops->bind ? s->ops->bind(s, buf, len) : -EOPNOTSUPP;
	file_put(f);
	return ret;
}

long sys_listen(u64 fd, u64 backlog, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	struct socket *s;
	long ret;
	struct file *f = sockfd_get(fd, &s, &ret);

	if (!f)
		return ret;
	ret = s->ops->listen ? s->ops->listen(s, (int)backlog) : -EOPNOTSUPP;
	file_put(f);
	return ret;
}

long sys_connect(u64 fd, u64 uaddr, u64 len, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	u8 buf[SOCK_ADDR_MAX];
	struct socket *s;
	long ret;
	struct file *f = sockfd_get(fd, &s, &ret);

	if (!f)
		return ret;
	ret = addr_in(uaddr, len, buf);
	if (!ret)
		ret = sock_connect(f, buf, len);
	file_put(f);
	return ret;
}

long sys_accept4(u64 fd, u64 uaddr, u64 ulen, u64 flags, u64 a4, u64 a5)
{
	(void)a4, (void)a5;
	u8 buf[SOCK_ADDR_MAX];
	struct socket *s, *ns;
	struct file *nf;
	long ret;

	if (flags & ~(u64)(SOCK_CLOEXEC | SOCK_NONBLOCK))
		return -EINVAL;
	struct file *f = sockfd_get(fd, &s, &ret);
	if (!f)
		return ret;
	ret = sock_accept(f, &ns);
	file_put(f);
	if (ret)
		return ret;
	if ((ret = sock_file(ns, flags, &nf))) {
		sock_discard(ns);
		return ret;
	}
	if (uaddr) { /* as Linux: a bad address drops the connection */
		u32 len;
		ret = ns->ops->getname(ns, buf, &len, true)
			      ? -ECONNABORTED
			      : addr_out(buf, len, uaddr, ulen);
		if (ret) {
			file_put(nf);
			return ret;
		}
	}
	int nfd = fd_install(files(), nf, 0, flags & SOCK_CLOEXEC);
	if (nfd < 0)
		file_put(nf);
	return nfd;
}

long sys_accept(u64 fd, u64 uaddr, u64 ulen, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	return sys_accept4(fd, uaddr, ulen, 0, 0, 0);
}

static long do_getname(u64 fd, u64 uaddr, u64 ulen, bool peer)
{
	u8 buf[SOCK_ADDR_MAX];
	struct socket *s;
	long ret;
	u32 len;
	struct file *f = sockfd_get(fd, &s, &ret);

	if (!f)
		return ret;
	ret = s->ops->getname(s, buf, &len, peer);
	if (!ret)
		ret = addr_out(buf, len, uaddr, ulen);
	file_put(f);
	return ret;
}

long sys_getsockname(u64 fd, u64 uaddr, u64 ulen, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	return do_getname(fd, uaddr, ulen, false);
}

long sys_getpeername(u64 fd, u64 uaddr, u64 ulen, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	return do_getname(fd, uaddr, ulen, true);
}

/* One user buffer as an I/O vector (Linux's import_single_range). */
static int single_uio(struct kiovec *iov, struct uio *u, u64 buf, u64 len)
{
	iov->base = buf;
	iov->len = MIN(len, UIO_MAX_RW);
	if (!user_range_ok(buf, iov->len))
		return -EFAULT;
	uio_init(u, iov, 1);
	return 0;
}

long sys_sendto(u64 fd, u64 ubuf, u64 len, u64 flags, u64 uaddr, u64 addrlen)
{
	u8 buf[SOCK_ADDR_MAX];
	struct kiovec iov;
	struct sock_msg m = {0};
	struct socket *s;
	long ret;
	struct file *f = sockfd_get(fd, &s, &ret);

	if (!f)
		return ret;
	ret = single_uio(&iov, &m.uio, ubuf, len);
	if (!ret && uaddr && !(ret = addr_in(uaddr, addrlen, buf))) {
		m.name = buf;
		m.namelen = addrlen;
	}
	if (!ret)
		ret = sock_sendmsg(f, &m, (int)flags);
	file_put(f);
	return ret;
}

long sys_recvfrom(u64 fd, u64 ubuf, u64 len, u64 flags, u64 uaddr, u64 ulen)
{
	u8 buf[SOCK_ADDR_MAX];
	struct kiovec iov;
	struct sock_msg m = {0};
	struct socket *s;
	long ret;
	struct file *f = sockfd_get(fd, &s, &ret);

	if (!f)
		return ret;
	m.name = buf;
	ret = single_uio(&iov, &m.uio, ubuf, len);
	if (!ret)
		ret = sock_recvmsg(f, &m, (int)flags);
	scm_fds_put(m.fds); /* recvfrom has no room for them */
	if (ret >= 0 && uaddr) {
		int r = addr_out(buf, m.namelen, uaddr, ulen);
		ret = r ? r : ret;
	}
	file_put(f);
	return ret;
}

/* Copy in a msghdr and its iovec array (release with uio_iov_free). */
static int msghdr_in(u64 umsg, struct user_msghdr *h, struct kiovec *stack,
		     struct kiovec **iov, struct uio *u)
{
	*iov = stack;
	if (copy_from_user(h, umsg, sizeof(*h)))
		return -EFAULT;
	if (h->iovlen > UIO_IOV_MAX)
		return -EMSGSIZE;
	int ret = uio_import(h->iov, h->iovlen, stack, iov, u);
	if (ret)
		return ret;
	if (!h->name)
		h->namelen = 0;
	if ((int)h->namelen < 0)
		return -EINVAL;
	h->namelen = MIN(h->namelen, SOCK_ADDR_MAX);
	return 0;
}

/* A sendmsg's control data: its SCM_RIGHTS into m->fds, and the whole
 * of it in m->ctl for the family's own levels (the caller frees it). */
static int control_in(struct socket *s, struct user_msghdr *h,
		      struct sock_msg *m)
{
	m->fds = NULL;
	if (!h->controllen)
		return 0;
	if (h->controllen > CTL_MAX)
		return -ENOBUFS;
	u8 *ctl = kmalloc(h->controllen);
	if (!ctl)
		return -ENOMEM;
	m->ctl = ctl;
	m->ctllen = h->controllen;
	int ret = copy_from_user(ctl, h->control, h->controllen);
	if (!ret)
		ret = scm_parse(ctl, h->controllen, &m->fds);
	if (!ret && m->fds && s->family != AF_UNIX) {
		scm_fds_put(m->fds); /* only AF_UNIX passes files */
		m->fds = NULL;
		ret = -EINVAL;
	}
	return ret;
}

long sys_sendmsg(u64 fd, u64 umsg, u64 flags, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	struct kiovec stack_iov[UIO_STACK], *iov;
	u8 buf[SOCK_ADDR_MAX];
	struct user_msghdr h;
	struct sock_msg m = {0};
	struct socket *s;
	long ret;
	struct file *f = sockfd_get(fd, &s, &ret);

	if (!f)
		return ret;
	ret = msghdr_in(umsg, &h, stack_iov, &iov, &m.uio);
	if (!ret && h.namelen && !(ret = addr_in(h.name, h.namelen, buf))) {
		m.name = buf;
		m.namelen = h.namelen;
	}
	if (!ret)
		ret = control_in(s, &h, &m);
	if (!ret)
		ret = sock_sendmsg(f, &m, (int)flags);
	scm_fds_put(m.fds); /* not taken: dropped, as Linux */
	kfree((void *)m.ctl);
	uio_iov_free(iov, stack_iov);
	file_put(f);
	return ret;
}

long sys_recvmsg(u64 fd, u64 umsg, u64 flags, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	struct kiovec stack_iov[UIO_STACK], *iov;
	u8 buf[SOCK_ADDR_MAX];
	struct user_msghdr h;
	struct sock_msg m = {0};
	struct socket *s;
	long ret;
	u64 used;
	struct file *f = sockfd_get(fd, &s, &ret);

	if (!f)
		return ret;
	m.name = buf;
	ret = msghdr_in(umsg, &h, stack_iov, &iov, &m.uio);
	if (!ret)
		ret = sock_recvmsg(f, &m, (int)flags);
	if (ret >= 0 && h.name) {
		int r = addr_out(buf, m.namelen, h.name,
				 umsg + offsetof(struct user_msghdr, namelen));
		ret = r ? r : ret;
	}
	if (ret >= 0) {
		scm_deliver(m.fds, h.control, h.controllen, (int)flags, &used,
			    &m.oflags);
		m.fds = NULL;
		if (sock_msg_ipctl_out(&m, h.control, h.controllen, &used))
			ret = -EFAULT;
		if (put_user(used,
			     umsg + offsetof(struct user_msghdr, controllen)) ||
		    put_user(m.oflags,
			     umsg + offsetof(struct user_msghdr, flags)))
			ret = -EFAULT;
	}
	scm_fds_put(m.fds);
	uio_iov_free(iov, stack_iov);
	file_put(f);
	return ret;
}

long sys_shutdown(u64 fd, u64 how, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	struct socket *s;
	long ret;
	struct file *f = sockfd_get(fd, &s, &ret);

	if (!f)
		return ret;
	ret = s->ops->shutdown ? s->ops->shutdown(s, (int)how) : -EOPNOTSUPP;
	file_put(f);
	return ret;
}

long sys_setsockopt(u64 fd, u64 level, u64 name, u64 uval, u64 len, u64 a5)
{
	(void)a5;
	u8 buf[OPT_MAX];
	struct socket *s;
	long ret;
	struct file *f = sockfd_get(fd, &s, &ret);

	if (!f)
		return ret;
	if ((int)len < 0)
		ret = -EINVAL;
	else if (copy_from_user(buf, uval, MIN(len, OPT_MAX)))
		ret = -EFAULT;
	else
		ret = sock_setsockopt(s, (int)level, (int)name, buf,
				      MIN(len, OPT_MAX));
	file_put(f);
	return ret;
}

long sys_getsockopt(u64 fd, u64 level, u64 name, u64 uval, u64 ulen, u64 a5)
{
	(void)a5;
	u8 buf[OPT_GET_MAX];
	struct socket *s;
	long ret;
	int len;
	struct file *f = sockfd_get(fd, &s, &ret);

	if (!f)
		return ret;
	if (get_user(len, ulen)) {
		ret = -EFAULT;
	} else if (len < 0) {
		ret = -EINVAL;
	} else {
		u32 n = MIN((u32)len, OPT_GET_MAX);
		ret = sock_getsockopt(s, (int)level, (int)name, buf, &n);
		if (!ret &&
		    (copy_to_user(uval, buf, n) || put_user((int)n, ulen)))
			ret = -EFAULT;
	}
	file_put(f);
	return ret;
}

#define MMSG_LEN_OFF 56 /* struct mmsghdr: msghdr, then msg_len */
#define MMSG_SIZE    64

/* sendmmsg: sendmsg per entry; the count sent, or the first error. */
long sys_sendmmsg(u64 fd, u64 uvec, u64 vlen, u64 flags, u64 a4, u64 a5)
{
	(void)a4, (void)a5;
	u64 n = MIN(vlen, (u64)UIO_IOV_MAX);
	u64 i;

	for (i = 0; i < n; i++) {
		long r = sys_sendmsg(fd, uvec + i * MMSG_SIZE, flags, 0, 0, 0);
		if (r < 0)
			return i ? (long)i : r;
		if (put_user((u32)r, uvec + i * MMSG_SIZE + MMSG_LEN_OFF))
			return i ? (long)i : -EFAULT;
	}
	return i;
}

/*
 * recvmmsg: recvmsg per entry; MSG_WAITFORONE makes every receive after
 * the first non-blocking. The timeout is checked, as Linux does, only
 * between datagrams.
 */
long sys_recvmmsg(u64 fd, u64 uvec, u64 vlen, u64 flags, u64 utimeout, u64 a5)
{
	(void)a5;
	u64 n = MIN(vlen, (u64)UIO_IOV_MAX), deadline = 0;
	u64 i;

	if (utimeout) {
		struct {
			s64 sec, nsec;
		} ts;
		if (copy_from_user(&ts, utimeout, sizeof(ts)))
			return -EFAULT;
		if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
			return -EINVAL;
		deadline =
			clock_monotonic_ns() + ts.sec * NSEC_PER_SEC + ts.nsec;
	}
	for (i = 0; i < n; i++) {
		long r = sys_recvmsg(fd, uvec + i * MMSG_SIZE, flags, 0, 0, 0);
		if (r < 0)
			return i ? (long)i : r;
		if (put_user((u32)r, uvec + i * MMSG_SIZE + MMSG_LEN_OFF))
			return i ? (long)i : -EFAULT;
		if (flags & MSG_WAITFORONE)
			flags |= MSG_DONTWAIT;
		if (deadline && clock_monotonic_ns() >= deadline) {
			i++;
			break;
		}
	}
	return i;
}
