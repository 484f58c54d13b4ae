#!/usr/bin/python3
"""discontig_io.py DEV [COUNT] [SEED]: O_DIRECT vectored I/O with scattered,
misaligned buffers (a helper of selftests/srp/test_large_io.sh).

Each of COUNT rounds writes random data to a random sector-aligned offset of
DEV with pwritev() from an iovec whose segments start at sub-page offsets
(multiples of the queue's DMA alignment + 1), have lengths that are random
multiples of 512 bytes and sometimes cross page boundaries, with gaps between
them; then reads the range back with preadv() through a different scattered
layout and compares.  The block layer splits such I/O at the gaps (ib_srp
sets a virt boundary), so the target sees many small commands whose data
start at odd offsets in the initiator's memory registrations.  Exit 0 when
every round read back what it wrote.
"""
import mmap
import os
import random
import sys

SECTOR = 512
PAGE = mmap.PAGESIZE
AREA = 32 << 20          # device range used
MAX_IO = 256 << 10       # bytes per round at most


def dma_alignment(dev):
    """The queue's DMA alignment mask (segment start addresses must be
    multiples of mask + 1); 511 if the kernel does not say."""
    name = os.path.basename(os.path.realpath(dev))
    try:
        with open("/sys/block/%s/queue/dma_alignment" % name) as f:
            return int(f.read())
    except OSError:
        return 511


def layout(rng, total, align, buf_size):
    """Segments (buffer offset, length) adding up to total: each starts at a
    multiple of align that is usually not page aligned, with a gap after it."""
    segs = []
    pos = 0
    left = total
    while left:
        length = min(left, SECTOR * rng.randint(1, 24))
        # Start somewhere in the next page at an aligned, mostly
        # non-page-aligned offset; lengths above a page cross boundaries.
        page_start = (pos + PAGE - 1) // PAGE * PAGE
        start = page_start + align * rng.randint(0, PAGE // align - 1)
        if start + length > buf_size:
            raise RuntimeError("buffer too small")
        segs.append((start, length))
        pos = start + length + align       # leave a gap
        left -= length
    return segs


def main():
    dev = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else random.randrange(1 << 30)
    rng = random.Random(seed)
    align = max(dma_alignment(dev) + 1, 4)
    if align >= PAGE:
        align = SECTOR
    print("# discontig_io: dev %s seed %d dma alignment %d" % (dev, seed, align))
    buf_size = 4 * MAX_IO + 64 * PAGE
    wbuf = mmap.mmap(-1, buf_size)
    rbuf = mmap.mmap(-1, buf_size)
    fd = os.open(dev, os.O_RDWR | os.O_DIRECT)
    wview = memoryview(wbuf)
    rview = memoryview(rbuf)
    segs_total = 0
    try:
        for i in range(count):
            total = SECTOR * rng.randint(1, MAX_IO // SECTOR)
            offset = SECTOR * rng.randrange((AREA - total) // SECTOR)
            data = rng.randbytes(total)
            wsegs = layout(rng, total, align, buf_size)
            pos = 0
            for start, length in wsegs:
                wbuf[start:start + length] = data[pos:pos + length]
                pos += length
            n = os.pwritev(fd, [wview[s:s + l] for s, l in wsegs], offset)
            if n != total:
                raise RuntimeError("round %d: short write %d of %d" % (i, n, total))
            rsegs = layout(rng, total, align, buf_size)
            rbuf[:] = b"\0" * buf_size
            n = os.preadv(fd, [rview[s:s + l] for s, l in rsegs], offset)
            if n != total:
                raise RuntimeError("round %d: short read %d of %d" % (i, n, total))
            back = b"".join(bytes(rbuf[s:s + l]) for s, l in rsegs)
            if back != data:
                bad = next(k for k in range(total) if back[k] != data[k])
                raise RuntimeError("round %d: %d bytes at %d: data differ at byte %d "
                                   "(write segments %s, read segments %s)"
                                   % (i, total, offset, bad, wsegs[:8], rsegs[:8]))
            segs_total += len(wsegs) + len(rsegs)
    finally:
        wview.release()
        rview.release()
        os.close(fd)
    print("# discontig_io: %d rounds, %d segments, all data verified" % (count, segs_total))


if __name__ == "__main__":
    try:
        main()
    except (OSError, RuntimeError) as e:
        print("discontig_io: FAIL: %s" % e, file=sys.stderr)
        sys.exit(1)
