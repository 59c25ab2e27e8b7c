"""The serial class (include/devdrv/serial.h): line settings, flow control,
modem lines, break, purge, whatever chip is behind the device (CDC-ACM, FTDI,
CP210x, CH34x, PL2303). Device.read() and Device.write() move the payload.

Settings a chip cannot make raise Unsupported with the reason, and the port
keeps its settings; baud rates are rounded to the chip's nearest rate, which
configure() returns.

Thread safety: as Device, one thread at a time per device; make_config() and
the types here are pure and safe anywhere.
"""

import ctypes
import enum
import time
from dataclasses import dataclass

from . import _args
from . import _lib
from ._lib import lib, text
from .device import ioc
from .errors import check_handle, invalid


class Parity(enum.IntEnum):
    """enum devdrv_parity."""
    NONE = 0
    ODD = 1
    EVEN = 2
    MARK = 3
    SPACE = 4


class StopBits(enum.IntEnum):
    """enum devdrv_stop_bits. (SerialConfig.stop holds the number of stop
    bits instead: 1, 1.5 or 2.)"""
    ONE = 0
    ONE_POINT_FIVE = 1
    TWO = 2


class Flow(enum.IntEnum):
    """enum devdrv_flow; XONXOFF is done by the chip, where it can."""
    NONE = 0
    RTSCTS = 1
    XONXOFF = 2


class Lines(enum.IntFlag):
    """Modem lines (DTR, RTS out; CTS, DSR, RI, DCD in) and the line events
    seen since the last get_lines() (BREAK, FRAMING, PARITY, OVERRUN)."""
    NONE = 0
    DTR = 0x001
    RTS = 0x002
    CTS = 0x004
    DSR = 0x008
    RI = 0x010
    DCD = 0x020
    BREAK = 0x100
    FRAMING = 0x200
    PARITY = 0x400
    OVERRUN = 0x800


PURGE_RX = 1
PURGE_TX = 2

# the ioctls behind the functions (class 1 = serial)
IOC_SERIAL_CONFIGURE = ioc(1, 1)   #: struct devdrv_serial_configure_arg
IOC_SERIAL_GET_CONFIG = ioc(1, 2)  #: struct devdrv_serial_config
IOC_SERIAL_SET_LINES = ioc(1, 3)   #: struct devdrv_serial_lines_arg
IOC_SERIAL_GET_LINES = ioc(1, 4)   #: unsigned
IOC_SERIAL_BREAK = ioc(1, 5)       #: int
IOC_SERIAL_PURGE = ioc(1, 6)       #: unsigned
IOC_SERIAL_LATENCY = ioc(1, 7)     #: unsigned (ms)

_STOP_BITS = {1: StopBits.ONE, 1.5: StopBits.ONE_POINT_FIVE, 2: StopBits.TWO}
_STOP_COUNT = {v: k for k, v in _STOP_BITS.items()}
_PARITY_LETTERS = {'N': Parity.NONE, 'O': Parity.ODD, 'E': Parity.EVEN, 'M': Parity.MARK,
                   'S': Parity.SPACE}


@dataclass(frozen=True)
class SerialConfig:
    """Line settings (struct devdrv_serial_config): baud rate, data bits
    (5-8), parity, stop bits (1, 1.5 or 2) and flow control."""
    baud: int
    bits: int = 8
    parity: Parity = Parity.NONE
    stop: float = 1
    flow: Flow = Flow.NONE

    @property
    def format(self):
        """"8N1" and the like, as devdrv_serial_format_name() writes it."""
        buf = ctypes.create_string_buffer(16)
        return text(lib.devdrv_serial_format_name(ctypes.byref(to_c(self)), buf, len(buf)))

    def __str__(self):
        return f'{self.baud} {self.format} flow {self.flow.name.lower()}'


def _enum_of(cls, value, what):
    """@value as a member of @cls: a member, its int, or its name in any case."""
    try:
        return cls[value.upper()] if isinstance(value, str) else cls(value)
    except (KeyError, ValueError):
        names = ', '.join(m.name.lower() for m in cls)
        raise invalid(f'{what} {value!r}: expected one of {names}') from None


def as_parity(value):
    """A Parity from a member, its int, its name ('even') or letter ('E')."""
    if isinstance(value, str) and value.upper() in _PARITY_LETTERS:
        return _PARITY_LETTERS[value.upper()]
    return _enum_of(Parity, value, 'parity')


def as_flow(value):
    """A Flow from a member, its int or its name ('rtscts')."""
    return _enum_of(Flow, value, 'flow control')


def as_stop(value):
    """The number of stop bits (1, 1.5, 2) from that number or a StopBits
    member. Members are looked at first: StopBits.ONE_POINT_FIVE equals 1."""
    if isinstance(value, StopBits):
        return _STOP_COUNT[value]
    if value not in _STOP_BITS:
        raise invalid(f'stop bits {value!r}: expected 1, 1.5 or 2')
    return _STOP_COUNT[_STOP_BITS[value]]


def to_c(cfg):
    """A SerialConfig as the C struct, range-checked (ctypes would truncate)."""
    return _lib.SerialConfig(baud=_args.uint(cfg.baud, 32, 'baud'), data_bits=_args.uint(cfg.bits, 8, 'bits'),
                             parity=as_parity(cfg.parity), stop_bits=_STOP_BITS[as_stop(cfg.stop)],
                             flow=as_flow(cfg.flow))


def from_c(c):
    """The C struct as a SerialConfig."""
    return SerialConfig(baud=c.baud, bits=c.data_bits, parity=Parity(c.parity),
                        stop=_STOP_COUNT[StopBits(c.stop_bits)], flow=Flow(c.flow))


def parse_format(text_format):
    """"8N1", "7E2", "8N1.5" as (bits, parity, stop), parsed by the library's
    devdrv_serial_parse_format(), which gives no message: this one does."""
    c = _lib.SerialConfig()
    if lib.devdrv_serial_parse_format(text_format.encode(), ctypes.byref(c)) < 0:
        raise invalid(f'line format {text_format!r}: expected data bits 5-8, parity N/O/E/M/S '
                      'and stop bits 1, 1.5 or 2, as in "8N1"')
    return c.data_bits, Parity(c.parity), _STOP_COUNT[StopBits(c.stop_bits)]


def make_config(baud=9600, format='8N1', flow='none'):
    """The C struct for Context.open_serial()."""
    bits, parity, stop = parse_format(format)
    return to_c(SerialConfig(baud, bits, parity, stop, as_flow(flow)))


class Serial:
    """The serial class on an open Device: Serial(dev), or dev.serial.
    Every call raises Unsupported on a device whose driver is not a serial
    driver (the C wrappers are ioctls of the serial class)."""

    def __init__(self, device):
        self.device = device

    def _call(self, fn, *args):
        handle = self.device.handle()
        return check_handle(handle, fn(handle, *args))

    def config(self):
        """The settings in force, as a SerialConfig."""
        c = _lib.SerialConfig()
        self._call(lib.devdrv_serial_get_config, ctypes.byref(c))
        return from_c(c)

    def configure(self, baud=None, bits=None, parity=None, stop=None, flow=None, format=None):
        """Change line settings and return what the chip really does (the
        baud rate rounded to what it can make). What is not given keeps its
        current value, so that changing the rate does not reset the format;
        @format ('8N1') sets bits, parity and stop at once."""
        want = self._wanted(self.config(), baud, bits, parity, stop, flow, format)
        actual = _lib.SerialConfig()
        self._call(lib.devdrv_serial_configure, ctypes.byref(to_c(want)), ctypes.byref(actual))
        return from_c(actual)

    @staticmethod
    def _wanted(now, baud, bits, parity, stop, flow, format):
        """The SerialConfig configure() asks for: @now with what was given."""
        if format is not None:
            f_bits, f_parity, f_stop = parse_format(format)
            bits = f_bits if bits is None else bits
            parity = f_parity if parity is None else parity
            stop = f_stop if stop is None else stop
        return SerialConfig(baud=now.baud if baud is None else baud,
                            bits=now.bits if bits is None else bits,
                            parity=as_parity(now.parity if parity is None else parity),
                            stop=as_stop(now.stop if stop is None else stop),
                            flow=as_flow(now.flow if flow is None else flow))

    def set_lines(self, dtr=None, rts=None):
        """Raise (True) or drop (False) DTR and RTS; None leaves a line as it is."""
        mask = values = 0
        for line, on in ((Lines.DTR, dtr), (Lines.RTS, rts)):
            if on is not None:
                mask |= line
                values |= line if on else 0
        if mask:
            self._call(lib.devdrv_serial_set_lines, int(mask), int(values))

    def get_lines(self):
        """The lines (Lines flags) read fresh from the chip, and the line
        events since the last call. Raises Disconnected once the device is
        gone, rather than repeat the last lines seen."""
        lines = ctypes.c_uint()
        self._call(lib.devdrv_serial_get_lines, ctypes.byref(lines))
        return Lines(lines.value)

    def set_break(self, on=True):
        """Start (True) or stop (False) sending a break."""
        self._call(lib.devdrv_serial_break, 1 if on else 0)

    def send_break(self, duration=0.25):
        """Send a break for @duration seconds; stopped even if interrupted."""
        self.set_break(True)
        try:
            time.sleep(duration)
        finally:
            self.set_break(False)

    def purge(self, rx=True, tx=True):
        """Drop buffered received (@rx) and unsent (@tx) data."""
        what = (PURGE_RX if rx else 0) | (PURGE_TX if tx else 0)
        if what:
            self._call(lib.devdrv_serial_purge, what)

    def set_latency(self, ms):
        """Chips that hold received bytes until a timer expires (FTDI): set
        it, in milliseconds (1-255). Unsupported on chips without one."""
        self._call(lib.devdrv_serial_set_latency, _args.uint(ms, 32, 'latency'))
