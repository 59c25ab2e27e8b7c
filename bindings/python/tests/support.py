"""What the binding's tests share: a fresh virtual bus per test.

Run from meson (`meson test --suite python`), which sets PYTHONPATH to
bindings/python and DEVDRV_LIBRARY to the built library; by hand:
    cd bindings/python/tests && PYTHONPATH=.. DEVDRV_LIBRARY=../../../build-py/lib/libdevdrv.so.0 \\
        python3 -m unittest -v test_device
"""

import os
import unittest

import devdrv

LOOPBACK_VID, LOOPBACK_PID = 0x1209, 0x0001  # README, "The virtual bus"
SOURCE_ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))


class VirtualBus(unittest.TestCase):
    """A test with its own virtual bus in self.ctx (the loopback at 1-1 and
    the button at 1-2), closed after the test whatever happens."""

    def setUp(self):
        self.ctx = devdrv.Context(transport='virtual')
        self.addCleanup(self.ctx.close)

    def open(self, selector, timeout=2):
        """Open @selector, closed after the test."""
        dev = self.ctx.open(selector, timeout=timeout)
        self.addCleanup(dev.close)
        return dev

    def read_exactly(self, dev, size):
        """Read until @size bytes came: a stream may deliver them in pieces."""
        data = b''
        while len(data) < size:
            data += dev.read(size - len(data))
        return data
