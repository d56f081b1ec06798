/* SPDX-License-Identifier: MIT */
/* Linux x86_64 ABI numbers: mmap, mprotect, msync, mlockall, mremap, madvise
 * and memfd_create flags. tests/unit/test_uapi.c checks each against the host's
 * headers. */
#ifndef UAPI_MMAN_H
#define UAPI_MMAN_H

#define MAP_SHARED	    0x01
#define MAP_PRIVATE	    0x02
#define MAP_SHARED_VALIDATE 0x03
#define MAP_TYPE	    0x0f
#define MAP_FIXED	    0x10
#define MAP_ANONYMOUS	    0x20
#define MAP_GROWSDOWN	    0x100
#define MAP_DENYWRITE	    0x800
#define MAP_EXECUTABLE	    0x1000
#define MAP_LOCKED	    0x2000
#define MAP_NORESERVE	    0x4000
#define MAP_POPULATE	    0x8000
#define MAP_NONBLOCK	    0x10000
#define MAP_STACK	    0x20000
#define MAP_HUGETLB	    0x40000
#define MAP_32BIT	    0x40
#define MAP_FIXED_NOREPLACE 0x100000
#define MS_ASYNC	    1
#define MS_INVALIDATE	    2
#define MS_SYNC		    4
#define MCL_CURRENT	    1
#define MCL_FUTURE	    2
#define MCL_ONFAULT	    4
#define MREMAP_MAYMOVE	    1
#define MREMAP_FIXED	    2
#define MADV_NORMAL	    0
#define MADV_RANDOM	    1
#define MADV_SEQUENTIAL	    2
#define MADV_WILLNEED	    3
#define MADV_DONTNEED	    4
#define MADV_FREE	    8
#define MFD_CLOEXEC	    1
#define MFD_ALLOW_SEALING   2
#define MFD_HUGETLB	    4
#define MFD_NAME_MAX	    249
#define PROT_NONE	    0
#define PROT_READ	    1
#define PROT_WRITE	    2
#define PROT_EXEC	    4

#endif
