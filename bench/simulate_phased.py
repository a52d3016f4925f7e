"""Simulates a phased cohort with msprime and writes it as a VCF on stdout.

    python bench/simulate_phased.py VARIANTS SAMPLES > cohort.vcf
    python bench/simulate_phased.py VARIANTS SAMPLES --contig X --males N --sex-file F > x.vcf

The coalescent with recombination gives what plink2's --dummy does not:
allele frequencies from a neutral site frequency spectrum (most variants
rare, a long tail of common ones) and linkage between neighbouring sites.
Human-like rates: effective size 10,000, mutation 1.29e-8 and recombination
1e-8 per base per generation. The sequence is sized so that about VARIANTS
sites segregate, and the sites past the VARIANTS-th are dropped.

With --contig X and --males N, N individuals are haploid (one sampled
genome each), scattered among the others as in a real cohort, so the VCF
holds haploid GTs for them, as a VCF of chromosome X outside its
pseudo-autosomal regions does; the positions start past GRCh38's PAR1
(2,781,479) so that plink2 sees no pseudo-autosomal variant. --sex-file
writes plink2's `--update-sex` file (#IID, SEX: 1 male, 2 female).

Every genotype is phased and none is missing, as in a phased haplotype
release. Sites where several mutations stack up (a few in a thousand) stay
multiallelic, as they would in real data.
"""

import argparse
import math
import sys

import msprime
import numpy as np

NE = 10_000
MUTATION_RATE = 1.29e-8
RECOMBINATION_RATE = 1e-8


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("variants", type=int)
    parser.add_argument("samples", type=int, help="individuals")
    parser.add_argument("--contig", default="1")
    parser.add_argument("--males", type=int, default=0, help="haploid individuals among the samples")
    parser.add_argument("--sex-file", help="write each individual's sex here, for plink2")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()

    diploid = args.samples - args.males
    genomes = 2 * diploid + args.males
    # Expected segregating sites: 4 Ne mu L times the harmonic number of
    # genomes - 1; a tenth more so that trimming, not luck, sets the count.
    harmonic = sum(1 / i for i in range(1, genomes))
    length = math.ceil(1.1 * args.variants / (4 * NE * MUTATION_RATE * harmonic))
    samples = [msprime.SampleSet(diploid, ploidy=2)]
    if args.males:
        samples.append(msprime.SampleSet(args.males, ploidy=1))
    ancestry = msprime.sim_ancestry(
        samples=samples,
        population_size=NE,
        sequence_length=length,
        recombination_rate=RECOMBINATION_RATE,
        random_seed=args.seed,
    )
    ts = msprime.sim_mutations(ancestry, rate=MUTATION_RATE, random_seed=args.seed)
    if ts.num_sites > args.variants:
        ts = ts.delete_sites(np.arange(args.variants, ts.num_sites))
    print(
        f"simulated {ts.num_sites} sites over {length} bases, {args.samples} individuals "
        f"({args.males} haploid)",
        file=sys.stderr,
    )
    # Individuals in a random order, so that haploid ones are scattered.
    order = np.random.default_rng(args.seed).permutation(ts.num_individuals)
    names = [f"s{i}" for i in range(args.samples)]
    if args.sex_file:
        with open(args.sex_file, "w") as out:
            out.write("#IID\tSEX\n")
            for name, individual in zip(names, order):
                haploid = len(ts.individual(individual).nodes) == 1
                out.write(f"{name}\t{1 if haploid else 2}\n")
    # VCF positions are 1-based; msprime's discrete genome starts at 0.
    offset = 1 + (3_000_000 if args.contig in ("X", "chrX") else 0)
    ts.write_vcf(
        sys.stdout,
        contig_id=args.contig,
        position_transform=lambda positions: np.asarray(positions, dtype=np.int64) + offset,
        individuals=order,
        individual_names=names,
    )


if __name__ == "__main__":
    main()
