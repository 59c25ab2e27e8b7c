# bench — raw libusb against the devdrv API on gadget zero SourceSink, in one
# boot; prints BENCH lines the runner turns into a table.
. /scenarios/lib.sh

make_gadget ss dummy_udc.0 0525 a4a0 SourceSink.0 pattern=0
check "SourceSink gadget enumerated" wait_for 30 usb_device 0525 a4a0
bench-gadget 0525:a4a0 16 | sed 's/^/BENCH /'
finish
