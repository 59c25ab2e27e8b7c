/* layout.c — print the C layout of every struct the Python binding mirrors
 * in devdrv/_lib.py, and the values of the enums and macros it copies, for
 * tests/test_layout.py to compare with ctypes and the Python constants:
 *   STRUCT - SIZEOF
 *   STRUCT MEMBER OFFSETOF SIZEOF
 *   const NAME VALUE
 * A member added to a header changes the struct's size, so a mirror that
 * misses it fails too, not only one with a wrong member; a transport added
 * changes DEVDRV_TRANSPORT_ALL. */
#include <stddef.h>
#include <stdio.h>

#include <devdrv/devdrv.h>
#include <devdrv/raw.h>
#include <devdrv/serial.h>

#define STRUCT(s) printf("%s - %zu\n", #s, sizeof(struct s))
#define CONST(c) printf("const %s %lld\n", #c, (long long)(c))
#define MEMBER(s, m) printf("%s %s %zu %zu\n", #s, #m, offsetof(struct s, m), sizeof(((struct s *)0)->m))

static void device_info(void)
{
	STRUCT(devdrv_device_info);
	MEMBER(devdrv_device_info, transport);
	MEMBER(devdrv_device_info, bus);
	MEMBER(devdrv_device_info, address);
	MEMBER(devdrv_device_info, port_path);
	MEMBER(devdrv_device_info, vid);
	MEMBER(devdrv_device_info, pid);
	MEMBER(devdrv_device_info, bcd_device);
	MEMBER(devdrv_device_info, bcd_usb);
	MEMBER(devdrv_device_info, cls);
	MEMBER(devdrv_device_info, subclass);
	MEMBER(devdrv_device_info, protocol);
	MEMBER(devdrv_device_info, max_packet0);
	MEMBER(devdrv_device_info, speed);
	MEMBER(devdrv_device_info, manufacturer);
	MEMBER(devdrv_device_info, product);
	MEMBER(devdrv_device_info, serial);
	MEMBER(devdrv_device_info, active_config);
	MEMBER(devdrv_device_info, num_configs);
	MEMBER(devdrv_device_info, configs);
	MEMBER(devdrv_device_info, driver);
	MEMBER(devdrv_device_info, driver_interface);
	MEMBER(devdrv_device_info, remote);
}

static void descriptors(void)
{
	STRUCT(devdrv_endpoint_info);
	MEMBER(devdrv_endpoint_info, address);
	MEMBER(devdrv_endpoint_info, attributes);
	MEMBER(devdrv_endpoint_info, max_packet);
	MEMBER(devdrv_endpoint_info, interval);

	STRUCT(devdrv_interface_info);
	MEMBER(devdrv_interface_info, number);
	MEMBER(devdrv_interface_info, alt_setting);
	MEMBER(devdrv_interface_info, cls);
	MEMBER(devdrv_interface_info, subclass);
	MEMBER(devdrv_interface_info, protocol);
	MEMBER(devdrv_interface_info, num_endpoints);
	MEMBER(devdrv_interface_info, endpoints);
	MEMBER(devdrv_interface_info, name);
	MEMBER(devdrv_interface_info, kernel_driver);
	MEMBER(devdrv_interface_info, extra);
	MEMBER(devdrv_interface_info, extra_len);

	STRUCT(devdrv_config_info);
	MEMBER(devdrv_config_info, value);
	MEMBER(devdrv_config_info, attributes);
	MEMBER(devdrv_config_info, max_power_ma);
	MEMBER(devdrv_config_info, num_interfaces);
	MEMBER(devdrv_config_info, interfaces);
	MEMBER(devdrv_config_info, raw);
	MEMBER(devdrv_config_info, raw_len);
}

static void context_options(void)
{
	STRUCT(devdrv_context_options);
	MEMBER(devdrv_context_options, size);
	MEMBER(devdrv_context_options, transports);
	MEMBER(devdrv_context_options, log_fn);
	MEMBER(devdrv_context_options, log_user);
	MEMBER(devdrv_context_options, log_level);
	MEMBER(devdrv_context_options, filters);
	MEMBER(devdrv_context_options, events);
}

static void ioctl_args(void)
{
	STRUCT(devdrv_raw_pipes);
	MEMBER(devdrv_raw_pipes, interface);
	MEMBER(devdrv_raw_pipes, in);
	MEMBER(devdrv_raw_pipes, out);

	STRUCT(devdrv_serial_config);
	MEMBER(devdrv_serial_config, baud);
	MEMBER(devdrv_serial_config, data_bits);
	MEMBER(devdrv_serial_config, parity);
	MEMBER(devdrv_serial_config, stop_bits);
	MEMBER(devdrv_serial_config, flow);

	STRUCT(devdrv_serial_configure_arg);
	MEMBER(devdrv_serial_configure_arg, want);
	MEMBER(devdrv_serial_configure_arg, actual);

	STRUCT(devdrv_serial_lines_arg);
	MEMBER(devdrv_serial_lines_arg, mask);
	MEMBER(devdrv_serial_lines_arg, values);
}

static void devdrv_h(void)
{
	CONST(DEVDRV_OK);
	CONST(DEVDRV_E_INVALID);
	CONST(DEVDRV_E_NOT_FOUND);
	CONST(DEVDRV_E_ACCESS);
	CONST(DEVDRV_E_BUSY);
	CONST(DEVDRV_E_NO_DRIVER);
	CONST(DEVDRV_E_TIMEOUT);
	CONST(DEVDRV_E_PIPE);
	CONST(DEVDRV_E_OVERFLOW);
	CONST(DEVDRV_E_DISCONNECTED);
	CONST(DEVDRV_E_IO);
	CONST(DEVDRV_E_NOMEM);
	CONST(DEVDRV_E_UNSUPPORTED);
	CONST(DEVDRV_E_PROTOCOL);
	CONST(DEVDRV_E_CANCELLED);
	CONST(DEVDRV_LOG_NONE);
	CONST(DEVDRV_LOG_ERROR);
	CONST(DEVDRV_LOG_WARN);
	CONST(DEVDRV_LOG_INFO);
	CONST(DEVDRV_LOG_DEBUG);
	CONST(DEVDRV_TRANSPORT_DEFAULT);
	CONST(DEVDRV_TRANSPORT_USB);
	CONST(DEVDRV_TRANSPORT_VIRTUAL);
	CONST(DEVDRV_TRANSPORT_REPLAY);
	CONST(DEVDRV_TRANSPORT_ALL);
	CONST(DEVDRV_SPEED_UNKNOWN);
	CONST(DEVDRV_SPEED_LOW);
	CONST(DEVDRV_SPEED_FULL);
	CONST(DEVDRV_SPEED_HIGH);
	CONST(DEVDRV_SPEED_SUPER);
	CONST(DEVDRV_SPEED_SUPER_PLUS);
}

static void raw_h(void)
{
	CONST(DEVDRV_IOC_CORE_CLASS);
	CONST(DEVDRV_IOC_PRIVATE_CLASS);
	CONST(DEVDRV_IOC_RESET);
	CONST(DEVDRV_IOC_CLEAR_HALT);
	CONST(DEVDRV_IOC_RAW_GET_PIPES);
	CONST(DEVDRV_IOC_RAW_SET_PIPES);
}

static void serial_h(void)
{
	CONST(DEVDRV_PARITY_NONE);
	CONST(DEVDRV_PARITY_ODD);
	CONST(DEVDRV_PARITY_EVEN);
	CONST(DEVDRV_PARITY_MARK);
	CONST(DEVDRV_PARITY_SPACE);
	CONST(DEVDRV_STOP_1);
	CONST(DEVDRV_STOP_1_5);
	CONST(DEVDRV_STOP_2);
	CONST(DEVDRV_FLOW_NONE);
	CONST(DEVDRV_FLOW_RTSCTS);
	CONST(DEVDRV_FLOW_XONXOFF);
	CONST(DEVDRV_SERIAL_DTR);
	CONST(DEVDRV_SERIAL_RTS);
	CONST(DEVDRV_SERIAL_CTS);
	CONST(DEVDRV_SERIAL_DSR);
	CONST(DEVDRV_SERIAL_RI);
	CONST(DEVDRV_SERIAL_DCD);
	CONST(DEVDRV_SERIAL_BREAK);
	CONST(DEVDRV_SERIAL_FRAMING);
	CONST(DEVDRV_SERIAL_PARITY);
	CONST(DEVDRV_SERIAL_OVERRUN);
	CONST(DEVDRV_SERIAL_PURGE_RX);
	CONST(DEVDRV_SERIAL_PURGE_TX);
	CONST(DEVDRV_IOC_SERIAL_CONFIGURE);
	CONST(DEVDRV_IOC_SERIAL_GET_CONFIG);
	CONST(DEVDRV_IOC_SERIAL_SET_LINES);
	CONST(DEVDRV_IOC_SERIAL_GET_LINES);
	CONST(DEVDRV_IOC_SERIAL_BREAK);
	CONST(DEVDRV_IOC_SERIAL_PURGE);
	CONST(DEVDRV_IOC_SERIAL_LATENCY);
}

int main(void)
{
	devdrv_h();
	raw_h();
	serial_h();
	context_options();
	descriptors();
	device_info();
	ioctl_args();
	return 0;
}
