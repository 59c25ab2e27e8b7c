/* usb-errors.c — one place that knows libusb's error vocabulary. */
#include "usb-errors.h"

#include <devdrv/devdrv.h>
#include <libusb.h>

int dd_usb_error(int libusb_error)
{
	switch (libusb_error) {
	case LIBUSB_SUCCESS: return 0;
	case LIBUSB_ERROR_INVALID_PARAM: return DEVDRV_E_INVALID;
	case LIBUSB_ERROR_ACCESS: return DEVDRV_E_ACCESS;
	case LIBUSB_ERROR_NO_DEVICE: return DEVDRV_E_DISCONNECTED;
	case LIBUSB_ERROR_NOT_FOUND: return DEVDRV_E_NOT_FOUND;
	case LIBUSB_ERROR_BUSY: return DEVDRV_E_BUSY;
	case LIBUSB_ERROR_TIMEOUT: return DEVDRV_E_TIMEOUT;
	case LIBUSB_ERROR_OVERFLOW: return DEVDRV_E_OVERFLOW;
	case LIBUSB_ERROR_PIPE: return DEVDRV_E_PIPE;
	case LIBUSB_ERROR_INTERRUPTED: return DEVDRV_E_CANCELLED;
	case LIBUSB_ERROR_NO_MEM: return DEVDRV_E_NOMEM;
	case LIBUSB_ERROR_NOT_SUPPORTED: return DEVDRV_E_UNSUPPORTED;
	case LIBUSB_ERROR_IO:
	case LIBUSB_ERROR_OTHER:
	default: return DEVDRV_E_IO;
	}
}

int dd_usb_transfer_status(int status)
{
	switch (status) {
	case LIBUSB_TRANSFER_COMPLETED: return 0;
	case LIBUSB_TRANSFER_TIMED_OUT: return DEVDRV_E_TIMEOUT;
	case LIBUSB_TRANSFER_CANCELLED: return DEVDRV_E_CANCELLED;
	case LIBUSB_TRANSFER_STALL: return DEVDRV_E_PIPE;
	case LIBUSB_TRANSFER_NO_DEVICE: return DEVDRV_E_DISCONNECTED;
	case LIBUSB_TRANSFER_OVERFLOW: return DEVDRV_E_OVERFLOW;
	case LIBUSB_TRANSFER_ERROR:
	default: return DEVDRV_E_IO;
	}
}
