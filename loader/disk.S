/* SPDX-License-Identifier: MIT */
/*
 * The Kiln disk loader: what a BIOS boots from a disk written by
 * `kiln build --format raw|qcow2` (layout in include/kiln/disk.h,
 * design in docs/decisions/disk-image.md).
 *
 * Sector 0 (the MBR) reads sectors 1..7 to 0x7e00 with INT 13h AH=42h.
 * The rest, still in real mode:
 *   1. masks the 8259 PICs and opens A20;
 *   2. reads the BIOS E820 memory map (INT 15h AX=E820) into PVH
 *      hvm_memmap_table entries (the same 20 bytes plus 4 reserved);
 *   3. for each segment in the parameter sector, reads its sectors in
 *      32 KiB pieces to a bounce buffer and copies them above 1 MiB
 *      with INT 15h AH=87h, then writes the segment's zeros (.bss);
 *   4. fills a PVH hvm_start_info (cmdline from the parameter sector,
 *      rsdp 0: the kernel scans the BIOS area for it);
 *   5. enters 32-bit protected mode, paging off, flat segments, %ebx =
 *      the start info, and jumps to the kernel's PVH entry.
 * Any failure prints "kiln loader: ..." on COM1 and halts.
 */
#include <kiln/disk.h>

#define START_INFO    0x1000 /* struct hvm_start_info (56 bytes) */
#define MEMMAP	      0x1100 /* up to MAX_E820 x 24 bytes */
#define MAX_E820      64
#define BOUNCE_SEG    0x1000 /* 0x10000: 32 KiB read buffer */
#define BOUNCE	      0x10000
#define ZEROS_SEG     0x2000 /* 0x20000: 32 KiB of zeros */
#define ZEROS	      0x20000
#define CHUNK_SECTORS 64
#define PARAMS	      0x7e00
#define SMAP	      0x534d4150
#define PVH_MAGIC     0x336ec578

	.code16
	.text
	.global _start
_start:
	ljmp $0, $mbr_main
mbr_main:
	cli
	xorw %ax, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw $0x7c00, %sp
	sti
	cld
	movb %dl, boot_drive
	movw $(KILN_DISK_LOADER_SECTORS - 1), dap_count
	movw $PARAMS, dap_off
	movw $0, dap_seg
	movl $1, dap_lba
	call disk_read
	jc mbr_fail
	jmp stage2
mbr_fail:
	movw $msg_read, %si
	/* fall through */

/* Print the string at %si on COM1 and halt. */
fail:
	movw $msg_prefix, %bx
	call puts
	movw %si, %bx
	call puts
1:	cli
	hlt
	jmp 1b

/* Print the NUL-terminated string at %bx on COM1. */
puts:
	movb (%bx), %al
	testb %al, %al
	jz 3f
	movb %al, %cl
	movw $0x3fd, %dx
2:	inb %dx, %al
	testb $0x20, %al
	jz 2b
	movw $0x3f8, %dx
	movb %cl, %al
	outb %al, %dx
	incw %bx
	jmp puts
3:	ret

/* Read per the DAP from boot_drive; CF set on error. */
disk_read:
	pushal
	movw $dap, %si
	movb boot_drive, %dl
	movb $0x42, %ah
	int $0x13
	popal
	ret

msg_prefix:
	.asciz "kiln loader: "
msg_read:
	.asciz "disk read error (INT 13h)\r\n"

	.p2align 2
dap:
	.byte 0x10, 0
dap_count:
	.word 0
dap_off:
	.word 0
dap_seg:
	.word 0
dap_lba:
	.quad 0
boot_drive:
	.byte 0

	/* disk signature, then the partition table (kiln build fills it) */
	.org 440
	.long 0
	.word 0
	.org 510
	.word 0xaa55

/* Sector 1: struct kiln_disk_params, filled in by kiln build. */
	.org 512
params:
	.ascii KILN_DISK_MAGIC
	.org 512 + 512

/* Sectors 2..7: the rest of the loader. */
stage2:
	movw $msg_crlf, %bx	/* after the BIOS's "Booting from..." */
	call puts
	cli
	movb $0xff, %al		/* mask both 8259s */
	outb %al, $0xa1
	outb %al, $0x21
	inb $0x92, %al		/* fast A20 */
	orb $2, %al
	andb $0xfe, %al
	outb %al, $0x92
	sti

	/* a buffer of zeros for .bss */
	movw $ZEROS_SEG, %ax
	movw %ax, %es
	xorw %di, %di
	xorw %ax, %ax
	movw $(CHUNK_SECTORS * 256), %cx
	rep stosw
	xorw %ax, %ax
	movw %ax, %es

	call read_e820
	call load_segments
	call fill_start_info

	cli
	lgdtl gdt32_desc
	movl %cr0, %eax
	orl $1, %eax
	movl %eax, %cr0
	ljmpl $0x08, $pm32

/* E820 map to MEMMAP; count in e820_count. */
read_e820:
	xorl %ebx, %ebx
	movw $MEMMAP, %di
	xorw %bp, %bp
1:	movl $1, 20(%di)	/* ACPI 3 "valid" bit, if the BIOS fills 24 */
	movl $0xe820, %eax
	movl $SMAP, %edx
	movl $24, %ecx
	int $0x15
	jc 2f
	cmpl $SMAP, %eax
	jne 2f
	movl $0, 20(%di)	/* hvm_memmap_table_entry.reserved */
	incw %bp
	addw $24, %di
	cmpw $MAX_E820, %bp
	jae 2f
	testl %ebx, %ebx
	jnz 1b
2:	movw %bp, e820_count
	testw %bp, %bp
	jnz 3f
	movw $msg_e820, %si
	jmp fail
3:	ret

/* Every segment of the parameter sector, by ascending address. */
load_segments:
	movl PARAMS + KILN_DISK_P_NSEG, %eax
	cmpl $KILN_DISK_MAX_SEGS, %eax
	ja 9f
	testl %eax, %eax
	jz 9f
	movw %ax, seg_left
	movw $(PARAMS + KILN_DISK_P_SEGS), %bx
1:	movl 0(%bx), %eax
	movl %eax, cur_lba
	movl 4(%bx), %eax
	movl %eax, cur_left
	movl 8(%bx), %eax
	movl %eax, cur_dst
2:	movl cur_left, %eax	/* the file's bytes, 64 sectors a time */
	testl %eax, %eax
	jz 4f
	cmpl $CHUNK_SECTORS, %eax
	jbe 3f
	movl $CHUNK_SECTORS, %eax
3:	movw %ax, dap_count
	movw %ax, chunk
	movw $0, dap_off
	movw $BOUNCE_SEG, dap_seg
	movl cur_lba, %eax
	movl %eax, dap_lba
	call disk_read
	jnc 31f
	movw $msg_read, %si
	jmp fail
31:	movl $BOUNCE, %eax
	movl cur_dst, %edx
	movw chunk, %cx
	shlw $8, %cx		/* sectors to words */
	call high_copy
	movzwl chunk, %eax
	addl %eax, cur_lba
	subl %eax, cur_left
	shll $9, %eax
	addl %eax, cur_dst
	jmp 2b
4:	movl 12(%bx), %eax	/* then its zeros, 16 Ki words a time */
	movl %eax, cur_dst
	movl 16(%bx), %eax
	movl %eax, cur_left
5:	movl cur_left, %eax
	testl %eax, %eax
	jz 7f
	cmpl $(CHUNK_SECTORS * 256), %eax
	jbe 6f
	movl $(CHUNK_SECTORS * 256), %eax
6:	movw %ax, chunk
	movw %ax, %cx
	movl $ZEROS, %eax
	movl cur_dst, %edx
	call high_copy
	movzwl chunk, %eax
	subl %eax, cur_left
	shll $1, %eax
	addl %eax, cur_dst
	jmp 5b
7:	addw $KILN_DISK_SEG_SIZE, %bx
	decw seg_left
	jnz 1b
	ret
9:	movw $msg_params, %si
	jmp fail

/*
 * Copy %cx words from linear %eax to linear %edx with INT 15h AH=87h
 * (the BIOS switches to protected mode for us); halts on error.
 */
high_copy:
	pushal
	movw $(gdt87 + 0x10), %di
	call set_desc
	movl %edx, %eax
	movw $(gdt87 + 0x18), %di
	call set_desc
	movw $gdt87, %si
	movb $0x87, %ah
	int $0x15
	jc 1f
	testb %ah, %ah
	jnz 1f
	popal
	ret
1:	movw $msg_copy, %si
	jmp fail

/* A 64 KiB data descriptor at %di for linear base %eax. */
set_desc:
	movw $0xffff, 0(%di)
	movw %ax, 2(%di)
	shrl $16, %eax
	movb %al, 4(%di)
	movb $0x93, 5(%di)
	movb $0, 6(%di)
	movb %ah, 7(%di)
	ret

/* struct hvm_start_info at START_INFO. */
fill_start_info:
	movw $START_INFO, %di
	xorw %ax, %ax
	movw $28, %cx
	rep stosw
	movl $PVH_MAGIC, START_INFO + 0		/* magic */
	movl $1, START_INFO + 4			/* version */
	movl $(PARAMS + KILN_DISK_P_CMDLINE), START_INFO + 24 /* cmdline */
	movl $MEMMAP, START_INFO + 40		/* memmap_paddr */
	movzwl e820_count, %eax
	movl %eax, START_INFO + 48		/* memmap_entries */
	ret

	.code32
pm32:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw %ax, %fs
	movw %ax, %gs
	movl $0x7c00, %esp
	movl $START_INFO, %ebx
	movl PARAMS + KILN_DISK_P_ENTRY, %eax
	jmp *%eax

	.p2align 3
gdt32:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: flat 32-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: flat data */
gdt32_desc:
	.word gdt32_desc - gdt32 - 1
	.long gdt32

	.p2align 3
gdt87:					/* INT 15h AH=87h descriptors */
	.skip 48

e820_count:
	.word 0
seg_left:
	.word 0
chunk:
	.word 0
	.p2align 2
cur_lba:
	.long 0
cur_left:
	.long 0
cur_dst:
	.long 0

msg_crlf:
	.asciz "\r\n"
msg_e820:
	.asciz "no E820 memory map from the BIOS\r\n"
msg_params:
	.asciz "bad parameter sector (rewrite the disk with kiln build)\r\n"
msg_copy:
	.asciz "copy above 1 MiB failed (INT 15h AH=87h)\r\n"

	.org KILN_DISK_LOADER_SECTORS * 512
