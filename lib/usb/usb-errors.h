/* usb-errors.h — libusb error and transfer-status codes to DEVDRV_E_*. */
#ifndef DEVDRV_USB_ERRORS_H
#define DEVDRV_USB_ERRORS_H

/* @libusb_error: a LIBUSB_ERROR_* value (0 maps to 0). */
int dd_usb_error(int libusb_error);
/* @status: an enum libusb_transfer_status value. */
int dd_usb_transfer_status(int status);

#endif
