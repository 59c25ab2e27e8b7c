"""Argument checks done in Python because ctypes does not do them: it
truncates an int to the C parameter's width without a word (300 passed as
uint8_t arrives as 44), and the C API's own checks cannot see what was cut
off before it arrived."""

import ctypes
import math

from .errors import invalid

MAX_TIMEOUT_MS = 0xFFFFFFFF  # unsigned timeout_ms


def uint(value, bits, what):
    """@value as an unsigned int of @bits bits, or InvalidArgument."""
    value = int(value)
    if not 0 <= value < 1 << bits:
        raise invalid(f'{what} must be 0..{(1 << bits) - 1}, not {value}')
    return value


def size(value, what):
    """A byte count (size_t): non-negative."""
    value = int(value)
    if value < 0:
        raise invalid(f'{what} must not be negative, not {value}')
    return value


def timeout_ms(seconds):
    """Seconds (Python's unit for timeouts, as in socket and threading) to
    the C API's milliseconds. None and math.inf wait forever (C's 0); zero or
    less is refused, since C would read 0 as "forever", the opposite of what
    a Python caller means by it. Fractions round up: never wait less than
    asked."""
    if seconds is None or seconds == math.inf:
        return 0
    if not seconds > 0:
        raise invalid(f'timeout must be positive seconds, or None to wait forever, not {seconds!r}')
    ms = math.ceil(seconds * 1000)
    if ms > MAX_TIMEOUT_MS:
        raise invalid(f'timeout of {seconds} s is over the {MAX_TIMEOUT_MS} ms the library takes')
    return ms


def readable(data):
    """Bytes for a write: any bytes-like object (a copy only when it is not
    bytes already), so that C gets a pointer to memory that stays put."""
    if isinstance(data, bytes):
        return data
    try:
        return memoryview(data).tobytes()
    except TypeError:
        raise TypeError(f'expected a bytes-like object, not {type(data).__name__}') from None


def by_reference(arg):
    """(pointer, size) for an ioctl argument: None is (None, 0); a ctypes
    instance (Structure, c_uint, array...) goes by reference with its own
    size; a writable buffer (bytearray, writable memoryview) is lent in place,
    so the driver's answer lands in it. Read-only bytes are refused: an ioctl
    may write into its argument."""
    if arg is None:
        return None, 0
    if isinstance(arg, (ctypes._SimpleCData, ctypes.Structure, ctypes.Union, ctypes.Array)):
        return ctypes.byref(arg), ctypes.sizeof(arg)
    try:
        view = memoryview(arg)
    except TypeError:
        raise TypeError('ioctl argument: expected None, a ctypes object or a writable buffer, '
                        f'not {type(arg).__name__}') from None
    if view.readonly:
        raise TypeError('ioctl argument: the buffer is read-only; pass a bytearray')
    if view.nbytes == 0:
        return None, 0
    return ctypes.byref((ctypes.c_char * view.nbytes).from_buffer(view)), view.nbytes
