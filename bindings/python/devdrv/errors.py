"""Errors: the negative DEVDRV_E_* codes as exceptions.

Each exception carries the code (.code, negative, as in C), its name
(.name, devdrv_strerror()) and the library's one-line detail of what failed
(.message, also str(e)): devdrv_errmsg() for a call on a device handle,
devdrv_context_errmsg() for a call on a context.
"""

import enum

from ._lib import lib, text


class ErrorCode(enum.IntEnum):
    """enum devdrv_error."""
    OK = 0
    INVALID = -1
    NOT_FOUND = -2
    ACCESS = -3
    BUSY = -4
    NO_DRIVER = -5
    TIMEOUT = -6
    PIPE = -7
    OVERFLOW = -8
    DISCONNECTED = -9
    IO = -10
    NOMEM = -11
    UNSUPPORTED = -12
    PROTOCOL = -13
    CANCELLED = -14


def strerror(code):
    """Name of an error code ("timeout"), as devdrv_strerror() gives it."""
    return text(lib.devdrv_strerror(code))


class Error(Exception):
    """A libdevdrv call failed. The subclass says which DEVDRV_E_* code;
    catch Error for all of them."""

    def __init__(self, code, message):
        # both in args, so that the exception pickles and copies
        super().__init__(code, message)
        self.code = code
        self.message = message

    @property
    def name(self):
        """The code's name, e.g. "not found"."""
        return strerror(self.code)

    def __str__(self):
        return self.message


class InvalidArgument(Error, ValueError):
    """DEVDRV_E_INVALID: a bad argument or a malformed selector. Also a
    ValueError, since the binding raises it for out-of-range arguments that
    it checks itself (ctypes would silently truncate them)."""


class Closed(InvalidArgument):
    """The Context or Device was closed: its C object is gone. Like I/O on a
    closed file, a ValueError."""


class NotFound(Error):
    """DEVDRV_E_NOT_FOUND: no device matches."""


class Access(Error):
    """DEVDRV_E_ACCESS: permission denied (see the udev rules)."""


class Busy(Error):
    """DEVDRV_E_BUSY: the interface is claimed by someone else."""


class NoDriver(Error):
    """DEVDRV_E_NO_DRIVER: no libdevdrv driver binds to the device."""


class Timeout(Error):
    """DEVDRV_E_TIMEOUT: the transfer timed out, nothing moved."""


class Pipe(Error):
    """DEVDRV_E_PIPE: the endpoint stalled, or the device refused the request."""


class Overflow(Error):
    """DEVDRV_E_OVERFLOW: the device sent more than was asked for."""


class Disconnected(Error):
    """DEVDRV_E_DISCONNECTED: the device is gone."""


class IOFailure(Error):
    """DEVDRV_E_IO: another transfer or system error. (Not named IOError,
    which is Python's alias of OSError.)"""


class NoMemory(Error):
    """DEVDRV_E_NOMEM: out of memory."""


class Unsupported(Error):
    """DEVDRV_E_UNSUPPORTED: the device or its driver cannot do this."""


class Protocol(Error):
    """DEVDRV_E_PROTOCOL: the device sent something malformed."""


class Cancelled(Error):
    """DEVDRV_E_CANCELLED: the request was cancelled."""


_BY_CODE = {
    ErrorCode.INVALID: InvalidArgument,
    ErrorCode.NOT_FOUND: NotFound,
    ErrorCode.ACCESS: Access,
    ErrorCode.BUSY: Busy,
    ErrorCode.NO_DRIVER: NoDriver,
    ErrorCode.TIMEOUT: Timeout,
    ErrorCode.PIPE: Pipe,
    ErrorCode.OVERFLOW: Overflow,
    ErrorCode.DISCONNECTED: Disconnected,
    ErrorCode.IO: IOFailure,
    ErrorCode.NOMEM: NoMemory,
    ErrorCode.UNSUPPORTED: Unsupported,
    ErrorCode.PROTOCOL: Protocol,
    ErrorCode.CANCELLED: Cancelled,
}

# Tracebacks and reprs name them as users import them: devdrv.NotFound.
for _cls in (Error, Closed, *_BY_CODE.values()):
    _cls.__module__ = 'devdrv'
del _cls


def error(code, message=None):
    """The exception for @code; without a message (or an empty one, when the
    library left none) the code's name stands in."""
    return _BY_CODE.get(code, Error)(code, message or strerror(code))


def context_error(ctx, code):
    """The exception for a failed call on context @ctx (a ContextPtr, or None
    for calls with no context): the calling thread's message, which is why it
    must be read right after the call, on the same thread."""
    return error(code, text(lib.devdrv_context_errmsg(ctx)))


def handle_error(handle, code):
    """The exception for a failed call on @handle (a HandlePtr)."""
    return error(code, text(lib.devdrv_errmsg(handle)))


def check_context(ctx, rc):
    """rc of a context call: returned if >= 0, else raised."""
    if rc < 0:
        raise context_error(ctx, rc)
    return rc


def check_handle(handle, rc):
    """rc of a handle call: returned if >= 0, else raised."""
    if rc < 0:
        raise handle_error(handle, rc)
    return rc


def invalid(message):
    """An argument the binding refuses before C sees it."""
    return InvalidArgument(ErrorCode.INVALID, message)
