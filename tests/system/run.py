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
    if scenario == "alt-settings":
        # slirp answers ARP for its gateway 10.0.2.2; restrict=on: no way out
        return ["-netdev", "user,id=net0,restrict=on",
                "-device", "usb-net,bus=xhci.0,netdev=net0",
                "-audiodev", "none,id=snd0", "-device", "usb-audio,bus=xhci.0,audiodev=snd0"]
    if scenario == "descriptors":
        return many_models_args(workdir)
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
        entries = json.loads(listing or "")
    except ValueError as e:
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
