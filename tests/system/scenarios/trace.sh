# trace — the trace and record filters on QEMU's usb-storage (serial
# DEVDRV-TRACE), which the runner started with QEMU's own capture of the
# same device (pcap=): devdrv storage reads blocks with --filter trace and
# --record, the trace, the recording and what devdrv printed go to the
# runner, which
# - has tshark decode our trace: the SCSI commands (INQUIRY, READ CAPACITY,
#   READ(10) of the blocks asked for) on the stick's bus and address;
# - compares our trace with QEMU's capture: the same bulk transfers in the
#   same order, endpoint, length and data;
# - replays the recording on the host, without the device, with the same
#   command: the same output; and with another command: the divergence error.
. /scenarios/lib.sh

check "QEMU's usb-storage enumerated" wait_for 30 usb_by_serial DEVDRV-TRACE
dev=$(usb_by_serial DEVDRV-TRACE)
sel="serial=DEVDRV-TRACE"
echo "DEVDRV-TRACE-DEVICE bus=$(cat /sys/bus/usb/devices/$dev/busnum) address=$(cat /sys/bus/usb/devices/$dev/devnum) port=$dev"
check "devdrv storage read with trace and record" \
	sh -c "devdrv --filter trace:/tmp/t.pcap --record /tmp/s.rec storage $sel read 16 8 >/tmp/out.bin"
check "it read 8 blocks" test "$(wc -c </tmp/out.bin)" -eq $((8 * 512))
emit_file trace.pcap /tmp/t.pcap
emit_file session.rec /tmp/s.rec
emit_file out.bin /tmp/out.bin
finish
