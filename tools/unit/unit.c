// SPDX-License-Identifier: GPL-2.0
/*
 * tools/unit: run every test group and print TAP; exit 1 if a case failed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kernel.h>	/* the shim's: shim_last_log, shim_log_count */

#include "unit.h"

static unsigned int n_cases, n_failed;
static bool case_failed;
static char case_name[256];
static char diag[4096];

void unit_begin(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(case_name, sizeof(case_name), fmt, ap);
	va_end(ap);
	case_failed = false;
	diag[0] = '\0';
	shim_last_log[0] = '\0';
	shim_log_count = 0;
}

static void add_diag(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static void add_diag(const char *fmt, ...)
{
	size_t len = strlen(diag);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(diag + len, sizeof(diag) - len, fmt, ap);
	va_end(ap);
}

bool unit_end(void)
{
	n_cases++;
	if (case_failed)
		n_failed++;
	printf("%sok %u - %s\n", case_failed ? "not " : "", n_cases,
	       case_name);
	if (case_failed) {
		fputs(diag, stdout);
		if (shim_log_count)
			printf("#   last kernel message: %s", shim_last_log);
	}
	return !case_failed;
}

bool unit_check(bool ok, const char *file, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (ok)
		return true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	case_failed = true;
	add_diag("#   %s:%d: %s\n", file, line, msg);
	return false;
}

bool unit_check_mem(const void *got, const void *want, size_t len,
		    const char *file, int line, const char *what)
{
	const uint8_t *g = got, *w = want;
	size_t i, shown = 0;

	if (!memcmp(got, want, len))
		return true;
	case_failed = true;
	add_diag("#   %s:%d: %s differs from the expected %zu bytes:\n",
		 file, line, what, len);
	for (i = 0; i < len && shown < 8; i++) {
		if (g[i] == w[i])
			continue;
		add_diag("#     byte %zu: got %02x, want %02x\n", i, g[i], w[i]);
		shown++;
	}
	return false;
}

bool unit_check_log(const char *needle, const char *file, int line)
{
	if (!needle)
		return unit_check(!shim_log_count, file, line,
				  "no kernel message expected, got: %s",
				  shim_last_log);
	return unit_check(shim_log_count && strstr(shim_last_log, needle),
			  file, line, "kernel message with \"%s\" expected, got: %s",
			  needle, shim_log_count ? shim_last_log : "none\n");
}

int main(void)
{
	printf("TAP version 13\n");
	test_cmd();
	test_rsp();
	test_tmf();
	test_login();
	test_names();
	test_dm();
	test_vectors();
	printf("1..%u\n", n_cases);
	printf("%u passed, %u failed\n", n_cases - n_failed, n_failed);
	return n_failed ? 1 : 0;
}
