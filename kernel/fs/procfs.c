// SPDX-License-Identifier: MIT
/*
 * /proc and /sys: read-only vnodes whose contents are generated when they
 * are opened (so one open file reads one consistent snapshot). /proc/self
 * describes the process looking at it; /proc/<its pid> is an alias of it.
 * /proc/self/fd holds one magic link per open fd: readlink gives a path,
 * following it gives the open file's vnode itself, even if unlinked.
 * Entries that depend on the caller (fd links, /proc/<pid>, the cpuN
 * directories of /sys) are made on lookup and freed with their last
 * reference; they are never in a children list.
 *
 * The lookup hooks run under vfs_lock; generators run without it.
 */
#include <kernel/printk.h>
#include <kernel/string.h>
#include "vfs.h"
#include "file.h"
#include "inotify.h"
#include "pipe.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "drivers/random.h"
#include "ipc/ipc.h"
#include "ipc/mqueue.h"
#include "mm/kheap.h"
#include "mm/pmm.h"
#include "mm/vm.h"
#include "mm/vmm.h"
#include "proc/vdso.h"
#include "mm/uaccess.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "sched/sched.h"
#include "sched/time.h"

extern char kiln_hostname[]; /* sys/sys_proc.c */

#define PROC_FLAGS (VN_PROC | VN_NOCREATE)
#define USER_HZ	   100

/* A growing text buffer for generators. */
struct pbuf {
	char *buf;
	size_t len, cap;
	int err;
};

static void pf(struct pbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void pf(struct pbuf *b, const char *fmt, ...)
{
	va_list ap;

	for (;;) {
		if (b->err)
			return;
		va_start(ap, fmt);
		int n = vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0 || b->len + n < b->cap) {
			b->len += n > 0 ? n : 0;
			return;
		}
		size_t cap = (b->cap + n) * 2;
		char *nb = kmalloc(cap);
		if (!nb) {
			b->err = -ENOMEM;
			return;
		}
		memcpy(nb, b->buf, b->len);
		kfree(b->buf);
		b->buf = nb;
		b->cap = cap;
	}
}

static u64 uptime_ns(void)
{
	return clock_monotonic_ns();
}

static void gen_meminfo(struct pbuf *b)
{
	u64 total = pmm_total_pages() * 4, free = pmm_free_pages() * 4;

	pf(b, "MemTotal:       %8lu kB\nMemFree:        %8lu kB\n", total,
	   free);
	pf(b, "MemAvailable:   %8lu kB\n", free);
	pf(b, "Buffers:        %8lu kB\n", 0UL);
	/* the image's decompressed files; what is in place is not counted */
	pf(b, "Cached:         %8lu kB\n", zimage_cached_pages() * 4);
	static const char *const zero[] = {"SwapCached", "SwapTotal",
					   "SwapFree", "Shmem"};
	for (size_t i = 0; i < ARRAY_SIZE(zero); i++)
		pf(b, "%s:%*s%8lu kB\n", zero[i], (int)(15 - strlen(zero[i])),
		   "", 0UL);
}

/* CPU i's time halted in the idle loop, the halt in progress included. */
static u64 cpu_idle_ns(u32 i, u64 now)
{
	struct cpu_stats *st = &cpu_table[i]->stats;
	u32 seq;
	u64 idle, start;

	do {
		seq = __atomic_load_n(&st->idle_seq, __ATOMIC_SEQ_CST);
		idle = READ_ONCE(st->idle_ns);
		start = READ_ONCE(st->idle_start_ns);
	} while ((seq & 1) ||
		 seq != __atomic_load_n(&st->idle_seq, __ATOMIC_SEQ_CST));
	return idle + (start && now > start ? now - start : 0);
}

/*
 * Per CPU: idle is the time halted in the idle loop, and the rest of the
 * time since boot shows as user time (Kiln does not split user from
 * system time), in USER_HZ ticks.
 */
static void gen_stat(struct pbuf *b)
{
	u64 now = time_boot_ns(), up = uptime_ns(),
	    tick = NSEC_PER_SEC / USER_HZ;
	u64 boot = (clock_realtime_ns() - up) / NSEC_PER_SEC;
	u64 busy[64], idle[64], tb = 0, ti = 0;
	u32 n = MIN(ncpus, 64);

	for (u32 i = 0; i < n; i++) {
		idle[i] =
			cpu_table[i] ? MIN(cpu_idle_ns(i, now), up) / tick : 0;
		busy[i] = up / tick - idle[i];
		tb += busy[i];
		ti += idle[i];
	}
	pf(b, "cpu  %lu 0 0 %lu 0 0 0 0 0 0\n", tb, ti);
	for (u32 i = 0; i < n; i++)
		pf(b, "cpu%u %lu 0 0 %lu 0 0 0 0 0 0\n", i, busy[i], idle[i]);
	pf(b, "intr 0\nctxt 0\nbtime %lu\nprocesses %d\n", boot,
	   current->proc->pid);
	pf(b, "procs_running 1\nprocs_blocked 0\nsoftirq 0\n");
}

/* "/proc/cpuinfo flags" for the features set in cpuid leaves 1 and 7. */
static void cpu_flags(struct pbuf *b)
{
	static const struct {
		u8 leaf7, reg, bit;
		const char *name;
	} fl[] = {
		{0, 3, 0, "fpu"},	  {0, 3, 4, "tsc"},
		{0, 3, 5, "msr"},	  {0, 3, 6, "pae"},
		{0, 3, 8, "cx8"},	  {0, 3, 9, "apic"},
		{0, 3, 15, "cmov"},	  {0, 3, 19, "clflush"},
		{0, 3, 23, "mmx"},	  {0, 3, 24, "fxsr"},
		{0, 3, 25, "sse"},	  {0, 3, 26, "sse2"},
		{0, 2, 0, "pni"},	  {0, 2, 1, "pclmulqdq"},
		{0, 2, 9, "ssse3"},	  {0, 2, 12, "fma"},
		{0, 2, 13, "cx16"},	  {0, 2, 19, "sse4_1"},
		{0, 2, 20, "sse4_2"},	  {0, 2, 22, "movbe"},
		{0, 2, 23, "popcnt"},	  {0, 2, 25, "aes"},
		{0, 2, 26, "xsave"},	  {0, 2, 28, "avx"},
		{0, 2, 29, "f16c"},	  {0, 2, 30, "rdrand"},
		{0, 2, 31, "hypervisor"}, {1, 1, 0, "fsgsbase"},
		{1, 1, 3, "bmi1"},	  {1, 1, 5, "avx2"},
		{1, 1, 7, "smep"},	  {1, 1, 8, "bmi2"},
		{1, 1, 18, "rdseed"},	  {1, 1, 19, "adx"},
		{1, 1, 20, "smap"},	  {1, 1, 16, "avx512f"},
	};
	u32 r[2][4];

	cpuid(1, 0, &r[0][0], &r[0][1], &r[0][2], &r[0][3]);
	cpuid(7, 0, &r[1][0], &r[1][1], &r[1][2], &r[1][3]);
	pf(b, "flags\t\t:");
	for (size_t i = 0; i < ARRAY_SIZE(fl); i++)
		if (r[fl[i].leaf7][fl[i].reg] & (1u << fl[i].bit))
			pf(b, " %s", fl[i].name);
	pf(b, "\n");
}

static void gen_cpuinfo(struct pbuf *b)
{
	u32 r[12], a, bx, c, d, maxext;
	char vendor[13], model[49];

	cpuid(0, 0, &a, &bx, &c, &d);
	memcpy(vendor, &bx, 4);
	memcpy(vendor + 4, &d, 4);
	memcpy(vendor + 8, &c, 4);
	vendor[12] = 0;
	u32 maxleaf = a;
	cpuid(0x80000000, 0, &maxext, &bx, &c, &d);
	strlcpy(model, "QEMU Virtual CPU", sizeof(model));
	if (maxext >= 0x80000004) {
		for (u32 i = 0; i < 3; i++)
			cpuid(0x80000002 + i, 0, &r[i * 4], &r[i * 4 + 1],
			      &r[i * 4 + 2], &r[i * 4 + 3]);
		memcpy(model, r, 48);
		model[48] = 0;
	}
	cpuid(1, 0, &a, &bx, &c, &d);
	u32 family = (a >> 8) & 0xf, mdl = (a >> 4) & 0xf;
	if (family == 0xf)
		family += (a >> 20) & 0xff;
	if (family >= 6)
		mdl |= ((a >> 16) & 0xf) << 4;
	u64 khz = tsc_hz() / 1000;
	for (u32 i = 0; i < ncpus; i++) {
		pf(b, "processor\t: %u\nvendor_id\t: %s\n", i, vendor);
		pf(b, "cpu family\t: %u\nmodel\t\t: %u\n", family, mdl);
		pf(b, "model name\t: %s\nstepping\t: %u\n", model, a & 0xf);
		pf(b, "cpu MHz\t\t: %lu.%03lu\n", khz / 1000, khz % 1000);
		pf(b, "physical id\t: 0\nsiblings\t: %u\ncore id\t\t: %u\n",
		   ncpus, i);
		pf(b, "cpu cores\t: %u\napicid\t\t: %u\n", ncpus,
		   cpu_table[i] ? cpu_table[i]->apic_id : i);
		pf(b, "fpu\t\t: yes\nfpu_exception\t: yes\n");
		pf(b, "cpuid level\t: %u\nwp\t\t: yes\n", maxleaf);
		cpu_flags(b);
		pf(b, "bogomips\t: %lu.%02lu\n", khz / 500, (khz / 5) % 100);
		pf(b, "clflush size\t: 64\ncache_alignment\t: 64\n");
		pf(b, "address sizes\t: 40 bits physical, 48 bits virtual\n");
		pf(b, "power management:\n\n");
	}
}

static void gen_uptime(struct pbuf *b)
{
	u64 now = time_boot_ns(), idle = 0;
	u64 cs = uptime_ns() / (NSEC_PER_SEC / 100);

	for (u32 i = 0; i < ncpus; i++)
		idle += cpu_table[i] ? cpu_idle_ns(i, now) : 0;
	idle /= NSEC_PER_SEC / 100;

	pf(b, "%lu.%02lu %lu.%02lu\n", cs / 100, cs % 100, idle / 100,
	   idle % 100);
}

static void gen_loadavg(struct pbuf *b)
{
	u64 l[3];

	time_loadavg(l);
	for (int i = 0; i < 3; i++) {
		u64 v = l[i] + (1UL << 11) / 200; /* rounded, as Linux */
		pf(b, "%lu.%02lu ", v >> 11,
		   ((v & ((1UL << 11) - 1)) * 100) >> 11);
	}
	/* running: at least the reader */
	u32 run = sched_nr_running();
	pf(b, "%u/%u %d\n", run ? run : 1, proc_count_threads(), tid_last());
}

static void gen_version(struct pbuf *b)
{
	pf(b, "Linux version 6.1.0-kiln (kiln@kiln) (gcc) #1 SMP Kiln\n");
}

/* The tree as mounts (st_dev 1; /proc and /sys 3). No cgroup mounts, so
 * ERTS's cgroup probe finds nothing. */
static void gen_mounts(struct pbuf *b)
{
	pf(b, "tmpfs / tmpfs rw 0 0\nproc /proc proc rw 0 0\n");
	pf(b, "sysfs /sys sysfs ro 0 0\n");
}

/* The filesystem types Kiln has, in Linux's registration order: what
 * /proc/filesystems lists and sysfs(2) numbers. */
static const char *const fs_types[] = {"sysfs", "tmpfs", "proc"};

const char *procfs_fs_type(u32 i)
{
	return i < ARRAY_SIZE(fs_types) ? fs_types[i] : NULL;
}

static void gen_filesystems(struct pbuf *b)
{
	for (size_t i = 0; i < ARRAY_SIZE(fs_types); i++)
		pf(b, "nodev\t%s\n", fs_types[i]);
}

static void gen_mountinfo(struct pbuf *b)
{
	pf(b, "1 0 0:1 / / rw - tmpfs tmpfs rw\n");
	pf(b, "2 1 0:3 / /proc rw - proc proc rw\n");
	pf(b, "3 1 0:3 / /sys ro - sysfs sysfs ro\n");
}

static void gen_cgroup(struct pbuf *b)
{
	pf(b, "0::/\n");
}

/* Linux's state letter: R running or runnable, S sleeping, Z zombie. */
static char proc_state(struct process *p)
{
	struct thread *t;
	char c = 'S';

	if (READ_ONCE(p->exited))
		return 'Z';
	u64 f = spin_lock_irqsave(&p->lock);
	list_for_each_entry(t, &p->threads, proc_node)
	{
		enum thread_state st = READ_ONCE(t->state);
		if (st == T_RUNNING || st == T_RUNNABLE || t == current)
			c = 'R';
	}
	spin_unlock_irqrestore(&p->lock, f);
	return c;
}

static const char *state_name(char c)
{
	return c == 'R'	  ? "R (running)"
	       : c == 'Z' ? "Z (zombie)"
			  : "S (sleeping)";
}

/* The address space's size in bytes (Linux's total_vm) and its resident
 * pages; 0 once p has exited. */
static void proc_mem(struct process *p, u64 *vsize, u64 *rss)
{
	struct mm *mm = proc_mm_get(p);
	struct vma *v;

	*vsize = *rss = 0;
	if (!mm)
		return;
	mm_lock(mm);
	list_for_each_entry(v, &mm->vmas, node) *vsize += v->end - v->start;
	*rss = mm->rss_pages;
	spin_unlock(&mm->lock);
	mm_put(mm);
}

/*
 * /proc/PID/stat: user and system CPU time (and the reaped children's) in
 * ticks, as times(2); starttime in ticks after boot, on the clock of
 * /proc/uptime.
 */
static void gen_stat_of(struct pbuf *b, struct process *p)
{
	u64 vsize, rss, tick = NSEC_PER_SEC / USER_HZ;
	int ppid = proc_getppid(p);
	int pgid = proc_getpgid(p->pid, false),
	    sid = proc_getpgid(p->pid, true);
	u64 user = proc_user_ns(p), cpu = proc_cpu_ns(p); /* user first */
	u64 cuser = READ_ONCE(p->children_user_ns);
	u64 ccpu = READ_ONCE(p->children_cpu_ns);
	char state = proc_state(p);

	user = MIN(user, cpu);
	cuser = MIN(cuser, ccpu);
	proc_mem(p, &vsize, &rss);
	pf(b, "%d (%s) %c %d %d %d 0 -1 4194560 0 0 0 0 %lu %lu %lu %lu ",
	   p->pid, p->comm, state, ppid, pgid, sid, user / tick,
	   (cpu - user) / tick, cuser / tick, (ccpu - cuser) / tick);
	int nice = prio_nice(p); /* priority 20 + nice, then nice */
	pf(b, "%d %d %d 0 ", 20 + nice, nice, READ_ONCE(p->nthreads));
	pf(b, "%lu %lu %lu 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 %d ",
	   p->start_ns / tick, vsize, rss, p->exit_signal);
	pf(b, "%u 0 0 0 0 0 0 0 0 0 0 0 0 %d\n",
	   p == current->proc ? this_cpu()->id : 0,
	   state == 'Z' ? p->exit_status : 0);
}

static void gen_self_stat(struct pbuf *b)
{
	gen_stat_of(b, current->proc);
}

static void gen_status_of(struct pbuf *b, struct process *p)
{
	u64 vsize, rss;

	proc_mem(p, &vsize, &rss);
	pf(b, "Name:\t%s\nUmask:\t0%u%u%u\nState:\t%s\n", p->comm,
	   (p->umask >> 6) & 7, (p->umask >> 3) & 7, p->umask & 7,
	   state_name(proc_state(p)));
	pf(b, "Tgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\n", p->pid, p->pid,
	   proc_getppid(p));
	pf(b, "TracerPid:\t0\n");
	struct cred c;
	cred_of(p, &c);
	pf(b, "Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\nGroups:\t", c.uid,
	   c.euid, c.suid, c.fsuid, c.gid, c.egid, c.sgid, c.fsgid);
	struct group_info *gi = cred_groups_of(p);
	for (u32 i = 0; gi && i < gi->n; i++)
		pf(b, "%s%u", i ? " " : "", gi->gids[i]);
	groups_put(gi);
	pf(b, " \n"); /* "Groups:\t1 2 \n", as Linux */
	pf(b, "NStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n", p->pid,
	   p->pid, proc_getpgid(p->pid, false), proc_getpgid(p->pid, true));
	pf(b, "VmSize:\t%8lu kB\nVmRSS:\t%8lu kB\n", vsize / 1024, rss * 4);
	pf(b, "Threads:\t%d\n", READ_ONCE(p->nthreads));
	/* signals as Linux shows them (bit n-1 for signal n), read without
	 * the lock like any snapshot; then the capabilities */
	u64 ign = 0, cgt = 0;
	for (int sig = 1; sig <= NSIG; sig++) {
		u64 h = READ_ONCE(p->sigactions[sig - 1].handler);
		if (h == SIG_IGN)
			ign |= 1ULL << (sig - 1);
		else if (h != SIG_DFL)
			cgt |= 1ULL << (sig - 1);
	}
	/* SigPnd and SigBlk are the reading thread's (its own process), or
	 * the first thread's */
	struct thread *t = p == current->proc ? current : NULL;
	u64 tpend = t ? READ_ONCE(t->sigpending) : 0;
	u64 tmask = t ? READ_ONCE(t->sigmask) : 0;
	if (!t) {
		u64 f = spin_lock_irqsave(&p->lock);
		if (!list_empty(&p->threads)) {
			t = list_first_entry(&p->threads, struct thread,
					     proc_node);
			tpend = t->sigpending;
			tmask = t->sigmask;
		}
		spin_unlock_irqrestore(&p->lock, f);
	}
	pf(b, "SigPnd:\t%016lx\nShdPnd:\t%016lx\nSigBlk:\t%016lx\n", tpend,
	   READ_ONCE(p->sigpending), tmask);
	pf(b, "SigIgn:\t%016lx\nSigCgt:\t%016lx\n", ign, cgt);
	pf(b,
	   "CapInh:\t%016lx\nCapPrm:\t%016lx\n"
	   "CapEff:\t%016lx\nCapBnd:\t000001ffffffffff\n"
	   "CapAmb:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t0\n",
	   c.cap_inheritable, c.cap_permitted, c.cap_effective);
}

static void gen_self_status(struct pbuf *b)
{
	gen_status_of(b, current->proc);
}

static void gen_comm_of(struct pbuf *b, struct process *p)
{
	pf(b, "%s\n", p->comm);
}

static void gen_self_comm(struct pbuf *b)
{
	gen_comm_of(b, current->proc);
}

/* /proc/self/maps: the VMAs, under mm->lock (vfs_lock nests inside). */
static void gen_self_maps(struct pbuf *b)
{
	struct mm *mm = current->proc->mm;
	struct vma *v;
	char *path = kmalloc(VFS_PATH_MAX);

	if (!mm || !path) {
		kfree(path);
		return;
	}
	mm_lock(mm);
	list_for_each_entry(v, &mm->vmas, node)
	{
		const char *name = v->file ? vdso_vma_name(v->file) : NULL;
		if (name)
			;
		else if (v->file && v->file->vn &&
			 !vfs_path_of(v->file->vn, path, VFS_PATH_MAX))
			name = path;
		else if (v->flags & VMA_HEAP)
			name = "[heap]";
		else if (v->flags & VMA_STACK)
			name = "[stack]";
		else
			name = "";
		pf(b, "%08lx-%08lx %c%c%c%c %08lx 00:00 %lu", v->start, v->end,
		   (v->prot & PROT_READ) ? 'r' : '-',
		   (v->prot & PROT_WRITE) ? 'w' : '-',
		   (v->prot & PROT_EXEC) ? 'x' : '-',
		   (v->flags & VMA_SHARED) ? 's' : 'p', v->off,
		   v->file && v->file->vn ? v->file->vn->ino : 0);
		pf(b, *name ? "%*s%s\n" : "\n", 10, "", name);
	}
	spin_unlock(&mm->lock);
	kfree(path);
}

static void gen_hostname(struct pbuf *b)
{
	pf(b, "%s\n", kiln_hostname);
}

static void gen_ostype(struct pbuf *b)
{
	pf(b, "Linux\n");
}

static void gen_osrelease(struct pbuf *b)
{
	pf(b, "6.1.0-kiln\n");
}

static void gen_osversion(struct pbuf *b)
{
	pf(b, "#1 SMP Kiln\n"); /* uname's version */
}

/* Kiln writes no core files (docs/syscalls.md): an empty pattern. */
static void gen_core_pattern(struct pbuf *b)
{
	pf(b, "\n");
}

static void gen_uuid(struct pbuf *b, u8 *id)
{
	pf(b, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-", id[0], id[1],
	   id[2], id[3], id[4], id[5], (id[6] & 0x0f) | 0x40, id[7],
	   (id[8] & 0x3f) | 0x80, id[9]);
	pf(b, "%02x%02x%02x%02x%02x%02x\n", id[10], id[11], id[12], id[13],
	   id[14], id[15]);
}

static void gen_random_uuid(struct pbuf *b)
{
	u8 id[16];

	random_bytes(id, sizeof(id));
	gen_uuid(b, id);
}

static void gen_boot_id(struct pbuf *b)
{
	static u8 id[16];
	static int made; /* atomic: 0 none, 1 making, 2 made */
	int zero = 0;

	if (__atomic_compare_exchange_n(&made, &zero, 1, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		random_bytes(id, sizeof(id));
		__atomic_store_n(&made, 2, __ATOMIC_RELEASE);
	}
	while (__atomic_load_n(&made, __ATOMIC_ACQUIRE) != 2)
		__asm__ volatile("pause");
	gen_uuid(b, id);
}

/*
 * Linux's largest pid (PID_MAX_LIMIT on 64-bit). Kiln hands out pids in
 * order and never wraps; a run that started more than 4 million
 * processes and threads would go past it.
 */
static void gen_pid_max(struct pbuf *b)
{
	pf(b, "%d\n", 4194304);
}

/* Nothing taints Kiln: no modules, no forced loads, no oopses survived. */
static void gen_tainted(struct pbuf *b)
{
	pf(b, "0\n");
}

static void gen_lease_break_time(struct pbuf *b)
{
	pf(b, "45\n"); /* fs/locks.c's LEASE_BREAK_NS */
}

/* The largest F_SETPIPE_SZ without CAP_SYS_RESOURCE (read-only here). */
static void gen_pipe_max_size(struct pbuf *b)
{
	pf(b, "%d\n", PIPE_MAX_SIZE);
}

/* Linux's default: RAM / (8 * the kernel stack size), at least 20. */
static void gen_threads_max(struct pbuf *b)
{
	u64 n = pmm_total_pages() * PAGE_SIZE / (8 * KSTACK_SIZE);

	pf(b, "%lu\n", MAX(n, 20UL));
}

/* /proc/config.gz: kernel/config/kiln.config, gzip'd by mk/kernel.mk. */
extern const char kiln_config_gz[], kiln_config_gz_end[];

static void gen_config_gz(struct pbuf *b)
{
	size_t n = kiln_config_gz_end - kiln_config_gz;
	char *nb = kmalloc(n);

	if (!nb) {
		b->err = -ENOMEM;
		return;
	}
	memcpy(nb, kiln_config_gz, n);
	kfree(b->buf);
	b->buf = nb;
	b->len = b->cap = n;
}

static void gen_zero(struct pbuf *b)
{
	pf(b, "0\n");
}

static void gen_max_map_count(struct pbuf *b)
{
	pf(b, "65530\n");
}

/* POSIX message queue limits (ipc/mqueue.h), read-only here. */
#define GEN_MQ(fn, value)                                                      \
	static void fn(struct pbuf *b)                                         \
	{                                                                      \
		pf(b, "%d\n", value);                                          \
	}
GEN_MQ(gen_mq_queues_max, MQ_QUEUES_MAX)
GEN_MQ(gen_mq_msg_max, MQ_MSG_MAX)
GEN_MQ(gen_mq_msgsize_max, MQ_MSGSIZE_MAX)
GEN_MQ(gen_mq_msg_default, MQ_MSG_DEFAULT)
GEN_MQ(gen_mq_msgsize_default, MQ_MSGSIZE_DEFAULT)

/* inotify's limits (fs/inotify.h), read-only here. */
static void gen_inotify_events(struct pbuf *b)
{
	pf(b, "%d\n", INOTIFY_MAX_EVENTS);
}

static void gen_inotify_instances(struct pbuf *b)
{
	pf(b, "%d\n", INOTIFY_MAX_INSTANCES);
}

static void gen_inotify_watches(struct pbuf *b)
{
	pf(b, "%d\n", INOTIFY_MAX_WATCHES);
}

static void gen_cpu_range(struct pbuf *b)
{
	if (ncpus > 1)
		pf(b, "0-%u\n", ncpus - 1);
	else
		pf(b, "0\n");
}

/* System V IPC's files, written by ipc/ipc.c. */
static void ipc_emit(void *b, const char *line)
{
	pf(b, "%s", line);
}

#define GEN_IPC(fn, name)                                                      \
	static void fn(struct pbuf *b)                                         \
	{                                                                      \
		ipc_proc_show(name, ipc_emit, b);                              \
	}
GEN_IPC(gen_sysvipc_shm, "sysvipc/shm")
GEN_IPC(gen_sysvipc_sem, "sysvipc/sem")
GEN_IPC(gen_sysvipc_msg, "sysvipc/msg")
GEN_IPC(gen_shmmax, "sys/kernel/shmmax")
GEN_IPC(gen_shmall, "sys/kernel/shmall")
GEN_IPC(gen_shmmni, "sys/kernel/shmmni")
GEN_IPC(gen_sem, "sys/kernel/sem")
GEN_IPC(gen_msgmax, "sys/kernel/msgmax")
GEN_IPC(gen_msgmnb, "sys/kernel/msgmnb")
GEN_IPC(gen_msgmni, "sys/kernel/msgmni")

static const struct {
	const char *path;
	void (*gen)(struct pbuf *b);
} proc_files[] = {
	{"proc/meminfo", gen_meminfo},
	{"proc/stat", gen_stat},
	{"proc/cpuinfo", gen_cpuinfo},
	{"proc/uptime", gen_uptime},
	{"proc/loadavg", gen_loadavg},
	{"proc/version", gen_version},
	{"proc/mounts", gen_mounts},
	{"proc/filesystems", gen_filesystems},
	{"proc/sys/fs/lease-break-time", gen_lease_break_time},
	{"proc/self/mounts", gen_mounts},
	{"proc/self/mountinfo", gen_mountinfo},
	{"proc/self/cgroup", gen_cgroup},
	{"proc/self/stat", gen_self_stat},
	{"proc/self/status", gen_self_status},
	{"proc/self/comm", gen_self_comm},
	{"proc/self/maps", gen_self_maps},
	{"proc/sys/kernel/hostname", gen_hostname},
	{"proc/sys/kernel/ostype", gen_ostype},
	{"proc/sys/kernel/osrelease", gen_osrelease},
	{"proc/sys/kernel/version", gen_osversion},
	{"proc/sys/kernel/core_pattern", gen_core_pattern},
	{"proc/sys/kernel/pid_max", gen_pid_max},
	{"proc/sys/kernel/threads-max", gen_threads_max},
	{"proc/sys/kernel/tainted", gen_tainted},
	{"proc/config.gz", gen_config_gz},
	{"proc/sys/kernel/random/uuid", gen_random_uuid},
	{"proc/sys/kernel/random/boot_id", gen_boot_id},
	{"proc/sys/kernel/shmmax", gen_shmmax},
	{"proc/sys/kernel/shmall", gen_shmall},
	{"proc/sys/kernel/shmmni", gen_shmmni},
	{"proc/sys/kernel/sem", gen_sem},
	{"proc/sys/kernel/msgmax", gen_msgmax},
	{"proc/sys/kernel/msgmnb", gen_msgmnb},
	{"proc/sys/kernel/msgmni", gen_msgmni},
	{"proc/sysvipc/shm", gen_sysvipc_shm},
	{"proc/sysvipc/sem", gen_sysvipc_sem},
	{"proc/sysvipc/msg", gen_sysvipc_msg},
	{"proc/sys/vm/overcommit_memory", gen_zero},
	{"proc/sys/vm/max_map_count", gen_max_map_count},
	{"proc/sys/fs/mqueue/queues_max", gen_mq_queues_max},
	{"proc/sys/fs/mqueue/msg_max", gen_mq_msg_max},
	{"proc/sys/fs/mqueue/msgsize_max", gen_mq_msgsize_max},
	{"proc/sys/fs/mqueue/msg_default", gen_mq_msg_default},
	{"proc/sys/fs/mqueue/msgsize_default", gen_mq_msgsize_default},
	{"proc/sys/fs/pipe-max-size", gen_pipe_max_size},
	{"proc/sys/fs/inotify/max_queued_events", gen_inotify_events},
	{"proc/sys/fs/inotify/max_user_instances", gen_inotify_instances},
	{"proc/sys/fs/inotify/max_user_watches", gen_inotify_watches},
	{"sys/devices/system/cpu/online", gen_cpu_range},
	{"sys/devices/system/cpu/possible", gen_cpu_range},
	{"sys/devices/system/cpu/present", gen_cpu_range},
};

static int file_generate(struct vnode *vn, char **buf, size_t *len)
{
	struct pbuf b = {.cap = 512};

	b.buf = kmalloc(b.cap);
	if (!b.buf)
		return -ENOMEM;
	proc_files[vn->arg].gen(&b);
	if (b.err) {
		kfree(b.buf);
		return b.err;
	}
	*buf = b.buf;
	*len = b.len;
	return 0;
}

static const struct vnode_ops file_vops = {.generate = file_generate};

/* An open /proc file: the snapshot taken at open. */
struct snapshot {
	char *buf;
	size_t len;
};

int procfs_open_file(struct file *f)
{
	struct snapshot *s = kzalloc(sizeof(*s));

	if (!s)
		return -ENOMEM;
	int ret = f->vn->vops->generate(f->vn, &s->buf, &s->len);
	if (ret) {
		kfree(s);
		return ret;
	}
	f->priv = s;
	return 0;
}

static ssize_t snapshot_read(struct file *f, u64 ubuf, size_t n, u64 *pos)
{
	struct snapshot *s = f->priv;

	if (*pos >= s->len)
		return 0;
	n = MIN(n, s->len - *pos);
	if (copy_to_user(ubuf, s->buf + *pos, n))
		return -EFAULT;
	*pos += n;
	return n;
}

static void snapshot_release(struct file *f)
{
	struct snapshot *s = f->priv;

	if (s) {
		kfree(s->buf);
		kfree(s);
	}
}

static const struct file_ops snapshot_fops = {
	.read = snapshot_read,
	.release = snapshot_release,
	.seekable = true,
};

/* A node made on lookup, in no children list; freed with its last ref. */
static struct vnode *transient(struct vnode *dir, const char *name, size_t len,
			       u32 mode, const struct vnode_ops *ops, long arg)
{
	struct vnode *vn = vnode_alloc(mode, PROC_FLAGS);

	if (!vn)
		return NULL;
	if (vfs_set_name(vn, dir, name, len)) {
		vnode_put(vn);
		return NULL;
	}
	vn->vops = ops;
	vn->arg = arg;
	return vn;
}

/* A decimal number of at most 9 digits, or -1. */
static long parse_num(const char *s, size_t len)
{
	long v = 0;

	if (!len || len > 9 || (len > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static struct vnode *proc_self; /* the /proc/self directory */

/*
 * /proc/<pid> of another process: a directory made on lookup with its
 * stat, status and comm (arg: the pid), generated from the process found
 * again at open; -ESRCH once it has been reaped.
 */
static const struct {
	const char *name;
	void (*gen)(struct pbuf *b, struct process *p);
} pid_files[] = {
	{"stat", gen_stat_of},
	{"status", gen_status_of},
	{"comm", gen_comm_of},
};

static int pid_file_generate(struct vnode *vn, char **buf, size_t *len)
{
	struct process *p = proc_find_get(vn->arg / 4);
	struct pbuf b = {.cap = 512};

	if (!p)
		return -ESRCH;
	b.buf = kmalloc(b.cap);
	if (b.buf)
		pid_files[vn->arg % 4].gen(&b, p);
	else
		b.err = -ENOMEM;
	process_put(p);
	if (b.err) {
		kfree(b.buf);
		return b.err;
	}
	*buf = b.buf;
	*len = b.len;
	return 0;
}

static const struct vnode_ops pid_file_vops = {.generate = pid_file_generate};

static struct vnode *pid_lookup(struct vnode *dir, const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(pid_files); i++) {
		if (strlen(pid_files[i].name) != len ||
		    memcmp(pid_files[i].name, name, len))
			continue;
		struct vnode *vn = transient(dir, name, len, S_IFREG | 0444,
					     &pid_file_vops, dir->arg * 4 + i);
		if (vn)
			vn->fops = &snapshot_fops;
		return vn;
	}
	return NULL;
}

static bool pid_readdir(struct vnode *dir, u64 *i, char *name, size_t size,
			u32 *mode)
{
	(void)dir;
	if (*i >= ARRAY_SIZE(pid_files))
		return false;
	strlcpy(name, pid_files[*i].name, size);
	*mode = S_IFREG;
	return true;
}

static const struct vnode_ops pid_dir_vops = {.lookup = pid_lookup,
					      .readdir = pid_readdir};

/* /proc/<pid>: the caller's own pid is an alias of /proc/self. */
static struct vnode *root_lookup(struct vnode *dir, const char *name,
				 size_t len)
{
	long pid = parse_num(name, len);

	if (pid <= 0)
		return NULL;
	if (pid == current->proc->pid) {
		vnode_get(proc_self);
		return proc_self;
	}
	struct process *p = proc_find_get(pid);
	if (!p)
		return NULL;
	process_put(p);
	return transient(dir, name, len, S_IFDIR | 0555, &pid_dir_vops, pid);
}

struct process *procfs_dir_process(struct vnode *vn)
{
	if (vn && vn == proc_self) {
		process_get(current->proc);
		return current->proc;
	}
	if (vn && vn->vops == &pid_dir_vops)
		return proc_find_get((int)vn->arg);
	return NULL;
}

/* Every process in the table (zombies too, as Linux). */
static bool root_readdir(struct vnode *dir, u64 *i, char *name, size_t size,
			 u32 *mode)
{
	(void)dir;
	int pid = proc_pid_at(i);

	if (pid < 0)
		return false;
	snprintf(name, size, "%d", pid);
	*mode = S_IFDIR;
	return true;
}

static const struct vnode_ops root_vops = {.lookup = root_lookup,
					   .readdir = root_readdir};

/* What the caller's fd n is (fd_peek): these run under vfs_lock, where
 * no file may be released, so they take no file reference. */
static int fd_vnode(long n, struct vnode **vn, struct linux_stat *st)
{
	return n >= 0 && n < FD_MAX_DEFAULT
		       ? fd_peek(current->proc->files, n, vn, st)
		       : -EBADF;
}

/* What Linux shows for files without a path. */
static int anon_name(const struct linux_stat *st, char *buf, size_t size)
{
	if ((st->st_mode & S_IFMT) == S_IFIFO)
		return snprintf(buf, size, "pipe:[%lu]", st->st_ino);
	if ((st->st_mode & S_IFMT) == S_IFSOCK)
		return snprintf(buf, size, "socket:[%lu]", st->st_ino);
	return snprintf(buf, size, "anon_inode:[%s]", "kiln");
}

static int fd_readlink(struct vnode *vn, char *buf, size_t size)
{
	char tmp[VFS_NAME_MAX + 64];
	struct linux_stat st = {0};
	struct vnode *fvn;
	int ret;

	if (fd_vnode(vn->arg, &fvn, &st))
		return -ENOENT;
	if (fvn) {
		char *path = kmalloc(VFS_PATH_MAX);
		ret = path ? vfs_path_of_locked(fvn, path, VFS_PATH_MAX)
			   : -ENOMEM;
		if (!ret) {
			ret = MIN(strlen(path), size);
			memcpy(buf, path, ret);
		}
		kfree(path);
		vnode_put(fvn);
	} else {
		ret = MIN((size_t)anon_name(&st, tmp, sizeof(tmp)), size);
		memcpy(buf, tmp, ret);
	}
	return ret;
}

static int fd_follow(struct vnode *vn, struct vnode **out)
{
	struct vnode *fvn;

	if (fd_vnode(vn->arg, &fvn, NULL))
		return -ENOENT;
	if (!fvn)
		return -ENXIO; /* pipes and sockets cannot be reopened here */
	*out = fvn;
	return 0;
}

static const struct vnode_ops fd_link_vops = {.readlink = fd_readlink,
					      .follow = fd_follow};

static struct vnode *fd_lookup(struct vnode *dir, const char *name, size_t len)
{
	long n = parse_num(name, len);
	struct vnode *fvn;

	if (fd_vnode(n, &fvn, NULL))
		return NULL;
	if (fvn)
		vnode_put(fvn);
	return transient(dir, name, len, S_IFLNK | 0700, &fd_link_vops, n);
}

static bool fd_readdir(struct vnode *dir, u64 *i, char *name, size_t size,
		       u32 *mode)
{
	struct fdtable *t = current->proc->files;
	(void)dir;

	for (; *i < FD_MAX_DEFAULT; (*i)++) {
		u64 fl = spin_lock_irqsave(&t->lock);
		bool open = *i < (u64)t->size && t->fds[*i];
		bool end = *i >= (u64)t->size;
		spin_unlock_irqrestore(&t->lock, fl);
		if (end)
			return false;
		if (open) {
			snprintf(name, size, "%lu", *i);
			*mode = S_IFLNK;
			return true;
		}
	}
	return false;
}

static const struct vnode_ops fd_dir_vops = {.lookup = fd_lookup,
					     .readdir = fd_readdir};

/* /proc/self/exe (arg 0) and /proc/self/cwd (arg 1). */
static int self_readlink(struct vnode *vn, char *buf, size_t size)
{
	struct process *p = current->proc;
	char tmp[sizeof(p->cwd) + sizeof(p->exe) + 1];

	if (vn->arg == 1)
		strlcpy(tmp, p->cwd, sizeof(tmp));
	else if (p->exe[0] == '/' || !p->exe[0])
		strlcpy(tmp, p->exe, sizeof(tmp));
	else /* exec'd by a relative path: not normalised */
		snprintf(tmp, sizeof(tmp), "%s%s%s", p->cwd,
			 strcmp(p->cwd, "/") ? "/" : "", p->exe);
	size_t n = MIN(strlen(tmp), size);
	memcpy(buf, tmp, n);
	return n;
}

static const struct vnode_ops self_link_vops = {.readlink = self_readlink};

/*
 * /proc/self/ns: Kiln has no namespaces, so every process is in Linux's
 * initial ones; their links read as Linux's ("mnt:[4026531841]"), with
 * the inode numbers Linux gives its initial namespaces (PROC_*_INIT_INO;
 * mnt and net have fixed ones since Linux 6.18).
 * Following a link gives a file with that inode number (stat shows it,
 * as LTP compares); reading it fails with EINVAL, as on Linux. setns
 * on it joins the namespace the process is in (procfs_ns_type).
 */
static const struct {
	const char *name, *type;
	u64 ino;
} ns_links[] = {
	{"cgroup", "cgroup", 4026531835},
	{"ipc", "ipc", 4026531839},
	{"mnt", "mnt", 4026531832},
	{"net", "net", 4026531833},
	{"pid", "pid", 4026531836},
	{"pid_for_children", "pid", 4026531836},
	{"time", "time", 4026531834},
	{"time_for_children", "time", 4026531834},
	{"user", "user", 4026531837},
	{"uts", "uts", 4026531838},
};
static struct vnode *ns_files[ARRAY_SIZE(ns_links)];

static int ns_readlink(struct vnode *vn, char *buf, size_t size)
{
	char tmp[48];
	int n = snprintf(tmp, sizeof(tmp), "%s:[%lu]", ns_links[vn->arg].type,
			 ns_links[vn->arg].ino);

	n = MIN((size_t)n, size);
	memcpy(buf, tmp, n);
	return n;
}

static int ns_follow(struct vnode *vn, struct vnode **out)
{
	*out = ns_files[vn->arg];
	vnode_get(*out);
	return 0;
}

static const struct vnode_ops ns_link_vops = {.readlink = ns_readlink,
					      .follow = ns_follow};

static ssize_t ns_read(struct file *f, u64 ubuf, size_t n, u64 *pos)
{
	(void)f, (void)ubuf, (void)n, (void)pos;
	return -EINVAL;
}

static const struct file_ops ns_fops = {.read = ns_read};

const char *procfs_ns_type(const struct vnode *vn)
{
	for (size_t i = 0; i < ARRAY_SIZE(ns_links); i++)
		if (vn && ns_files[i] == vn)
			return ns_links[i].type;
	return NULL;
}

/*
 * /sys/devices/system/cpu/cpuN/topology/{physical_package_id,core_id}:
 * one package, one core per vCPU (ERTS reads them for its CPU topology).
 * The file's arg is cpu * 2 + which.
 */
static const char *const topo_names[] = {"physical_package_id", "core_id"};

static int topo_generate(struct vnode *vn, char **buf, size_t *len)
{
	*buf = kmalloc(16);
	if (!*buf)
		return -ENOMEM;
	*len = snprintf(*buf, 16, "%ld\n", vn->arg % 2 ? vn->arg / 2 : 0);
	return 0;
}

static const struct vnode_ops topo_file_vops = {.generate = topo_generate};

static struct vnode *topo_lookup(struct vnode *dir, const char *name,
				 size_t len)
{
	for (long i = 0; i < 2; i++) {
		if (strlen(topo_names[i]) != len ||
		    memcmp(topo_names[i], name, len))
			continue;
		struct vnode *vn = transient(dir, name, len, S_IFREG | 0444,
					     &topo_file_vops, dir->arg * 2 + i);
		if (vn)
			vn->fops = &snapshot_fops;
		return vn;
	}
	return NULL;
}

static bool topo_readdir(struct vnode *dir, u64 *i, char *name, size_t size,
			 u32 *mode)
{
	(void)dir;
	if (*i >= 2)
		return false;
	strlcpy(name, topo_names[*i], size);
	*mode = S_IFREG;
	return true;
}

static const struct vnode_ops topo_dir_vops = {.lookup = topo_lookup,
					       .readdir = topo_readdir};

static struct vnode *cpun_lookup(struct vnode *dir, const char *name,
				 size_t len)
{
	if (len != 8 || memcmp(name, "topology", 8))
		return NULL;
	return transient(dir, name, len, S_IFDIR | 0555, &topo_dir_vops,
			 dir->arg);
}

static bool cpun_readdir(struct vnode *dir, u64 *i, char *name, size_t size,
			 u32 *mode)
{
	(void)dir;
	if (*i >= 1)
		return false;
	strlcpy(name, "topology", size);
	*mode = S_IFDIR;
	return true;
}

static const struct vnode_ops cpun_vops = {.lookup = cpun_lookup,
					   .readdir = cpun_readdir};

/* /sys/devices/system/cpu/cpuN directories, one per vCPU. */
static struct vnode *cpu_lookup(struct vnode *dir, const char *name, size_t len)
{
	if (len < 4 || memcmp(name, "cpu", 3))
		return NULL;
	long n = parse_num(name + 3, len - 3);
	if (n < 0 || n >= (long)ncpus)
		return NULL;
	return transient(dir, name, len, S_IFDIR | 0555, &cpun_vops, n);
}

static bool cpu_readdir(struct vnode *dir, u64 *i, char *name, size_t size,
			u32 *mode)
{
	(void)dir;
	if (*i >= ncpus)
		return false;
	snprintf(name, size, "cpu%lu", *i);
	*mode = S_IFDIR;
	return true;
}

static const struct vnode_ops cpu_dir_vops = {.lookup = cpu_lookup,
					      .readdir = cpu_readdir};

/* Make (or find) the directories of path, marked read-only. */
static struct vnode *proc_mkdirs(const char *path, size_t len)
{
	struct vnode *dir = vfs_root;
	char name[VFS_NAME_MAX + 1];

	for (size_t i = 0, j; i < len; i = j + 1) {
		for (j = i; j < len && path[j] != '/'; j++)
			;
		BUG_ON(j - i > VFS_NAME_MAX);
		memcpy(name, path + i, j - i);
		name[j - i] = 0;
		dir = vfs_mknode(dir, name, S_IFDIR | 0555);
		BUG_ON(!dir || !S_ISDIR(dir->mode));
		dir->flags |= PROC_FLAGS;
	}
	return dir;
}

static struct vnode *proc_node_in(struct vnode *dir, const char *name, u32 mode)
{
	struct vnode *vn = vfs_mknode(dir, name, mode);

	BUG_ON(!vn);
	vn->flags |= PROC_FLAGS;
	return vn;
}

static struct vnode *proc_node(const char *path, u32 mode)
{
	const char *slash = path;

	for (const char *p = path; *p; p++)
		if (*p == '/')
			slash = p;
	return proc_node_in(proc_mkdirs(path, slash - path), slash + 1, mode);
}

static void ns_init(void)
{
	struct vnode *dir = proc_mkdirs("proc/self/ns", 12);

	for (size_t i = 0; i < ARRAY_SIZE(ns_links); i++) {
		const char *name = ns_links[i].name;
		struct vnode *ln = proc_node_in(dir, name, S_IFLNK | 0777);
		ln->vops = &ns_link_vops;
		ln->arg = i;
		/* the target: named like the link, in no directory */
		struct vnode *vn = vnode_alloc(S_IFREG | 0444, PROC_FLAGS);
		BUG_ON(!vn || vfs_set_name(vn, dir, name, strlen(name)));
		vn->ino = ns_links[i].ino;
		vn->fops = &ns_fops;
		ns_files[i] = vn;
	}
}

void procfs_init(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(proc_files); i++) {
		struct vnode *vn =
			proc_node(proc_files[i].path, S_IFREG | 0444);
		vn->fops = &snapshot_fops;
		vn->vops = &file_vops;
		vn->arg = i;
	}
	struct vnode *proc = proc_mkdirs("proc", 4);
	proc->flags |= VN_MOUNT;
	proc->vops = &root_vops;
	proc_mkdirs("sys", 3)->flags |= VN_MOUNT;
	proc_self = proc_mkdirs("proc/self", 9);
	proc_node("proc/self/exe", S_IFLNK | 0777)->vops = &self_link_vops;
	struct vnode *cwd = proc_node("proc/self/cwd", S_IFLNK | 0777);
	cwd->vops = &self_link_vops;
	cwd->arg = 1;
	proc_mkdirs("proc/self/fd", 12)->vops = &fd_dir_vops;
	proc_mkdirs("sys/devices/system/cpu", 22)->vops = &cpu_dir_vops;
	ns_init();
}
