# SPDX-License-Identifier: GPL-2.0
# Included by the Makefile of each selftest group (kselftest style).  The
# group's Makefile sets TEST_PROGS (its tests, the files selftests/run.sh
# runs) and TEST_FILES (what they use: libraries, helper programs).
#
#   make -C selftests/GROUP list        the group's tests, one a line
#   make -C selftests/GROUP run_tests   run them in a test guest
#                                       (tools/vm/run-guest.sh)

GROUP := $(notdir $(patsubst %/,%,$(CURDIR)))
REPO := $(abspath $(CURDIR)/../..)

all:

list:
	@printf '%s\n' $(TEST_PROGS)

list_files:
	@printf '%s\n' $(TEST_FILES)

run_tests:
	cd $(REPO) && tools/vm/run-guest.sh selftests/run.sh $(GROUP)

.PHONY: all list list_files run_tests
