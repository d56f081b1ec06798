// SPDX-License-Identifier: MIT
/*
 * System V IPC: shared memory (shmget/shmat/shmdt/shmctl), semaphore
 * arrays (semget/semop/semtimedop/semctl) and message queues
 * (msgget/msgsnd/msgrcv/msgctl), within one process and across fork:
 * a parent and child sharing a segment, a child blocked in semop or
 * msgrcv/msgsnd woken by the parent, SEM_UNDO undone when the child
 * exits, IPC_RMID waking a sleeper with EIDRM, a signal with EINTR, and
 * the error cases. Ids, times and pids are compared, never printed. On
 * the host everything is created IPC_PRIVATE or under a key made from the
 * pid, and removed at the end.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

#ifndef MSG_COPY
#define MSG_COPY 040000
#endif
#ifndef SHM_REMAP
#define SHM_REMAP 040000
#endif
#ifndef SHM_STAT_ANY
#define SHM_STAT_ANY 15
#endif

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
	struct seminfo *info;
};

#define SEG_SIZE 10000
#define PAGE	 4096

static key_t test_key(int n)
{
	return (key_t)(0x4b000000 | ((getpid() & 0xffff) << 4) | n);
}

/* The exit status of child pid as "exit N" (or 128+signal). */
static int child_status(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* fork after flushing stdout, so the child prints nothing twice. */
static pid_t fork_child(void)
{
	fflush(stdout);
	return fork();
}

/* ipc_perm's key (glibc calls it __key, musl __ipc_perm_key). */
static key_t perm_key(const struct ipc_perm *p)
{
	key_t k;

	memcpy(&k, p, sizeof(k));
	return k;
}

static void on_usr1(int sig)
{
	(void)sig;
}

/* Wait (up to 5 s) until semctl(id, num, cmd) == want. */
static bool wait_count(int id, int num, int cmd, int want)
{
	for (int i = 0; i < 5000; i++) {
		if (semctl(id, num, cmd) == want)
			return true;
		usleep(1000);
	}
	return false;
}

static void shm_basic(void)
{
	struct shmid_ds ds;
	int id = shmget(IPC_PRIVATE, SEG_SIZE, IPC_CREAT | 0600);
	check(id >= 0, "shm: shmget IPC_PRIVATE", "errno %d", errno);
	check_zero(shmctl(id, IPC_STAT, &ds), "shm: IPC_STAT");
	check(ds.shm_segsz == SEG_SIZE && ds.shm_nattch == 0 &&
		      (ds.shm_perm.mode & 0777) == 0600 &&
		      ds.shm_cpid == getpid() && ds.shm_perm.uid == getuid() &&
		      perm_key(&ds.shm_perm) == IPC_PRIVATE,
	      "shm: IPC_STAT of a new segment",
	      "size %zu nattch %lu mode %o cpid %d", (size_t)ds.shm_segsz,
	      (unsigned long)ds.shm_nattch, ds.shm_perm.mode, ds.shm_cpid);

	unsigned char *p = shmat(id, NULL, 0);
	check(p != (void *)-1 && ((unsigned long)p & (PAGE - 1)) == 0,
	      "shm: shmat at a kernel-chosen address", "errno %d", errno);
	bool zero = true;
	for (int i = 0; i < SEG_SIZE; i++)
		zero &= p[i] == 0;
	check(zero, "shm: a new segment reads as zeros", "-");
	for (int i = 0; i < SEG_SIZE; i++)
		p[i] = (unsigned char)(i * 7);
	shmctl(id, IPC_STAT, &ds);
	check(ds.shm_nattch == 1 && ds.shm_lpid == getpid() &&
		      ds.shm_atime != 0,
	      "shm: nattch 1, lpid and atime after shmat", "nattch %lu",
	      (unsigned long)ds.shm_nattch);

	unsigned char *q = shmat(id, NULL, SHM_RDONLY);
	bool same = q != (void *)-1 && q != p;
	for (int i = 0; same && i < SEG_SIZE; i++)
		same = q[i] == (unsigned char)(i * 7);
	check(same, "shm: a second attachment sees the same bytes", "-");
	p[5] = 0xab;
	check(q[5] == 0xab, "shm: a write shows through the other attachment",
	      "%x", q[5]);
	shmctl(id, IPC_STAT, &ds);
	check(ds.shm_nattch == 2, "shm: nattch 2 with two attachments", "%lu",
	      (unsigned long)ds.shm_nattch);
	check_errno(mprotect(q, PAGE, PROT_READ | PROT_WRITE), -1, EACCES,
		    "shm: mprotect PROT_WRITE on SHM_RDONLY: EACCES");
	pid_t pid = fork_child();
	if (pid == 0) {
		q[0] = 1; /* read-only: SIGSEGV */
		_exit(0);
	}
	check(child_status(pid) == 128 + SIGSEGV,
	      "shm: writing a SHM_RDONLY attachment: SIGSEGV", "-");
	check_errno(shmdt(q + PAGE), -1, EINVAL,
		    "shm: shmdt inside an attachment: EINVAL");
	check_zero(shmdt(q), "shm: shmdt");
	shmctl(id, IPC_STAT, &ds);
	check(ds.shm_nattch == 1 && ds.shm_dtime != 0,
	      "shm: nattch 1 and dtime after shmdt", "%lu",
	      (unsigned long)ds.shm_nattch);
	check_errno(shmdt(q), -1, EINVAL, "shm: shmdt twice: EINVAL");

	/* a partial munmap leaves two VMAs: each counts, as on Linux */
	unsigned char *r = shmat(id, NULL, 0);
	munmap(r + PAGE, PAGE);
	shmctl(id, IPC_STAT, &ds);
	check(ds.shm_nattch == 3, "shm: a split attachment counts twice", "%lu",
	      (unsigned long)ds.shm_nattch);
	munmap(r, 3 * PAGE);
	shmctl(id, IPC_STAT, &ds);
	check(ds.shm_nattch == 1, "shm: munmap detaches", "%lu",
	      (unsigned long)ds.shm_nattch);

	/* shmdt takes the attachment's pieces, not what was mapped over it */
	r = shmat(id, NULL, 0);
	char *over = mmap(r + PAGE, PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	check_zero(shmdt(r), "shm: shmdt of an attachment with a hole");
	shmctl(id, IPC_STAT, &ds);
	over[0] = 'x';
	check(over == (char *)r + PAGE && over[0] == 'x' && ds.shm_nattch == 1,
	      "shm: shmdt left the mapping over its middle", "%lu",
	      (unsigned long)ds.shm_nattch);
	munmap(over, PAGE);

	/* fork: the child inherits the attachment and shares the bytes */
	pid = fork_child();
	if (pid == 0) {
		struct shmid_ds c;
		int bad = 0;
		for (int i = 6; i < SEG_SIZE; i++)
			bad |= p[i] != (unsigned char)(i * 7);
		shmctl(id, IPC_STAT, &c);
		if (c.shm_nattch != 2)
			bad |= 2;
		memcpy(p + 100, "child was here", 15);
		_exit(bad);
	}
	check(child_status(pid) == 0,
	      "shm: a forked child sees the parent's bytes, nattch 2", "-");
	check(memcmp(p + 100, "child was here", 15) == 0,
	      "shm: the parent sees the child's write", "-");
	shmctl(id, IPC_STAT, &ds);
	check(ds.shm_nattch == 1, "shm: the child's exit detached it", "%lu",
	      (unsigned long)ds.shm_nattch);

	/* IPC_SET, then IPC_RMID while attached: destroyed on last detach */
	ds.shm_perm.mode = 0640;
	check_zero(shmctl(id, IPC_SET, &ds), "shm: IPC_SET");
	shmctl(id, IPC_STAT, &ds);
	check((ds.shm_perm.mode & 0777) == 0640,
	      "shm: IPC_SET changed the mode", "%o", ds.shm_perm.mode);
	check_zero(shmctl(id, IPC_RMID, NULL), "shm: IPC_RMID while attached");
	check_zero(shmctl(id, IPC_STAT, &ds), "shm: IPC_STAT after IPC_RMID");
	check((ds.shm_perm.mode & SHM_DEST) && ds.shm_nattch == 1,
	      "shm: SHM_DEST set, still attached", "mode %o", ds.shm_perm.mode);
	check(p[100] == 'c', "shm: memory still there after IPC_RMID", "-");
	check_zero(shmdt(p), "shm: last shmdt");
	check_errno(shmctl(id, IPC_STAT, &ds), -1, EINVAL,
		    "shm: gone after the last detach: EINVAL");
	int id2 = shmget(IPC_PRIVATE, SEG_SIZE, 0600);
	check(id2 >= 0 && id2 != id, "shm: a new segment gets a new id",
	      "errno %d", errno);
	shmctl(id2, IPC_RMID, NULL);
	check_errno(shmctl(id2, IPC_STAT, &ds), -1, EINVAL,
		    "shm: IPC_RMID without attachments destroys at once");
}

/*
 * exec detaches: a child attaches twice, then execs this program with
 * "nattch ID", which exits with the segment's nattch (the parent's one).
 */
static void shm_exec(void)
{
	int id = shmget(IPC_PRIVATE, PAGE, 0600);
	void *p = shmat(id, NULL, 0);
	char ids[16], self[256];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	self[n > 0 ? n : 0] = 0;
	snprintf(ids, sizeof(ids), "%d", id);
	pid_t pid = fork_child();
	if (pid == 0) {
		shmat(id, NULL, 0);
		char *args[] = {self, "nattch", ids, NULL};
		execv(self, args);
		_exit(99);
	}
	check(child_status(pid) == 1,
	      "shm: exec detaches the child's attachments", "-");
	shmdt(p);
	shmctl(id, IPC_RMID, NULL);
}

/* A futex word in a segment: a child waits on it through its own
 * attachment, the parent wakes it through another. */
static void shm_futex(void)
{
	int id = shmget(IPC_PRIVATE, PAGE, 0600);
	volatile int *a = shmat(id, NULL, 0), *b = shmat(id, NULL, 0);
	struct timespec ts = {5, 0};

	*a = 0;
	pid_t pid = fork_child();
	if (pid == 0) {
		while (*a == 0)
			if (syscall(SYS_futex, a, 0 /* FUTEX_WAIT */, 0, &ts,
				    NULL, 0) == -1 &&
			    errno == ETIMEDOUT)
				_exit(2);
		_exit(0);
	}
	long n = 0;
	for (int i = 0; i < 3000 && n != 1; i++) {
		n = syscall(SYS_futex, b, 1 /* FUTEX_WAKE */, 1, NULL, NULL, 0);
		if (n != 1)
			usleep(1000);
	}
	*b = 1;
	syscall(SYS_futex, b, 1, 1, NULL, NULL, 0);
	check(n == 1 && child_status(pid) == 0,
	      "shm: a futex in a segment wakes across attachments and "
	      "processes",
	      "woke %ld", n);
	shmdt((void *)a);
	shmdt((void *)b);
	shmctl(id, IPC_RMID, NULL);
}

static void shm_addresses(void)
{
	int id = shmget(IPC_PRIVATE, 2 * PAGE, 0600);
	char *hole = mmap(NULL, 4 * PAGE, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	check_errno((long)shmat(id, hole + 123, 0), -1, EINVAL,
		    "shm: shmat at a misaligned address: EINVAL");
	check_errno((long)shmat(id, hole, 0), -1, EINVAL,
		    "shm: shmat over a mapping without SHM_REMAP: EINVAL");
	char *a = shmat(id, hole + 123, SHM_RND | SHM_REMAP);
	check(a == hole, "shm: SHM_RND rounds the address down", "%p %p",
	      (void *)a, (void *)hole);
	strcpy(a, "at a given address");
	munmap(hole, 4 * PAGE);
	char *b = shmat(id, hole + PAGE, 0);
	check(b == hole + PAGE && strcmp(b, "at a given address") == 0,
	      "shm: shmat at a free given address", "%p", (void *)b);
	shmdt(b);
	check_errno(shmctl(id, IPC_STAT, (struct shmid_ds *)8), -1, EFAULT,
		    "shm: IPC_STAT to a bad pointer: EFAULT");
	check_errno((long)shmat(id, NULL, SHM_REMAP), -1, EINVAL,
		    "shm: SHM_REMAP without an address: EINVAL");
	shmctl(id, IPC_RMID, NULL);
	check_errno((long)shmat(id, NULL, 0), -1, EINVAL,
		    "shm: shmat of a removed id: EINVAL");
}

static void shm_keys(void)
{
	key_t key = test_key(1);
	struct shmid_ds ds;
	int id = shmget(key, SEG_SIZE, IPC_CREAT | IPC_EXCL | 0600);

	check(id >= 0, "shm: shmget a new key", "errno %d", errno);
	check(shmget(key, 0, 0) == id, "shm: shmget finds the key", "-");
	check(shmget(key, SEG_SIZE, IPC_CREAT) == id,
	      "shm: IPC_CREAT of an existing key finds it", "-");
	check_errno(shmget(key, SEG_SIZE, IPC_CREAT | IPC_EXCL), -1, EEXIST,
		    "shm: IPC_CREAT|IPC_EXCL of an existing key: EEXIST");
	check_errno(shmget(key, SEG_SIZE + 1, 0), -1, EINVAL,
		    "shm: bigger than the segment: EINVAL");
	check_errno(shmget(test_key(2), SEG_SIZE, 0600), -1, ENOENT,
		    "shm: unknown key without IPC_CREAT: ENOENT");
	check_errno(shmget(IPC_PRIVATE, 0, 0600), -1, EINVAL,
		    "shm: size 0: EINVAL");
	check_errno(shmget(IPC_PRIVATE, (size_t)-1, 0600), -1, EINVAL,
		    "shm: size above SHMMAX: EINVAL");
	check_errno(shmctl(id, 12345, &ds), -1, EINVAL,
		    "shm: unknown shmctl command: EINVAL");
	check_errno(shmctl(-1, IPC_STAT, &ds), -1, EINVAL,
		    "shm: negative id: EINVAL");
	/* mode 0: root (CAP_IPC_OWNER) may still attach */
	ds.shm_perm.uid = getuid();
	ds.shm_perm.gid = getgid();
	ds.shm_perm.mode = 0;
	shmctl(id, IPC_SET, &ds);
	void *p = shmat(id, NULL, 0);
	check(p != (void *)-1, "shm: root attaches a mode 0 segment",
	      "errno %d", errno);
	shmdt(p);
	struct shminfo info;
	int max = shmctl(0, IPC_INFO, (struct shmid_ds *)&info);
	check(max >= 0 && info.shmmin == 1 && info.shmmni > 0 &&
		      info.shmmax >= SEG_SIZE,
	      "shm: IPC_INFO", "ret %d min %lu", max,
	      (unsigned long)info.shmmin);
	struct shm_info sinfo;
	max = shmctl(0, SHM_INFO, (struct shmid_ds *)&sinfo);
	check(max >= id % 32768 && sinfo.used_ids >= 1, "shm: SHM_INFO",
	      "ret %d used %d", max, sinfo.used_ids);
	int sid = shmctl(id % 32768, SHM_STAT_ANY, &ds);
	check(sid == id && ds.shm_segsz == SEG_SIZE,
	      "shm: SHM_STAT_ANY by index gives the id", "%d", sid);
	check_zero(shmctl(id, IPC_RMID, NULL), "shm: IPC_RMID a keyed segment");
	check_errno(shmget(key, 0, 0), -1, ENOENT,
		    "shm: the key is gone after IPC_RMID: ENOENT");
}

static int send_text(int id, long type, const char *s, int flags);

/* The first number in a /proc file, or 0. */
static unsigned long long proc_number(const char *path)
{
	unsigned long long v = 0;
	FILE *f = fopen(path, "r");

	if (f) {
		if (fscanf(f, "%llu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

/* The line of /proc/sysvipc/KIND whose key is key: its columns after
 * the key and id, or false. */
static bool sysvipc_line(const char *kind, key_t key, unsigned long long *cols,
			 int n)
{
	char path[64], line[512];
	bool found = false;

	snprintf(path, sizeof(path), "/proc/sysvipc/%s", kind);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *p = line, *end;
		long k = strtol(p, &end, 10);
		if (end == p || k != key)
			continue;
		strtol(end, &p, 10); /* the id */
		strtoul(p, &p, 8);   /* perms */
		int i = 0;
		for (; i < n; i++, p = end) {
			cols[i] = strtoull(p, &end, 10);
			if (end == p)
				break;
		}
		found = i == n;
	}
	fclose(f);
	return found;
}

static void ipc_proc(void)
{
	struct shminfo si;
	unsigned long long c[5];

	shmctl(0, IPC_INFO, (struct shmid_ds *)&si);
	check(proc_number("/proc/sys/kernel/shmmni") == si.shmmni &&
		      proc_number("/proc/sys/kernel/shmall") > 0 &&
		      proc_number("/proc/sys/kernel/msgmax") > 0 &&
		      proc_number("/proc/sys/kernel/msgmnb") > 0 &&
		      proc_number("/proc/sys/kernel/msgmni") > 0 &&
		      proc_number("/proc/sys/kernel/sem") > 0,
	      "ipc: /proc/sys/kernel limits", "shmmni %llu",
	      proc_number("/proc/sys/kernel/shmmni"));
	key_t key = test_key(5);
	int shm = shmget(key, 12345, IPC_CREAT | 0600);
	void *p = shmat(shm, NULL, 0);
	check(sysvipc_line("shm", key, c, 4) && c[0] == 12345 &&
		      c[1] == (unsigned)getpid() && c[3] == 1,
	      "ipc: /proc/sysvipc/shm lists the segment", "-");
	shmdt(p);
	shmctl(shm, IPC_RMID, NULL);
	int sem = semget(key, 3, IPC_CREAT | 0600);
	check(sysvipc_line("sem", key, c, 1) && c[0] == 3,
	      "ipc: /proc/sysvipc/sem lists the array", "-");
	semctl(sem, 0, IPC_RMID);
	int msg = msgget(key, IPC_CREAT | 0600);
	send_text(msg, 1, "hello", 0);
	check(sysvipc_line("msg", key, c, 3) && c[0] == 6 && c[1] == 1 &&
		      c[2] == (unsigned)getpid(),
	      "ipc: /proc/sysvipc/msg lists the queue", "-");
	msgctl(msg, IPC_RMID, NULL);
	check(!sysvipc_line("msg", key, c, 1),
	      "ipc: /proc/sysvipc/msg forgets a removed queue", "-");
}

static void sem_basic(void)
{
	struct semid_ds ds;
	union semun arg = {.buf = &ds};
	int id = semget(IPC_PRIVATE, 3, IPC_CREAT | 0600);

	check(id >= 0, "sem: semget IPC_PRIVATE", "errno %d", errno);
	check_zero(semctl(id, 0, IPC_STAT, arg), "sem: IPC_STAT");
	check(ds.sem_nsems == 3 && ds.sem_otime == 0 &&
		      (ds.sem_perm.mode & 0777) == 0600,
	      "sem: IPC_STAT of a new array", "nsems %lu",
	      (unsigned long)ds.sem_nsems);
	check(semctl(id, 0, GETVAL) == 0 && semctl(id, 2, GETVAL) == 0,
	      "sem: new semaphores are 0", "-");
	arg.val = 5;
	check_zero(semctl(id, 1, SETVAL, arg), "sem: SETVAL");
	check(semctl(id, 1, GETVAL) == 5 && semctl(id, 1, GETPID) == getpid(),
	      "sem: GETVAL and GETPID after SETVAL", "%d",
	      semctl(id, 1, GETVAL));
	unsigned short all[3] = {7, 8, 9}, got[3] = {0};
	arg.array = all;
	check_zero(semctl(id, 0, SETALL, arg), "sem: SETALL");
	arg.array = got;
	check_zero(semctl(id, 0, GETALL, arg), "sem: GETALL");
	check(got[0] == 7 && got[1] == 8 && got[2] == 9,
	      "sem: GETALL reads SETALL's values", "%d %d %d", got[0], got[1],
	      got[2]);

	struct sembuf ops[2] = {{0, -3, 0}, {2, 4, 0}};
	check_zero(semop(id, ops, 2), "sem: semop of two operations");
	check(semctl(id, 0, GETVAL) == 4 && semctl(id, 2, GETVAL) == 13,
	      "sem: semop applied both", "%d %d", semctl(id, 0, GETVAL),
	      semctl(id, 2, GETVAL));
	arg.buf = &ds;
	semctl(id, 0, IPC_STAT, arg);
	check(ds.sem_otime != 0, "sem: sem_otime set by semop", "-");

	/* all or nothing: the second would block, so the first undoes */
	struct sembuf nb[2] = {{0, -1, 0}, {1, -100, IPC_NOWAIT}};
	check_errno(semop(id, nb, 2), -1, EAGAIN,
		    "sem: IPC_NOWAIT on a blocking operation: EAGAIN");
	check(semctl(id, 0, GETVAL) == 4, "sem: a failed semop changes nothing",
	      "%d", semctl(id, 0, GETVAL));
	struct sembuf z = {0, 0, IPC_NOWAIT};
	check_errno(semop(id, &z, 1), -1, EAGAIN,
		    "sem: wait-for-zero with IPC_NOWAIT: EAGAIN");

	arg.val = 32768;
	check_errno(semctl(id, 0, SETVAL, arg), -1, ERANGE,
		    "sem: SETVAL above SEMVMX: ERANGE");
	arg.val = 32767;
	semctl(id, 0, SETVAL, arg);
	struct sembuf up = {0, 1, 0};
	check_errno(semop(id, &up, 1), -1, ERANGE,
		    "sem: semop above SEMVMX: ERANGE");
	struct sembuf big[501];
	memset(big, 0, sizeof(big));
	check_errno(semop(id, big, 501), -1, E2BIG,
		    "sem: more than SEMOPM operations: E2BIG");
	check_errno(semop(id, big, 0), -1, EINVAL,
		    "sem: zero operations: EINVAL");
	struct sembuf far = {3, 1, 0};
	check_errno(semop(id, &far, 1), -1, EFBIG,
		    "sem: sem_num past the array: EFBIG");
	check_errno(semop(id, (struct sembuf *)8, 1), -1, EFAULT,
		    "sem: bad sops pointer: EFAULT");
	check_errno(semctl(id, 3, GETVAL), -1, EINVAL,
		    "sem: GETVAL past the array: EINVAL");
	check_errno(semctl(id, 0, 12345), -1, EINVAL,
		    "sem: unknown semctl command: EINVAL");

	struct timespec ts = {0, 100000000};
	struct sembuf down = {1, -100, 0};
	int64_t t0 = now_ns(CLOCK_MONOTONIC);
	check_errno(semtimedop(id, &down, 1, &ts), -1, EAGAIN,
		    "sem: semtimedop times out: EAGAIN");
	check(now_ns(CLOCK_MONOTONIC) - t0 >= 90000000,
	      "sem: semtimedop waited its timeout", "-");
	ts.tv_nsec = 1000000000;
	check_errno(semtimedop(id, &down, 1, &ts), -1, EINVAL,
		    "sem: semtimedop with a bad timeout: EINVAL");

	key_t key = test_key(3);
	int kid = semget(key, 2, IPC_CREAT | IPC_EXCL | 0600);
	check(kid >= 0 && semget(key, 2, 0) == kid && semget(key, 0, 0) == kid,
	      "sem: semget finds a key", "errno %d", errno);
	check_errno(semget(key, 3, 0), -1, EINVAL,
		    "sem: more semaphores than the array has: EINVAL");
	check_errno(semget(key, 2, IPC_CREAT | IPC_EXCL), -1, EEXIST,
		    "sem: IPC_CREAT|IPC_EXCL of an existing key: EEXIST");
	check_errno(semget(IPC_PRIVATE, 0, 0600), -1, EINVAL,
		    "sem: a new array of 0: EINVAL");
	semctl(kid, 0, IPC_RMID);
	check_errno(semget(key, 0, 0), -1, ENOENT,
		    "sem: the key is gone after IPC_RMID: ENOENT");
	struct seminfo si;
	arg.info = &si;
	check(semctl(0, 0, IPC_INFO, arg) >= 0 && si.semvmx == 32767 &&
		      si.semopm > 0,
	      "sem: IPC_INFO", "vmx %d", si.semvmx);
	check_zero(semctl(id, 0, IPC_RMID), "sem: IPC_RMID");
	check_errno(semctl(id, 0, GETVAL), -1, EINVAL,
		    "sem: GETVAL after IPC_RMID: EINVAL");
	check_errno(semop(id, &up, 1), -1, EINVAL,
		    "sem: semop on a removed id: EINVAL");
}

static void sem_processes(void)
{
	int id = semget(IPC_PRIVATE, 2, 0600);
	union semun arg;

	/* a child blocked in semop, woken by the parent's semop */
	pid_t pid = fork_child();
	if (pid == 0) {
		struct sembuf down = {0, -2, 0};
		_exit(semop(id, &down, 1) == 0 ? 0 : 10 + errno);
	}
	check(wait_count(id, 0, GETNCNT, 1), "sem: GETNCNT counts the sleeper",
	      "-");
	struct sembuf one = {0, 1, 0};
	semop(id, &one, 1);
	usleep(20000);
	check(semctl(id, 0, GETVAL) == 1 && semctl(id, 0, GETNCNT) == 1,
	      "sem: not enough yet: still asleep", "val %d",
	      semctl(id, 0, GETVAL));
	semop(id, &one, 1);
	check(child_status(pid) == 0,
	      "sem: the sleeper is woken by another process's semop", "-");
	check(semctl(id, 0, GETVAL) == 0 && semctl(id, 0, GETNCNT) == 0,
	      "sem: the woken semop took its 2", "%d", semctl(id, 0, GETVAL));

	/* waiting for zero */
	arg.val = 1;
	semctl(id, 1, SETVAL, arg);
	pid = fork_child();
	if (pid == 0) {
		struct sembuf z = {1, 0, 0};
		_exit(semop(id, &z, 1) == 0 ? 0 : 10 + errno);
	}
	check(wait_count(id, 1, GETZCNT, 1), "sem: GETZCNT counts the sleeper",
	      "-");
	arg.val = 0;
	semctl(id, 1, SETVAL, arg);
	check(child_status(pid) == 0, "sem: SETVAL 0 wakes a wait-for-zero",
	      "-");

	/* SEM_UNDO: the child's adjustment is undone when it exits */
	int up[2], down[2];
	if (pipe(up) || pipe(down))
		check(false, "sem: pipe", "errno %d", errno);
	pid = fork_child();
	if (pid == 0) {
		struct sembuf ops[2] = {{0, 3, SEM_UNDO}, {1, 1, 0}};
		char c;
		if (semop(id, ops, 2))
			_exit(10 + errno);
		write(up[1], "x", 1);
		read(down[0], &c, 1); /* the parent has looked */
		_exit(0);
	}
	char c;
	read(up[0], &c, 1);
	int during = semctl(id, 0, GETVAL);
	write(down[1], "x", 1);
	check(child_status(pid) == 0 && during == 3,
	      "sem: the child's SEM_UNDO operation applied", "%d", during);
	check(semctl(id, 0, GETVAL) == 0 && semctl(id, 1, GETVAL) == 1,
	      "sem: SEM_UNDO undone at the child's exit, the rest kept",
	      "%d %d", semctl(id, 0, GETVAL), semctl(id, 1, GETVAL));
	close(up[0]);
	close(up[1]);
	close(down[0]);
	close(down[1]);

	/* a signal interrupts semop: EINTR, even with SA_RESTART */
	pid = fork_child();
	if (pid == 0) {
		struct sigaction sa = {.sa_handler = on_usr1,
				       .sa_flags = SA_RESTART};
		sigaction(SIGUSR1, &sa, NULL);
		struct sembuf down = {0, -1, 0};
		_exit(semop(id, &down, 1) == -1 && errno == EINTR ? 0 : 1);
	}
	check(wait_count(id, 0, GETNCNT, 1), "sem: a sleeper to interrupt",
	      "-");
	kill(pid, SIGUSR1);
	check(child_status(pid) == 0, "sem: a signal interrupts semop: EINTR",
	      "-");

	/* IPC_RMID wakes a sleeper with EIDRM */
	pid = fork_child();
	if (pid == 0) {
		struct sembuf down = {0, -1, 0};
		_exit(semop(id, &down, 1) == -1 ? errno : 0);
	}
	check(wait_count(id, 0, GETNCNT, 1), "sem: a sleeper to remove", "-");
	semctl(id, 0, IPC_RMID);
	check(child_status(pid) == EIDRM,
	      "sem: IPC_RMID wakes the sleeper with EIDRM", "-");
}

/* A semaphore as a mutex: children add to a counter in a segment with a
 * read, a yield and a write; the sum is right only if they excluded each
 * other (and every blocked semop was woken). */
static void sem_mutex(void)
{
	enum { KIDS = 4, ROUNDS = 300 };
	int sem = semget(IPC_PRIVATE, 1, 0600);
	int shm = shmget(IPC_PRIVATE, PAGE, 0600);
	volatile int *counter = shmat(shm, NULL, 0);
	union semun arg = {.val = 1};
	pid_t pids[KIDS];

	semctl(sem, 0, SETVAL, arg);
	for (int k = 0; k < KIDS; k++) {
		pids[k] = fork_child();
		if (pids[k] == 0) {
			struct sembuf lock = {0, -1, SEM_UNDO};
			struct sembuf unlock = {0, 1, SEM_UNDO};
			for (int i = 0; i < ROUNDS; i++) {
				if (semop(sem, &lock, 1))
					_exit(1);
				int v = *counter;
				if (i % 8 == 0)
					sched_yield();
				*counter = v + 1;
				if (semop(sem, &unlock, 1))
					_exit(1);
			}
			_exit(0);
		}
	}
	int bad = 0;
	for (int k = 0; k < KIDS; k++)
		bad += child_status(pids[k]) != 0;
	check(bad == 0 && *counter == KIDS * ROUNDS &&
		      semctl(sem, 0, GETVAL) == 1,
	      "sem: a semaphore excludes 4 processes from each other",
	      "bad %d counter %d", bad, *counter);
	shmdt((void *)counter);
	shmctl(shm, IPC_RMID, NULL);
	semctl(sem, 0, IPC_RMID);
}

struct tmsg {
	long mtype;
	char text[64];
};

static int send_text(int id, long type, const char *s, int flags)
{
	struct tmsg m = {.mtype = type};

	strcpy(m.text, s);
	return msgsnd(id, &m, strlen(s) + 1, flags);
}

/* msgrcv into m; "type:text" on success, else "" */
static const char *recv_text(int id, long type, int flags)
{
	static char out[80];
	struct tmsg m;
	ssize_t n = msgrcv(id, &m, sizeof(m.text), type, flags);

	if (n < 0)
		return "";
	snprintf(out, sizeof(out), "%ld:%s", m.mtype, m.text);
	return out;
}

static void msg_basic(void)
{
	struct msqid_ds ds;
	int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);

	check(id >= 0, "msg: msgget IPC_PRIVATE", "errno %d", errno);
	check_zero(msgctl(id, IPC_STAT, &ds), "msg: IPC_STAT");
	check(ds.msg_qnum == 0 && ds.msg_qbytes > 0 && ds.msg_stime == 0 &&
		      (ds.msg_perm.mode & 0777) == 0600,
	      "msg: IPC_STAT of a new queue", "qnum %lu",
	      (unsigned long)ds.msg_qnum);
	check(send_text(id, 1, "one", 0) == 0 &&
		      send_text(id, 2, "two", 0) == 0 &&
		      send_text(id, 3, "three", 0) == 0 &&
		      send_text(id, 1, "uno", 0) == 0,
	      "msg: four msgsnd", "errno %d", errno);
	msgctl(id, IPC_STAT, &ds);
	check(ds.msg_qnum == 4 && ds.msg_cbytes == 4 + 4 + 6 + 4 &&
		      ds.msg_lspid == getpid() && ds.msg_stime != 0,
	      "msg: qnum, cbytes, lspid and stime after msgsnd",
	      "qnum %lu cbytes %lu", (unsigned long)ds.msg_qnum,
	      (unsigned long)ds.msg_cbytes);
	struct tmsg m;
	check(msgrcv(id, &m, sizeof(m.text), 0, MSG_COPY | IPC_NOWAIT) == 4 &&
		      strcmp(m.text, "one") == 0,
	      "msg: MSG_COPY reads the first without taking it", "%s", m.text);
	check(strcmp(recv_text(id, 2, 0), "2:two") == 0,
	      "msg: msgtyp > 0 takes that type", "-");
	check(strcmp(recv_text(id, 1, MSG_EXCEPT), "3:three") == 0,
	      "msg: MSG_EXCEPT takes another type", "-");
	send_text(id, 5, "five", 0);
	send_text(id, 4, "four", 0);
	check(strcmp(recv_text(id, -4, 0), "1:one") == 0 &&
		      strcmp(recv_text(id, -4, 0), "1:uno") == 0 &&
		      strcmp(recv_text(id, -5, 0), "4:four") == 0,
	      "msg: msgtyp < 0 takes the lowest type first", "-");
	check_errno(msgrcv(id, &m, sizeof(m.text), 2, IPC_NOWAIT), -1, ENOMSG,
		    "msg: no such type with IPC_NOWAIT: ENOMSG");
	check_errno(msgrcv(id, &m, 2, 0, 0), -1, E2BIG,
		    "msg: a buffer too small: E2BIG");
	msgctl(id, IPC_STAT, &ds);
	check(ds.msg_qnum == 1, "msg: E2BIG left the message queued", "%lu",
	      (unsigned long)ds.msg_qnum);
	memset(&m, 0, sizeof(m));
	check(msgrcv(id, &m, 2, 0, MSG_NOERROR) == 2 && m.mtype == 5 &&
		      memcmp(m.text, "fi", 2) == 0 && m.text[2] == 0,
	      "msg: MSG_NOERROR truncates", "%ld %s", m.mtype, m.text);
	msgctl(id, IPC_STAT, &ds);
	check(ds.msg_qnum == 0 && ds.msg_cbytes == 0 &&
		      ds.msg_lrpid == getpid() && ds.msg_rtime != 0,
	      "msg: empty, lrpid and rtime after msgrcv", "%lu",
	      (unsigned long)ds.msg_qnum);
	check_errno(msgrcv(id, &m, sizeof(m.text), 0, IPC_NOWAIT), -1, ENOMSG,
		    "msg: an empty queue with IPC_NOWAIT: ENOMSG");
	check_errno(msgrcv(id, &m, sizeof(m.text), 0, MSG_COPY), -1, EINVAL,
		    "msg: MSG_COPY without IPC_NOWAIT: EINVAL");
	check_errno(send_text(id, 0, "zero", 0), -1, EINVAL,
		    "msg: mtype 0: EINVAL");
	check_errno(msgsnd(id, &m, 1 << 20, 0), -1, EINVAL,
		    "msg: above MSGMAX: EINVAL");
	check_errno(msgsnd(id, (void *)8, 4, 0), -1, EFAULT,
		    "msg: msgsnd from a bad pointer: EFAULT");
	check_errno(msgrcv(id, &m, (size_t)-1, 0, IPC_NOWAIT), -1, EINVAL,
		    "msg: negative msgsz: EINVAL");
	check_errno(msgctl(id, 12345, &ds), -1, EINVAL,
		    "msg: unknown msgctl command: EINVAL");

	key_t key = test_key(4);
	int kid = msgget(key, IPC_CREAT | IPC_EXCL | 0600);
	check(kid >= 0 && msgget(key, 0) == kid, "msg: msgget finds a key",
	      "errno %d", errno);
	check_errno(msgget(key, IPC_CREAT | IPC_EXCL), -1, EEXIST,
		    "msg: IPC_CREAT|IPC_EXCL of an existing key: EEXIST");
	msgctl(kid, IPC_RMID, NULL);
	check_errno(msgget(key, 0), -1, ENOENT,
		    "msg: the key is gone after IPC_RMID: ENOENT");
	struct msginfo mi;
	check(msgctl(0, IPC_INFO, (struct msqid_ds *)&mi) >= 0 &&
		      mi.msgmax > 0 && mi.msgmnb > 0,
	      "msg: IPC_INFO", "-");
	check_zero(msgctl(id, IPC_RMID, NULL), "msg: IPC_RMID");
	check_errno(msgctl(id, IPC_STAT, &ds), -1, EINVAL,
		    "msg: IPC_STAT after IPC_RMID: EINVAL");
	check_errno(msgsnd(id, &m, 4, 0), -1, EINVAL,
		    "msg: msgsnd on a removed id: EINVAL");
	check_errno(msgrcv(id, &m, 4, 0, 0), -1, EINVAL,
		    "msg: msgrcv on a removed id: EINVAL");
}

/* The child: receive one message of type 7 and check it; 0 if right. */
static int child_receives(int id, int ready)
{
	struct tmsg m;

	write(ready, "r", 1);
	ssize_t n = msgrcv(id, &m, sizeof(m.text), 7, 0);
	if (n < 0)
		return errno;
	return n == 8 && m.mtype == 7 && strcmp(m.text, "wake up") == 0 ? 0 : 1;
}

static void msg_processes(void)
{
	int id = msgget(IPC_PRIVATE, 0600);
	int pfd[2];
	char c;

	if (pipe(pfd))
		check(false, "msg: pipe", "errno %d", errno);

	/* a child blocked in msgrcv, woken by msgsnd */
	pid_t pid = fork_child();
	if (pid == 0)
		_exit(child_receives(id, pfd[1]));
	read(pfd[0], &c, 1);
	usleep(100000);
	send_text(id, 3, "not for you", 0);
	send_text(id, 7, "wake up", 0);
	check(child_status(pid) == 0,
	      "msg: a sleeper in msgrcv gets the message sent", "-");
	check(strcmp(recv_text(id, 0, IPC_NOWAIT), "3:not for you") == 0,
	      "msg: the other message stayed", "-");

	/* a full queue: msgsnd blocks until a msgrcv makes room */
	struct msqid_ds ds;
	msgctl(id, IPC_STAT, &ds);
	ds.msg_qbytes = 16;
	check_zero(msgctl(id, IPC_SET, &ds), "msg: IPC_SET msg_qbytes");
	send_text(id, 1, "0123456789", 0); /* 11 bytes */
	check_errno(send_text(id, 1, "abcdef", IPC_NOWAIT), -1, EAGAIN,
		    "msg: a full queue with IPC_NOWAIT: EAGAIN");
	pid = fork_child();
	if (pid == 0) {
		write(pfd[1], "s", 1);
		_exit(send_text(id, 2, "abcdef", 0) == 0 ? 0 : 10 + errno);
	}
	read(pfd[0], &c, 1);
	usleep(100000);
	msgctl(id, IPC_STAT, &ds);
	check(ds.msg_qnum == 1, "msg: the sender is blocked", "%lu",
	      (unsigned long)ds.msg_qnum);
	check(strcmp(recv_text(id, 0, 0), "1:0123456789") == 0,
	      "msg: a msgrcv makes room", "-");
	check(child_status(pid) == 0, "msg: the blocked sender got through",
	      "-");
	check(strcmp(recv_text(id, 0, IPC_NOWAIT), "2:abcdef") == 0,
	      "msg: its message is there", "-");

	/* a signal interrupts msgrcv (the handler ran: EINTR) */
	pid = fork_child();
	if (pid == 0) {
		struct sigaction sa = {.sa_handler = on_usr1};
		sigaction(SIGUSR1, &sa, NULL);
		struct tmsg m;
		write(pfd[1], "i", 1);
		_exit(msgrcv(id, &m, sizeof(m.text), 0, 0) == -1 &&
				      errno == EINTR
			      ? 0
			      : 1);
	}
	read(pfd[0], &c, 1);
	usleep(100000);
	kill(pid, SIGUSR1);
	check(child_status(pid) == 0, "msg: a signal interrupts msgrcv: EINTR",
	      "-");

	/* IPC_RMID wakes a sleeper with EIDRM */
	pid = fork_child();
	if (pid == 0)
		_exit(child_receives(id, pfd[1]));
	read(pfd[0], &c, 1);
	usleep(100000);
	msgctl(id, IPC_RMID, NULL);
	check(child_status(pid) == EIDRM,
	      "msg: IPC_RMID wakes the sleeper with EIDRM", "-");
	close(pfd[0]);
	close(pfd[1]);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "nattch") == 0) {
		struct shmid_ds ds;
		if (shmctl(atoi(argv[2]), IPC_STAT, &ds))
			return 100;
		return (int)ds.shm_nattch;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	shm_basic();
	shm_exec();
	shm_futex();
	shm_addresses();
	shm_keys();
	sem_basic();
	sem_processes();
	sem_mutex();
	msg_basic();
	msg_processes();
	ipc_proc();
	guest_exit("sysvipc");
}
