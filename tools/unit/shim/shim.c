// SPDX-License-Identifier: GPL-2.0
/*
 * Host shim for tools/unit: the kernel library functions the pure driver
 * files call, copied from the kernel (6.1) or written to the same
 * contract, and the printk capture.
 */
#include <stdarg.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <scsi/scsi_common.h>

char shim_last_log[512];
unsigned int shim_log_count;

void shim_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(shim_last_log, sizeof(shim_last_log), fmt, ap);
	va_end(ap);
	shim_log_count++;
}

/* lib/hexdump.c */
int hex_to_bin(unsigned char ch)
{
	unsigned char cu = ch & 0xdf;

	return -1 +
		((ch - '0' +  1) & (unsigned)((ch - '9' - 1) & ('0' - 1 - ch)) >> 8) +
		((cu - 'A' + 11) & (unsigned)((cu - 'F' - 1) & ('A' - 1 - cu)) >> 8);
}

int hex2bin(u8 *dst, const char *src, size_t count)
{
	while (count--) {
		int hi, lo;

		hi = hex_to_bin(*src++);
		if (hi < 0)
			return -EINVAL;
		lo = hex_to_bin(*src++);
		if (lo < 0)
			return -EINVAL;

		*dst++ = (hi << 4) | lo;
	}
	return 0;
}

/* lib/string.c: strscpy() and zero the rest of @dest. */
ssize_t strscpy_pad(char *dest, const char *src, size_t count)
{
	size_t len;

	if (!count)
		return -E2BIG;
	len = strnlen(src, count);
	if (len == count) {
		memcpy(dest, src, count - 1);
		dest[count - 1] = '\0';
		return -E2BIG;
	}
	memcpy(dest, src, len);
	memset(dest + len, 0, count - len);
	return len;
}

/* drivers/scsi/scsi_common.c */
const unsigned char scsi_command_size_tbl[8] = {
	6, 10, 10, 12, 16, 12, 10, 10
};

u64 scsilun_to_int(struct scsi_lun *scsilun)
{
	unsigned int i;
	u64 lun;

	lun = 0;
	for (i = 0; i < sizeof(lun); i += 2)
		lun = lun | (((u64)scsilun->scsi_lun[i] << ((i + 1) * 8)) |
			     ((u64)scsilun->scsi_lun[i + 1] << (i * 8)));
	return lun;
}
