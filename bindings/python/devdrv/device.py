"""Device: an open handle (struct devdrv_handle).

Thread safety, as devdrv.h says: a Device may be used from one thread at a
time (its I/O, ioctls and error messages); different Devices may be used
from different threads at once. close() must not run while another thread
is in a call on the same Device. A device unplugged while another thread is
blocked on it makes that call raise Disconnected. The binding adds no lock
of its own: ctypes releases the GIL for the length of each C call, so other
Python threads run while one waits on a device.

A blocking call cannot be interrupted by Ctrl-C (Python handles signals
between bytecodes, not inside C): give timeouts where that matters.
"""

import ctypes
import warnings

from . import _args
from ._lib import RawPipes, lib, text
from .errors import Closed, ErrorCode, check_handle
from .info import device_info


def ioc(cls, nr):
    """DEVDRV_IOC(cls, nr): an ioctl request code, the class in bits 8-15."""
    return (cls << 8) | nr


IOC_CORE_CLASS = 0xff
IOC_PRIVATE_CLASS = 0x80
IOC_RESET = ioc(IOC_CORE_CLASS, 1)        #: core: reset the device (no argument)
IOC_CLEAR_HALT = ioc(IOC_CORE_CLASS, 2)   #: core: clear a halt (ctypes.c_uint8 endpoint)
IOC_RAW_GET_PIPES = ioc(0, 1)             #: raw: the pipes (RawPipes)
IOC_RAW_SET_PIPES = ioc(0, 2)             #: raw: use other endpoints (RawPipes)

_DIR_IN = 0x80  # bit 7 of bmRequestType: device to host


class HandleSlot:
    """The C handle of one Device, shared with its Context.

    The Context keeps the slots of its open devices (not the Devices: a
    Context must not keep them alive) so that closing the Context closes
    them first, as devdrv_context_free() requires. Whoever closes first
    empties the slot, so the handle is closed once. This also holds when the
    garbage collector finalizes a Device and its Context in one cycle, in
    either order: weak references would already be cleared by then."""

    __slots__ = ('ptr',)
    # held by the class, so that a close at interpreter exit finds it even
    # after this module's globals are gone
    _devdrv_close = lib.devdrv_close

    def __init__(self, ptr):
        self.ptr = ptr

    def close(self):
        ptr, self.ptr = self.ptr, None
        if ptr:
            type(self)._devdrv_close(ptr)


class Device:
    """An open device: read, write, control, ioctl, close.

    Made by Context.open(); a context manager that closes on exit. `info` is
    the device's record (a DeviceInfo), `driver` the driver bound to it,
    `timeout` the default of every call (seconds; None: wait forever)."""

    def __init__(self, context, slot, selector, timeout):
        self._context = context  # keeps the Context (and its C object) alive
        self._slot = slot
        self.selector = selector
        self.timeout = timeout
        self.info = device_info(lib.devdrv_handle_info(slot.ptr).contents)
        self.driver = text(lib.devdrv_handle_driver(slot.ptr))
        self._serial = None

    # ---- life ------------------------------------------------------------

    @property
    def closed(self):
        return not self._slot.ptr

    def close(self):
        """Close the handle: releases the interface and frees its C memory.
        Closing twice is a no-op."""
        self._context._forget(self._slot)
        self._slot.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        # A safety net only: rely on close() or `with`, as for files.
        slot = getattr(self, '_slot', None)
        if slot is not None and slot.ptr:
            warnings.warn(f'unclosed {self!r}', ResourceWarning, source=self)
            self.close()

    def __repr__(self):
        state = 'closed' if self.closed else 'open'
        return f'<devdrv.Device {self.info.port} {self.info.vid:04x}:{self.info.pid:04x} {self.driver} {state}>'

    def handle(self):
        """The C handle (a ctypes pointer), for calls the binding does not
        wrap; raises Closed once the device is closed."""
        ptr = self._slot.ptr
        if not ptr:
            raise Closed(ErrorCode.INVALID, f'device {self.info.port} is closed')
        return ptr

    def _check(self, rc):
        return check_handle(self._slot.ptr, rc)

    def _ms(self, timeout):
        return _args.timeout_ms(self.timeout if timeout is None else timeout)

    # ---- I/O ---------------------------------------------------------------

    def read(self, size, timeout=None):
        """Read up to @size bytes of the class's natural stream (raw: the
        first IN pipe) and return them; b'' is a zero-length packet.
        @timeout in seconds, None: the device's `timeout` (math.inf: wait
        forever). Raises Timeout when nothing arrived."""
        buf = ctypes.create_string_buffer(_args.size(size, 'read size'))
        n = self._check(lib.devdrv_read(self.handle(), buf, len(buf), self._ms(timeout)))
        return buf.raw[:n]

    def readinto(self, buffer, timeout=None):
        """read() into a writable buffer (bytearray, memoryview); returns the
        number of bytes read."""
        ptr, size = _args.by_reference(buffer)
        return self._check(lib.devdrv_read(self.handle(), ptr, size, self._ms(timeout)))

    def write(self, data, timeout=None):
        """Write bytes to the class's natural stream (raw: the first OUT
        pipe); returns how many moved, fewer than len(data) only when the
        timeout expired after part of it went."""
        data = _args.readable(data)
        return self._check(lib.devdrv_write(self.handle(), data, len(data), self._ms(timeout)))

    def control(self, request_type, request, value=0, index=0, data_or_length=0, timeout=None):
        """Control transfer on endpoint 0; bit 7 of @request_type is the
        direction. IN (device to host): @data_or_length is how many bytes to
        ask for, and the bytes received are returned. OUT: it is the data
        stage (bytes-like, or empty), and the number of bytes sent is
        returned. Raises Pipe when the device refuses the request."""
        request_type = _args.uint(request_type, 8, 'request_type')
        setup = (request_type, _args.uint(request, 8, 'request'), _args.uint(value, 16, 'value'),
                 _args.uint(index, 16, 'index'))
        if request_type & _DIR_IN:
            return self._control_in(setup, data_or_length, timeout)
        return self._control_out(setup, data_or_length, timeout)

    def _control_in(self, setup, length, timeout):
        if not isinstance(length, int):
            raise TypeError('control IN: give the length to read, not data')
        buf = ctypes.create_string_buffer(_args.uint(length, 16, 'length'))
        n = self._check(lib.devdrv_control(self.handle(), *setup, buf if length else None, length,
                                           self._ms(timeout)))
        return buf.raw[:n]

    def _control_out(self, setup, data, timeout):
        if isinstance(data, int):
            if data:
                raise TypeError('control OUT: give the data to send, not a length')
            data = b''
        data = _args.readable(data)
        size = _args.uint(len(data), 16, 'control OUT data length')
        return self._check(lib.devdrv_control(self.handle(), *setup, data if size else None, size,
                                              self._ms(timeout)))

    def ioctl(self, request, arg=None):
        """devdrv_ioctl(): a class- or driver-specific request (IOC_* codes,
        or ioc(cls, nr)). @arg is what the request code documents: None, a
        ctypes object (RawPipes(), ctypes.c_uint8(0x81), ...) passed by
        reference and filled in place, or a writable buffer. Returns the
        request's non-negative result. Pointers inside @arg are the caller's
        to keep alive for the call."""
        ptr, size = _args.by_reference(arg)
        return self._check(lib.devdrv_ioctl(self.handle(), _args.uint(request, 32, 'request'), ptr, size))

    # ---- the core and raw ioctls, typed ------------------------------------

    def pipes(self):
        """The raw pipes (IOC_RAW_GET_PIPES): a RawPipes with .interface,
        .in_ and .out endpoint addresses (0: none)."""
        pipes = RawPipes()
        self.ioctl(IOC_RAW_GET_PIPES, pipes)
        return pipes

    def clear_halt(self, endpoint):
        """Clear a halt on @endpoint (IOC_CLEAR_HALT)."""
        self.ioctl(IOC_CLEAR_HALT, ctypes.c_uint8(_args.uint(endpoint, 8, 'endpoint')))

    def reset(self):
        """Reset the device (IOC_RESET)."""
        self.ioctl(IOC_RESET)

    # ---- classes -------------------------------------------------------------

    @property
    def serial(self):
        """The serial class on this device (devdrv.Serial); its calls raise
        Unsupported when the bound driver is not a serial driver."""
        if self._serial is None:
            from .serial import Serial  # here, not at the top: serial.py imports this module
            self._serial = Serial(self)
        return self._serial

