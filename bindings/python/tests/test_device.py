"""Enumeration, open, read, write, control, ioctl, close and the context
managers, on the virtual bus."""

import ctypes
import gc
import os
import time
import unittest

import devdrv
from support import LOOPBACK_PID, LOOPBACK_VID, VirtualBus


class TestEnumerate(VirtualBus):
    def test_the_loopback_and_the_button(self):
        loop, button = self.ctx.devices()
        self.assertEqual((loop.port, loop.vid, loop.pid), ('1-1', LOOPBACK_VID, LOOPBACK_PID))
        self.assertEqual((loop.transport, loop.bus, loop.driver, loop.driver_interface), ('virtual', 1, 'generic', 0))
        self.assertEqual((loop.product, loop.serial), ('Virtual Loopback', 'LOOP0001'))
        self.assertEqual((loop.device_class, loop.speed, loop.speed_name), (0xff, devdrv.Speed.HIGH, '480'))
        self.assertEqual((button.port, button.vid, button.pid, button.serial), ('1-2', 0x1209, 0x0002, None))

    def test_configuration_interfaces_endpoints(self):
        loop = self.ctx.devices()[0]
        self.assertEqual(len(loop.configs), 1)
        config = loop.configs[0]
        self.assertEqual(config.raw[1], 2)  # bDescriptorType CONFIGURATION
        self.assertEqual(len(config.raw), config.raw[2] | config.raw[3] << 8)
        iface = config.interfaces[0]
        self.assertEqual((iface.number, iface.interface_class), (0, 0xff))
        self.assertEqual([(e.address, e.attributes & 3, e.max_packet) for e in iface.endpoints],
                         [(0x01, 2, 512), (0x81, 2, 512)])

    def test_selector_filters_the_list(self):
        self.assertEqual([d.port for d in self.ctx.devices('1209:0002')], ['1-2'])
        self.assertEqual([d.port for d in self.ctx.devices('1209:')], ['1-1', '1-2'])
        self.assertEqual(self.ctx.devices('0403:6001'), [])

    def test_records_outlive_the_list(self):
        """The C list is freed at once; the records are copies."""
        loop = self.ctx.devices()[0]
        self.ctx.devices()
        gc.collect()
        self.assertEqual(loop.configs[0].interfaces[0].endpoints[1].address, 0x81)

    def test_plug_and_unplug(self):
        self.ctx.plug('sink', '1-3')
        self.assertEqual([d.port for d in self.ctx.devices()], ['1-1', '1-2', '1-3'])
        self.ctx.unplug('1-3')
        self.assertEqual(self.ctx.unplug_all(), 2)
        self.assertEqual(self.ctx.devices(), [])

    def test_models(self):
        models = self.ctx.models()
        for name in ('loopback', 'button', 'sink', 'ft232r', 'cdc-acm'):
            self.assertIn(name, models)


class TestOpen(VirtualBus):
    def test_every_kind_of_selector(self):
        for selector in ('1-1', '1209:0001', 'serial=LOOP0001', '1:2', self.ctx.devices()[0].selector):
            with self.subTest(selector=selector), self.ctx.open(selector) as dev:
                self.assertEqual((dev.info.port, dev.info.vid, dev.driver), ('1-1', LOOPBACK_VID, 'generic'))
                self.assertEqual(dev.selector, selector)
        with self.ctx.open(self.ctx.devices()[1]) as dev:  # a DeviceInfo stands for its selector
            self.assertEqual((dev.info.port, dev.selector), ('1-2', 'transport=virtual,1-2'))

    def test_busy_while_open(self):
        self.open('1-1')
        with self.assertRaises(devdrv.Busy) as caught:
            self.ctx.open('1-1')
        self.assertIn('claim interface 0: busy', str(caught.exception))


class TestIO(VirtualBus):
    def test_loopback_round_trip(self):
        dev = self.open('1-1')
        message = bytes(range(256))
        self.assertEqual(dev.write(message), 256)
        self.assertEqual(self.read_exactly(dev, 256), message)

    def test_larger_than_a_packet(self):
        dev = self.open('1-1')
        message = os.urandom(5000)
        self.assertEqual(dev.write(message), len(message))
        self.assertEqual(self.read_exactly(dev, len(message)), message)

    def test_bytes_like_objects(self):
        dev = self.open('1-1')
        self.assertEqual(dev.write(bytearray(b'ab')) + dev.write(memoryview(b'xcdx')[1:3]), 4)
        into = bytearray(8)
        self.assertEqual(dev.readinto(into), 4)
        self.assertEqual(into[:4], b'abcd')
        with self.assertRaises(TypeError):
            dev.write('text is not bytes')

    def test_timeout(self):
        dev = self.open('1-1')
        start = time.monotonic()
        with self.assertRaises(devdrv.Timeout) as caught:
            dev.read(64, timeout=0.05)
        self.assertLess(time.monotonic() - start, 1)
        self.assertEqual(str(caught.exception), 'bulk IN 0x81: nothing moved within 50 ms')

    def test_device_default_timeout(self):
        dev = self.open('1-1', timeout=0.02)
        with self.assertRaisesRegex(devdrv.Timeout, 'within 20 ms'):
            dev.read(1)

    def test_bad_timeouts_are_refused_not_forever(self):
        """C's 0 is "wait forever": a Python 0 must not become it."""
        dev = self.open('1-1')
        for timeout in (0, -1, 5e9):
            with self.subTest(timeout=timeout), self.assertRaises(devdrv.InvalidArgument):
                dev.read(1, timeout=timeout)
        with self.assertRaises(devdrv.InvalidArgument):
            dev.read(-1)
        with self.assertRaises(ValueError):
            self.ctx.open('1-2', timeout=0)


class TestControl(VirtualBus):
    def test_get_device_descriptor(self):
        dev = self.open('1-1')
        desc = dev.control(0x80, 0x06, 0x0100, 0, 18)
        self.assertEqual(len(desc), 18)
        self.assertEqual((desc[0], desc[1]), (18, 1))  # bLength, bDescriptorType DEVICE
        self.assertEqual(int.from_bytes(desc[8:10], 'little'), dev.info.vid)
        self.assertEqual(int.from_bytes(desc[10:12], 'little'), dev.info.pid)

    def test_vendor_requests_out_then_in(self):
        dev = self.open('1-1')
        self.assertEqual(dev.control(0x40, 0x01, 0, 0, b'\x01\x02\x03'), 3)
        self.assertEqual(dev.control(0xc0, 0x02, 0, 0, 16), b'\x01\x02\x03')
        self.assertEqual(dev.control(0x40, 0x01), 0)  # no data stage

    def test_stall(self):
        dev = self.open('1-1')
        with self.assertRaises(devdrv.Pipe) as caught:
            dev.control(0xc0, 0x77, 0, 0, 4)
        self.assertIn('STALL', str(caught.exception))

    def test_out_of_range_fields_are_refused_not_truncated(self):
        dev = self.open('1-1')
        for args in ((0x100, 6, 0, 0, 18), (0x80, 6, 0x10100, 0, 18), (0x80, 6, 0, -1, 18),
                     (0xc0, 2, 0, 0, 65536)):
            with self.subTest(args=args), self.assertRaises(devdrv.InvalidArgument):
                dev.control(*args)
        with self.assertRaises(devdrv.InvalidArgument):
            dev.control(0x40, 0x01, 0, 0, bytes(65536))

    def test_direction_and_argument_must_agree(self):
        dev = self.open('1-1')
        with self.assertRaises(TypeError):
            dev.control(0x80, 6, 0x100, 0, b'data')
        with self.assertRaises(TypeError):
            dev.control(0x40, 1, 0, 0, 5)


class TestIoctl(VirtualBus):
    def test_raw_get_pipes(self):
        dev = self.open('1-1')
        pipes = devdrv.RawPipes()
        self.assertEqual(dev.ioctl(devdrv.IOC_RAW_GET_PIPES, pipes), 0)
        self.assertEqual((pipes.interface, pipes.in_, pipes.out), (0, 0x81, 0x01))
        self.assertEqual(dev.pipes().in_, 0x81)

    def test_wrong_size_and_unknown_request(self):
        dev = self.open('1-1')
        with self.assertRaises(devdrv.InvalidArgument):
            dev.ioctl(devdrv.IOC_RAW_GET_PIPES, bytearray(3))
        with self.assertRaises(devdrv.Unsupported) as caught:
            dev.ioctl(0x1234)
        self.assertEqual(str(caught.exception), 'ioctl 0x1234 is not supported by driver generic')
        with self.assertRaises(TypeError):
            dev.ioctl(devdrv.IOC_RAW_GET_PIPES, bytes(6))

    def test_core_ioctls(self):
        dev = self.open('1-1')
        dev.clear_halt(0x81)
        self.assertEqual(dev.ioctl(devdrv.IOC_CLEAR_HALT, ctypes.c_uint8(0x01)), 0)


class TestClose(VirtualBus):
    def test_device_context_manager_closes(self):
        with self.ctx.open('1-1') as dev:
            dev.write(b'x')
        self.assertTrue(dev.closed)
        with self.assertRaises(devdrv.Closed) as caught:
            dev.read(1)
        self.assertIsInstance(caught.exception, ValueError)
        self.assertEqual(caught.exception.code, devdrv.ErrorCode.INVALID)
        self.assertEqual(str(caught.exception), 'device 1-1 is closed')
        dev.close()  # again: nothing
        self.open('1-1').close()  # the interface was released: not Busy

    def test_context_manager_closes_context_and_its_devices(self):
        with devdrv.Context(transport='virtual') as ctx:
            dev = ctx.open('1-1')
        self.assertTrue(ctx.closed and dev.closed)
        for call in (ctx.devices, lambda: ctx.open('1-1'), lambda: dev.write(b'x')):
            with self.assertRaises(devdrv.Closed):
                call()
        ctx.close()

    def test_unclosed_device_is_closed_by_the_collector_with_a_warning(self):
        dev = self.ctx.open('1-1')
        with self.assertWarnsRegex(ResourceWarning, 'unclosed <devdrv.Device 1-1'):
            del dev
            gc.collect()
        self.open('1-1')  # released

    def test_device_and_context_in_one_garbage_cycle(self):
        """Finalized in either order, the handle is closed once and before
        the context is freed (ASan builds see a double free or a use after
        free if not)."""
        for _ in range(20):
            ctx = devdrv.Context(transport='virtual')
            dev = ctx.open('1-1')
            dev.cycle, ctx.cycle = ctx, dev
            with self.assertWarns(ResourceWarning):
                del ctx, dev
                gc.collect()


class TestLog(unittest.TestCase):
    def test_callback_gets_levels_and_lines_and_is_kept_alive(self):
        heard = []
        ctx = devdrv.Context(transport='virtual', log=lambda level, msg: heard.append((level, msg)),
                             log_level=devdrv.LogLevel.DEBUG)
        gc.collect()  # the C side holds only a pointer: the binding must keep the callback
        with ctx:
            with self.assertRaises(devdrv.NotFound):
                ctx.open('0403:6001')
        self.assertTrue(heard)
        self.assertTrue(all(isinstance(level, devdrv.LogLevel) and isinstance(msg, str) and '\n' not in msg
                            for level, msg in heard))
        self.assertIn('0403:6001', ' '.join(msg for _, msg in heard))


if __name__ == '__main__':
    unittest.main()
