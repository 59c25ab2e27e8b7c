#!/usr/bin/env python3
"""run.py — boot a Debian kernel in QEMU with a scenario's USB devices, run the
scenario in the guest, and print TAP for meson.

QEMU exits 0 whatever the guest did, so results come only from the console:
"DEVDRV-CHECK ok|fail NAME" per check and "DEVDRV-END NAME rc=N" at the end.
A guest that hangs is killed at the timeout and fails. The console log is
kept in LOGDIR/NAME.log.

usage: run.py --cache DIR --initramfs FILE --logdir DIR [--timeout S] SCENARIO
       run.py ... --bench   (prints the guest's BENCH lines as a table)
"""
import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time


def storage_args(workdir):
    stick = os.path.join(workdir, "stick.img")
    with open(stick, "wb") as f:
        f.truncate(16 * 1024 * 1024)
    return ["-drive", f"if=none,id=stick,format=raw,file={stick}",
            "-device", "usb-storage,bus=xhci.0,drive=stick,serial=DEVDRV0001"]


# QEMU devices per scenario; gadgets are made inside the guest on dummy_hcd.
def devices(scenario, workdir):
    if scenario == "enumeration":
        return (["-device", "usb-kbd,bus=xhci.0", "-device", "usb-tablet,bus=xhci.0",
                 "-chardev", "null,id=ser0",
                 "-device", "usb-serial,bus=xhci.0,chardev=ser0,always-plugged=on"]
                + storage_args(workdir))
    if scenario == "handover":
        return storage_args(workdir)
    if scenario == "serial":
        sock = os.path.join(workdir, "ftdi.sock")
        return ["-chardev", f"socket,id=ser0,path={sock},server=on,wait=off",
                "-device", "usb-serial,bus=xhci.0,chardev=ser0,always-plugged=on"]
    return []


class SerialPeer(threading.Thread):
    """The host end of QEMU's usb-serial: answers the guest's ping."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.path, self.received, self.answered = path, b"", False

    def run(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        for _ in range(300):  # QEMU creates the socket once it starts
            try:
                sock.connect(self.path)
                break
            except OSError:
                time.sleep(0.1)
        else:
            return
        while True:
            data = sock.recv(4096)
            if not data:
                break
            self.received += data
            if b"ping-from-guest" in self.received and not self.answered:
                sock.sendall(b"pong-from-host\n")
                self.answered = True


def qemu_command(args, workdir):
    kernel = os.path.join(args.cache, "vmlinuz")
    append = f"console=ttyS0 quiet loglevel=1 panic=-1 devdrv.scenario={args.scenario}"
    return (["qemu-system-x86_64", "-machine", "pc,accel=tcg", "-m", "512", "-smp", "1",
             "-nodefaults", "-display", "none", "-serial", "stdio", "-no-reboot",
             "-kernel", kernel, "-initrd", args.initramfs, "-append", append,
             "-device", "qemu-xhci,id=xhci,p2=8,p3=8"] + devices(args.scenario, workdir))


def boot(args):
    """Run QEMU, return (console lines, timed_out)."""
    with tempfile.TemporaryDirectory() as workdir:
        proc = subprocess.Popen(qemu_command(args, workdir), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        if args.scenario == "serial":
            args.peer = SerialPeer(os.path.join(workdir, "ftdi.sock"))
            args.peer.start()
        timed_out = threading.Event()

        def kill():
            timed_out.set()
            proc.kill()

        timer = threading.Timer(args.timeout, kill)
        timer.start()
        raw = proc.stdout.read()
        proc.wait()
        timer.cancel()
    text = raw.decode("utf-8", "replace").replace("\r", "")
    os.makedirs(args.logdir, exist_ok=True)
    with open(os.path.join(args.logdir, args.scenario + ".log"), "w") as f:
        f.write(text)
    return text.splitlines(), timed_out.is_set()


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def result(self, ok, name, why=""):
        self.n += 1
        self.failed += not ok
        line = f"{'ok' if ok else 'not ok'} {self.n} - {name}"
        print(line + (f" # {why}" if why and not ok else ""), flush=True)

    def finish(self):
        print(f"1..{self.n}")


def sysfs_facts(lines):
    """{device: {attr: value}} and {device: {ifnum: (class, driver)}} from the guest dump."""
    devs, intfs = {}, {}
    for line in lines:
        if line.startswith("DEVDRV-SYSFS "):
            _, dev, attr, *value = line.split(" ", 3)
            devs.setdefault(dev, {})[attr] = value[0] if value else ""
        elif line.startswith("DEVDRV-SYSFS-IF "):
            _, dev, ifnum, cls, *drv = line.split(" ")
            intfs.setdefault(dev, {})[int(ifnum, 16)] = (int(cls, 16), drv[0] if drv else None)
    return devs, intfs


def compare_device(name, sysfs, intf_facts, entry):
    """Differences between one sysfs device and its `devdrv list --json` record."""
    problems = []

    def same(what, want, got):
        if want != got:
            problems.append(f"{what}: sysfs {want!r}, devdrv {got!r}")

    same("bus", int(sysfs["busnum"]), entry["bus"])
    same("address", int(sysfs["devnum"]), entry["address"])
    same("vid", sysfs["idVendor"], entry["vid"])
    same("pid", sysfs["idProduct"], entry["pid"])
    same("speed", sysfs["speed"], entry["speed"])
    for attr, key in (("manufacturer", "manufacturer"), ("product", "product"), ("serial", "serial")):
        same(key, sysfs.get(attr), entry[key])
    config = next((c for c in entry["configurations"] if c["value"] == entry["active_config"]), None)
    got = {}
    for intf in (config or {}).get("interfaces", []):
        if intf["alt_setting"] == 0:
            got[intf["number"]] = (intf["class"], intf["kernel_driver"])
    same("interfaces (class, kernel driver)", intf_facts, got)
    return problems


def check_enumeration(lines, tap):
    listing = next((l[len("DEVDRV-JSON "):] for l in lines if l.startswith("DEVDRV-JSON ")), None)
    if listing is None:
        tap.result(False, "devdrv list --json printed", "no DEVDRV-JSON line")
        return
    try:
        entries = json.loads(listing)
    except ValueError as e:
        tap.result(False, "devdrv list --json is valid JSON", str(e))
        return
    tap.result(True, "devdrv list --json is valid JSON")
    devs, intfs = sysfs_facts(lines)
    by_port = {e["port_path"]: e for e in entries if e["transport"] == "usb"}
    for dev in sorted(devs):
        port = dev[3:] if dev.startswith("usb") else dev
        entry = by_port.pop(port, None)
        if entry is None:
            tap.result(False, f"{dev} listed", "missing from devdrv list")
            continue
        problems = compare_device(dev, devs[dev], intfs.get(dev, {}), entry)
        tap.result(not problems, f"{dev} ({devs[dev]['idVendor']}:{devs[dev]['idProduct']}) agrees with sysfs",
                   "; ".join(problems))
    tap.result(not by_port, "devdrv lists no device sysfs lacks", ", ".join(by_port))
    kinds = {(e["vid"], e["pid"]) for e in entries}
    for want, what in ((("0627", "0001"), "QEMU HID"), (("0403", "6001"), "QEMU usb-serial"),
                       (("46f4", "0001"), "QEMU usb-storage"), (("1d6b", "0104"), "CDC-ACM gadget")):
        tap.result(want in kinds, f"{what} {want[0]}:{want[1]} enumerated")


def report(args, lines, timed_out):
    tap = Tap()
    for line in lines:
        m = re.match(r"DEVDRV-CHECK (ok|fail) ([^:]+)(?:: (.*))?$", line)
        if m:
            tap.result(m.group(1) == "ok", m.group(2).strip(), m.group(3) or "")
    if args.scenario == "enumeration":
        check_enumeration(lines, tap)
    if args.scenario == "serial":
        got = args.peer.received
        tap.result(got == b"ping-from-guest", "QEMU's FTDI chardev received exactly what devdrv serial sent",
                   repr(got[:60]))
    end = next((l for l in lines if l.startswith(f"DEVDRV-END {args.scenario} ")), None)
    why = "killed after %ds" % args.timeout if timed_out else "guest never reported its end"
    tap.result(end is not None and end.endswith("rc=0"), "scenario ran to the end with rc=0",
               end or why)
    tap.finish()
    if tap.failed:
        print(f"# console log: {os.path.join(args.logdir, args.scenario + '.log')}")
    return 1 if tap.failed else 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cache", required=True)
    p.add_argument("--initramfs", required=True)
    p.add_argument("--logdir", required=True)
    p.add_argument("--timeout", type=int, default=120)
    p.add_argument("--bench", action="store_true")
    p.add_argument("scenario")
    args = p.parse_args()
    if not shutil.which("qemu-system-x86_64"):
        print("Bail out! qemu-system-x86_64 is not installed; run scripts/setup.sh")
        return 1
    if not os.path.exists(os.path.join(args.cache, "ready")):
        print("Bail out! the kernel cache is not prepared; tests/system/prepare.sh failed")
        return 1
    lines, timed_out = boot(args)
    if args.bench:
        table = [l[len("BENCH "):] for l in lines if l.startswith("BENCH ")]
        print("\n".join(table) if table else "benchmark printed nothing; see the console log")
        return 0 if table else 1
    return report(args, lines, timed_out)


sys.exit(main())
