# SPDX-License-Identifier: MIT
"""Keeps parallel QEMU boots from oversubscribing the host.

Under TCG each vCPU is a host thread. Two 4-vCPU guests on a 2-core host
spend most of their time waiting for a host core (a wakeup IPI to a halted
vCPU waits for the host scheduler), which made such boots 2-3x slower than
running them one after the other. Boots therefore take vCPUs from a budget
of the host's cores, first come first served; a boot larger than the
budget runs alone.
"""
import os
import threading


class VcpuBudget:
    def __init__(self, cores=None):
        self.cores = cores or len(os.sched_getaffinity(0)) or 1
        self.in_use = 0
        self.next_ticket = 0
        self.serving = 0
        self.cond = threading.Condition()

    def _fits(self, ticket, n):
        return ticket == self.serving and (
            self.in_use == 0 or self.in_use + n <= self.cores)

    def acquire(self, n):
        with self.cond:
            ticket = self.next_ticket
            self.next_ticket += 1
            self.cond.wait_for(lambda: self._fits(ticket, n))
            self.in_use += n
            self.serving += 1
            self.cond.notify_all()

    def release(self, n):
        with self.cond:
            self.in_use -= n
            self.cond.notify_all()

    def run(self, n, fn, *args):
        """Call fn(*args) holding n vCPUs of the budget."""
        self.acquire(n)
        try:
            return fn(*args)
        finally:
            self.release(n)
