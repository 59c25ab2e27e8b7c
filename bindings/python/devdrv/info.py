"""Device records: what devdrv_get_device_list() and devdrv_handle_info()
describe, copied into Python objects.

The C records live only as long as their list (or handle), so nothing here
points into C memory: each record is copied whole when it is read, and stays
valid after the list is freed or the device is closed.
"""

import ctypes
import enum
from dataclasses import dataclass
from typing import Optional, Tuple

from ._lib import lib, text


class Speed(enum.IntEnum):
    """enum devdrv_speed."""
    UNKNOWN = 0
    LOW = 1
    FULL = 2
    HIGH = 3
    SUPER = 4
    SUPER_PLUS = 5


def speed_name(speed):
    """Speed as sysfs writes it, in Mbit/s ("1.5", "480"), or "unknown"."""
    return text(lib.devdrv_speed_name(int(speed)))


@dataclass(frozen=True)
class EndpointInfo:
    """One endpoint of an interface (struct devdrv_endpoint_info)."""
    address: int       #: bit 7 set: IN
    attributes: int    #: bits 0-1: 0 control, 1 iso, 2 bulk, 3 interrupt
    max_packet: int    #: wMaxPacketSize as the device sent it
    interval: int

    @property
    def is_in(self):
        return bool(self.address & 0x80)


@dataclass(frozen=True)
class InterfaceInfo:
    """One interface descriptor, one alternate setting (struct devdrv_interface_info)."""
    number: int
    alt_setting: int
    interface_class: int
    interface_subclass: int
    interface_protocol: int
    endpoints: Tuple[EndpointInfo, ...]
    name: Optional[str]           #: iInterface string
    kernel_driver: Optional[str]  #: kernel driver bound (sysfs)
    extra: bytes                  #: class-specific descriptors after it


@dataclass(frozen=True)
class ConfigInfo:
    """One configuration (struct devdrv_config_info)."""
    value: int          #: bConfigurationValue
    attributes: int
    max_power_ma: int
    interfaces: Tuple[InterfaceInfo, ...]  #: every alternate setting
    raw: bytes          #: the whole configuration descriptor


@dataclass(frozen=True)
class DeviceInfo:
    """A device as listed (struct devdrv_device_info); `selector` names it
    for Context.open()."""
    transport: str
    bus: int
    address: int
    port: str           #: port path, "1-1.2"; "1" for a root hub
    vid: int
    pid: int
    bcd_device: int
    bcd_usb: int
    device_class: int
    device_subclass: int
    device_protocol: int
    max_packet0: int
    speed: Speed
    manufacturer: Optional[str]
    product: Optional[str]
    serial: Optional[str]
    active_config: int  #: 0 if unknown
    configs: Tuple[ConfigInfo, ...]
    driver: Optional[str]  #: the libdevdrv driver that would bind
    driver_interface: int  #: the interface it binds to, -1 if none
    remote: bool           #: imported over USB/IP

    @property
    def selector(self):
        """A selector naming this device and no other. The port path alone is
        not enough: bus numbers of different transports may coincide (the
        virtual bus is bus 1), so the transport is named too."""
        return f'transport={self.transport},{self.port}'

    @property
    def speed_name(self):
        return speed_name(self.speed)

    def __str__(self):
        return (f'{self.port} {self.vid:04x}:{self.pid:04x} {self.product or "?"} '
                f'({self.driver or "no driver"})')


def _bytes(ptr, length):
    return ctypes.string_at(ptr, length) if ptr and length else b''


def _enum(cls, value):
    """An enum member, or the plain int when the library is newer than us."""
    try:
        return cls(value)
    except ValueError:
        return value


def _endpoint(c):
    return EndpointInfo(c.address, c.attributes, c.max_packet, c.interval)


def _interface(c):
    return InterfaceInfo(
        number=c.number, alt_setting=c.alt_setting, interface_class=c.cls,
        interface_subclass=c.subclass, interface_protocol=c.protocol,
        endpoints=tuple(_endpoint(c.endpoints[i]) for i in range(c.num_endpoints)),
        name=text(c.name), kernel_driver=text(c.kernel_driver),
        extra=_bytes(c.extra, c.extra_len))


def _config(c):
    return ConfigInfo(
        value=c.value, attributes=c.attributes, max_power_ma=c.max_power_ma,
        interfaces=tuple(_interface(c.interfaces[i]) for i in range(c.num_interfaces)),
        raw=_bytes(c.raw, c.raw_len))


def device_info(c):
    """Copy a struct devdrv_device_info (the ctypes mirror) into a DeviceInfo."""
    return DeviceInfo(
        transport=text(c.transport), bus=c.bus, address=c.address, port=text(c.port_path),
        vid=c.vid, pid=c.pid, bcd_device=c.bcd_device, bcd_usb=c.bcd_usb,
        device_class=c.cls, device_subclass=c.subclass, device_protocol=c.protocol,
        max_packet0=c.max_packet0, speed=_enum(Speed, c.speed),
        manufacturer=text(c.manufacturer), product=text(c.product), serial=text(c.serial),
        active_config=c.active_config,
        configs=tuple(_config(c.configs[i]) for i in range(c.num_configs)),
        driver=text(c.driver), driver_interface=c.driver_interface, remote=bool(c.remote))
