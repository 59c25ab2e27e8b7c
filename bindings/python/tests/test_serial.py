"""The serial class on the virtual serial chips (plugged at 1-3): line
settings and the rate the chip really makes, modem lines through the
models' null-modem wiring (DTR drives DSR and DCD, RTS drives CTS), break,
purge, latency, and the refusals."""

import unittest

import devdrv
from devdrv import Flow, Lines, Parity
from support import VirtualBus


class SerialBus(VirtualBus):
    model = 'ft232r'

    def setUp(self):
        super().setUp()
        self.ctx.plug(self.model, '1-3')


class TestFT232R(SerialBus):
    def test_opens_at_9600_8n1(self):
        dev = self.open('1-3')
        self.assertEqual(dev.driver, 'ftdi')
        self.assertEqual(dev.serial.config(), devdrv.SerialConfig(9600, 8, Parity.NONE, 1, Flow.NONE))

    def test_baud_rate_actually_set(self):
        serial = self.open('1-3').serial
        actual = serial.configure(baud=115200)
        # FT232R: 3 MHz over a divisor in eighths; 115200 gets 26, 3e6 / 26
        # = 115384.6 (FTDI AN232B-05)
        self.assertEqual(actual.baud, 115385)
        self.assertEqual(serial.config(), actual)
        self.assertEqual(actual.format, '8N1')  # the format was kept

    def test_format_keeps_the_rate(self):
        serial = self.open('1-3').serial
        serial.configure(baud=57600)
        actual = serial.configure(format='7E2', flow='rtscts')
        self.assertEqual((actual.bits, actual.parity, actual.stop, actual.flow), (7, Parity.EVEN, 2, Flow.RTSCTS))
        self.assertEqual(actual.baud, serial.config().baud)
        self.assertAlmostEqual(actual.baud, 57600, delta=57600 * 0.03)

    def test_impossible_rate_is_refused_and_settings_kept(self):
        serial = self.open('1-3').serial
        before = serial.configure(baud=19200)
        with self.assertRaises(devdrv.Unsupported) as caught:
            serial.configure(baud=12000000)
        self.assertIn('the nearest rate it has is 3000000', str(caught.exception))
        self.assertEqual(serial.config(), before)

    def test_bad_settings_are_invalid(self):
        serial = self.open('1-3').serial
        for kwargs in ({'format': '9X1'}, {'stop': 3}, {'parity': 'Q'}, {'flow': 'smoke'}, {'baud': 1 << 32}):
            with self.subTest(**kwargs), self.assertRaises(devdrv.InvalidArgument):
                serial.configure(**kwargs)

    def test_modem_lines_through_the_null_modem(self):
        serial = devdrv.Serial(self.open('1-3'))
        serial.set_lines(dtr=False, rts=True)
        lines = serial.get_lines()
        self.assertEqual(lines & (Lines.DTR | Lines.RTS | Lines.CTS | Lines.DSR | Lines.DCD), Lines.RTS | Lines.CTS)
        serial.set_lines(dtr=True)  # RTS stays as it was
        lines = serial.get_lines()
        self.assertIn(Lines.DTR, lines)
        self.assertIn(Lines.DSR, lines)
        self.assertIn(Lines.CTS, lines)

    def test_break_purge_latency(self):
        serial = self.open('1-3').serial
        serial.send_break(0.01)
        serial.purge()
        serial.set_latency(2)
        with self.assertRaises(devdrv.InvalidArgument):
            serial.set_latency(0)

    def test_data_loops_back(self):
        dev = self.open('1-3')
        dev.serial.configure(baud=115200)
        self.assertEqual(dev.write(b'hello, serial'), 13)
        self.assertEqual(self.read_exactly(dev, 13), b'hello, serial')

    def test_open_with_settings(self):
        dev = self.ctx.open_serial('1-3', baud=115200, format='8N1', flow='rtscts', timeout=2)
        self.addCleanup(dev.close)
        self.assertEqual(dev.serial.config(), devdrv.SerialConfig(115385, 8, Parity.NONE, 1, Flow.RTSCTS))

    def test_lines_after_unplug(self):
        serial = self.open('1-3').serial
        self.ctx.unplug('1-3')
        with self.assertRaises(devdrv.Disconnected):
            serial.get_lines()


class TestNotSerial(VirtualBus):
    def test_serial_calls_on_the_loopback(self):
        with self.assertRaises(devdrv.Unsupported):
            self.open('1-1').serial.config()
        with self.assertRaises(devdrv.Unsupported) as caught:
            self.ctx.open_serial('1-1')
        self.assertTrue(str(caught.exception))


class TestOtherChips(VirtualBus):
    def test_every_chip_model_configures(self):
        for port, model in enumerate(('ft2232h', 'cp2102', 'ch340', 'pl2303', 'cdc-acm'), start=3):
            with self.subTest(model=model):
                self.ctx.plug(model, f'1-{port}')
                with self.ctx.open(f'1-{port}', timeout=2) as dev:
                    actual = dev.serial.configure(baud=115200, format='8N1')
                    self.assertAlmostEqual(actual.baud, 115200, delta=115200 * 0.03)
                    self.assertEqual(dev.serial.config(), actual)


if __name__ == '__main__':
    unittest.main()
