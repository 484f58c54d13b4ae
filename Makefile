# SPDX-License-Identifier: GPL-2.0
#
# Out-of-tree build of ib_srpt against an installed kernel's headers.
#
#   make            build drivers/infiniband/ulp/srpt/ib_srpt.ko (W=1, -Werror)
#   make unit       the unit tests of the pure protocol files, on the host
#                   (tools/unit: seconds, no kernel build, no guest)
#   make sparse     rebuild everything through sparse (C=2); any finding fails
#   make checkpatch checkpatch.pl --strict on every driver source file
#   make kerneldoc  kernel-doc on every driver source file
#   make coccicheck the kernel's coccinelle scripts (report mode); any finding fails
#   make check      sparse + checkpatch + kerneldoc + coccicheck
#   make install    install to /lib/modules/<kver>/updates/ and run depmod
#   make patch-series        the in-tree series for linux SRPT_SERIES_KERNEL
#                            (build/patch-series/<series>/out/)
#   make patch-series-check  apply it to linux-source-<series>, checkpatch
#                            --strict from that tree and a W=1 build per patch
#   make demo       the README's demo (tools/demo.sh)
#   make test       the README's test command (tools/test.sh)
#
# KDIR defaults to the build tree of the newest installed Debian amd64 kernel
# that also has an image in /boot, i.e. the kernel the qemu guest boots.
#
# SRPT_SERIES_KERNEL: the kernel(s) the patch series is made and checked
# for, 6.12 (default: upstream review reads a series against a current
# tree) or 6.1, or both: make patch-series-check SRPT_SERIES_KERNEL="6.12 6.1"

KVER ?= $(shell tools/kver.sh)
KDIR ?= /lib/modules/$(KVER)/build
SRC  := drivers/infiniband/ulp/srpt
KBUILD_ARGS := -C $(KDIR) M=$(CURDIR) CONFIG_INFINIBAND_SRPT=m W=1 KCFLAGS=-Werror
SRPT_SERIES_KERNEL ?= 6.12

.PHONY: all modules clean sparse checkpatch kerneldoc coccicheck check install demo test \
	patch-series patch-series-check unit

all: modules

modules:
	@test -d "$(KDIR)" || { echo "no kernel build tree at '$(KDIR)' (install linux-headers-amd64 or set KDIR=)"; exit 1; }
	$(MAKE) $(KBUILD_ARGS) modules

clean:
	$(MAKE) $(KBUILD_ARGS) clean

sparse:
	tools/check-sparse.sh $(MAKE) $(KBUILD_ARGS)

checkpatch:
	tools/check-checkpatch.sh $(SRC)

kerneldoc:
	tools/check-kerneldoc.sh $(SRC)

coccicheck:
	KDIR=$(KDIR) tools/check-coccinelle.sh $(SRC)

check: sparse checkpatch kerneldoc coccicheck

unit:
	$(MAKE) -C tools/unit KVER=$(KVER)

install: modules
	$(MAKE) $(KBUILD_ARGS) INSTALL_MOD_DIR=updates modules_install
	depmod -a $(KVER)

patch-series:
	for k in $(SRPT_SERIES_KERNEL); do tools/mk-patch-series.sh -k $$k || exit 1; done

patch-series-check:
	tools/check-patch-series.sh $(SRPT_SERIES_KERNEL)

demo:
	tools/demo.sh

test:
	tools/test.sh
