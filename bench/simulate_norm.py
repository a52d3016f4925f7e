"""Simulates a cohort for split + normalize benchmarks: a reference FASTA and
a VCF against it with multiallelic sites and indels, many of them written
the way callers that do not normalize write them.

    python bench/simulate_norm.py VARIANTS SAMPLES OUT_PREFIX

writes OUT_PREFIX.fa (+ .fa.fai) and OUT_PREFIX.vcf (plain; bgzip it).

Genotypes come from an msprime coalescent simulation (as in
bench/simulate_phased.py: neutral allele frequencies, linkage), so allele
frequencies are realistic. Each msprime site becomes one record:

- 70% SNPs;
- 10% multiallelic SNPs: two neighbouring msprime sites merged into one
  record with two ALT bases (a genome carrying the second site's derived
  allele gets allele 2, else the first's gets 1);
- 12% indels placed in homopolymer or dinucleotide repeats of the
  reference and written at the repeat's right end (left alignment moves
  them), or padded with extra shared bases (trimming removes them);
- 8% multiallelic indels: two deletions of different lengths in one
  record (after splitting, the shorter one needs trimming).

INFO has AC and AF (Number=A) and AN; FORMAT is GT, or GT:AD with --ad
(Number=R depths), so splitting has lists to cut. The reference is random
bases with a repeat every 150 bases on average.
"""

import argparse
import sys

import msprime
import numpy as np

NE = 10_000
MUTATION_RATE = 1.29e-8
RECOMBINATION_RATE = 1e-8
BASES = np.frombuffer(b"ACGT", dtype=np.uint8)


def reference(length, rng):
    """Random bases with homopolymer and dinucleotide repeats; the repeats'
    (start, unit, copies), sorted by start."""
    seq = BASES[rng.integers(0, 4, length)]
    repeats = []
    pos = 10
    while True:
        pos += int(rng.integers(50, 250))
        unit = int(rng.integers(1, 3))
        copies = int(rng.integers(4, 12))
        if pos + unit * copies + 10 >= length:
            break
        motif = BASES[rng.integers(0, 4, unit)]
        if unit == 2 and motif[0] == motif[1]:
            motif[1] = BASES[(np.searchsorted(BASES, motif[1]) + 1) % 4]
        seq[pos : pos + unit * copies] = np.tile(motif, copies)
        # A different base after the repeat, so it ends where it seems to.
        if seq[pos + unit * copies] == motif[0]:
            seq[pos + unit * copies] = BASES[(np.searchsorted(BASES, motif[0]) + 1) % 4]
        repeats.append((pos, unit, copies))
        pos += unit * copies
    return seq, repeats


def other_base(base, rng, avoid=()):
    while True:
        b = BASES[rng.integers(0, 4)]
        if b != base and b not in avoid:
            return b


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("variants", type=int)
    parser.add_argument("samples", type=int)
    parser.add_argument("out")
    parser.add_argument("--contig", default="1")
    parser.add_argument("--ad", action="store_true", help="FORMAT GT:AD instead of GT")
    parser.add_argument("--seed", type=int, default=29)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)

    genomes = 2 * args.samples
    harmonic = sum(1 / i for i in range(1, genomes))
    # Multiallelic records use two msprime sites.
    wanted = int(args.variants * 1.2)
    length = int(1.1 * wanted / (4 * NE * MUTATION_RATE * harmonic))
    ancestry = msprime.sim_ancestry(
        samples=args.samples,
        population_size=NE,
        sequence_length=length,
        recombination_rate=RECOMBINATION_RATE,
        random_seed=args.seed,
    )
    ts = msprime.sim_mutations(ancestry, rate=MUTATION_RATE, random_seed=args.seed)
    print(f"simulated {ts.num_sites} sites over {length} bases", file=sys.stderr)

    seq, repeats = reference(length + 1000, rng)
    repeat_starts = np.array([r[0] for r in repeats])

    gt_table = np.array([f"{a}|{b}".encode() for a in range(3) for b in range(3)], dtype=object)
    records = []
    used_until = 0
    sites = ts.variants()
    pending = None
    made = 0
    while made < args.variants:
        variant = pending if pending is not None else next(sites, None)
        pending = None
        if variant is None:
            break
        hap = np.minimum(variant.genotypes, 1).astype(np.int8)
        pos = int(variant.site.position)
        if pos <= used_until + 2:
            continue
        kind = rng.random()
        if kind < 0.70:
            ref = seq[pos : pos + 1].tobytes()
            alts = [bytes([other_base(seq[pos], rng)])]
            alleles = hap
        elif kind < 0.80:
            second = next(sites, None)
            if second is None:
                break
            hap2 = np.minimum(second.genotypes, 1).astype(np.int8)
            b1 = other_base(seq[pos], rng)
            b2 = other_base(seq[pos], rng, avoid=(b1,))
            ref = seq[pos : pos + 1].tobytes()
            alts = [bytes([b1]), bytes([b2])]
            alleles = np.where(hap2 == 1, 2, hap)
        else:
            # The next repeat at or after pos.
            i = int(np.searchsorted(repeat_starts, pos))
            if i >= len(repeats):
                break
            start, unit, copies = repeats[i]
            end = start + unit * copies
            if start <= used_until + 2:
                pending = variant
                continue
            if kind < 0.92:
                if rng.random() < 0.5:
                    # One unit deleted, written at the repeat's right end.
                    anchor = end - unit - 1
                    ref = seq[anchor : end].tobytes()
                    alts = [seq[anchor : anchor + 1].tobytes()]
                else:
                    # One unit inserted, written at the right end with two
                    # extra shared bases after it.
                    anchor = end - 1
                    ref = seq[anchor : end + 2].tobytes()
                    alts = [seq[anchor:end].tobytes() + seq[end - unit : end].tobytes() + seq[end : end + 2].tobytes()]
                pos = anchor
                alleles = hap
            else:
                second = next(sites, None)
                if second is None:
                    break
                hap2 = np.minimum(second.genotypes, 1).astype(np.int8)
                anchor = end - 2 * unit - 1
                if anchor <= used_until + 2:
                    continue
                ref = seq[anchor:end].tobytes()
                # One and two units deleted.
                alts = [seq[anchor : end - unit].tobytes(), seq[anchor : end - 2 * unit].tobytes()]
                pos = anchor
                alleles = np.where(hap2 == 1, 2, hap)
            used_until = end + 2
        used_until = max(used_until, pos + len(ref))
        records.append((pos, ref, alts, alleles))
        made += 1

    with open(args.out + ".fa", "wb") as fa:
        fa.write(f">{args.contig}\n".encode())
        for i in range(0, len(seq), 60):
            fa.write(seq[i : i + 60].tobytes() + b"\n")
    with open(args.out + ".fa.fai", "w") as fai:
        fai.write(f"{args.contig}\t{len(seq)}\t{len(args.contig) + 2}\t60\t61\n")

    names = [f"s{i}" for i in range(args.samples)]
    fmt = "GT:AD" if args.ad else "GT"
    with open(args.out + ".vcf", "wb") as out:
        out.write(b"##fileformat=VCFv4.2\n")
        out.write(f"##contig=<ID={args.contig},length={len(seq)}>\n".encode())
        out.write(b'##INFO=<ID=AC,Number=A,Type=Integer,Description="Allele count">\n')
        out.write(b'##INFO=<ID=AF,Number=A,Type=Float,Description="Allele frequency">\n')
        out.write(b'##INFO=<ID=AN,Number=1,Type=Integer,Description="Allele number">\n')
        out.write(b'##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
        if args.ad:
            out.write(b'##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">\n')
        out.write(("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(names) + "\n").encode())
        for pos, ref, alts, alleles in records:
            pairs = alleles.reshape(-1, 2)
            counts = [int((alleles == k).sum()) for k in range(1, len(alts) + 1)]
            an = len(alleles)
            info = "AC={};AF={};AN={}".format(
                ",".join(map(str, counts)), ",".join(f"{c / an:.4g}" for c in counts), an
            )
            calls = gt_table[pairs[:, 0] * 3 + pairs[:, 1]]
            if args.ad:
                depth = rng.integers(5, 30, len(pairs))
                cols = []
                for call, d, (a, b) in zip(calls, depth, pairs):
                    ad = [0] * (len(alts) + 1)
                    ad[a] += int(d) // 2
                    ad[b] += int(d) - int(d) // 2
                    cols.append(call + b":" + ",".join(map(str, ad)).encode())
                samples = b"\t".join(cols)
            else:
                samples = b"\t".join(calls)
            line = b"\t".join(
                [
                    args.contig.encode(),
                    str(pos + 1).encode(),
                    b".",
                    ref,
                    b",".join(alts),
                    b".",
                    b"PASS",
                    info.encode(),
                    fmt.encode(),
                    samples,
                ]
            )
            out.write(line + b"\n")
    print(f"wrote {len(records)} records", file=sys.stderr)


if __name__ == "__main__":
    main()
