#!/usr/bin/env python3
"""mkinitramfs.py — build the test guest's initramfs.

It holds busybox, the USB host and gadget modules with their dependencies
(in load order, from modprobe --show-depends), the project's programs with
the shared libraries they need (from ldd), /init and the scenario scripts.

usage: mkinitramfs.py --cache DIR --out FILE --init FILE --scenarios DIR PROGRAM...
"""
import argparse
import gzip
import os
import shutil
import subprocess
import sys
import tempfile

# Modules the scenarios use; dependencies are added by modprobe.
MODULES = [
    ("xhci_pci", ""), ("usbhid", ""), ("hid_generic", ""), ("usb_storage", ""),
    ("sd_mod", ""), ("ftdi_sio", ""), ("cdc_acm", ""),
    ("dummy_hcd", "num=3"), ("libcomposite", ""), ("usb_f_ss_lb", ""),
    ("usb_f_acm", ""), ("usb_f_fs", ""), ("usb_f_hid", ""), ("usb_f_mass_storage", ""),
    ("nbd", ""), ("vfat", ""), ("nls_cp437", ""), ("nls_ascii", ""), ("uhid", ""), ("evdev", ""), ("tun", ""),
    ("usbip_host", ""), ("vhci_hcd", ""), ("usb_f_ncm", ""), ("usb_f_ecm", ""),
]
# Modules a scenario loads itself (/etc/modules.demand), not /init: the
# kernel's cdc_ncm would take every NCM gadget of the other scenarios.
MODULES_ON_DEMAND = [("cdc_ncm", "")]


def module_order(root, version, modules, seen=None):
    """[(path relative to lib/modules/VERSION, args)] with dependencies first,
    leaving out those in @seen (and adding the new ones to it)."""
    seen, order = set() if seen is None else seen, []
    root = os.path.abspath(root)
    prefix = os.path.join(root, "lib/modules", version) + "/"
    for name, args in modules:
        out = subprocess.run(["modprobe", "-d", root, "-S", version, "--show-depends", name],
                             check=True, capture_output=True, text=True).stdout
        for line in out.splitlines():
            parts = line.split()
            if not parts or parts[0] != "insmod":
                continue  # "builtin NAME" needs nothing
            path = parts[1]
            if path in seen:
                continue
            seen.add(path)
            if not path.startswith(prefix):
                sys.exit(f"mkinitramfs: module {path} is outside {prefix}")
            rel = path[len(prefix):]
            is_target = os.path.basename(path).split(".")[0].replace("-", "_") == name
            order.append((rel, args if is_target else ""))
    return order


def shared_libraries(programs, extra_dirs=()):
    """Every library ldd lists for the programs, and the dynamic loader;
    @extra_dirs are searched first (udev's private library in the cache)."""
    libs = set()
    env = dict(os.environ, LD_LIBRARY_PATH=":".join(extra_dirs))
    for prog in programs:
        out = subprocess.run(["ldd", prog], capture_output=True, text=True, env=env).stdout
        for line in out.splitlines():
            parts = line.split()
            if "=>" in parts and len(parts) >= 3 and parts[2].startswith("/"):
                libs.add(parts[2])
            elif parts and parts[0].startswith("/"):
                libs.add(parts[0])
    return sorted(libs)


def is_elf(path):
    with open(path, "rb") as f:
        return f.read(4) == b"\x7fELF"


SYSTEMD_PROGRAMS = ["systemctl", "journalctl", "systemd-tmpfiles", "systemd-sysusers", "systemd-escape",
                    "systemd-notify", "systemd-analyze"]

TEST_SERVICE = """[Unit]
Description=libdevdrv system test scenario
After=systemd-udevd.service systemd-udev-trigger.service

[Service]
Type=oneshot
ExecStart=/bin/sh /scenarios/systemd-main.sh
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0
"""


def add_systemd(tree, root, unit):
    """Debian's systemd as PID 1: its tree, busybox's applets as programs,
    users, devdrv@.service (ExecStart where the guest has devdrv) and the
    unit that runs the scenario. Returns the ELF files, for ldd."""
    src_top, dst_top = os.path.join(root, "lib/systemd"), os.path.join(tree, "lib/systemd")

    def already_there(d, names):  # udevd was copied as a file: keep it
        here = os.path.join(dst_top, os.path.relpath(d, src_top))
        return [n for n in names if os.path.lexists(os.path.join(here, n)) and not os.path.isdir(os.path.join(d, n))]

    shutil.copytree(src_top, dst_top, symlinks=True, dirs_exist_ok=True, ignore=already_there)
    for name in SYSTEMD_PROGRAMS:
        if os.path.exists(os.path.join(root, "bin", name)):
            copy(os.path.join(root, "bin", name), os.path.join(tree, "bin", name))
    applets = subprocess.run([os.path.join(tree, "bin/busybox"), "--list-full"], check=True, capture_output=True,
                             text=True).stdout.split()
    for applet in applets:
        dst = os.path.join(tree, applet)
        if not os.path.lexists(dst):
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            os.symlink("/bin/busybox", dst)
    with open(os.path.join(tree, "etc/passwd"), "w") as f:
        f.write("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
                "devdrv:x:990:990:libdevdrv drivers:/nonexistent:/bin/false\n")
    with open(os.path.join(tree, "etc/group"), "w") as f:
        f.write("root:x:0:\ntty:x:5:\ndialout:x:20:devdrv\ndevdrv:x:990:\nnogroup:x:65534:\n")
    open(os.path.join(tree, "etc/machine-id"), "w").close()
    with open(os.path.join(tree, "etc/os-release"), "w") as f:
        f.write("NAME=devdrv-test\nID=devdrv-test\n")
    with open(unit) as f:
        text = f.read()
    text = "\n".join("ExecStart=/usr/bin/devdrv " + l.split(" ", 1)[1] if l.startswith("ExecStart=") else l
                     for l in text.splitlines()) + "\n"
    for where, name, body in (("lib/systemd/system", "devdrv@.service", text),
                              ("etc/systemd/system", "devdrv-test.service", TEST_SERVICE)):
        os.makedirs(os.path.join(tree, where), exist_ok=True)
        with open(os.path.join(tree, where, name), "w") as f:
            f.write(body)
    elves = []
    for top in ("lib/systemd", "bin"):
        for dirpath, _, files in os.walk(os.path.join(tree, top)):
            for name in files:
                path = os.path.join(dirpath, name)
                if not os.path.islink(path) and is_elf(path):
                    elves.append(path)
    return elves


def copy(src, dst):
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copy2(os.path.realpath(src), dst)


def build(args):
    root = os.path.abspath(os.path.join(args.cache, "root"))
    version = open(os.path.join(args.cache, "kernel-version")).read().strip()
    with tempfile.TemporaryDirectory() as tree:
        os.chmod(tree, 0o755)  # it becomes "/": every user must traverse it
        for d in ("bin", "sbin", "usr/bin", "etc", "proc", "sys", "dev", "tmp", "run", "lib64",
                  "lib/x86_64-linux-gnu", "scenarios"):
            os.makedirs(os.path.join(tree, d), exist_ok=True)
        copy(shutil.which("busybox"), os.path.join(tree, "bin/busybox"))
        # iproute2's ip, which moves a link into a network namespace (busybox's
        # cannot); its libraries come with the others
        iproute2 = shutil.which("ip", path="/usr/sbin:/sbin:/usr/bin:/bin")
        copy(iproute2, os.path.join(tree, "usr/sbin/ip"))
        copy(args.init, os.path.join(tree, "init"))
        os.chmod(os.path.join(tree, "init"), 0o755)
        for name in os.listdir(args.scenarios):
            copy(os.path.join(args.scenarios, name), os.path.join(tree, "scenarios", name))
        seen = set()
        for listing, wanted in (("modules.list", MODULES), ("modules.demand", MODULES_ON_DEMAND)):
            with open(os.path.join(tree, "etc", listing), "w") as f:
                for rel, margs in module_order(root, version, wanted, seen):
                    dst = os.path.join(tree, "lib/modules", rel)
                    copy(os.path.join(root, "lib/modules", version, rel), dst)
                    f.write(f"{rel} {margs}\n")
        # systemd-udevd and udevadm from Debian's udev package (prepare.sh
        # extracts it), with its rules; their libraries come with the others
        # systemd-udevd is a symlink to /bin/udevadm in the package: inside the cache
        udev = [os.path.join(root, "bin/udevadm"), os.path.join(root, "bin/udevadm")]
        copy(udev[0], os.path.join(tree, "lib/systemd/systemd-udevd"))
        copy(udev[1], os.path.join(tree, "bin/udevadm"))
        # the usbip tools of Debian's package for this kernel, and usbutils' lsusb
        usbip = [os.path.join(root, "usr/sbin", p) for p in ("usbip", "usbipd")]
        usbip.append(os.path.join(root, "usr/bin/lsusb"))
        for prog in usbip:
            copy(prog, os.path.join(tree, "usr/bin", os.path.basename(prog)))
        shutil.copytree(os.path.join(root, "lib/udev"), os.path.join(tree, "lib/udev"), symlinks=True,
                        dirs_exist_ok=True)
        for prog in args.programs:  # plugins go where the scenarios point DEVDRV_DRIVER_PATH
            where = "usr/lib/devdrv/drivers" if prog.endswith(".so") else "usr/bin"
            copy(prog, os.path.join(tree, where, os.path.basename(prog)))
        elves = add_systemd(tree, root, args.systemd) if args.systemd else []
        for lib in shared_libraries(args.programs + udev + usbip + elves + [iproute2],
                                    [os.path.join(root, "usr/lib/x86_64-linux-gnu/systemd"),
                                     os.path.join(root, "usr/lib/x86_64-linux-gnu")]):
            name = os.path.basename(lib)
            where = "lib64" if name.startswith("ld-linux") else "lib/x86_64-linux-gnu"
            copy(lib, os.path.join(tree, where, name))
        files = subprocess.run(["find", "."], cwd=tree, check=True, capture_output=True).stdout
        archive = subprocess.run(["cpio", "--quiet", "-o", "-H", "newc"], cwd=tree, input=files,
                                 check=True, capture_output=True).stdout
    tmp = args.out + ".tmp"
    with gzip.open(tmp, "wb", compresslevel=1) as f:
        f.write(archive)
    os.replace(tmp, args.out)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cache", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--init", required=True)
    p.add_argument("--scenarios", required=True)
    p.add_argument("--systemd", metavar="UNIT", help="with Debian's systemd as PID 1 and this devdrv@.service")
    p.add_argument("programs", nargs="+")
    args = p.parse_args()
    if not os.path.exists(os.path.join(args.cache, "ready")):
        sys.exit("system tests: the kernel cache is not prepared (tests/system/prepare.sh)")
    build(args)


main()
