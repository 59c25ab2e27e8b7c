# systemd-main — what devdrv-test.service runs when Debian's systemd is PID 1
# (the busybox /init's job otherwise): load the modules, run the scenario
# the kernel command line names, report its exit code, power off.
export PATH=/bin:/usr/bin:/sbin:/usr/sbin HOME=/tmp
scenario=$(sed -n 's/.*devdrv\.scenario=\([^ ]*\).*/\1/p' /proc/cmdline)
while read -r module args; do
	insmod "/lib/modules/$module" $args 2>/dev/null
done </etc/modules.list
mount -t configfs none /sys/kernel/config 2>/dev/null
echo "DEVDRV-BEGIN $scenario"
sh "/scenarios/$scenario.sh"
rc=$?
echo "DEVDRV-END $scenario rc=$rc"
sync
poweroff -f
