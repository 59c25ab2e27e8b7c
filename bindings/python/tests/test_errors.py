"""Errors as exceptions: the class per DEVDRV_E_* code, the library's own
one-line messages (the handle's, else the context's), and what the binding
refuses itself."""

import pickle
import threading
import unittest

import devdrv
from devdrv import errors
from support import VirtualBus


class TestCodes(unittest.TestCase):
    def test_a_class_per_code(self):
        expected = {
            'INVALID': devdrv.InvalidArgument, 'NOT_FOUND': devdrv.NotFound, 'ACCESS': devdrv.Access,
            'BUSY': devdrv.Busy, 'NO_DRIVER': devdrv.NoDriver, 'TIMEOUT': devdrv.Timeout, 'PIPE': devdrv.Pipe,
            'OVERFLOW': devdrv.Overflow, 'DISCONNECTED': devdrv.Disconnected, 'IO': devdrv.IOFailure,
            'NOMEM': devdrv.NoMemory, 'UNSUPPORTED': devdrv.Unsupported, 'PROTOCOL': devdrv.Protocol,
            'CANCELLED': devdrv.Cancelled,
        }
        for name, cls in expected.items():
            code = devdrv.ErrorCode[name]
            e = errors.error(code)
            self.assertIs(type(e), cls)
            self.assertIsInstance(e, devdrv.Error)
            self.assertEqual((e.code, str(e), e.name), (code, devdrv.strerror(code), devdrv.strerror(code)))
        self.assertEqual(set(expected), {c.name for c in devdrv.ErrorCode} - {'OK'})

    def test_names_come_from_the_library(self):
        self.assertEqual(devdrv.strerror(devdrv.ErrorCode.TIMEOUT), 'timeout')
        self.assertEqual(devdrv.strerror(-999), 'unknown error')
        self.assertIs(type(errors.error(-999, 'x')), devdrv.Error)

    def test_pickles(self):
        e = pickle.loads(pickle.dumps(errors.error(devdrv.ErrorCode.NOT_FOUND, 'no device matches "x"')))
        self.assertIs(type(e), devdrv.NotFound)
        self.assertEqual((e.code, e.message), (-2, 'no device matches "x"'))


class TestContextErrors(VirtualBus):
    def test_malformed_selector(self):
        with self.assertRaises(devdrv.InvalidArgument) as caught:
            self.ctx.open('0403:60x1')
        e = caught.exception
        self.assertEqual(e.code, -1)
        self.assertIsInstance(e, ValueError)
        self.assertEqual(str(e), 'selector: product ID: \'x\' is not a hex digit at column 8 (\'x1\') in "0403:60x1"')

    def test_malformed_selector_in_listing(self):
        with self.assertRaisesRegex(devdrv.InvalidArgument, 'column 8'):
            self.ctx.devices('0403:60x1')

    def test_missing_device(self):
        with self.assertRaises(devdrv.NotFound) as caught:
            self.ctx.open('0403:6001')
        self.assertIn('0403:6001', str(caught.exception))
        with self.assertRaisesRegex(devdrv.NotFound, r'matches 2 device\(s\), so #2'):
            self.ctx.open('vid=1209#2')

    def test_virtual_bus_refusals(self):
        with self.assertRaisesRegex(devdrv.InvalidArgument, 'taken'):
            self.ctx.plug('sink', '1-1')
        with self.assertRaises(devdrv.InvalidArgument):
            self.ctx.plug('toaster9000', '1-5')
        with self.assertRaises(devdrv.NotFound):
            self.ctx.unplug('1-9')

    def test_transports(self):
        with self.assertRaisesRegex(devdrv.InvalidArgument, "unknown transport 'floppy'"):
            devdrv.Context(transport='floppy')
        with self.assertRaises(devdrv.InvalidArgument):  # refused by the library
            devdrv.Context(transport=1 << 7)
        with devdrv.Context(transport='usb') as usb_only:
            with self.assertRaises(devdrv.Unsupported):
                usb_only.plug('sink', '1-3')

    def test_each_thread_gets_its_own_message(self):
        """The context's message is per thread: read right after the call,
        two threads failing at once never see each other's."""
        def fail_repeatedly(selector, expected, results):
            for _ in range(200):
                try:
                    self.ctx.open(selector)
                except devdrv.Error as e:
                    results.append(expected in str(e))
        a, b = [], []
        threads = [threading.Thread(target=fail_repeatedly, args=('0403:60x1', 'column 8', a)),
                   threading.Thread(target=fail_repeatedly, args=('0403:6001', '0403:6001', b))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual((len(a), len(b)), (200, 200))
        self.assertTrue(all(a) and all(b))


class TestHandleErrors(VirtualBus):
    def test_unplugged_device(self):
        dev = self.open('1-1')
        self.ctx.unplug('1-1')
        for call in (lambda: dev.read(8), lambda: dev.write(b'x'), lambda: dev.control(0x80, 6, 0x100, 0, 18)):
            with self.assertRaises(devdrv.Disconnected) as caught:
                call()
            self.assertTrue(str(caught.exception))
            self.assertNotIn('\n', str(caught.exception))

    def test_unplug_while_blocked(self):
        """A read blocked in another thread returns Disconnected at unplug;
        the GIL is released while it waits, or unplug() could not run."""
        dev = self.open('1-1')
        outcome = []

        def reader():
            try:
                dev.read(8, timeout=None)
            except devdrv.Error as e:
                outcome.append(e)
        t = threading.Thread(target=reader)
        t.start()
        t.join(0.2)
        self.ctx.unplug('1-1')
        t.join(5)
        self.assertFalse(t.is_alive())
        self.assertIsInstance(outcome[0], devdrv.Disconnected)

    def test_message_is_the_handles(self):
        button = self.open('1-2')
        with self.assertRaises(devdrv.Unsupported) as caught:
            button.write(b'x')
        self.assertIn('no OUT pipe', str(caught.exception))


if __name__ == '__main__':
    unittest.main()
