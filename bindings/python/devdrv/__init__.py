"""libdevdrv from Python: enumerate USB devices, open them by selector, and
read / write / control / ioctl / close them whatever the device; the serial
class; the virtual bus for tests. A ctypes binding of libdevdrv.so.0 (or the
file $DEVDRV_LIBRARY names): nothing to compile.

    import devdrv
    with devdrv.Context(transport='virtual') as ctx:
        with ctx.open('1-1', timeout=1) as dev:
            dev.write(b'ping')
            print(dev.read(64))

Failures raise devdrv.Error subclasses (NotFound, Timeout, Disconnected...)
whose str() is the library's one-line message. Timeouts are in seconds.

Threads, as devdrv.h says: a Context may be used from several threads at
once; a Device from one thread at a time; close() of either must not run
concurrently with another call on it. See Context and Device.
"""

from ._lib import RawPipes, lib as _clib, text as _text
from .context import Context, LogLevel, Transport
from .device import (IOC_CLEAR_HALT, IOC_CORE_CLASS, IOC_PRIVATE_CLASS, IOC_RAW_GET_PIPES, IOC_RAW_SET_PIPES,
                     IOC_RESET, Device, ioc)
from .errors import (Access, Busy, Cancelled, Closed, Disconnected, Error, ErrorCode, InvalidArgument,
                     IOFailure, NoDriver, NoMemory, NotFound, Overflow, Pipe, Protocol, Timeout, Unsupported,
                     strerror)
from .info import ConfigInfo, DeviceInfo, EndpointInfo, InterfaceInfo, Speed, speed_name
from .serial import (IOC_SERIAL_BREAK, IOC_SERIAL_CONFIGURE, IOC_SERIAL_GET_CONFIG, IOC_SERIAL_GET_LINES,
                     IOC_SERIAL_LATENCY, IOC_SERIAL_PURGE, IOC_SERIAL_SET_LINES, PURGE_RX, PURGE_TX, Flow, Lines,
                     Parity, Serial, SerialConfig, StopBits)


def version():
    """The library's version string ("0.1.0"), from devdrv_version()."""
    return _text(_clib.devdrv_version())


__version__ = version()

__all__ = [
    'Context', 'Device', 'DeviceInfo', 'ConfigInfo', 'InterfaceInfo', 'EndpointInfo', 'Serial',
    'SerialConfig', 'RawPipes', 'Transport', 'LogLevel', 'Speed', 'Parity', 'StopBits', 'Flow', 'Lines',
    'ErrorCode', 'Error', 'InvalidArgument', 'Closed', 'NotFound', 'Access', 'Busy', 'NoDriver', 'Timeout',
    'Pipe', 'Overflow', 'Disconnected', 'IOFailure', 'NoMemory', 'Unsupported', 'Protocol', 'Cancelled',
    'version', 'strerror', 'speed_name', 'ioc', 'PURGE_RX', 'PURGE_TX',
    'IOC_CORE_CLASS', 'IOC_PRIVATE_CLASS', 'IOC_RESET', 'IOC_CLEAR_HALT', 'IOC_RAW_GET_PIPES',
    'IOC_RAW_SET_PIPES', 'IOC_SERIAL_CONFIGURE', 'IOC_SERIAL_GET_CONFIG', 'IOC_SERIAL_SET_LINES',
    'IOC_SERIAL_GET_LINES', 'IOC_SERIAL_BREAK', 'IOC_SERIAL_PURGE', 'IOC_SERIAL_LATENCY',
]
