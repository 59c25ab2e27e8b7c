# autostart — Debian's systemd as PID 1, systemd-udevd, the generated rules
# and devdrv@.service: QMP device_add of QEMU's usb-serial makes systemd start
# the unit (as user devdrv), its terminal appears; unmodified programs use it
# (busybox stty sets the speed QEMU's FTDI model reports in its trace; bytes
# reach QEMU's chardev and the answer comes back); QMP device_del stops the
# unit and the terminal goes.
. /scenarios/lib.sh

unit_of_device() { systemctl list-units --all --no-legend --plain 'devdrv@*' | awk '{ print $1 }' | head -n 1; }

check "systemd is PID 1" sh -c '[ "$(cat /proc/1/comm)" = systemd ]'
check "systemd-udevd runs" wait_for 30 systemctl is-active --quiet systemd-udevd.service
mkdir -p /usr/local/etc/devdrv /etc/udev/rules.d
echo "0403:6001  --pty /run/devdrv/ftdi" >/usr/local/etc/devdrv/autostart.conf
check "devdrv udev-rules writes the rules with the autostart entry" \
	devdrv udev-rules --autostart /usr/local/etc/devdrv/autostart.conf -o /etc/udev/rules.d/70-devdrv.rules
udevadm control --reload
echo 'DEVDRV-QMP {"execute":"device_add","arguments":{"driver":"usb-serial","id":"ser","bus":"xhci.0","chardev":"ser0","always-plugged":true}}'
check "QEMU usb-serial enumerated" wait_for 30 usb_device 0403 6001
check "systemd started devdrv@.service for it" wait_for 30 sh -c \
	'systemctl list-units --state=active --no-legend --plain "devdrv@*" | grep -q "^devdrv@"'
unit=$(unit_of_device)
echo "unit: $unit"
check "its terminal appears" wait_for 20 test -L /run/devdrv/ftdi
pid=$(systemctl show -p MainPID --value "$unit")
check "the driver runs as user devdrv" sh -c "[ \"\$(stat -c %U /proc/$pid)\" = devdrv ]"
echo "DEVDRV-MARK stty"
check "stty sets 57600 on the terminal" stty -F /run/devdrv/ftdi 57600
sleep 1
echo "DEVDRV-MARK data"
stty -F /run/devdrv/ftdi raw -echo
cat /run/devdrv/ftdi >/tmp/pty.in &
cat_pid=$!
sleep 0.3
printf 'ping-from-guest' >/run/devdrv/ftdi
check "the host's answer comes out of the terminal" wait_for 10 grep -q pong-from-host /tmp/pty.in
kill $cat_pid
echo 'DEVDRV-QMP {"execute":"device_del","arguments":{"id":"ser"}}'
check "the unit stops when the device leaves" wait_for 30 sh -c "! systemctl is-active --quiet '$unit'"
check "the terminal is gone" [ ! -e /run/devdrv/ftdi ]
check "the unit ended without failure" sh -c "[ \"\$(systemctl show -p Result --value '$unit')\" = success ]"
journalctl --no-pager -o cat -u "$unit" 2>/dev/null | sed 's/^/journal: /' | head -n 20
systemctl status --no-pager "$unit" 2>&1 | sed 's/^/status: /' | head -n 12
finish
