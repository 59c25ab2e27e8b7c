"""The C library as ctypes sees it: loading, struct mirrors, prototypes.

Nothing here is public API. Every function the binding calls is declared in
_PROTOTYPES with its exact argument and return types: without them ctypes
would truncate returned pointers to int and pass Python ints as C int,
which corrupts 64-bit pointers and size_t arguments.

The struct mirrors follow include/devdrv/*.h member for member; the test
tests/test_layout.py compares their sizes and offsets with the C compiler's.
"""

import ctypes
import os
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char_p, c_int, c_size_t, c_ssize_t, c_uint,
                    c_uint8, c_uint16, c_uint32, c_void_p)

SONAME = 'libdevdrv.so.0'
"""What is loaded unless $DEVDRV_LIBRARY names a file (the tests point it at
the build tree). The soname, not libdevdrv.so: the unversioned name exists only
where the development package is installed."""


# ---- opaque handles --------------------------------------------------------
# Distinct pointer types, so that passing a handle where a context is expected
# is a ctypes.ArgumentError instead of a crash in C.

class ContextStruct(Structure):
    """struct devdrv_context (opaque)."""


class HandleStruct(Structure):
    """struct devdrv_handle (opaque)."""


ContextPtr = POINTER(ContextStruct)
HandlePtr = POINTER(HandleStruct)


# ---- devdrv.h ---------------------------------------------------------------

LOG_FN = CFUNCTYPE(None, c_int, c_char_p, c_void_p)
"""devdrv_log_fn: (enum devdrv_log_level, const char *msg, void *user)."""

MODEL_FN = CFUNCTYPE(None, c_char_p, c_void_p)
"""The callback of devdrv_virtual_models(): (const char *name, void *user)."""


class ContextOptions(Structure):
    """struct devdrv_context_options."""
    _fields_ = [
        ('size', c_size_t),
        ('transports', c_uint),
        ('log_fn', LOG_FN),
        ('log_user', c_void_p),
        ('log_level', c_int),
        ('filters', c_char_p),
        ('events', c_int),
    ]


class EndpointInfo(Structure):
    """struct devdrv_endpoint_info."""
    _fields_ = [
        ('address', c_uint8),
        ('attributes', c_uint8),
        ('max_packet', c_uint16),
        ('interval', c_uint8),
    ]


class InterfaceInfo(Structure):
    """struct devdrv_interface_info."""
    _fields_ = [
        ('number', c_uint8),
        ('alt_setting', c_uint8),
        ('cls', c_uint8),
        ('subclass', c_uint8),
        ('protocol', c_uint8),
        ('num_endpoints', c_uint8),
        ('endpoints', POINTER(EndpointInfo)),
        ('name', c_char_p),
        ('kernel_driver', c_char_p),
        ('extra', POINTER(c_uint8)),
        ('extra_len', c_size_t),
    ]


class ConfigInfo(Structure):
    """struct devdrv_config_info."""
    _fields_ = [
        ('value', c_uint8),
        ('attributes', c_uint8),
        ('max_power_ma', c_uint16),
        ('num_interfaces', c_uint8),
        ('interfaces', POINTER(InterfaceInfo)),
        ('raw', POINTER(c_uint8)),
        ('raw_len', c_size_t),
    ]


class DeviceInfo(Structure):
    """struct devdrv_device_info."""
    _fields_ = [
        ('transport', c_char_p),
        ('bus', c_uint8),
        ('address', c_uint8),
        ('port_path', c_char_p),
        ('vid', c_uint16),
        ('pid', c_uint16),
        ('bcd_device', c_uint16),
        ('bcd_usb', c_uint16),
        ('cls', c_uint8),
        ('subclass', c_uint8),
        ('protocol', c_uint8),
        ('max_packet0', c_uint8),
        ('speed', c_int),
        ('manufacturer', c_char_p),
        ('product', c_char_p),
        ('serial', c_char_p),
        ('active_config', c_uint8),
        ('num_configs', c_uint8),
        ('configs', POINTER(ConfigInfo)),
        ('driver', c_char_p),
        ('driver_interface', c_int),
        ('remote', c_int),
    ]


DeviceInfoPtr = POINTER(DeviceInfo)
DeviceListPtr = POINTER(DeviceInfoPtr)  # const struct devdrv_device_info **


# ---- raw.h and serial.h -----------------------------------------------------

class RawPipes(Structure):
    """struct devdrv_raw_pipes (DEVDRV_IOC_RAW_GET_PIPES / _SET_PIPES).
    C's `in` is a Python keyword: the field is `in_`."""
    _fields_ = [
        ('interface', c_int),
        ('in_', c_uint8),
        ('out', c_uint8),
    ]


class SerialConfig(Structure):
    """struct devdrv_serial_config."""
    _fields_ = [
        ('baud', c_uint32),
        ('data_bits', c_uint8),
        ('parity', c_int),
        ('stop_bits', c_int),
        ('flow', c_int),
    ]


class SerialConfigureArg(Structure):
    """struct devdrv_serial_configure_arg (DEVDRV_IOC_SERIAL_CONFIGURE)."""
    _fields_ = [
        ('want', SerialConfig),
        ('actual', SerialConfig),
    ]


class SerialLinesArg(Structure):
    """struct devdrv_serial_lines_arg (DEVDRV_IOC_SERIAL_SET_LINES)."""
    _fields_ = [
        ('mask', c_uint),
        ('values', c_uint),
    ]


MIRRORED_STRUCTS = {
    'devdrv_context_options': ContextOptions,
    'devdrv_endpoint_info': EndpointInfo,
    'devdrv_interface_info': InterfaceInfo,
    'devdrv_config_info': ConfigInfo,
    'devdrv_device_info': DeviceInfo,
    'devdrv_raw_pipes': RawPipes,
    'devdrv_serial_config': SerialConfig,
    'devdrv_serial_configure_arg': SerialConfigureArg,
    'devdrv_serial_lines_arg': SerialLinesArg,
}
"""C struct name -> mirror, for the layout test."""


# ---- prototypes ---------------------------------------------------------------

_PROTOTYPES = {
    # devdrv.h
    'devdrv_version': (c_char_p, []),
    'devdrv_strerror': (c_char_p, [c_int]),
    'devdrv_speed_name': (c_char_p, [c_int]),
    'devdrv_context_new': (c_int, [POINTER(ContextOptions), POINTER(ContextPtr)]),
    'devdrv_context_free': (None, [ContextPtr]),
    'devdrv_context_errmsg': (c_char_p, [ContextPtr]),
    'devdrv_get_device_list': (c_ssize_t, [ContextPtr, POINTER(DeviceListPtr)]),
    'devdrv_free_device_list': (None, [DeviceListPtr]),
    'devdrv_selector_matches': (c_int, [ContextPtr, c_char_p, DeviceInfoPtr]),
    'devdrv_open': (c_int, [ContextPtr, c_char_p, POINTER(HandlePtr)]),
    'devdrv_close': (None, [HandlePtr]),
    'devdrv_handle_info': (DeviceInfoPtr, [HandlePtr]),
    'devdrv_handle_driver': (c_char_p, [HandlePtr]),
    'devdrv_errmsg': (c_char_p, [HandlePtr]),
    'devdrv_read': (c_ssize_t, [HandlePtr, c_void_p, c_size_t, c_uint]),
    'devdrv_write': (c_ssize_t, [HandlePtr, c_void_p, c_size_t, c_uint]),
    'devdrv_control': (c_int, [HandlePtr, c_uint8, c_uint8, c_uint16, c_uint16, c_void_p, c_uint16,
                               c_uint]),
    'devdrv_ioctl': (c_int, [HandlePtr, c_uint, c_void_p, c_size_t]),
    # virtual.h
    'devdrv_virtual_plug': (c_int, [ContextPtr, c_char_p, c_char_p]),
    'devdrv_virtual_unplug': (c_int, [ContextPtr, c_char_p]),
    'devdrv_virtual_unplug_all': (c_int, [ContextPtr]),
    'devdrv_virtual_models': (c_int, [ContextPtr, MODEL_FN, c_void_p]),
    # serial.h
    'devdrv_serial_open': (c_int, [ContextPtr, c_char_p, POINTER(SerialConfig), POINTER(HandlePtr)]),
    'devdrv_serial_configure': (c_int, [HandlePtr, POINTER(SerialConfig), POINTER(SerialConfig)]),
    'devdrv_serial_get_config': (c_int, [HandlePtr, POINTER(SerialConfig)]),
    'devdrv_serial_set_lines': (c_int, [HandlePtr, c_uint, c_uint]),
    'devdrv_serial_get_lines': (c_int, [HandlePtr, POINTER(c_uint)]),
    'devdrv_serial_break': (c_int, [HandlePtr, c_int]),
    'devdrv_serial_purge': (c_int, [HandlePtr, c_uint]),
    'devdrv_serial_set_latency': (c_int, [HandlePtr, c_uint]),
    'devdrv_serial_parse_format': (c_int, [c_char_p, POINTER(SerialConfig)]),
    'devdrv_serial_format_name': (c_char_p, [POINTER(SerialConfig), c_char_p, c_size_t]),
}


def _declare(cdll):
    """Give every function the binding uses its C prototype; a library that
    lacks one is refused here rather than at the first call."""
    for name, (restype, argtypes) in _PROTOTYPES.items():
        try:
            fn = getattr(cdll, name)
        except AttributeError:
            raise ImportError(f'devdrv: {cdll._name} has no {name}: '
                              'is it an older libdevdrv than this binding?') from None
        fn.restype = restype
        fn.argtypes = argtypes
    return cdll


def _load():
    """Open the library by soname, or the file $DEVDRV_LIBRARY names."""
    path = os.environ.get('DEVDRV_LIBRARY') or SONAME
    try:
        cdll = ctypes.CDLL(path)
    except OSError as e:
        raise ImportError(f'devdrv: cannot load {path} ({e}); install libdevdrv, or point '
                          'LD_LIBRARY_PATH at its directory or DEVDRV_LIBRARY at the file') from None
    return _declare(cdll)


lib = _load()


def text(raw, errors='replace'):
    """A C string (bytes from a c_char_p, or None) as str. Device strings are
    untrusted and need not be UTF-8: undecodable bytes become U+FFFD rather
    than an exception in the middle of a listing."""
    return None if raw is None else raw.decode('utf-8', errors)
