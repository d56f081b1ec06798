// SPDX-License-Identifier: MIT
/*
 * The network stack (see netstack.h): lwIP's initialisation, one netif per
 * registered netdev plus lwIP's loopback, addressing (static or DHCP), the
 * files that describe it (/etc/hosts, resolv.conf, hostname), the stack
 * lock and the net thread.
 *
 * The net thread sleeps until a device has frames (netstack_kick from an
 * interrupt) or lwIP's next timeout is due; it drains every device under
 * the lock and runs the timers. Syscalls take the lock themselves; what
 * they send to loopback is delivered in net_unlock, and if they armed a
 * timer sooner than the thread's wakeup, net_unlock kicks the thread.
 */
#include <kernel/printk.h>
#include <kernel/string.h>
#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/inet_chksum.h"
#include "lwip/init.h"
#include "lwip/ip4.h"
#include "lwip/netif.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"
#include "netstack.h"
#include "netdev.h"
#include "inet.h"
#include "arch/x86_64/percpu.h"
#include "fs/vfs.h"
#include "mm/kheap.h"
#include "mm/uaccess.h"
#include "proc/proc.h"
#include "sched/kthread.h"
#include "sched/mutex.h"
#include "sched/sched.h"
#include "sched/time.h"
#include "sched/waitq.h"

#define NET_HOSTS_MAX	 8
#define NET_TIMEWAIT_MAX 4096 /* TIME_WAIT connections kept at most */
#define DHCP_WAIT_NS	 (15 * NSEC_PER_SEC) /* TCG on a busy host is slow */
#define NET_RX_BUDGET	 64

static struct mutex stack_lock;
static struct waitq net_wq;
static bool net_kicked;	    /* net_wq.lock */
static u64 net_wake_ns;	    /* when the net thread plans to wake; lock */
static bool net_running;    /* the stack is up */
static bool eth0_addressed; /* set by eth0_status (boot waits on it) */
static struct netif eth_netifs[4];
static int neth;

/* Configuration from the command line, then DHCP. */
static struct {
	u32 ip, mask, gw; /* network byte order; ip 0: DHCP */
	u32 dns[NET_DNS_MAX];
	int ndns;
	struct {
		char name[64];
		u32 ip;
	} hosts[NET_HOSTS_MAX];
	int nhosts;
} cfg;

void net_lock(void)
{
	mutex_lock(&stack_lock);
}

bool net_lock_held(void)
{
	return mutex_is_held(&stack_lock);
}

void netstack_kick(void)
{
	u64 f = spin_lock_irqsave(&net_wq.lock);
	net_kicked = true;
	spin_unlock_irqrestore(&net_wq.lock, f);
	waitq_wake(&net_wq, 0, 1);
}

void netstack_print_stats(void)
{
	for (int i = 0; i < netdev_count(); i++) {
		struct netdev *d = netdev_get(i);
		kprintf("stats: %s: %lu frames dropped for a full transmit "
			"ring",
			d->name, d->tx_dropped);
	}
}

void netstack_dump(void)
{
	struct thread *owner = stack_lock.owner;
	u64 now = clock_monotonic_ns(), wake = net_wake_ns;

	if (owner)
		kprintf(" net: lock held by tid %d", owner->tid);
	kprintf(" net: kicked %d, the net thread wakes %s %ld ms", net_kicked,
		wake ? "in" : "never,",
		wake ? (long)(wake - now) / 1000000 : 0);
	for (int i = 0; i < netdev_count(); i++) {
		struct netdev *d = netdev_get(i);
		if (d->ops->dump)
			d->ops->dump(d);
	}
	tcp_dump();
}

static bool loop_pending(void)
{
	struct netif *nif;

	NETIF_FOREACH(nif)
	{
		if (nif->loop_first)
			return true;
	}
	return false;
}

/*
 * lwIP's next timeout as a monotonic deadline (0: none), on lwIP's own
 * millisecond grid (sys_now): the same timer gives the same deadline
 * whenever it is asked, so net_unlock does not take a later look at an
 * unchanged timer for an earlier one (now + ms, truncated at different
 * moments, differed by up to 1 ms and woke the net thread for nothing).
 */
static u64 next_timeout_ns(void)
{
	u32 ms = sys_timeouts_sleeptime();

	if (ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE)
		return 0;
	return (time_boot_ns() / 1000000 + ms) * 1000000;
}

/* Deliver loopback traffic, then drop the lock; kick the net thread if a
 * timer was armed before its planned wakeup. */
void net_unlock(void)
{
	bool kick = false;

	if (net_running) {
		for (int i = 0; i < 64 && loop_pending(); i++)
			netif_poll_all();
		u64 next = next_timeout_ns();
		kick = loop_pending() ||
		       (next && (!net_wake_ns || next < net_wake_ns));
	}
	mutex_unlock(&stack_lock);
	if (kick)
		netstack_kick();
}

/* Parse a dotted quad of exactly len characters (network byte order). */
static bool parse_ipv4(const char *s, size_t len, u32 *out)
{
	u32 parts[4] = {0}, n = 0;
	bool digit = false;

	for (size_t i = 0; i < len; i++) {
		if (s[i] >= '0' && s[i] <= '9') {
			parts[n] = parts[n] * 10 + (s[i] - '0');
			if (parts[n] > 255)
				return false;
			digit = true;
		} else if (s[i] == '.' && digit && n < 3) {
			n++;
			digit = false;
		} else {
			return false;
		}
	}
	if (n != 3 || !digit)
		return false;
	*out = parts[0] | parts[1] << 8 | parts[2] << 16 | parts[3] << 24;
	return true;
}

static bool opt_is(const char *w, size_t len, const char *key, size_t *vlen)
{
	size_t k = strlen(key);

	if (len < k || memcmp(w, key, k))
		return false;
	*vlen = len - k;
	return true;
}

static void bad_option(const char *w, size_t len)
{
	pr_warn("net: ignoring malformed option \"%.*s\"", (int)len, w);
}

bool netstack_option(const char *w, size_t len)
{
	size_t vl;

	if (opt_is(w, len, "ip=", &vl)) {
		const char *v = w + 3, *slash = memchr(v, '/', vl);
		size_t al = slash ? (size_t)(slash - v) : vl;
		u32 bits = 24;
		if (slash) {
			bits = 0;
			for (const char *p = slash + 1; p < v + vl; p++)
				bits = *p >= '0' && *p <= '9' && bits < 100
					       ? bits * 10 + (*p - '0')
					       : 99;
		}
		if (!parse_ipv4(v, al, &cfg.ip) || bits > 32 ||
		    (slash && slash + 1 == v + vl)) {
			cfg.ip = 0;
			bad_option(w, len);
			return true;
		}
		cfg.mask = bits ? __builtin_bswap32(~0u << (32 - bits)) : 0;
	} else if (opt_is(w, len, "gw=", &vl)) {
		if (!parse_ipv4(w + 3, vl, &cfg.gw))
			bad_option(w, len);
	} else if (opt_is(w, len, "dns=", &vl)) {
		const char *v = w + 4, *end = w + len;
		while (v < end && cfg.ndns < NET_DNS_MAX) {
			const char *c = memchr(v, ',', end - v);
			size_t l = c ? (size_t)(c - v) : (size_t)(end - v);
			if (!parse_ipv4(v, l, &cfg.dns[cfg.ndns]))
				bad_option(w, len);
			else
				cfg.ndns++;
			v += l + 1;
		}
	} else if (opt_is(w, len, "hostname=", &vl)) {
		if (!vl || vl > 63 || memchr(w + 9, '/', vl))
			bad_option(w, len);
		else
			snprintf(kiln_hostname, 65, "%.*s", (int)vl, w + 9);
	} else if (opt_is(w, len, "host=", &vl)) {
		const char *v = w + 5, *colon = memchr(v, ':', vl);
		int i = cfg.nhosts;
		if (!colon || colon == v || colon - v > 63 ||
		    i == NET_HOSTS_MAX ||
		    !parse_ipv4(colon + 1, v + vl - colon - 1,
				&cfg.hosts[i].ip)) {
			bad_option(w, len);
			return true;
		}
		snprintf(cfg.hosts[i].name, sizeof(cfg.hosts[i].name), "%.*s",
			 (int)(colon - v), v);
		cfg.nhosts++;
	} else {
		return false;
	}
	return true;
}

void net_set_dns(struct netif *nif, const u32 *addrs, int n)
{
	(void)nif;
	if (cfg.ndns) /* the command line's servers win */
		return;
	for (int i = 0; i < n && i < NET_DNS_MAX; i++)
		cfg.dns[i] = addrs[i];
	cfg.ndns = MIN(n, NET_DNS_MAX);
}

bool net_addr_is_local(u32 addr)
{
	struct netif *nif;

	if ((addr & 0xff) == 127)
		return true;
	NETIF_FOREACH(nif)
	{
		if (ip4_addr_get_u32(netif_ip4_addr(nif)) == addr)
			return true;
	}
	return false;
}

u32 net_source_addr(u32 dst)
{
	ip4_addr_t d = {dst};
	struct netif *nif;

	if ((dst & 0xff) == 127 || net_addr_is_local(dst))
		return net_addr_is_local(dst) && (dst & 0xff) != 127
			       ? dst
			       : 0x0100007f;
	nif = ip4_route(&d);
	return nif ? ip4_addr_get_u32(netif_ip4_addr(nif)) : 0;
}

bool net_tcp_listening(u16 port)
{
	bool found = false;

	net_lock();
	for (struct tcp_pcb_listen *l = tcp_listen_pcbs.listen_pcbs; l;
	     l = l->next)
		if (l->local_port == port)
			found = true;
	net_unlock();
	return found;
}

/* Devices. */

/* eth0 got (or lost) its address: lwIP's status callback, lock held. */
static void eth0_status(struct netif *nif)
{
	WRITE_ONCE(eth0_addressed, ip4_addr_get_u32(netif_ip4_addr(nif)) != 0);
}

/*
 * Checksum offload (the device has CSUM): lwIP leaves TCP and UDP
 * checksums to us on this netif; put the pseudo-header sum in the
 * checksum field and tell the device where the L4 header starts, as
 * virtio's NEEDS_CSUM wants. 0 if the device need not do anything (not
 * IPv4 TCP/UDP, or an IP fragment: UDP's 0 means "no checksum").
 */
static u16 tx_csum_prepare(struct pbuf *p, u16 *csum_offset)
{
	u8 *f = p->payload;

	if (p->len < 14 + 20 || f[12] != 0x08 || f[13] != 0x00)
		return 0;
	u8 *ip = f + 14;
	u32 ihl = (ip[0] & 0xf) * 4, proto = ip[9];
	u32 total = (u32)ip[2] << 8 | ip[3];
	if ((proto != 6 && proto != 17) || (ip[6] & 0x3f) || ip[7] ||
	    total < ihl)
		return 0;
	u32 l4 = 14 + ihl, field = l4 + (proto == 6 ? 16 : 6);
	if (field + 2 > p->len) {
		/* headers split across pbufs (lwIP never does this): sum
		 * it here rather than send a zero checksum */
		ip_addr_t src, dst;
		ip_addr_set_ip4_u32(&src, *(u32 *)(ip + 12));
		ip_addr_set_ip4_u32(&dst, *(u32 *)(ip + 16));
		if (pbuf_remove_header(p, l4))
			return 0;
		u16 c = ip_chksum_pseudo(p, proto, total - ihl, &src, &dst);
		pbuf_add_header(p, l4);
		pbuf_take_at(p, &c, 2, field);
		return 0;
	}
	u32 sum = 0;
	for (int i = 12; i < 20; i += 2)
		sum += (u32)ip[i] << 8 | ip[i + 1];
	sum += proto + (total - ihl);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	f[field] = sum >> 8;
	f[field + 1] = sum & 0xff;
	*csum_offset = field - l4;
	return l4;
}

/* A frame from lwIP to the device: its pbuf chain as segments. */
static err_t eth_linkoutput(struct netif *nif, struct pbuf *p)
{
	struct netdev *dev = nif->state;
	struct netdev_seg segs[8];
	u16 csum_start = 0, csum_offset = 0;
	int n = 0;

	if (dev->tx_csum)
		csum_start = tx_csum_prepare(p, &csum_offset);

	for (struct pbuf *q = p; q; q = q->next) {
		if (n == (int)ARRAY_SIZE(segs)) {
			/* a long chain: send it as one flat copy */
			static u8 flat[1600];
			if (p->tot_len > sizeof(flat))
				return ERR_BUF;
			pbuf_copy_partial(p, flat, p->tot_len, 0);
			segs[0].data = flat;
			segs[0].len = p->tot_len;
			n = 1;
			break;
		}
		segs[n].data = q->payload;
		segs[n++].len = q->len;
	}
	if (dev->ops->xmit(dev, segs, n, csum_start, csum_offset)) {
		dev->tx_dropped++;
		return ERR_IF;
	}
	return ERR_OK;
}

/* A frame from the device (net thread, lock held). */
static void eth_rx(struct netdev *dev, const void *frame, u32 len, bool csum_ok)
{
	struct netif *nif = dev->stack;
	struct pbuf *p;

	(void)csum_ok;
	if (len < 14 || len > 0xffff)
		return;
	p = pbuf_alloc(PBUF_RAW, len, PBUF_POOL);
	if (!p)
		return; /* out of memory: dropped, as a full ring would */
	pbuf_take(p, frame, len);
	if (nif->input(p, nif) != ERR_OK)
		pbuf_free(p);
}

static err_t eth_netif_init(struct netif *nif)
{
	struct netdev *dev = nif->state;

	nif->name[0] = 'e';
	nif->name[1] = 'n';
	nif->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(nif->hwaddr, dev->mac, ETH_HWADDR_LEN);
	nif->mtu = dev->mtu;
	nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP |
		     NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
	nif->output = etharp_output;
	nif->linkoutput = eth_linkoutput;
	nif->hostname = kiln_hostname;
	if (dev->tx_csum) /* eth_linkoutput has the device finish them */
		NETIF_SET_CHECKSUM_CTRL(nif, NETIF_CHECKSUM_ENABLE_ALL &
						     ~(NETIF_CHECKSUM_GEN_TCP |
						       NETIF_CHECKSUM_GEN_UDP));
	return ERR_OK;
}

static void add_devices(void)
{
	for (int i = 0;
	     i < netdev_count() && neth < (int)ARRAY_SIZE(eth_netifs); i++) {
		struct netdev *dev = netdev_get(i);
		struct netif *nif = &eth_netifs[neth];
		ip4_addr_t ip = {0}, mask = {0}, gw = {0};
		if (neth == 0 && cfg.ip) {
			ip.addr = cfg.ip;
			mask.addr = cfg.mask;
			gw.addr = cfg.gw;
		}
		if (!netif_add(nif, &ip, &mask, &gw, dev, eth_netif_init,
			       ethernet_input)) {
			pr_warn("net: %s: cannot add the interface", dev->name);
			continue;
		}
		dev->stack = nif;
		dev->rx = eth_rx;
		if (neth == 0) {
			netif_set_default(nif);
			netif_set_status_callback(nif, eth0_status);
		}
		netif_set_up(nif);
		if (neth == 0 && !cfg.ip)
			dhcp_start(nif);
		neth++;
	}
}

/* The net thread. */

/*
 * Take in each device's received frames: all of them (drain), or at most
 * one budget each. A device left with more keeps its receive interrupt off;
 * returns whether any was.
 */
static bool poll_devices(bool drain)
{
	bool more = false;

	for (int i = 0; i < netdev_count(); i++) {
		struct netdev *d = netdev_get(i);
		int n;
		if (!d->stack)
			continue;
		do
			n = d->ops->poll(d, NET_RX_BUDGET);
		while (drain && n > 0);
		if (n >= NET_RX_BUDGET)
			more = true;
		else
			d->ops->rx_irq_enable(d);
	}
	return more;
}

/*
 * TIME-WAIT. lwIP keeps its TIME-WAIT pcbs on one list and walked all of
 * it for every segment that matched no connection, each new connection's
 * SYN among them. lwIP patch 0005's hooks let this index, a hash of the
 * pcbs by address and ports, find the one candidate instead, and count
 * them. Net lock held (lwIP calls the hooks from input and its timer).
 */
#define TW_HASH_BITS 11

struct tw_node {
	struct tw_node *next;
	struct tcp_pcb *pcb;
};

static struct tw_node *tw_hash[1u << TW_HASH_BITS];
static int tw_indexed;	 /* pcbs in the index */
static int tw_unindexed; /* pcbs on the list that kmalloc left out */

static struct tw_node **tw_bucket(const ip_addr_t *lip, u16_t lport,
				  const ip_addr_t *rip, u16_t rport)
{
	u32 h = (ip4_addr_get_u32(rip) ^ ip4_addr_get_u32(lip) * 31u) +
		((u32)lport << 16 | rport);

	return &tw_hash[(h * 0x9e3779b1u) >> (32 - TW_HASH_BITS)];
}

void kiln_tcp_tw_add(struct tcp_pcb *pcb)
{
	struct tw_node *n = kmalloc(sizeof(*n));
	struct tw_node **b;

	if (!n) {
		tw_unindexed++; /* found by walking the list until it goes */
		return;
	}
	b = tw_bucket(&pcb->local_ip, pcb->local_port, &pcb->remote_ip,
		      pcb->remote_port);
	n->pcb = pcb;
	n->next = *b;
	*b = n;
	tw_indexed++;
}

void kiln_tcp_tw_del(struct tcp_pcb *pcb)
{
	struct tw_node **link = tw_bucket(&pcb->local_ip, pcb->local_port,
					  &pcb->remote_ip, pcb->remote_port);

	for (struct tw_node *n; (n = *link); link = &n->next) {
		if (n->pcb == pcb) {
			*link = n->next;
			kfree(n);
			tw_indexed--;
			return;
		}
	}
	if (tw_unindexed > 0)
		tw_unindexed--;
}

static bool tw_match(const struct tcp_pcb *p, const ip_addr_t *lip, u16_t lport,
		     const ip_addr_t *rip, u16_t rport)
{
	return p->local_port == lport && p->remote_port == rport &&
	       ip_addr_cmp(&p->local_ip, lip) &&
	       ip_addr_cmp(&p->remote_ip, rip);
}

struct tcp_pcb *kiln_tcp_tw_lookup(const ip_addr_t *lip, u16_t lport,
				   const ip_addr_t *rip, u16_t rport)
{
	if (unlikely(tw_unindexed)) { /* the list, as lwIP walks it */
		for (struct tcp_pcb *p = tcp_tw_pcbs; p; p = p->next)
			if (tw_match(p, lip, lport, rip, rport))
				return p;
		return NULL;
	}
	for (struct tw_node *n = *tw_bucket(lip, lport, rip, rport); n;
	     n = n->next)
		if (tw_match(n->pcb, lip, lport, rip, rport))
			return n->pcb;
	return NULL;
}

/*
 * Bound TIME-WAIT: lwIP only reclaims it when a pool runs dry, which a
 * heap-backed stack never sees. Beyond the cap the newest go, as Linux's
 * tcp_max_tw_buckets keeps new ones out of TIME-WAIT: the list's head,
 * unlinked without a walk.
 */
static void reap_time_wait(void)
{
	while (tw_indexed + tw_unindexed > NET_TIMEWAIT_MAX && tcp_tw_pcbs)
		tcp_abort(tcp_tw_pcbs);
}

/*
 * The interrupt's deferred work (sched_softirq_raise): take in the frames
 * it announced in the thread it interrupted (the idle loop, or a thread on
 * its way back to user mode) rather than switching to the net thread and
 * back. One budget per device; a burst or a busy lock goes to the net
 * thread. Timers stay with the net thread (net_unlock kicks it when input
 * armed an earlier one). Never sleeps: the idle thread runs it.
 */
static void net_softirq(void)
{
	bool more;

	if (!READ_ONCE(net_running) || !mutex_trylock(&stack_lock)) {
		netstack_kick();
		return;
	}
	more = poll_devices(false);
	net_unlock();
	if (more)
		netstack_kick();
}

static bool take_kick(void)
{
	bool k = net_kicked;

	net_kicked = false;
	return k;
}

static void net_thread(void *arg)
{
	(void)arg;
	for (;;) {
		net_lock();
		poll_devices(true);
		sys_check_timeouts();
		reap_time_wait();
		net_wake_ns = next_timeout_ns();
		u64 wake = net_wake_ns;
		net_unlock();
		waitq_wait_event(&net_wq, take_kick(), wake);
	}
}

/* Files describing the network. */

static void write_etc(const char *path, const char *text)
{
	size_t len = strlen(text);
	char *copy = kmalloc(len + 1);

	if (!copy || vfs_put_file(path, copy, len, 0644)) {
		pr_warn("net: cannot write %s", path);
		kfree(copy);
		return;
	}
	memcpy(copy, text, len + 1);
}

static void write_etc_files(void)
{
	char buf[1024], shortname[65];
	int n = 0;
	u32 self = neth ? ip4_addr_get_u32(netif_ip4_addr(&eth_netifs[0])) : 0;
	u8 *a = (u8 *)&self;

	strlcpy(shortname, kiln_hostname, sizeof(shortname));
	char *dot = strchr(shortname, '.');
	if (dot)
		*dot = 0;
	n += snprintf(buf + n, sizeof(buf) - n, "127.0.0.1\tlocalhost\n");
	if (self)
		n += snprintf(buf + n, sizeof(buf) - n, "%u.%u.%u.%u\t", a[0],
			      a[1], a[2], a[3]);
	else
		n += snprintf(buf + n, sizeof(buf) - n, "127.0.1.1\t");
	n += snprintf(buf + n, sizeof(buf) - n, "%s%s%s\n", kiln_hostname,
		      dot ? " " : "", dot ? shortname : "");
	for (int i = 0; i < cfg.nhosts; i++) {
		a = (u8 *)&cfg.hosts[i].ip;
		n += snprintf(buf + n, sizeof(buf) - n, "%u.%u.%u.%u\t%s\n",
			      a[0], a[1], a[2], a[3], cfg.hosts[i].name);
	}
	write_etc("/etc/hosts", buf);
	n = 0;
	buf[0] = 0;
	for (int i = 0; i < cfg.ndns; i++) {
		a = (u8 *)&cfg.dns[i];
		n += snprintf(buf + n, sizeof(buf) - n,
			      "nameserver %u.%u.%u.%u\n", a[0], a[1], a[2],
			      a[3]);
	}
	write_etc("/etc/resolv.conf", buf);
	snprintf(buf, sizeof(buf), "%s\n", kiln_hostname);
	write_etc("/etc/hostname", buf);
}

/*
 * Boot waits (bounded) for DHCP: programs expect their address. The boot
 * CPU's idle thread runs this and an idle thread must never sleep, so it
 * takes no lock: it runs the net thread (schedule) and watches the flag
 * the status callback sets.
 */
static void wait_for_dhcp(void)
{
	u64 end = clock_monotonic_ns() + DHCP_WAIT_NS;

	while (!READ_ONCE(eth0_addressed) && clock_monotonic_ns() < end) {
		if (sched_has_runnable())
			schedule();
		else
			time_delay_us(1000);
	}
	if (!READ_ONCE(eth0_addressed))
		pr_warn("net: eth0: no DHCP answer in %lu s; give an address "
			"with kiln run --ip A/N --gw G",
			DHCP_WAIT_NS / NSEC_PER_SEC);
}

static void log_address(void)
{
	struct netif *nif = &eth_netifs[0];
	u32 ip = ip4_addr_get_u32(netif_ip4_addr(nif));
	u32 gw = ip4_addr_get_u32(netif_ip4_gw(nif));
	u32 mask = __builtin_bswap32(ip4_addr_get_u32(netif_ip4_netmask(nif)));
	u8 *a = (u8 *)&ip, *g = (u8 *)&gw;

	pr_info("net: eth0: %u.%u.%u.%u/%d gw %u.%u.%u.%u (%s), %d dns", a[0],
		a[1], a[2], a[3], mask ? 32 - __builtin_ctz(mask) : 0, g[0],
		g[1], g[2], g[3], cfg.ip ? "static" : "dhcp", cfg.ndns);
}

/* Runs on the boot CPU's idle thread, before any other thread could take
 * the lock (so net_lock here never sleeps); after the net thread starts,
 * only lock-free reads (wait_for_dhcp) and the quiescent netif. */
void netstack_init(void)
{
	mutex_init(&stack_lock);
	waitq_init(&net_wq);
	net_lock();
	lwip_init();
	add_devices();
	net_running = true;
	net_unlock();
	if (!kthread_create(net_thread, NULL, "net"))
		panic("net: no memory for the net thread");
	sched_set_softirq(net_softirq, netstack_kick);
	if (neth && !cfg.ip)
		wait_for_dhcp();
	if (neth)
		log_address();
	else
		pr_info("net: no network device: loopback only");
	write_etc_files();
}

/* Interface ioctls (SIOCGIFCONF, SIOCGIF*): what inet:getiflist/ifget
 * and ifconfig-style code read. Interfaces are "lo" and the netdevs'
 * names; the numbering follows lwIP's (lo is 1, as on Linux). */

#define SIOCGIFNAME	0x8910
#define SIOCGIFCONF	0x8912
#define SIOCGIFFLAGS	0x8913
#define SIOCGIFADDR	0x8915
#define SIOCGIFBRDADDR	0x8919
#define SIOCGIFNETMASK	0x891b
#define SIOCGIFMTU	0x8921
#define SIOCGIFHWADDR	0x8927
#define SIOCGIFINDEX	0x8933
#define IFF_UP		0x1
#define IFF_BROADCAST	0x2
#define IFF_LOOPBACK	0x8
#define IFF_RUNNING	0x40
#define IFF_MULTICAST	0x1000
#define ARPHRD_ETHER	1
#define ARPHRD_LOOPBACK 772

struct ifreq {
	char name[16];
	union {
		struct {
			u16 family;
			u16 port;
			u32 addr;
			u8 zero[8];
		} sin;
		struct {
			u16 family;
			u8 data[14];
		} hw;
		int ival;
		u8 pad[24];
	};
};
_Static_assert(sizeof(struct ifreq) == 40, "struct ifreq");

struct ifconf {
	int len;
	int pad;
	u64 buf;
};

static const char *netif_linux_name(struct netif *nif)
{
	for (int i = 0; i < neth; i++)
		if (nif == &eth_netifs[i])
			return ((struct netdev *)nif->state)->name;
	return "lo";
}

int net_ifaces(struct net_iface *out, int max)
{
	struct netif *nif;
	int n = 0;

	net_lock();
	for (int index = 1; index < 256 && n < max; index++) {
		nif = netif_get_by_index(index);
		if (!nif)
			break;
		struct net_iface *i = &out[n++];
		memset(i, 0, sizeof(*i));
		strlcpy(i->name, netif_linux_name(nif), sizeof(i->name));
		i->index = index;
		i->loopback = !strcmp(i->name, "lo");
		i->up = netif_is_up(nif);
		i->mtu = i->loopback ? 65535 : nif->mtu;
		memcpy(i->mac, nif->hwaddr, i->loopback ? 0 : ETH_HWADDR_LEN);
		i->addr = ip4_addr_get_u32(netif_ip4_addr(nif));
		i->mask = ip4_addr_get_u32(netif_ip4_netmask(nif));
	}
	net_unlock();
	return n;
}

struct netif *net_netif_by_name(const char *name)
{
	struct netif *nif;

	NETIF_FOREACH(nif)
	{
		if (!strcmp(netif_linux_name(nif), name))
			return nif;
	}
	return NULL;
}

static void fill_sin(struct ifreq *r, u32 addr)
{
	memset(&r->sin, 0, sizeof(r->sin));
	r->sin.family = 2; /* AF_INET */
	r->sin.addr = addr;
}

static int ifreq_get(u32 cmd, struct netif *nif, struct ifreq *r)
{
	bool lo = !strcmp(netif_linux_name(nif), "lo");
	u32 ip = ip4_addr_get_u32(netif_ip4_addr(nif));
	u32 mask = ip4_addr_get_u32(netif_ip4_netmask(nif));

	switch (cmd) {
	case SIOCGIFFLAGS:
		r->ival = (netif_is_up(nif) ? IFF_UP | IFF_RUNNING : 0) |
			  (lo ? IFF_LOOPBACK : IFF_BROADCAST | IFF_MULTICAST);
		return 0;
	case SIOCGIFADDR:
		fill_sin(r, ip);
		return ip ? 0 : -EADDRNOTAVAIL;
	case SIOCGIFNETMASK:
		fill_sin(r, mask);
		return ip ? 0 : -EADDRNOTAVAIL;
	case SIOCGIFBRDADDR:
		fill_sin(r, lo ? 0 : (ip & mask) | ~mask);
		return ip ? 0 : -EADDRNOTAVAIL;
	case SIOCGIFMTU:
		r->ival = lo ? 65536 : nif->mtu;
		return 0;
	case SIOCGIFHWADDR:
		memset(&r->hw, 0, sizeof(r->hw));
		r->hw.family = lo ? ARPHRD_LOOPBACK : ARPHRD_ETHER;
		if (!lo)
			memcpy(r->hw.data, nif->hwaddr, ETH_HWADDR_LEN);
		return 0;
	case SIOCGIFINDEX:
		r->ival = netif_get_index(nif);
		return 0;
	}
	return -ENOTTY;
}

static int ifconf(u64 arg)
{
	struct ifconf ic;
	struct netif *nif;
	int n = 0, ret = 0;

	if (copy_from_user(&ic, arg, sizeof(ic)))
		return -EFAULT;
	net_lock();
	NETIF_FOREACH(nif)
	{
		struct ifreq r = {0};
		if (!ip4_addr_get_u32(netif_ip4_addr(nif)))
			continue; /* Linux lists addressed interfaces */
		if (ic.buf) {
			if ((n + 1) * (int)sizeof(r) > ic.len)
				break;
			strlcpy(r.name, netif_linux_name(nif), sizeof(r.name));
			fill_sin(&r, ip4_addr_get_u32(netif_ip4_addr(nif)));
			if (copy_to_user(ic.buf + n * sizeof(r), &r,
					 sizeof(r))) {
				ret = -EFAULT;
				break;
			}
		}
		n++;
	}
	net_unlock();
	ic.len = n * sizeof(struct ifreq);
	if (!ret && copy_to_user(arg, &ic, sizeof(ic.len)))
		ret = -EFAULT;
	return ret;
}

int netif_ioctl(u32 cmd, u64 arg)
{
	struct ifreq r;
	struct netif *nif = NULL;
	int ret;

	if (cmd == SIOCGIFCONF)
		return ifconf(arg);
	if (cmd != SIOCGIFNAME && cmd != SIOCGIFFLAGS && cmd != SIOCGIFADDR &&
	    cmd != SIOCGIFNETMASK && cmd != SIOCGIFBRDADDR &&
	    cmd != SIOCGIFMTU && cmd != SIOCGIFHWADDR && cmd != SIOCGIFINDEX)
		return -ENOTTY;
	if (copy_from_user(&r, arg, sizeof(r)))
		return -EFAULT;
	r.name[sizeof(r.name) - 1] = 0;
	net_lock();
	if (cmd == SIOCGIFNAME) {
		nif = r.ival > 0 && r.ival < 256 ? netif_get_by_index(r.ival)
						 : NULL;
		if (nif)
			strlcpy(r.name, netif_linux_name(nif), sizeof(r.name));
		ret = nif ? 0 : -ENODEV;
	} else {
		nif = net_netif_by_name(r.name);
		ret = nif ? ifreq_get(cmd, nif, &r) : -ENODEV;
	}
	net_unlock();
	if (!ret && copy_to_user(arg, &r, sizeof(r)))
		ret = -EFAULT;
	return ret;
}
