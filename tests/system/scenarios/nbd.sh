# nbd — devdrv run --nbd /dev/nbd0 on QEMU's usb-storage holding a FAT image
# the host made (dosfstools, mtools): the kernel's NBD driver makes it a disk,
# the kernel's vfat mounts it, the host's file reads back whole, a file
# written there is in the image after power-off (the runner reads it with
# mtools); SIGTERM flushes and detaches, exit 0.
. /scenarios/lib.sh

check "QEMU usb-storage enumerated" wait_for 30 usb_by_serial DEVDRV-NBD
devdrv run serial=DEVDRV-NBD --nbd /dev/nbd0 2>/tmp/run.err &
pid=$!
check "/dev/nbd0 gets the device's size" wait_for 20 sh -c '[ "$(cat /sys/block/nbd0/size)" -eq 32768 ]'
mkdir -p /mnt
check "the kernel mounts the FAT filesystem from /dev/nbd0" mount -t vfat /dev/nbd0 /mnt
check "the host's file reads back (164000 bytes, 2000 same lines)" sh -c \
	'[ "$(wc -c </mnt/HOST.TXT)" -eq 164000 ] && [ "$(sort -u /mnt/HOST.TXT | wc -l)" -eq 1 ] && grep -q "^a file the host put on a FAT image" /mnt/HOST.TXT'
printf "written in the guest on /dev/nbd0, served by devdrv run --nbd\n" >/mnt/GUEST.TXT
check "a file written there" test -s /mnt/GUEST.TXT
umount /mnt
kill -TERM $pid
wait $pid
rc=$?
echo "run stderr: $(tr '\n' '|' </tmp/run.err)"
check "on SIGTERM devdrv run exits 0" [ $rc -eq 0 ]
check "and /dev/nbd0 is detached" sh -c '[ "$(cat /sys/block/nbd0/size)" -eq 0 ]'

# unplugged while busy: a reader in the middle of the disk, the stick goes
devdrv run serial=DEVDRV-NBD --nbd /dev/nbd0 2>/tmp/run2.err &
pid=$!
check "attached again" wait_for 20 sh -c '[ "$(cat /sys/block/nbd0/size)" -eq 32768 ]'
dd if=/dev/nbd0 of=/dev/null bs=4k iflag=direct 2>/dev/null &
reader=$!
echo 'DEVDRV-QMP {"execute":"device_del","arguments":{"id":"nbdstick"}}'
check "devdrv run ends when the stick is unplugged under a reader" wait_for 20 sh -c "! kill -0 $pid"
wait $pid
rc=$?
echo "run stderr: $(tr '\n' '|' </tmp/run2.err)"
check "with exit code 0" [ $rc -eq 0 ]
check "/dev/nbd0 is detached" sh -c '[ "$(cat /sys/block/nbd0/size)" -eq 0 ]'
check "the reader got its end, not a hang" wait_for 20 sh -c "! kill -0 $reader"
finish
