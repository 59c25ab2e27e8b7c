# bench-stack — what the driver stack costs, in one boot: bulk IN from gadget
# zero's source with 4 transfers in flight, raw libusb async against devdrv
# with no filter, an empty pass-through filter, stats and trace (5 rounds,
# order rotated); prints BENCH lines the runner turns into a table.
. /scenarios/lib.sh

make_gadget ss dummy_udc.0 0525 a4a0 SourceSink.0 pattern=0
check "SourceSink gadget enumerated" wait_for 30 usb_device 0525 a4a0
bench-stack 0525:a4a0 96 5 | sed 's/^/BENCH /'
finish
