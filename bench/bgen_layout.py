"""Counts the genotype block layouts of a BGEN 1.2/1.3 file (layout 2).

    python3 bench/bgen_layout.py file.bgen

Prints one Markdown table row per layout: how many blocks have it, whether
they are phased, their bits per probability, allele count and the ploidies
of their samples (a missing sample counts under its ploidy). The benchmark
uses it to check that plink2's export of a phased VCF really is phased, with
a reader independent of genolake's. Standard library only; zlib and
uncompressed blocks (what plink2 writes).
"""

import collections
import struct
import sys
import zlib


def layouts(path):
    with open(path, "rb") as f:
        data = f.read()
    offset, header_length, variants, _samples = struct.unpack_from("<IIII", data, 0)
    (flags,) = struct.unpack_from("<I", data, 4 + header_length - 4)
    compression, layout = flags & 3, (flags >> 2) & 15
    if layout != 2 or compression not in (0, 1):
        sys.exit(f"{path}: layout {layout}, compression {compression}: only zlib or uncompressed layout 2")
    counts = collections.Counter()
    at = offset + 4
    for _ in range(variants):
        for _field in range(3):  # variant id, rsid, chromosome
            (length,) = struct.unpack_from("<H", data, at)
            at += 2 + length
        _position, alleles = struct.unpack_from("<IH", data, at)
        at += 6
        for _allele in range(alleles):
            (length,) = struct.unpack_from("<I", data, at)
            at += 4 + length
        (length,) = struct.unpack_from("<I", data, at)
        block = data[at + 4 : at + 4 + length]
        at += 4 + length
        if compression:
            block = zlib.decompress(block[4:])
        samples, k, _low, _high = struct.unpack_from("<IHBB", block, 0)
        ploidies = block[8 : 8 + samples]
        phased, bits = block[8 + samples], block[9 + samples]
        ploidy = tuple(sorted(set(p & 63 for p in ploidies)))
        counts[(bool(phased), bits, k, ploidy)] += 1
    return counts


def main():
    for (phased, bits, k, ploidy), blocks in layouts(sys.argv[1]).most_common():
        kind = "phased" if phased else "unphased"
        ploidies = "/".join(map(str, ploidy))
        print(f"| {blocks} | {kind} | {bits} | {k} | {ploidies} |")


if __name__ == "__main__":
    main()
