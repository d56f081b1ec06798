/* SPDX-License-Identifier: MIT */
/* Syscalls for files: tmpfs, /proc, /sys, directories, memfd. Same format as
 * syscall_list.h. */
SYSCALL(18, pwrite64, 4, full, "O_APPEND files append, as Linux")
SYSCALL(73, flock, 2, stub,
	"every lock granted at once: one node, no contention model")
SYSCALL(74, fsync, 1, full, "files live in memory: nothing to flush")
SYSCALL(75, fdatasync, 1, full, "as fsync")
SYSCALL(76, truncate, 2, full, "tmpfs files; image files EROFS")
SYSCALL(77, ftruncate, 2, full, "tmpfs files and memfds (sparse)")
SYSCALL(81, fchdir, 1, full, "")
SYSCALL(82, rename, 2, full, "as renameat2")
SYSCALL(83, mkdir, 2, full, "any directory (tmpfs overlay), umask applied")
SYSCALL(84, rmdir, 1, full, "ENOTEMPTY; /proc, /sys, /dev, /tmp EBUSY")
SYSCALL(85, creat, 2, full, "")
SYSCALL(86, link, 2, stub, "EPERM: no hard links (a vnode has one name)")
SYSCALL(87, unlink, 1, full, "open files stay alive until closed")
SYSCALL(88, symlink, 2, full, "")
SYSCALL(90, chmod, 2, full, "")
SYSCALL(91, fchmod, 2, full, "")
SYSCALL(92, chown, 3, full, "ids recorded; everyone is root")
SYSCALL(93, fchown, 3, full, "as chown")
SYSCALL(94, lchown, 3, full, "as chown")
SYSCALL(137, statfs, 2, full,
	"TMPFS_MAGIC (PROC_SUPER_MAGIC under /proc, /sys)")
SYSCALL(138, fstatfs, 2, full, "as statfs")
SYSCALL(162, sync, 0, full, "nothing to flush")
SYSCALL(258, mkdirat, 3, full, "as mkdir")
SYSCALL(260, fchownat, 5, full, "AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH")
SYSCALL(263, unlinkat, 3, full, "AT_REMOVEDIR")
SYSCALL(264, renameat, 4, full, "as renameat2")
SYSCALL(265, linkat, 5, stub, "EPERM, as link")
SYSCALL(266, symlinkat, 3, full, "")
SYSCALL(268, fchmodat, 3, full, "")
SYSCALL(280, utimensat, 4, full,
	"UTIME_NOW/OMIT, NULL path = the fd; times before 1970 read as 1970")
SYSCALL(306, syncfs, 1, full, "nothing to flush")
SYSCALL(316, renameat2, 5, full,
	"RENAME_NOREPLACE, RENAME_EXCHANGE; WHITEOUT EINVAL")
SYSCALL(319, memfd_create, 2, partial,
	"MFD_CLOEXEC, MFD_ALLOW_SEALING accepted (seals not kept); MFD_HUGETLB "
	"EINVAL")
SYSCALL(332, statx, 5, full, "STATX_BASIC_STATS")
SYSCALL(436, close_range, 3, full,
	"CLOSE_RANGE_CLOEXEC; UNSHARE accepted (fd tables are never shared)")
