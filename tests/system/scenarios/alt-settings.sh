# alt-settings — alternate settings on devices we did not write.
# QEMU's usb-net (0525:a4a2) has an RNDIS configuration (value 2, listed
# first) and a CDC-ECM one (value 1), which Linux chooses. In CDC-ECM the
# data interface (1) has no endpoints in alt setting 0 and bulk 0x82/0x02 in
# alt setting 1, and the kernel puts it back in alt 0 whenever a claim ends,
# so every devdrv process must select alt 1 itself. QEMU passes frames with
# no SET_ETHERNET_PACKET_FILTER; the runner gives it -netdev user, whose
# gateway 10.0.2.2 answers a broadcast ARP request. QEMU's usb-audio: an
# interface's name (iInterface, from sysfs) belongs to its current alt
# setting only, not to every alt setting.
. /scenarios/lib.sh

MAC=020000000001 # made up, locally administered
# broadcast; ARP, Ethernet/IPv4, request: who has 10.0.2.2? tell 10.0.2.15
ARP=ffffffffffff${MAC}08060001080006040001${MAC}0a00020f0000000000000a000202

sysfs_attr() { tr -d ' ' 2>/dev/null <"/sys/bus/usb/devices/$1/$2"; }

interface_of_class() { # DEVICE CLASS — number (decimal) of the active config's interface of CLASS
	for i in /sys/bus/usb/devices/"$1":*; do
		[ "$(sysfs_attr "$(basename "$i")" bInterfaceClass)" = "$2" ] || continue
		echo $((0x$(sysfs_attr "$(basename "$i")" bInterfaceNumber)))
		return 0
	done
	return 1
}

hexdump_bytes() { # FILE — devdrv's --hex dump as one string of hex digits
	awk '{ $1 = ""; print }' "$1" | tr -d ' \n'
}

byte_range() { # HEX FIRST LAST — bytes FIRST..LAST (0-based) of a hex string
	echo "$1" | cut -c$(($2 * 2 + 1))-$(($3 * 2 + 2))
}

# --- usb-net, CDC-ECM ---------------------------------------------------------
check "usb-net enumerated" wait_for 30 usb_device 0525 a4a2
net=$(usb_device 0525 a4a2)
check "the kernel chose the CDC-ECM configuration (value 1)" [ "$(sysfs_attr "$net" bConfigurationValue)" = 1 ]
ctrl=$(interface_of_class "$net" 02)
data=$(interface_of_class "$net" 0a)
echo "usb-net at $net: ECM control interface $ctrl, data interface $data"
check "ECM control interface is 0, data interface is 1" [ "$ctrl/$data" = 0/1 ]
check "the data interface is in alt setting 0 (no kernel driver set it)" [ "$(sysfs_attr "$net:1.$data" bAlternateSetting)" = 0 ]

devdrv list --json "$net" >/tmp/net.json
echo "devdrv list --json: $(cat /tmp/net.json)"
check "devdrv lists both configurations, CDC-ECM active" \
	sh -c 'grep -q "\"active_config\":1" /tmp/net.json && grep -q "\"value\":2" /tmp/net.json'

devdrv read "$net,iface=$data" --timeout 500 >/dev/null 2>/tmp/noalt.err
echo "without alt= (alt 0 has no endpoints): $(cat /tmp/noalt.err)"
devdrv read "$net,iface=$data,alt=2" --timeout 500 >/dev/null 2>/tmp/alt2.err
rc=$?
echo "alt=2: rc=$rc $(cat /tmp/alt2.err)"
check "alt=2 (no such alt setting) is refused" [ $rc -ne 0 ]
check "the refusal is one line" [ "$(wc -l </tmp/alt2.err)" -eq 1 ]

devdrv write "$net,iface=$data,alt=1" --hex "$ARP" 2>/tmp/write.err
rc=$?
echo "write said: $(cat /tmp/write.err)"
check "devdrv write $net,iface=$data,alt=1 sends the ARP request" [ $rc -eq 0 ]
devdrv read "$net,iface=$data,alt=1" --hex --timeout 3000 >/tmp/reply.hex 2>/tmp/read.err
rc=$?
echo "read said: $(cat /tmp/read.err)"
echo "reply: $(tr '\n' '|' </tmp/reply.hex)"
check "devdrv read $net,iface=$data,alt=1 returns a frame" [ $rc -eq 0 ]
reply=$(hexdump_bytes /tmp/reply.hex)
check "the frame is addressed to our MAC" [ "$(byte_range "$reply" 0 5)" = "$MAC" ]
check "it is an ARP frame (ethertype 0806)" [ "$(byte_range "$reply" 12 13)" = 0806 ]
check "it is an ARP reply (opcode 2)" [ "$(byte_range "$reply" 20 21)" = 0002 ]
check "from 10.0.2.2 (sender IP 0a000202)" [ "$(byte_range "$reply" 28 31)" = 0a000202 ]
check "to 10.0.2.15 (target IP 0a00020f)" [ "$(byte_range "$reply" 38 41)" = 0a00020f ]
check "the kernel put the data interface back in alt 0 after the claims" \
	[ "$(sysfs_attr "$net:1.$data" bAlternateSetting)" = 0 ]

# --- usb-audio: names per alt setting --------------------------------------------
check "usb-audio enumerated" wait_for 30 usb_device 46f4 0002
audio=$(usb_device 46f4 0002)
# AudioStreaming interface 1: alt 0 (zero bandwidth) "Audio Output - Disabled",
# alt 1 "Audio Output - 48 kHz Stereo"; sysfs knows only the current one's
check "usb-audio's streaming interface is in alt 0" [ "$(sysfs_attr "$audio:1.1" bAlternateSetting)" = 0 ]
check "sysfs names the current alt setting 'Audio Output - Disabled'" \
	[ "$(cat "/sys/bus/usb/devices/$audio:1.1/interface")" = "Audio Output - Disabled" ]
devdrv list -v "$audio" >/tmp/audio.txt
devdrv list --json "$audio" >/tmp/audio.json
echo "devdrv list -v: $(tr '\n' '|' </tmp/audio.txt)"
echo "devdrv list --json: $(cat /tmp/audio.json)"
check "devdrv list -v shows interface 1 alt 0 and alt 1" \
	sh -c 'grep -q "interface 1 alt 0" /tmp/audio.txt && grep -q "interface 1 alt 1" /tmp/audio.txt'
check "devdrv list --json has interface 1 alt setting 1" grep -q '"alt_setting":1' /tmp/audio.json
check "devdrv list --json names alt 0 'Audio Output - Disabled'" grep -q '"Audio Output - Disabled"' /tmp/audio.json
check "the alt 0 name is not copied onto other alt settings (--json)" \
	[ "$(grep -o 'Audio Output - Disabled' /tmp/audio.json | wc -l)" -eq 1 ]
check "the alt 0 name is not copied onto other alt settings (-v)" \
	[ "$(grep -o 'Audio Output - Disabled' /tmp/audio.txt | wc -l)" -le 1 ]
finish
