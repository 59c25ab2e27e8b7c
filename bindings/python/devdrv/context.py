"""Context: a libdevdrv context (struct devdrv_context) and what is done on
it: listing, opening, the virtual bus.

Thread safety, as devdrv.h says: a Context may be used from any number of
threads at once (listing, opening, plugging virtual devices). close() must
not run while anything else runs on the context, and comes last; it closes
the Devices still open first. The log callback may be called from any
thread, several at once, and also during Context() and close().
"""

import ctypes
import enum
import os
import threading
import warnings

from . import _args
from ._lib import LOG_FN, MODEL_FN, ContextOptions, ContextPtr, DeviceListPtr, HandlePtr, lib, text
from .device import Device, HandleSlot
from .errors import Closed, ErrorCode, check_context, invalid
from .info import DeviceInfo, device_info
from .serial import make_config


class Transport(enum.IntFlag):
    """enum devdrv_transport; DEFAULT (0) follows $DEVDRV_REPLAY,
    $DEVDRV_USBIP_SERVER and $DEVDRV_TRANSPORT, else usb."""
    DEFAULT = 0
    USB = 1 << 0
    VIRTUAL = 1 << 1
    REPLAY = 1 << 2
    USBIP = 1 << 3
    ALL = (1 << 4) - 1


class LogLevel(enum.IntEnum):
    """enum devdrv_log_level."""
    NONE = 0
    ERROR = 1
    WARN = 2
    INFO = 3
    DEBUG = 4


def _transports(transport):
    """Context(transport=...) as the C bitmask: None for the default, a name
    ('virtual'), several names ('usb,virtual' or a list), or Transport flags."""
    if transport is None:
        return Transport.DEFAULT
    if isinstance(transport, int):
        return Transport(transport)
    names = transport.split(',') if isinstance(transport, str) else list(transport)
    mask = Transport.DEFAULT
    for name in names:
        try:
            mask |= Transport[name.strip().upper()]
        except KeyError:
            names = ', '.join(n.lower() for n in Transport.__members__ if n != 'DEFAULT')
            raise invalid(f'unknown transport {name!r}: {names}') from None
    return mask


def _log_level(level, log):
    """The level handed to C. The C default (0) means $DEVDRV_DEBUG, else
    nothing; a program that passes a callback and no level presumably wants
    to hear something, so it gets warnings and errors unless $DEVDRV_DEBUG
    says otherwise."""
    if level is not None:
        return LogLevel(level)
    if log is not None and not os.environ.get('DEVDRV_DEBUG'):
        return LogLevel.WARN
    return LogLevel.NONE


def _log_trampoline(log):
    """A C log callback calling log(level, message). An exception raised by
    @log cannot cross into C: ctypes reports it (sys.unraisablehook) and the
    library goes on."""
    def call(level, msg, user):
        try:
            level = LogLevel(level)
        except ValueError:
            pass
        log(level, text(msg))
    return LOG_FN(call)


class Context:
    """A libdevdrv context: Context(transport='virtual'), a context manager.

    transport: None (the default: $DEVDRV_TRANSPORT, else usb), 'usb',
        'virtual', 'replay', 'usbip', 'all', several separated by commas, or Transport
        flags. With 'virtual' the bus starts with the loopback at 1-1 and the
        button at 1-2.
    log: a callable log(level, message) for the library's log, called from
        any thread; log_level: a LogLevel (see _log_level for the default).
    filters: "NAME[:ARGS];NAME..." attached to every handle (devdrv/filter.h).
    """

    _devdrv_context_free = lib.devdrv_context_free  # see HandleSlot

    def __init__(self, transport=None, *, log=None, log_level=None, filters=None):
        self._ptr = None
        self._slots = set()
        self._lock = threading.Lock()
        # the callback must outlive the C context, which may call it until
        # devdrv_context_free() returns: it is dropped only after that
        self._log_fn = _log_trampoline(log) if log is not None else None
        opts = ContextOptions(size=ctypes.sizeof(ContextOptions), transports=_transports(transport),
                              log_level=_log_level(log_level, log),
                              filters=filters.encode() if filters else None)
        if self._log_fn is not None:
            opts.log_fn = self._log_fn
        ptr = ContextPtr()
        check_context(None, lib.devdrv_context_new(ctypes.byref(opts), ctypes.byref(ptr)))
        self._ptr = ptr

    # ---- life ----------------------------------------------------------------

    @property
    def closed(self):
        return not self._ptr

    def close(self):
        """Close the Devices still open, then free the context. Closing twice
        is a no-op."""
        ptr, self._ptr = self._ptr, None
        if not ptr:
            return
        with self._lock:
            slots, self._slots = self._slots, set()
        for slot in slots:
            slot.close()
        type(self)._devdrv_context_free(ptr)
        self._log_fn = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        # A safety net only: rely on close() or `with`, as for files.
        if getattr(self, '_ptr', None):
            warnings.warn(f'unclosed {self!r}', ResourceWarning, source=self)
            self.close()

    def __repr__(self):
        return f'<devdrv.Context {"closed" if self.closed else "open"}>'

    def pointer(self):
        """The C context (a ctypes pointer), for calls the binding does not
        wrap; raises Closed once the context is closed."""
        ptr = self._ptr
        if not ptr:
            raise Closed(ErrorCode.INVALID, 'the context is closed')
        return ptr

    def _check(self, rc):
        return check_context(self._ptr, rc)

    def _forget(self, slot):
        with self._lock:
            self._slots.discard(slot)

    # ---- listing ----------------------------------------------------------------

    def devices(self, selector=None):
        """The devices of the context's transports, in list order (transport,
        bus, port path), as DeviceInfo records; with @selector only those it
        matches (ignoring any #N), e.g. '1209:' for a vendor's."""
        ptr = self.pointer()
        sel = selector.encode() if selector is not None else None
        clist = DeviceListPtr()
        count = self._check(lib.devdrv_get_device_list(ptr, ctypes.byref(clist)))
        try:
            return [device_info(clist[i].contents) for i in range(count)
                    if sel is None or self._matches(sel, clist[i])]
        finally:
            lib.devdrv_free_device_list(clist)

    def _matches(self, selector, info_ptr):
        return self._check(lib.devdrv_selector_matches(self._ptr, selector, info_ptr)) == 1

    # ---- opening ---------------------------------------------------------------

    def open(self, selector, timeout=None):
        """Open the device @selector names ('1-1', '1209:0001', 'serial=X',
        ..., or a DeviceInfo from devices()) and bind its best driver. @timeout
        (seconds; None: forever) becomes the Device's default for its calls.
        Raises InvalidArgument for a malformed selector (the message gives the
        column), NotFound, Busy, Access, NoDriver..."""
        return self._open(lib.devdrv_open, selector, timeout)

    def open_serial(self, selector, baud=9600, format='8N1', flow='none', timeout=None):
        """Open a serial port with these settings from its first request on
        (devdrv_serial_open), so that the chip never runs at 9600 8N1 in
        between; raises Unsupported for a device that is not a serial port
        or settings its chip cannot make."""
        cfg = make_config(baud, format, flow)
        return self._open(lib.devdrv_serial_open, selector, timeout, ctypes.byref(cfg))

    def _open(self, opener, selector, timeout, *extra):
        _args.timeout_ms(timeout)  # refused before anything is opened
        if isinstance(selector, DeviceInfo):
            selector = selector.selector
        slot = HandleSlot(self._open_handle(opener, selector, *extra))
        with self._lock:
            self._slots.add(slot)
        try:
            return Device(self, slot, selector, timeout)
        except BaseException:
            self._forget(slot)
            slot.close()
            raise

    def _open_handle(self, opener, selector, *extra):
        """Run a devdrv_*open(ctx, selector, *extra, &h) and return h, or
        raise with the context's message."""
        ptr, handle = self.pointer(), HandlePtr()
        self._check(opener(ptr, selector.encode(), *extra, ctypes.byref(handle)))
        return handle

    # ---- the virtual bus ------------------------------------------------------

    def plug(self, model, port):
        """Plug a virtual device model ('ft232r', 'sink', see models()) in at
        @port ('1-3'). Needs the virtual transport (Unsupported without)."""
        self._check(lib.devdrv_virtual_plug(self.pointer(), model.encode(), port.encode()))

    def unplug(self, port):
        """Unplug the virtual device at @port: its open Devices raise
        Disconnected from then on, blocked calls included."""
        self._check(lib.devdrv_virtual_unplug(self.pointer(), port.encode()))

    def unplug_all(self):
        """Unplug every virtual device; returns how many there were."""
        return self._check(lib.devdrv_virtual_unplug_all(self.pointer()))

    def models(self):
        """The names of every model plug() knows, plugins' included."""
        names = []
        collect = MODEL_FN(lambda name, user: names.append(text(name)))
        lib.devdrv_virtual_models(self.pointer(), collect, None)
        return names
