#!/usr/bin/env python3
"""run.py — boot a Debian kernel in QEMU with a scenario's USB devices, run the
scenario in the guest, and print TAP for meson.

QEMU exits 0 whatever the guest did, so results come only from the console:
"DEVDRV-CHECK ok|fail NAME" per check and "DEVDRV-END NAME rc=N" at the end.
A guest that hangs is killed at the timeout and fails. The console log is
kept in LOGDIR/NAME.log. A guest line "DEVDRV-QMP {json}" (scenarios in
QMP_SCENARIOS) is sent to QEMU's monitor as it arrives, e.g. input-send-event
to type on usb-kbd; the replies are checked at the end.

usage: run.py --cache DIR --initramfs FILE --logdir DIR [--timeout S] SCENARIO
       run.py ... --bench   (prints the guest's BENCH lines as a table)
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import socket
import struct
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


def many_models_args(workdir):
    """The QEMU USB models that need no host hardware (not usb-braille: it
    stays unplugged until its chardev opens), at fixed ports: eight on the
    xHCI root, five behind QEMU's (full-speed) hub at port 8."""
    args = []
    for drive in ("stick", "bot", "uas"):
        img = os.path.join(workdir, drive + ".img")
        with open(img, "wb") as f:
            f.truncate(16 * 1024 * 1024)
        args += ["-drive", f"if=none,id={drive},format=raw,file={img}"]
    mtp = os.path.join(workdir, "mtp")
    os.makedirs(mtp, exist_ok=True)
    return (args + [
        "-netdev", "user,id=net0,restrict=on", "-audiodev", "none,id=snd0",
        "-chardev", "null,id=ser0",
        "-device", "usb-storage,bus=xhci.0,port=1,drive=stick,serial=DEVDRV0001",
        "-device", "usb-uas,bus=xhci.0,port=2,id=uas",
        "-device", "scsi-hd,bus=uas.0,scsi-id=0,lun=0,drive=uas",
        "-device", "usb-bot,bus=xhci.0,port=3,id=bot",
        "-device", "scsi-hd,bus=bot.0,scsi-id=0,lun=0,drive=bot",
        "-device", "usb-net,bus=xhci.0,port=4,netdev=net0",
        "-device", "usb-audio,bus=xhci.0,port=5,audiodev=snd0,multi=on",
        "-device", "usb-ccid,bus=xhci.0,port=6",
        "-device", f"usb-mtp,bus=xhci.0,port=7,rootdir={mtp},readonly=on",
        "-device", "usb-hub,bus=xhci.0,port=8",
        "-device", "usb-kbd,bus=xhci.0,port=8.1", "-device", "usb-mouse,bus=xhci.0,port=8.2",
        "-device", "usb-tablet,bus=xhci.0,port=8.3",
        "-device", "usb-wacom-tablet,bus=xhci.0,port=8.4",
        "-device", "usb-serial,bus=xhci.0,port=8.5,chardev=ser0,always-plugged=on"])


def pattern(tag, size, first_lba=0):
    """SIZE bytes whose every 512-byte block is "TAG LBA nnnnnnnnnn " over
    and over: no two blocks of one image, or of two images, are alike."""
    return b"".join((f"{tag} LBA {lba:010d} ".encode() * 32)[:512]
                    for lba in range(first_lba, first_lba + size // 512))


# The storage scenario's images, {name: Image}: made with a known pattern
# before the boot, read back by boot() once the guest is off.
IMAGES = {}


def connect_unix(path, tries):
    """A connected Unix socket to @path, retried every 0.1 s; None if it never came."""
    for _ in range(tries):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
            return sock
        except OSError:
            sock.close()
            time.sleep(0.1)
    return None


class Image:
    def __init__(self, workdir, name, size):
        self.name, self.size, self.after = name, size, None
        self.path = os.path.join(workdir, name + ".img")
        self.before = pattern(name, size)
        with open(self.path, "wb") as f:
            f.write(self.before)
        IMAGES[name] = self


def storage_scenario_args(workdir):
    """usb-storage with a 16 MiB image (serial DEVDRV-STICK); usb-bot
    (serial DEVDRV-BOT) with two SCSI disks of 4 and 6 MiB, LUN 0 and 1."""
    stick = Image(workdir, "stick", 16 << 20)
    lun0 = Image(workdir, "bot-lun0", 4 << 20)
    lun1 = Image(workdir, "bot-lun1", 6 << 20)
    return ["-drive", f"if=none,id=stick,format=raw,file={stick.path}",
            "-device", "usb-storage,bus=xhci.0,port=1,drive=stick,serial=DEVDRV-STICK",
            "-drive", f"if=none,id=lun0,format=raw,file={lun0.path}",
            "-drive", f"if=none,id=lun1,format=raw,file={lun1.path}",
            "-device", "usb-bot,bus=xhci.0,port=2,id=bot,serial=DEVDRV-BOT",
            "-device", "scsi-hd,bus=bot.0,scsi-id=0,lun=0,drive=lun0",
            "-device", "scsi-hd,bus=bot.0,scsi-id=0,lun=1,drive=lun1"]


BENCH_STORAGE_MIB = 512


def bench_storage_args(workdir):
    """usb-storage (serial DEVDRV-BENCH) with a patterned image, big enough
    that reading it all takes seconds under TCG."""
    path = os.path.join(workdir, "bench.img")
    with open(path, "wb") as f:
        for mib in range(BENCH_STORAGE_MIB):
            f.write(pattern("bench", 1 << 20, mib * 2048))
    return ["-drive", f"if=none,id=stick,format=raw,file={path}",
            "-device", "usb-storage,bus=xhci.0,port=1,drive=stick,serial=DEVDRV-BENCH"]


# QEMU's own capture of the trace scenario's stick: {"path", "data"}.
QEMU_PCAP = {}


def trace_args(workdir):
    """usb-storage (serial DEVDRV-TRACE) with a patterned image, captured by
    QEMU itself (pcap=), to compare with devdrv's trace of the same session."""
    stick = Image(workdir, "trace", 4 << 20)
    QEMU_PCAP["path"] = os.path.join(workdir, "qemu.pcap")
    return ["-drive", f"if=none,id=stick,format=raw,file={stick.path}",
            "-device", f"usb-storage,bus=xhci.0,port=1,drive=stick,serial=DEVDRV-TRACE,pcap={QEMU_PCAP['path']}"]


NBD_HOST_TEXT = b"a file the host put on a FAT image, read in the guest through devdrv's NBD bridge\n" * 2000
NBD_GUEST_TEXT = b"written in the guest on /dev/nbd0, served by devdrv run --nbd\n"


def nbd_args(workdir):
    """usb-storage (serial DEVDRV-NBD) holding a FAT filesystem made on the
    host by dosfstools, with HOST.TXT put there by mtools."""
    path = os.path.join(workdir, "fat.img")
    text = os.path.join(workdir, "host.txt")
    with open(text, "wb") as f:
        f.write(NBD_HOST_TEXT)
    subprocess.run(["mkfs.vfat", "-C", "-n", "DEVDRV", path, "16384"], check=True, capture_output=True)
    subprocess.run(["mcopy", "-i", path, text, "::HOST.TXT"], check=True, capture_output=True)
    IMAGES["fat"] = FatImage(path)
    return ["-drive", f"if=none,id=stick,format=raw,file={path}",
            "-device", "usb-storage,bus=xhci.0,port=1,id=nbdstick,drive=stick,serial=DEVDRV-NBD"]


class FatImage:
    """The FAT image; after the guest is off, what mtools finds in it."""

    def __init__(self, path):
        self.path, self.after, self.guest_file = path, None, None

    def read_back(self):
        out = subprocess.run(["mcopy", "-i", self.path, "::GUEST.TXT", "-"], capture_output=True)
        self.guest_file = out.stdout if out.returncode == 0 else None


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
    if scenario == "pty":
        # QEMU's trace of what the guest asked its FTDI model for: a decoder
        # of our requests we did not write
        sock = os.path.join(workdir, "ftdi.sock")
        return ["-chardev", f"socket,id=ser0,path={sock},server=on,wait=off",
                "-device", "usb-serial,bus=xhci.0,id=ser,chardev=ser0,always-plugged=on",
                "-trace", "usb_serial_set_baud"]
    if scenario == "autostart":
        # the FTDI is plugged by QMP once the rules are in; its chardev is
        # the runner's peer; QEMU traces what the guest asks the model for
        sock = os.path.join(workdir, "ftdi.sock")
        return ["-chardev", f"socket,id=ser0,path={sock},server=on,wait=off", "-trace", "usb_serial_set_baud"]
    if scenario == "nbd":
        return nbd_args(workdir)
    if scenario == "usbip":
        sock = os.path.join(workdir, "ftdi.sock")
        stick = Image(workdir, "usbip", 4 << 20)
        return ["-chardev", f"socket,id=ser0,path={sock},server=on,wait=off",
                "-device", "usb-serial,bus=xhci.0,chardev=ser0,always-plugged=on",
                "-drive", f"if=none,id=stick,format=raw,file={stick.path}",
                "-device", "usb-storage,bus=xhci.0,drive=stick,serial=DEVDRV-USBIP"]
    if scenario == "net":
        return ["-netdev", "user,id=net0", "-device", "usb-net,bus=xhci.0,id=net,netdev=net0,mac=52:54:00:de:dd:01"]
    if scenario == "usbip-replay":
        return ["-device", "usb-kbd,bus=xhci.0,port=1,id=kbd"]
    if scenario == "uhid":
        return ["-device", "usb-kbd,bus=xhci.0,port=1", "-device", "usb-tablet,bus=xhci.0,port=2,id=tablet"]
    if scenario == "watch":
        return ["-chardev", "null,id=ser0", "-chardev", "null,id=ser1",
                "-device", "usb-serial,bus=xhci.0,id=ser,chardev=ser0,always-plugged=on"]
    if scenario == "udev":
        return ["-chardev", "null,id=ser0", "-chardev", "null,id=ser1",
                "-device", "usb-serial,bus=xhci.0,id=ser,chardev=ser0,always-plugged=on",
                "-device", "usb-kbd,bus=xhci.0"]
    if scenario == "alt-settings":
        # slirp answers ARP for its gateway 10.0.2.2; restrict=on: no way out
        return ["-netdev", "user,id=net0,restrict=on",
                "-device", "usb-net,bus=xhci.0,netdev=net0",
                "-audiodev", "none,id=snd0", "-device", "usb-audio,bus=xhci.0,audiodev=snd0"]
    if scenario == "descriptors":
        return many_models_args(workdir)
    if scenario == "storage":
        return storage_scenario_args(workdir)
    if scenario in ("bench-storage", "bench-nbd"):
        return bench_storage_args(workdir)
    if scenario == "trace":
        return trace_args(workdir)
    if scenario == "hid":
        return ["-device", "usb-kbd,bus=xhci.0,port=1", "-device", "usb-tablet,bus=xhci.0,port=2",
                "-device", "usb-mouse,bus=xhci.0,port=3", "-device", "usb-wacom-tablet,bus=xhci.0,port=4"]
    return []


# A failed scenario prints the end of its console (without the kernel's
# timestamped lines), so that a CI record shows why without the log file.
CONSOLE_TAIL = 30
CONSOLE_NOISE = re.compile(r"^\[ *[0-9]+\.[0-9]+\]|^\s*$|^DEVDRV-FILE")  # files come hex-encoded

# Scenarios whose guest prints "DEVDRV-QMP <command>" lines for QEMU's monitor.
QMP_SCENARIOS = ("hid", "pty", "udev", "watch", "autostart", "uhid", "net", "nbd", "usbip-replay")
# Scenarios that boot Debian's systemd as PID 1 (their own initramfs).
SYSTEMD_SCENARIOS = ("autostart",)


class SerialPeer(threading.Thread):
    """The host end of QEMU's usb-serial: answers the guest's ping."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.path, self.received, self.answered = path, b"", 0

    def run(self):
        sock = connect_unix(self.path, 300)  # QEMU creates the socket once it starts
        if not sock:
            return
        while True:
            data = sock.recv(4096)
            if not data:
                break
            self.received += data
            # each ping gets its pong (a scenario may ask through two paths)
            while self.received.count(b"ping-from-guest") > self.answered:
                sock.sendall(b"pong-from-host\n")
                self.answered += 1


class Qmp:
    """QEMU's monitor, for the commands the guest asks for on the console
    ("DEVDRV-QMP {json}", e.g. input-send-event): [(command, reply)]."""

    def __init__(self, path):
        self.path, self.file, self.results = path, None, []

    def connect(self):
        sock = connect_unix(self.path, 100)  # QEMU made the socket before it started the guest
        if not sock:
            raise OSError(f"cannot connect to {self.path}")
        sock.settimeout(10)
        self.file = sock.makefile("rwb")
        json.loads(self.file.readline())  # the greeting
        self.command({"execute": "qmp_capabilities"})

    def command(self, cmd):
        self.file.write(json.dumps(cmd).encode() + b"\n")
        self.file.flush()
        while True:  # asynchronous events may come first
            line = self.file.readline()
            if not line:
                raise OSError("QEMU closed its monitor")
            reply = json.loads(line)
            if "return" in reply or "error" in reply:
                return reply

    def close(self):
        if self.file is not None:
            self.file.close()
            self.file = None

    def handle(self, text):
        try:
            cmd = json.loads(text)
            if self.file is None:
                self.connect()
            reply = self.command(cmd)
        except (OSError, ValueError) as e:
            reply = {"error": {"desc": f"{type(e).__name__}: {e}"}}
        self.results.append((text, reply))


def qemu_command(args, workdir):
    kernel = os.path.join(args.cache, "vmlinuz")
    append = f"console=ttyS0 quiet loglevel=1 panic=-1 devdrv.scenario={args.scenario}"
    if args.scenario in SYSTEMD_SCENARIOS:
        append += " rdinit=/lib/systemd/systemd systemd.unit=devdrv-test.service systemd.show_status=0"
    return (["qemu-system-x86_64", "-machine", "pc,accel=tcg", "-m", "512", "-smp", "1",
             "-nodefaults", "-display", "none", "-serial", "stdio", "-no-reboot",
             "-kernel", kernel, "-initrd", args.initramfs, "-append", append,
             "-device", "qemu-xhci,id=xhci,p2=8,p3=8"] + devices(args.scenario, workdir)
            + (["-qmp", f"unix:{os.path.join(workdir, 'qmp.sock')},server=on,wait=off"]
               if args.scenario in QMP_SCENARIOS else []))


def boot(args):
    """Run QEMU, return (console lines, timed_out)."""
    with tempfile.TemporaryDirectory() as workdir:
        proc = subprocess.Popen(qemu_command(args, workdir), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        if args.scenario in ("serial", "pty", "autostart", "usbip"):
            args.peer = SerialPeer(os.path.join(workdir, "ftdi.sock"))
            args.peer.start()
        timed_out = threading.Event()

        def kill():
            timed_out.set()
            proc.kill()

        args.qmp = Qmp(os.path.join(workdir, "qmp.sock")) if args.scenario in QMP_SCENARIOS else None
        timer = threading.Timer(args.timeout, kill)
        timer.start()
        chunks = []
        for line in iter(proc.stdout.readline, b""):  # line by line: the guest may ask for QMP
            chunks.append(line)
            if args.qmp and line.startswith(b"DEVDRV-QMP "):
                args.qmp.handle(line[len(b"DEVDRV-QMP "):].decode("utf-8", "replace").strip())
        proc.wait()
        if args.qmp:
            args.qmp.close()
        timer.cancel()
        for image in IMAGES.values():  # the guest is off: what it left in its images
            if isinstance(image, FatImage):
                image.read_back()
                continue
            with open(image.path, "rb") as f:
                image.after = f.read()
        if QEMU_PCAP.get("path") and os.path.exists(QEMU_PCAP["path"]):
            with open(QEMU_PCAP["path"], "rb") as f:
                QEMU_PCAP["data"] = f.read()
    text = b"".join(chunks).decode("utf-8", "replace").replace("\r", "")
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


def list_devices(text):
    """The devices of a `devdrv list --json` document (schema 1)."""
    doc = json.loads(text)
    if doc["schema_version"] != 1:
        raise ValueError(f"schema_version {doc['schema_version']}")
    return doc["devices"]


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
    same("speed", float(sysfs["speed"]), entry["speed"])  # Mbit/s, a number in the JSON
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
        entries = list_devices(listing)
    except (ValueError, KeyError, TypeError) as e:
        tap.result(False, "devdrv list --json is valid JSON of schema 1", str(e))
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


ENDPOINT_TYPES = ("control", "isochronous", "bulk", "interrupt")


def parse_descriptors(raw):
    """(device fields, [configuration]) from sysfs "descriptors" bytes, with
    the same shape as `devdrv list --json`; walked here independently."""
    if len(raw) < 18 or raw[0] != 18 or raw[1] != 1:
        raise ValueError("no device descriptor")
    device = {"bcd_usb": f"{raw[2] | raw[3] << 8:04x}", "class": raw[4], "subclass": raw[5],
              "protocol": raw[6], "vid": f"{raw[8] | raw[9] << 8:04x}",
              "pid": f"{raw[10] | raw[11] << 8:04x}", "bcd_device": f"{raw[12] | raw[13] << 8:04x}"}
    configs, off = [], 18
    while off < len(raw):
        total = raw[off + 2] | raw[off + 3] << 8
        if raw[off + 1] != 2 or total < 9 or off + total > len(raw):
            raise ValueError(f"bad configuration descriptor at byte {off}")
        cfg, intfs, pos = raw[off:off + total], [], raw[off]
        while pos + 2 <= len(cfg) and cfg[pos] >= 2:
            d = cfg[pos:pos + cfg[pos]]
            if d[1] == 4 and len(d) >= 9:
                intfs.append({"number": d[2], "alt_setting": d[3], "class": d[5],
                              "subclass": d[6], "protocol": d[7], "endpoints": []})
            elif d[1] == 5 and len(d) >= 7 and intfs:
                intfs[-1]["endpoints"].append(
                    {"address": d[2], "type": ENDPOINT_TYPES[d[3] & 3],
                     "max_packet": (d[4] | d[5] << 8) & 0x7ff, "interval": d[6]})
            pos += cfg[pos]
        configs.append({"value": cfg[5], "interfaces": intfs})
        off += total
    if len(configs) != raw[17]:
        raise ValueError(f"{len(configs)} configurations, bNumConfigurations {raw[17]}")
    return device, configs


def json_shape(entry):
    """The fields of one `devdrv list --json` record that parse_descriptors has."""
    keep_intf = ("number", "alt_setting", "class", "subclass", "protocol")
    keep_ep = ("address", "type", "max_packet", "interval")
    return ({k: entry[k] for k in ("bcd_usb", "class", "subclass", "protocol", "vid", "pid",
                                    "bcd_device")},
            [{"value": c["value"],
              "interfaces": [dict({k: i[k] for k in keep_intf},
                                  endpoints=[{k: e[k] for k in keep_ep} for e in i["endpoints"]])
                             for i in c["interfaces"]]}
             for c in entry["configurations"]])


def first_difference(what, want, got):
    if isinstance(want, dict) and isinstance(got, dict):
        for k in want:
            if k not in got:
                return f"{what}.{k}: missing"
            diff = first_difference(f"{what}.{k}", want[k], got[k])
            if diff:
                return diff
        return None
    if isinstance(want, list) and isinstance(got, list):
        if len(want) != len(got):
            return f"{what}: {len(want)} in the descriptors, devdrv has {len(got)}"
        for n, (w, g) in enumerate(zip(want, got)):
            diff = first_difference(f"{what}[{n}]", w, g)
            if diff:
                return diff
        return None
    return None if want == got else f"{what}: descriptors {want!r}, devdrv {got!r}"


def check_descriptors(lines, tap):
    listing = next((l[len("DEVDRV-JSON "):] for l in lines if l.startswith("DEVDRV-JSON ")), None)
    try:
        entries = list_devices(listing or "")
    except (ValueError, KeyError, TypeError) as e:
        tap.result(False, "devdrv list --json is valid JSON", str(e) if listing else "no DEVDRV-JSON line")
        return
    by_port = {e["port_path"]: e for e in entries if e["transport"] == "usb"}
    dumps = [l.split(" ") for l in lines if l.startswith("DEVDRV-DESC ")]
    tap.result(len(dumps) >= 20, f"sysfs descriptors of {len(dumps)} devices dumped (>= 20)")
    for _, dev, product, hexbytes in (d for d in dumps if len(d) == 4):
        port = dev[3:] if dev.startswith("usb") else dev
        name = f"{dev} {product.replace('_', ' ')}"
        try:
            want = parse_descriptors(bytes.fromhex(hexbytes))
        except ValueError as e:
            tap.result(False, f"{name}: descriptors parse", str(e))
            continue
        entry = by_port.pop(port, None)
        if entry is None:
            tap.result(False, f"{name}: listed by devdrv", "missing from devdrv list")
            continue
        got = json_shape(entry)
        diff = (first_difference("device", want[0], got[0])
                or first_difference("configurations", want[1], got[1]))
        nalt = sum(i["alt_setting"] > 0 for c in want[1] for i in c["interfaces"])
        tap.result(diff is None, f"{name} ({want[0]['vid']}:{want[0]['pid']}, {len(want[1])} "
                   f"config(s), {nalt} alt setting(s) > 0) agrees with its raw descriptors", diff or "")
    tap.result(not by_port, "devdrv lists no device sysfs lacks", ", ".join(by_port))


def md5(data):
    return hashlib.md5(data).hexdigest()


def check_storage(lines, tap):
    """The guest's "DEVDRV-STORAGE KIND IMAGE ..." facts against the images."""
    seen = set()
    for line in lines:
        if not line.startswith("DEVDRV-STORAGE "):
            continue
        fact = line.split()[1:]
        if len(fact) < 2 or fact[1] not in IMAGES:
            tap.result(False, "a storage fact names an image of the runner", line)
            continue
        kind, img, rest = fact[0], IMAGES[fact[1]], fact[2:]
        seen.add((kind, img.name))
        if kind == "capacity":
            want = [str(img.size // 512), "512"]
            tap.result(rest == want, f"{img.name}: devdrv's capacity is the image's, {img.size // 512} "
                       f"blocks x 512", f"devdrv said {' '.join(rest) or 'nothing'}")
        elif kind == "dump":
            want = md5(img.before)
            tap.result(rest == [want], f"{img.name}: the md5 of devdrv's dump is the image's at boot "
                       f"({want})", f"the guest's: {' '.join(rest)}")
        elif kind == "block" and len(rest) == 2 and rest[0].isdigit():
            lba = int(rest[0])
            want = md5(img.before[lba * 512:(lba + 1) * 512])
            tap.result(rest[1] == want and lba < img.size // 512,
                       f"{img.name}: block {lba} as devdrv read it is the image's", f"md5 {rest[1]}, "
                       f"the image's {want}")
        elif kind == "written" and len(rest) == 3 and rest[0].isdigit() and rest[1].isdigit():
            start, end = int(rest[0]) * 512, (int(rest[0]) + int(rest[1])) * 512
            after = img.after or b""
            tap.result(md5(after[start:end]) == rest[2],
                       f"{img.name}: after power-off, bytes {start}-{end - 1} of the image are what devdrv "
                       f"wrote (md5 {rest[2]})", f"the image's md5 there: {md5(after[start:end])}")
            tap.result(len(after) == img.size and after[:start] == img.before[:start]
                       and after[end:] == img.before[end:],
                       f"{img.name}: every other byte of the image is as it was at boot")
        else:
            tap.result(False, "a storage fact the runner knows", line)
    for name, img in IMAGES.items():
        if ("written", name) not in seen:
            tap.result(img.after == img.before, f"{name}: the image is unchanged after power-off")
    for kind, name in (("capacity", "stick"), ("dump", "stick"), ("written", "stick"),
                       ("capacity", "bot-lun0"), ("block", "bot-lun0"),
                       ("capacity", "bot-lun1"), ("block", "bot-lun1")):
        if (kind, name) not in seen:
            tap.result(False, f"the guest reported the {kind} of {name}", "no DEVDRV-STORAGE line")


# Usage names as the kernel's hid-debug prints them ("Page.Usage", either
# part in hex when it has no name) and as devdrv hid --descriptor does
# (no page; "pppp:uuuu" when it has no name), for the devices the hid
# scenario meets. A devdrv name may stand for several usages ("Num Lock": the
# LED or the key); the kernel's page decides.
KERNEL_PAGES = {"GenericDesktop": 0x01, "Keyboard": 0x07, "LED": 0x08, "Button": 0x09, "Consumer": 0x0c,
                "Digitizers": 0x0d}
KERNEL_USAGES = {
    0x01: {"Pointer": 0x01, "Mouse": 0x02, "Joystick": 0x04, "GamePad": 0x05, "Keyboard": 0x06,
           "Keypad": 0x07, "X": 0x30, "Y": 0x31, "Z": 0x32, "Rx": 0x33, "Ry": 0x34, "Rz": 0x35,
           "Wheel": 0x38},
    0x08: {"NumLock": 0x01, "CapsLock": 0x02, "ScrollLock": 0x03, "Compose": 0x04, "Kana": 0x05},
    0x0d: {"Digitizer": 0x01, "Pen": 0x02},
}
DEVDRV_USAGES = {
    "Pointer": {(1, 0x01)}, "Mouse": {(1, 0x02)}, "Joystick": {(1, 0x04)}, "Keyboard": {(1, 0x06)},
    "X": {(1, 0x30)},
    "Y": {(1, 0x31)}, "Z": {(1, 0x32)}, "Wheel": {(1, 0x38)}, "No Event": {(7, 0)},
    "Application": {(7, 0x65)}, "Num Lock": {(8, 1), (7, 0x53)}, "Caps Lock": {(8, 2), (7, 0x39)},
    "Scroll Lock": {(8, 3), (7, 0x47)}, "Compose": {(8, 4)}, "Kana": {(8, 5)},
    "Digitizer": {(0x0d, 1)}, "Pen": {(0x0d, 2)},
}
for _n, _key in enumerate(("Left Control", "Left Shift", "Left Alt", "Left GUI", "Right Control",
                          "Right Shift", "Right Alt", "Right GUI")):
    DEVDRV_USAGES[_key] = {(7, 0xe0 + _n)}


def kernel_usage(text):
    page, _, usage = text.partition(".")
    page = KERNEL_PAGES[page] if page in KERNEL_PAGES else int(page, 16)
    if re.fullmatch(r"[0-9a-f]{4}", usage):
        return page, int(usage, 16)
    return page, KERNEL_USAGES[page][usage]


def devdrv_usage(name):
    m = re.fullmatch(r"Button (\d+)", name)
    if m:
        return {(9, int(m.group(1)))}
    m = re.fullmatch(r"([0-9a-f]{4}):([0-9a-f]{4})", name)
    if m:
        return {(int(m.group(1), 16), int(m.group(2), 16))}
    if name not in DEVDRV_USAGES:
        raise KeyError(f"devdrv usage name {name!r} is not in the runner's table")
    return DEVDRV_USAGES[name]


def parse_kernel_rdesc(lines):
    """{(type, id): [field]} from debugfs hid/*/rdesc after its first line (hid_dump_device)."""
    reports, field, pending = {}, None, 0
    for line in lines[1:]:
        text = line.strip()
        if " ---> " in text:
            break  # the input mapping follows the dump
        if pending:
            field["usages"].append(kernel_usage(text))
            pending -= 1
            continue
        m = re.fullmatch(r"(INPUT|OUTPUT|FEATURE)(?:\((\d+)\))?\[\w+\]", text)
        if m:
            fields = reports.setdefault((m.group(1).capitalize(), int(m.group(2) or 0)), [])
            continue
        if re.fullmatch(r"Field\(\d+\)", text):
            field = {"usages": []}
            fields.append(field)
            continue
        m = re.fullmatch(r"([A-Za-z ]+)\((.*)\)", text)
        if not m or field is None:
            continue
        key, value = m.group(1), m.group(2).strip()
        if key == "Usage":
            pending = int(value)
        elif key in ("Physical", "Application", "Logical"):
            field[key.lower()] = kernel_usage(value)
        elif key == "Flags":
            field["flags"] = value.split()
        elif key in ("Logical Minimum", "Logical Maximum", "Physical Minimum", "Physical Maximum",
                     "Report Size", "Report Count", "Report Offset", "Unit Exponent"):
            field[key] = int(value)
    return reports


def parse_devdrv_tree(lines):
    """({(type, id): [field]}, {(type, id): bytes}, {(type, id): bits}) from
    devdrv hid --descriptor (bits: every field's, constant ones too).
    Offsets are summed in the order printed, which is the descriptor's as long
    as no report has fields on both sides of a nested collection (true of the
    descriptors here)."""
    reports, lengths, bits, stack = {}, {}, {}, []
    for line in lines:
        m = re.fullmatch(r"(\s*)Collection (\w+) \((.*)\)", line)
        if m:
            depth = len(m.group(1)) // 2
            del stack[depth:]
            stack.append((m.group(2), devdrv_usage(m.group(3))))
            continue
        m = re.fullmatch(r"(\s*)(Input|Output|Feature)\s+report (\d+)\s+(\d+) x (\d+) bits?\s+(.*)", line)
        if m:
            depth, key = len(m.group(1)) // 2, (m.group(2), int(m.group(3)))
            count, size = int(m.group(4)), int(m.group(5))
            offset = bits.get(key, 0)
            bits[key] = offset + count * size
            parts = m.group(6).split("  ")
            if parts[0] == "Const":
                continue
            field = {"Report Offset": offset, "Report Size": size, "Report Count": count,
                     "flags": parts[0].split(","), "usages": []}
            for part in parts[1:]:
                r = re.fullmatch(r"(logical|physical) (-?\d+)\.\.(-?\d+)", part)
                if r:
                    field[f"{r.group(1).capitalize()} Minimum"] = int(r.group(2))
                    field[f"{r.group(1).capitalize()} Maximum"] = int(r.group(3))
                else:
                    field["usages"] = [tuple(devdrv_usage(n) for n in item.split(".."))
                                       for item in part.split(", ")]
            for ctype in ("Application", "Physical", "Logical"):
                inner = [u for t, u in stack[:depth] if t == ctype]
                if inner and inner[-1] != {(0, 0)}:  # as the kernel: the innermost, if it has a usage
                    field[ctype.lower()] = inner[-1]
            reports.setdefault(key, []).append(field)
            continue
        m = re.fullmatch(r"(Input|Output|Feature) report (\d+): (\d+) bytes?", line)
        if m:
            lengths[(m.group(1), int(m.group(2)))] = int(m.group(3))
    return reports, lengths, bits


def usages_differ(kernel, devdrv, count, variable):
    """Why devdrv's usage list (items of candidate sets, ranges as pairs)
    is not the kernel's, which repeats the last usage up to Report Count."""
    got = []
    for item in devdrv:
        at = kernel[len(got)] if len(got) < len(kernel) else None
        if at not in item[0]:
            return f"usage {len(got)}: kernel {at}, devdrv one of {sorted(item[0])}"
        if len(item) == 1:
            got.append(at)
            continue
        last = next((u for u in item[1] if u[0] == at[0]), None)
        if last is None or last[1] < at[1]:
            return f"range from {at}: devdrv's end {sorted(item[1])} is not on its page or below it"
        got += [(at[0], n) for n in range(at[1], last[1] + 1)]
    if variable and got:
        got += [got[-1]] * (count - len(got))
    if got == kernel:
        return None
    n = next((i for i, (k, g) in enumerate(zip(kernel, got)) if k != g), min(len(kernel), len(got)))
    return (f"{len(kernel)} usages in the kernel, {len(got)} in devdrv; from usage {n}: kernel "
            f"{kernel[n:n + 2]}, devdrv {got[n:n + 2]}")


def compare_report_fields(kernel, devdrv):
    if len(kernel) != len(devdrv):
        return f"kernel has {len(kernel)} data fields, devdrv {len(devdrv)}"
    for n, (k, d) in enumerate(zip(kernel, devdrv)):
        for key in ("Report Offset", "Report Size", "Report Count"):
            if k.get(key) != d.get(key):
                return f"field {n}: {key} kernel {k.get(key)}, devdrv {d.get(key)}"
        for key in ("application", "physical", "logical"):  # the innermost collection of each type
            if (key in k) != (key in d) or (key in k and k[key] not in d[key]):
                return f"field {n}: {key} collection kernel {k.get(key)}, devdrv {sorted(d.get(key, []))}"
        for kind in ("Logical", "Physical"):
            lo, hi = f"{kind} Minimum", f"{kind} Maximum"
            want = (k[lo], k[hi]) if lo in k else None  # the kernel prints a range only if min != max
            got = (d[lo], d[hi]) if lo in d and d[lo] != d[hi] else None
            if want != got:
                return f"field {n}: {kind.lower()} range kernel {want}, devdrv {got}"
        want = ("Variable" in k.get("flags", []), "Relative" in k.get("flags", []))
        got = ("Var" in d["flags"], "Rel" in d["flags"])
        if want != got:
            return f"field {n}: kernel flags {k.get('flags')}, devdrv {','.join(d['flags'])}"
        if "Constant" in k.get("flags", []):
            return f"field {n}: the kernel has a constant field with usages; devdrv shows none"
        why = usages_differ(k["usages"], d["usages"], k["Report Count"], "Variable" in k.get("flags", []))
        if why:
            return f"field {n}: {why}"
    return None


def check_hid(lines, tap):
    """For each device the guest dumped: devdrv hid --descriptor against the
    kernel's parse of the same descriptor."""
    kernel, tree = {}, {}
    for line in lines:
        for prefix, where in (("DEVDRV-RDESC ", kernel), ("DEVDRV-HIDTREE ", tree)):
            if line.startswith(prefix):
                tag, _, rest = line[len(prefix):].partition(" ")
                where.setdefault(tag, []).append(rest)
    array_usages = {}
    tap.result(sorted(kernel) == ["gadget", "keyboard", "mouse", "tablet", "wacom"]
               and sorted(tree) == sorted(kernel),
               "the guest dumped the kernel's and devdrv's parse of 5 HID devices",
               f"kernel {sorted(kernel)}, devdrv {sorted(tree)}")
    for tag in sorted(kernel):
        try:
            kreports = parse_kernel_rdesc(kernel[tag])
            dreports, lengths, bits = parse_devdrv_tree(tree.get(tag, []))
        except (KeyError, ValueError, IndexError) as e:
            tap.result(False, f"{tag}: the kernel's and devdrv's parse are readable", f"{type(e).__name__}: {e}")
            continue
        tap.result(sorted(kreports) == sorted(dreports) == sorted(lengths),
                   f"{tag}: devdrv lists the kernel's reports {sorted(kreports)}",
                   f"devdrv fields {sorted(dreports)}, lengths {sorted(lengths)}")
        array_usages[tag] = {u for fields in kreports.values() for f in fields
                             if "Array" in f.get("flags", []) for u in f["usages"]}
        for key in sorted(kreports):
            k, d = kreports[key], dreports.get(key, [])
            why = compare_report_fields(k, d)
            # the kernel's dump leaves out constant padding, so its data fields
            # may end before the report does (QEMU's Wacom: 24 bits of it)
            end = max((f["Report Offset"] + f["Report Size"] * f["Report Count"] for f in k), default=0)
            total = bits.get(key, 0)
            want_len = (total + 7) // 8 + (1 if key[1] else 0)
            if not why and end > total:
                why = f"the kernel's fields end at bit {end}, devdrv's report has {total} bits"
            elif not why and lengths.get(key) != want_len:
                why = f"devdrv's fields make {total} bits ({want_len} bytes), it says {lengths.get(key)} bytes"
            tap.result(why is None, f"{tag}: {key[0]} report {key[1]} ({len(k)} data field(s), {want_len} byte(s)) "
                       "agrees with the kernel's parse", why or "")
    check_hid_decode(lines, tap, array_usages)


def parse_kernel_events(lines):
    """[(report bytes in hex, [(page, id, value)])] from debugfs hid/*/events."""
    reports = []
    for line in lines:
        text = line.strip()
        m = re.fullmatch(r"report \(size \d+\) \((?:un)?numbered\) =\s+(.*)", text)
        if m:
            reports.append((m.group(1).replace(" ", ""), []))
            continue
        m = re.fullmatch(r"(\S+) = (-?\d+)", text)
        if m and reports:
            reports[-1][1].append(kernel_usage(m.group(1)) + (int(m.group(2)),))
    return reports


def check_hid_decode(lines, tap, array_usages):
    """devdrv hid --json against the kernel's decode (debugfs events) of the
    same report bytes, which the same input made twice: once read by devdrv,
    once by the kernel (hidraw held open). Every value devdrv gives must be
    the kernel's; the kernel may add only releases of array usages (value 0:
    it reports array changes, devdrv the usages an array names)."""
    kernel, devdrv = {}, {}
    for line in lines:
        for prefix, where in (("DEVDRV-KEVENTS ", kernel), ("DEVDRV-DECODE ", devdrv)):
            if line.startswith(prefix):
                tag, _, rest = line[len(prefix):].partition(" ")
                where.setdefault(tag, []).append(rest)
    tap.result(sorted(kernel) == ["gadget", "keyboard", "tablet"],
               "the guest dumped the kernel's decode of keyboard, tablet and gadget reports", str(sorted(kernel)))
    for tag in sorted(kernel):
        try:
            kreports = parse_kernel_events(kernel[tag])
            unused = [json.loads(r) for r in devdrv.get(tag, [])]
        except (KeyError, ValueError) as e:
            tap.result(False, f"{tag}: the kernel's events and devdrv's JSON are readable", f"{type(e).__name__}: {e}")
            continue
        seen = [r["bytes"] for r in unused]
        tap.result(len(kreports) > 0, f"{tag}: the kernel decoded {len(kreports)} report(s)")
        for hexbytes, kvalues in kreports:
            name = f"{tag}: report {hexbytes} decodes as the kernel decodes it"
            d = next((r for r in unused if r["bytes"] == hexbytes), None)
            if d is None:
                tap.result(False, name, f"devdrv read no report with these bytes, only {seen}")
                continue
            unused.remove(d)
            dvalues = [(f["usage_page"], f["usage"], f["value"]) for f in d["fields"]]
            rest, wrong = list(kvalues), []
            for v in dvalues:
                if v in rest:
                    rest.remove(v)
                else:
                    wrong.append(v)
            extra = [v for v in rest if v[2] != 0 or v[:2] not in array_usages.get(tag, set())]
            why = (f"devdrv's (page, usage, value) {wrong} not in the kernel's; " if wrong else "") + \
                  (f"the kernel also has {extra}" if extra else "")
            tap.result(not wrong and not extra, f"{name} ({len(dvalues)} values)", why)


def guest_files(lines):
    """{name: bytes} from the guest's "DEVDRV-FILE NAME HEX" lines (emit_file),
    each checked against the size its end line states."""
    parts, sizes = {}, {}
    for line in lines:
        if line.startswith("DEVDRV-FILE "):
            _, name, *hexpart = line.split(" ")
            parts.setdefault(name, []).append(hexpart[0] if hexpart else "")
        elif line.startswith("DEVDRV-FILE-END "):
            _, name, size = line.split(" ")
            sizes[name] = int(size)
    files = {}
    for name, chunks in parts.items():
        data = bytes.fromhex("".join(chunks))
        if sizes.get(name) == len(data):
            files[name] = data
    return files


def usbmon_events(pcap):
    """[(type, xfer_type, endpoint, bus, devnum, urb_length, data)] of a pcap
    in LINKTYPE_USB_LINUX_MMAPPED (220) or LINKTYPE_USB_LINUX (189)."""
    magic, = struct.unpack_from("<I", pcap, 0)
    order = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    linktype, = struct.unpack_from(order + "I", pcap, 20)
    header = 64 if linktype == 220 else 48
    events, pos = [], 24
    while pos + 16 <= len(pcap):
        _, _, incl, _ = struct.unpack_from(order + "IIII", pcap, pos)
        rec = pcap[pos + 16:pos + 16 + incl]
        pos += 16 + incl
        if len(rec) < header:
            break
        typ, xfer, ep, dev, bus = chr(rec[8]), rec[9], rec[10], rec[11], struct.unpack_from(order + "H", rec, 12)[0]
        length, = struct.unpack_from(order + "I", rec, 32)
        events.append((typ, xfer, ep, bus, dev, length, rec[header:]))
    return events


def bulk_data(events):
    """The bulk transfers that moved data, in order: (endpoint, length, data)
    of OUT submissions and IN completions. The data may be cut short (QEMU
    keeps the first 256 bytes of each packet); the length is the transfer's."""
    out = []
    for typ, xfer, ep, _, _, length, data in events:
        if xfer == 3 and data and ((typ == "S" and not ep & 0x80) or (typ == "C" and ep & 0x80)):
            out.append((ep, length, data))
    return out


def same_transfer(ours, theirs):
    """Same endpoint and length, and the bytes the capture kept are ours."""
    return ours[0] == theirs[0] and ours[1] == theirs[1] and ours[2][:len(theirs[2])] == theirs[2]


def tshark_fields(path, display_filter, fields):
    cmd = ["tshark", "-r", path, "-Y", display_filter, "-T", "fields"]
    for f in fields:
        cmd += ["-e", f]
    r = subprocess.run(cmd, capture_output=True, text=True)
    return [line.split("\t") for line in r.stdout.splitlines()] if r.returncode == 0 else None


def check_trace(args, lines, tap):
    files = guest_files(lines)
    os.makedirs(args.logdir, exist_ok=True)
    for name, data in list(files.items()) + [("qemu.pcap", QEMU_PCAP.get("data") or b"")]:
        with open(os.path.join(args.logdir, "trace-" + name), "wb") as f:  # for a look with Wireshark
            f.write(data)
    device = next((l.split(" ")[1:] for l in lines if l.startswith("DEVDRV-TRACE-DEVICE ")), [])
    facts = dict(kv.split("=", 1) for kv in device)
    tap.result(set(files) == {"trace.pcap", "session.rec", "out.bin"}, "the guest's trace, recording and output arrived whole",
               f"got {sorted(files)}")
    if set(files) != {"trace.pcap", "session.rec", "out.bin"}:
        return
    image = IMAGES["trace"].before
    tap.result(files["out.bin"] == image[16 * 512:24 * 512], "devdrv read blocks 16-23 of the image")
    with tempfile.TemporaryDirectory() as tmp:
        trace = os.path.join(tmp, "trace.pcap")
        with open(trace, "wb") as f:
            f.write(files["trace.pcap"])
        check_tshark(tap, trace, facts)
        check_against_qemu(tap, files["trace.pcap"])
        check_replay(args, tap, tmp, files)


def check_tshark(tap, trace, facts):
    if not shutil.which("tshark"):
        tap.result(False, "tshark decodes the trace", "tshark is not installed (scripts/setup.sh)")
        return
    ops = tshark_fields(trace, "usbms.dCBWSignature", ["scsi_sbc.opcode"])
    seen = {row[0] for row in ops or []}
    tap.result(ops is not None and {"0x12", "0x25", "0x28"} <= seen,
               "tshark decodes our trace: INQUIRY, READ CAPACITY(10), READ(10)", f"opcodes {sorted(seen)}")
    rw = tshark_fields(trace, "scsi_sbc.opcode == 0x28 && usbms.dCBWSignature",
                       ["scsi_sbc.rdwr10.lba", "scsi_sbc.rdwr10.xferlen", "usb.bus_id", "usb.device_address"])
    want = ["16", "8", facts.get("bus", "?"), facts.get("address", "?")]
    tap.result(rw == [want], "tshark: READ(10) of 8 blocks at LBA 16 on the stick's bus and address",
               f"got {rw}, want [{want}]")


def check_against_qemu(tap, ours_pcap):
    theirs = QEMU_PCAP.get("data")
    if not theirs:
        tap.result(False, "QEMU's capture of the stick exists", "no pcap from QEMU")
        return
    ours, qemu = bulk_data(usbmon_events(ours_pcap)), bulk_data(usbmon_events(theirs))
    # QEMU's capture also has the kernel's traffic before and after ours,
    # and the kernel's usb-storage, probing with tags from 1 as we do,
    # starts with our first three commands byte for byte: of the places
    # our first command (a 31-byte CBW) appears, take the one where the
    # longest run of ours follows
    starts = [i for i, ev in enumerate(qemu) if ours and ev == ours[0]]
    tap.result(bool(starts), "our first Bulk-Only command is in QEMU's capture",
               f"{len(qemu)} QEMU bulk transfers, ours start {ours[0][2][:16].hex() if ours else '-'}")
    if not starts:
        return
    diff, start = max(((first_mismatch(ours, qemu[i:i + len(ours)]), i) for i in starts),
                      key=lambda d: len(ours) if d[0] is None else d[0])
    tap.result(len(ours) > 10 and diff is None,
               f"our trace's {len(ours)} bulk transfers match QEMU's capture in order, endpoint, length and data",
               describe_difference(ours, qemu[start:start + len(ours)], diff))


def first_mismatch(ours, theirs):
    """The index of the first transfer of ours that @theirs does not have
    (in order), or None when all of ours are there."""
    return next((i for i, a in enumerate(ours) if i >= len(theirs) or not same_transfer(a, theirs[i])), None)


def describe_difference(ours, theirs, diff):
    if diff is None:
        return f"only {len(ours)} transfers in our trace"
    if diff >= len(theirs):
        return f"QEMU's capture ends after {diff} of our {len(ours)} transfers"
    return (f"first difference at {diff}: ours {ours[diff][0]:#x} {ours[diff][1]} bytes {ours[diff][2][:32].hex()}, "
            f"QEMU {theirs[diff][0]:#x} {theirs[diff][1]} bytes {theirs[diff][2][:32].hex()}")


def check_replay(args, tap, tmp, files):
    rec = os.path.join(tmp, "session.rec")
    with open(rec, "wb") as f:
        f.write(files["session.rec"])
    env = dict(os.environ, DEVDRV_TRANSPORT="")
    same = subprocess.run([args.devdrv, "--replay", rec, "storage", "serial=DEVDRV-TRACE", "read", "16", "8"],
                          capture_output=True, env=env)
    tap.result(same.returncode == 0 and same.stdout == files["out.bin"],
               "the recording replayed on the host, without the device, gives the same 8 blocks",
               f"exit {same.returncode}: {same.stderr.decode(errors='replace').strip()[:200]}")
    other = subprocess.run([args.devdrv, "--replay", rec, "storage", "serial=DEVDRV-TRACE", "read", "16", "9"],
                           capture_output=True, env=env)
    err = other.stderr.decode(errors="replace")
    tap.result(other.returncode == 1 and "replay: " in err and "session.rec:" in err,
               "a changed command (9 blocks) gets the divergence error naming the recording's line",
               f"exit {other.returncode}: {err.strip()[:200]}")


def traced_bauds(lines, after_mark):
    """Baud rates QEMU's FTDI model reported after the guest printed a mark."""
    seen, bauds = False, []
    for line in lines:
        seen = seen or line.strip() == f"DEVDRV-MARK {after_mark}"
        m = re.search(r"usb_serial_set_baud .*?(\d+)\s*$", line)
        if m and seen:
            bauds.append(int(m.group(1)))
    return bauds


def check_pty(args, lines, tap):
    got = args.peer.received
    tap.result(got == b"ping-from-guest", "QEMU's FTDI chardev received exactly what was written to the terminal",
               repr(got[:60]))
    every = traced_bauds(["DEVDRV-MARK all"] + lines, "all")
    after = traced_bauds(lines, "stty")
    # the FT232R's divisor makes 57554 of 57600: within 1 %, as QEMU computes it
    tap.result(bool(every) and every[0] != 57600 and any(abs(b - 57600) <= 576 for b in after),
               "stty on the terminal set 57600 baud in QEMU's FTDI model (its own trace)",
               f"all traced: {every}, after stty: {after}")


def report(args, lines, timed_out):
    tap = Tap()
    for line in lines:
        m = re.match(r"DEVDRV-CHECK (ok|fail) ([^:]+)(?:: (.*))?$", line)
        if m:
            tap.result(m.group(1) == "ok", m.group(2).strip(), m.group(3) or "")
    if args.scenario == "enumeration":
        check_enumeration(lines, tap)
    if args.scenario == "descriptors":
        check_descriptors(lines, tap)
    if args.scenario == "storage":
        check_storage(lines, tap)
    if args.scenario == "trace":
        check_trace(args, lines, tap)
    if args.scenario in ("pty", "autostart"):
        check_pty(args, lines, tap)
    if args.scenario == "nbd":
        got = IMAGES["fat"].guest_file
        tap.result(got == NBD_GUEST_TEXT, "the file written in the guest is in the image, as mtools reads it",
                   repr(got[:80]) if got is not None else "mtools found no GUEST.TXT")
    if args.scenario in QMP_SCENARIOS:
        if args.scenario == "hid":
            check_hid(lines, tap)
        failed = [(cmd, reply) for cmd, reply in args.qmp.results if "return" not in reply]
        tap.result(bool(args.qmp.results) and not failed,
                   f"QEMU's monitor ran the {len(args.qmp.results)} commands the guest asked for",
                   "; ".join(f"{cmd[:80]} -> {json.dumps(reply)[:160]}" for cmd, reply in failed[:3]))
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
        for text in [l for l in lines if not CONSOLE_NOISE.match(l)][-CONSOLE_TAIL:]:
            print(f"# console: {text}")
        print(f"# console log: {os.path.join(args.logdir, args.scenario + '.log')}")
    return 1 if tap.failed else 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cache", required=True)
    p.add_argument("--initramfs", required=True)
    p.add_argument("--logdir", required=True)
    p.add_argument("--timeout", type=int, default=120)
    p.add_argument("--bench", action="store_true")
    p.add_argument("--devdrv", help="the host's devdrv, for checks that replay what the guest recorded")
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
