# storage — the msc driver (devdrv storage) against mass-storage devices we
# did not write:
# - QEMU's usb-storage (serial DEVDRV-STICK), a 16 MiB raw image the runner
#   filled with a known pattern: its capacity, a dump of the whole unit
#   taken before anything is written (the runner compares its md5 with the
#   image's), a write and read back (the runner finds the written bytes in
#   the image file after power-off, byte for byte, and every other byte
#   unchanged), verify; the kernel's usb-storage driver is detached while
#   devdrv holds the device and re-attached after;
# - QEMU's usb-bot (serial DEVDRV-BOT) with two SCSI disks, LUN 0 (4 MiB)
#   and LUN 1 (6 MiB), each with its own pattern: capacities and blocks of
#   each through lun=N (the runner compares them with its images);
# - the kernel's mass storage gadget (f_mass_storage on dummy_hcd) backed by
#   a file in this guest's tmpfs: a write/read round trip that the backing
#   file shows, and a read across a medium change (the medium shrinks
#   between devdrv's READ CAPACITY and its READ): exit 1 and one line with
#   the device's sense (UNIT ATTENTION, 6/28/00), not a retry on the new one.
# "DEVDRV-STORAGE ..." lines are facts for the runner's checks.
. /scenarios/lib.sh

BS=512

driver_is() { [ "$(interface_driver "$1")" = "$2" ]; }

disks_of() { # INTERFACE — the kernel's block devices of a USB interface
	ls /sys/bus/usb/devices/"$1"/host*/target*/*/block/ 2>/dev/null
}
has_disk() { [ -n "$(disks_of "$1")" ]; }
no_disk() { ! has_disk "$1"; }

md5() { md5sum <"$1" | cut -d' ' -f1; }

capacity() { # INFO-FILE — "BLOCKS BLOCK-SIZE" from devdrv storage info
	sed -n 's/^  capacity *\([0-9]*\) blocks x \([0-9]*\) bytes.*/\1 \2/p' "$1"
}

# in openat (257) with fopen's "w" flags (O_WRONLY|O_CREAT|O_TRUNC, 0x241):
# opening its output, which blocks on a FIFO until a reader comes
opens_output() { # PID
	[ "$(cut -d' ' -f1,4 "/proc/$1/syscall" 2>/dev/null)" = "257 0x241" ]
}

elapsed() { # START-CS — "S.SS s"
	t=$(($(uptime_cs) - $1))
	printf '%d.%02d s' $((t / 100)) $((t % 100))
}

# --- QEMU usb-storage ------------------------------------------------------------
check "usb-storage (DEVDRV-STICK) enumerated" wait_for 30 usb_by_serial DEVDRV-STICK
stick=$(usb_by_serial DEVDRV-STICK)
sintf="$stick:1.0"
echo "usb-storage at $stick"
check "the kernel's usb-storage driver is bound" wait_for 30 driver_is "$sintf" usb-storage
check "its block device is there" wait_for 30 has_disk "$sintf"

devdrv storage "$stick" info >/tmp/stick.info 2>&1
rc=$?
echo "info: $(tr '\n' '|' </tmp/stick.info)"
check "devdrv storage $stick info exits 0" [ $rc -eq 0 ]
echo "DEVDRV-STORAGE capacity stick $(capacity /tmp/stick.info)"

# the dump, before anything is written, goes through a FIFO: devdrv holds the
# device (it opens the output after the unit) until we read
mkfifo /tmp/dump.fifo
t0=$(uptime_cs)
devdrv storage "$stick" dump -o /tmp/dump.fifo >/tmp/dump.msg 2>/tmp/dump.err &
pid=$!
check "while devdrv holds it, usbfs has the interface (usb-storage detached)" wait_for 20 driver_is "$sintf" usbfs
check "while devdrv holds it, the block device is gone" wait_for 10 no_disk "$sintf"
cat /tmp/dump.fifo >/tmp/stick.img
wait $pid
rc=$?
echo "dump: rc=$rc in $(elapsed "$t0"): $(cat /tmp/dump.msg /tmp/dump.err | tr '\n' '|')"
check "devdrv storage dump exits 0" [ $rc -eq 0 ]
check "the dump is $((16 << 20)) bytes" [ "$(wc -c </tmp/stick.img)" -eq $((16 << 20)) ]
echo "DEVDRV-STORAGE dump stick $(md5 /tmp/stick.img)"
check "usb-storage re-attached after devdrv closed" wait_for 10 driver_is "$sintf" usb-storage
check "the block device is back" wait_for 30 has_disk "$sintf"

check "verify -i the dump matches" sh -c "devdrv storage $stick verify -i /tmp/stick.img | grep -q 'matches LBA 0-32767'"

# 300 blocks at LBA 12345: three commands (128 + 128 + 44 blocks)
LBA=12345
COUNT=300
head -c $((COUNT * BS)) /dev/urandom >/tmp/pattern
t0=$(uptime_cs)
check "write $LBA -i pattern --yes ($COUNT blocks) exits 0" \
	sh -c "devdrv storage $stick write $LBA -i /tmp/pattern --yes | grep -q 'wrote $COUNT blocks'"
echo "write took $(elapsed "$t0")"
check "read $LBA $COUNT gives the pattern back" \
	sh -c "devdrv storage $stick read $LBA $COUNT -o /tmp/back && cmp /tmp/pattern /tmp/back"
echo "DEVDRV-STORAGE written stick $LBA $COUNT $(md5 /tmp/pattern)"
devdrv storage "$stick" verify -i /tmp/stick.img >/dev/null 2>/tmp/verify.err
rc=$?
echo "verify after the write: rc=$rc $(cat /tmp/verify.err)"
check "verify -i the old dump now fails (exit 1) at LBA $LBA" \
	sh -c "[ $rc -eq 1 ] && grep -q 'LBA $LBA differs' /tmp/verify.err"
check "usb-storage re-attached after the last command" wait_for 10 driver_is "$sintf" usb-storage

# --- QEMU usb-bot, two LUNs -----------------------------------------------------
check "usb-bot (DEVDRV-BOT) enumerated" wait_for 30 usb_by_serial DEVDRV-BOT
bot=$(usb_by_serial DEVDRV-BOT)
echo "usb-bot at $bot"
devdrv storage "$bot" info >/tmp/bot.info 2>&1
echo "info: $(tr '\n' '|' </tmp/bot.info)"
check "without lun=, info is about LUN 0 of 2" grep -q 'logical units  2 (this is 0' /tmp/bot.info
for lun in 0 1; do
	devdrv storage "$bot,lun=$lun" info >/tmp/lun.info 2>&1
	rc=$?
	echo "lun=$lun info: $(tr '\n' '|' </tmp/lun.info)"
	check "info $bot,lun=$lun exits 0 and names LUN $lun" sh -c "[ $rc -eq 0 ] && grep -q '(LUN $lun)' /tmp/lun.info"
	set -- $(capacity /tmp/lun.info)
	echo "DEVDRV-STORAGE capacity bot-lun$lun $*"
	blocks=${1:-0}
	for lba in 7 $((blocks - 1)); do
		devdrv storage "$bot,lun=$lun" read $lba 1 -o /tmp/block 2>/tmp/block.err
		rc=$?
		echo "lun=$lun LBA $lba: rc=$rc starts '$(head -c 24 /tmp/block)' $(cat /tmp/block.err)"
		echo "DEVDRV-STORAGE block bot-lun$lun $lba $(md5 /tmp/block)"
	done
done
devdrv storage "$bot,lun=2" info >/dev/null 2>/tmp/lun2.err
rc=$?
echo "lun=2: rc=$rc $(cat /tmp/lun2.err)"
check "lun=2 is refused in one line naming lun=0-1" \
	sh -c "[ $rc -ne 0 ] && [ \$(wc -l </tmp/lun2.err) -eq 1 ] && grep -q 'lun=0-1' /tmp/lun2.err"

# --- the kernel's mass storage gadget ----------------------------------------------
G=/sys/kernel/config/usb_gadget/msc
dd if=/dev/urandom of=/tmp/msc.img bs=1048576 count=4 2>/dev/null
make_gadget msc dummy_udc.0 0525 a4a5 mass_storage.0 lun.0/file=/tmp/msc.img
check "mass storage gadget enumerated" wait_for 30 usb_device 0525 a4a5
msc=$(usb_device 0525 a4a5)
echo "mass storage gadget at $msc"
devdrv storage "$msc" info >/tmp/msc.info 2>&1
echo "info: $(tr '\n' '|' </tmp/msc.info)"
check "the gadget's capacity is its backing file's size (8192 x 512)" [ "$(capacity /tmp/msc.info)" = "8192 512" ]

GLBA=1000
GCOUNT=200
head -c $((GCOUNT * BS)) /dev/urandom >/tmp/gpattern
check "write $GLBA -i pattern --yes on the gadget exits 0" \
	sh -c "devdrv storage $msc write $GLBA -i /tmp/gpattern --yes >/dev/null"
check "read $GLBA $GCOUNT from the gadget gives the pattern back" \
	sh -c "devdrv storage $msc read $GLBA $GCOUNT -o /tmp/gback && cmp /tmp/gpattern /tmp/gback"
check "the gadget's backing file holds the pattern at byte $((GLBA * BS))" \
	sh -c "dd if=/tmp/msc.img bs=$BS skip=$GLBA count=$GCOUNT 2>/dev/null | cmp - /tmp/gpattern"

# past the end as devdrv knows it: refused before the device sees it
devdrv storage "$msc" read 8190 4 >/dev/null 2>/tmp/past.err
rc=$?
echo "read 8190 4 (blocks 8190-8193 of 8192): rc=$rc $(cat /tmp/past.err)"
check "read past the end (as READ CAPACITY said) is refused in one line" \
	sh -c "[ $rc -ne 0 ] && [ \$(wc -l </tmp/past.err) -eq 1 ] && grep -q 'past the end' /tmp/past.err"

# a medium change under a read: devdrv has read the capacity and waits to open
# its output (a FIFO) when the medium becomes a 2 MiB one, so its READ(10) at
# LBA 8000 meets the gadget's UNIT ATTENTION 6/28/00. Blocks checked against
# one medium never go to another: the read fails, as Linux's sd fails it
# (a retry would meet ILLEGAL REQUEST 5/21/00 here, or read the new medium)
dd if=/dev/zero of=/tmp/small.img bs=1048576 count=2 2>/dev/null
mkfifo /tmp/past.fifo
devdrv storage "$msc" read 8000 8 -o /tmp/past.fifo >/dev/null 2>/tmp/dev.err &
pid=$!
check "devdrv read 8000 8 waits to open its output" wait_for 30 opens_output $pid
echo "devdrv is in: $(cat /proc/$pid/syscall) ($(cat /proc/$pid/wchan))"
check "the gadget's medium becomes 2 MiB" sh -c "echo /tmp/small.img >$G/functions/mass_storage.0/lun.0/file"
cat /tmp/past.fifo >/tmp/past.out
wait $pid
rc=$?
echo "read 8000 8 on the shrunk medium: rc=$rc $(cat /tmp/dev.err)"
check "a read across a medium change exits 1" [ $rc -eq 1 ]
check "with one line on stderr" [ "$(wc -l </tmp/dev.err)" -eq 1 ]
check "saying the device's sense (UNIT ATTENTION, medium may have changed, 6/28/00)" \
	grep -q 'UNIT ATTENTION, medium may have changed (sense 6/28/00)' /tmp/dev.err
check "and no data" [ ! -s /tmp/past.out ]
devdrv storage "$msc" info >/tmp/msc2.info 2>&1
check "info then shows the new medium (4096 x 512)" [ "$(capacity /tmp/msc2.info)" = "4096 512" ]
finish
