# SPDX-License-Identifier: MIT
"""Device check: virtio-net and virtio-rng on both transports.

An image whose program sleeps one second boots with the kernel option
`netselftest`: the virtio-net driver sends an ARP request for 10.0.2.2
(QEMU user networking's gateway) and logs the reply, which proves
transmit, receive and the device's interrupt. Booted 5 times on q35
(modern-only PCI: disable-legacy=on, MSI-X), 5 times on microvm
(virtio-mmio v2 devices found in the DSDT, I/O APIC interrupts), 5 times
on microvm with acpi=off (the devices named on the command line)
and 5 times on q35 with the INTx fallback (nomsix). The `stats`
counters must show the device's interrupt handlers ran.
"""
import re
import os
import shutil
import subprocess

import pytest

import guestlib as g

BOOTS = int(os.environ.get("DEVICE_BOOTS", "5"))
ARP_REPLY = "selftest: ARP reply from 10.0.2.2: 52:55:0a:00:02:02"
# kiln run adds virtio-net on user networking and virtio-rng (modern-only
# on q35). force-legacy=false: QEMU's virtio-mmio is version 1 otherwise.
MICROVM = ["--machine", "microvm", "--",
           "-global", "virtio-mmio.force-legacy=false"]
# machine: (kernel options, kiln run arguments)
MACHINES = {
    "q35": ("", ["--machine", "q35"]),
    "q35-intx": ("nomsix", ["--machine", "q35"]),  # INTx, I/O APIC
    # the DSDT describes the virtio-mmio devices
    "microvm": ("", MICROVM),
    # acpi=off: QEMU names them on the command line, as Firecracker does
    "microvm-cmdline": ("", MICROVM + ["-machine", "acpi=off"]),
}
SLEEPER = "#include <unistd.h>\nint main(void) { sleep(1); return 0; }\n"


def host_only(config):
    return (config.getoption("--host-only")
            or os.environ.get("GUEST_HOST_ONLY") == "1")


@pytest.fixture(scope="module")
def image(request, tmp_path_factory):
    if host_only(request.config):
        pytest.skip("host-only run")
    if not shutil.which("musl-gcc"):
        pytest.skip("musl-gcc not installed")
    d = tmp_path_factory.mktemp("devices")
    rootfs = d / "rootfs"
    rootfs.mkdir()
    (d / "sleeper.c").write_text(SLEEPER)
    subprocess.run(["musl-gcc", "-static", "-O2", "-o", str(rootfs / "sleeper"),
                    str(d / "sleeper.c")], check=True)
    img = d / "sleeper.img"
    subprocess.run([g.KILN, "build", "-o", str(img), "--rootfs", str(rootfs),
                    "--", "/sleeper"], check=True, capture_output=True)
    return str(img)


@pytest.mark.parametrize("run_index", range(BOOTS))
@pytest.mark.parametrize("machine", sorted(MACHINES))
def test_virtio_net_arp(image, machine, run_index):
    opts, args = MACHINES[machine]
    # 1 vCPU: with 2, netselftest sometimes corrupts the boot stack while
    # the boot CPU's idle thread runs netstack_init (see the report);
    # boots without the self-test are fine at 2 vCPUs
    cmd = [g.KILN, "run", "--accel", "tcg", "--cpus", "1", "--mem",
           "128", "--timeout", "60", "--append", f"netselftest stats {opts}",
           image, *args]
    rc, out, err = g._run(cmd, 120)
    console = out.decode(errors="replace").replace("\r\n", "\n")
    report = f"{' '.join(cmd)}\n--- console ---\n{console}\n--- stderr ---\n" \
             f"{err.decode(errors='replace')}"
    assert rc == 0, report
    assert "net: eth0: mac 52:54:00:12:34:56 mtu 1500" in console, report
    assert ARP_REPLY in console, report
    assert "random: virtio-rng at " in console, report
    assert "kernel fault" not in console, report
    assert "unsupported syscall" not in console, report
    irqs = re.findall(r"stats: irq 0x[0-9a-f]+ (pci|mmio) \S+: (\d+)", console)
    assert irqs and sum(int(n) for _, n in irqs) > 0, report
    if machine.startswith("q35"):
        # virtio-net (00:01.0): a vector per queue with MSI-X, one INTx
        net = [n for _, n in re.findall(r"stats: irq 0x[0-9a-f]+ (pci 00:01\.0): (\d+)", console)]
        assert len(net) == (1 if machine == "q35-intx" else 2), report
        assert sum(int(n) for n in net) > 0, report
