#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The README's demo command: build ib_srpt, boot the Debian kernel in qemu,
# export a LUN over SRP on soft-RoCE, log in with the kernel's ib_srp
# initiator, do verified I/O and print what happened (tools/guest/demo.sh).
# Installs missing Debian packages first when run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ]; then
	tools/deps.sh
fi
make -j2
exec tools/vm/run-guest.sh --timeout 900 tools/guest/demo.sh
