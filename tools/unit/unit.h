/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tools/unit: a small TAP test harness for the pure driver files.
 *
 * A case is unit_begin("name"), checks, unit_end(): one TAP line, "ok N -
 * name" or "not ok N - name" with the failed checks as "# " lines. A
 * check that fails does not stop the case.
 */
#ifndef UNIT_H
#define UNIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

__attribute__((format(printf, 1, 2))) void unit_begin(const char *fmt, ...);
bool unit_end(void);
bool unit_check(bool ok, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
bool unit_check_mem(const void *got, const void *want, size_t len,
		    const char *file, int line, const char *what);
bool unit_check_log(const char *needle, const char *file, int line);

#define CHECK(cond) \
	unit_check(!!(cond), __FILE__, __LINE__, "%s", #cond)
#define CHECK_EQ(got, want) ({						\
	unsigned long long __g = (got), __w = (want);			\
	unit_check(__g == __w, __FILE__, __LINE__,			\
		   "%s == %s: got %#llx, want %#llx", #got, #want, __g, __w); \
})
#define CHECK_MEM(got, want, len) \
	unit_check_mem(got, want, len, __FILE__, __LINE__, #got)
/* The last kernel message contains @needle (NULL: nothing was logged). */
#define CHECK_LOG(needle) unit_check_log(needle, __FILE__, __LINE__)

/* Big-endian stores for building IUs byte by byte. */
static inline void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static inline void put_be32(uint8_t *p, uint32_t v)
{
	put_be16(p, v >> 16);
	put_be16(p + 2, v);
}

static inline void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, v >> 32);
	put_be32(p + 4, v);
}

/* The test groups, one per file. */
void test_cmd(void);
void test_rsp(void);
void test_tmf(void);
void test_login(void);
void test_names(void);
void test_dm(void);
void test_vectors(void);

#endif
