"""Checks `genolake qc` output against plink2's reports of the same cohort.

    python bench/qc_check.py OUT_DIR PLINK2_PREFIX PVAR

OUT_DIR holds genolake's variant_qc.parquet and sample_qc.parquet;
PLINK2_PREFIX names plink2's .afreq, .hardy, .vmiss, .smiss and .scount
(from `--freq --hardy --missing --sample-counts`), PVAR the .pvar they
describe. Variants are
matched by position and alleles, samples by id (the cohort must hold SNPs
only: plink2 splits no het and hom-alt counts of other sites). A value agrees when it
equals plink2's within half a unit of the last digit plink2 printed.
Prints one Markdown line per quantity and exits 1 on any disagreement.
Reads with pyarrow only, independently of genolake.
"""

import math
import sys

import pyarrow.parquet as pq


def report(path, key=None):
    with open(path) as lines:
        header = next(line for line in lines if not line.startswith("##"))
        header = header.lstrip("#").rstrip("\n").split("\t")
        rows = [dict(zip(header, line.rstrip("\n").split("\t"))) for line in lines]
    return rows if key is None else {row[key]: row for row in rows}


def agrees(ours, printed):
    theirs = float(printed)
    if theirs == 0.0:
        return abs(ours) < 1e-300
    log = math.log10(abs(theirs))
    half_unit = 0.5e-5 * 10 ** (math.floor(log) - log)
    return abs((ours - theirs) / theirs) <= half_unit * (1 + 1e-9) + 1e-12


def main(out_dir, prefix, pvar_path):
    variants = pq.read_table(f"{out_dir}/variant_qc.parquet").to_pylist()
    samples = {r["sampleId"]: r for r in pq.read_table(f"{out_dir}/sample_qc.parquet").to_pylist()}
    pvar = report(pvar_path)
    if len({site["ID"] for site in pvar}) != len(pvar):
        raise SystemExit(f"{pvar_path}: variant ids are not unique")
    afreq, hardy, vmiss = (report(f"{prefix}.{ext}") for ext in ("afreq", "hardy", "vmiss"))
    ours = {}
    for v in variants:
        # plink2 writes chr1 as 1.
        contig = v["contigName"].removeprefix("chr")
        key = (contig, v["start"] + 1, v["referenceAllele"], ",".join(v["alternateAlleles"]))
        if key in ours:
            raise SystemExit(f"two variants at {key}: match by order not implemented")
        ours[key] = v
    if len(ours) != len(pvar):
        raise SystemExit(f"{len(ours)} variants from genolake, {len(pvar)} in {pvar_path}")
    bad = {"allele frequency (--freq)": 0, "call rate (--missing)": 0, "HWE exact p (--hardy)": 0}
    # plink2 writes a multiallelic site's test once per allele: match by id.
    hardy_by_id = {}
    for row in hardy:
        hardy_by_id.setdefault(row["ID"], row)
    tiny = near_one = 0
    for site, freq, miss in zip(pvar, afreq, vmiss):
        v = ours[(site["CHROM"], int(site["POS"]), site["REF"], site["ALT"])]
        # Glow's lists end at the highest allele called.
        frequencies = v["alleleFrequencies"] + [0.0] * len(site["ALT"].split(","))
        for k, printed in enumerate(freq["ALT_FREQS"].split(",")):
            if v["nAllelesCalled"] and not agrees(frequencies[k + 1], printed):
                bad["allele frequency (--freq)"] += 1
        if not agrees(1.0 - v["callRate"], miss["F_MISS"]) or int(miss["MISSING_CT"]) != v["nUncalled"]:
            bad["call rate (--missing)"] += 1
        if "," in site["ALT"]:
            continue
        h = hardy_by_id[site["ID"]]
        p = v["pValueHweExact"]
        if not agrees(p, h["P"]):
            bad["HWE exact p (--hardy)"] += 1
        tiny += p < 1e-50
        near_one += 0.9 < p < 1.0
    bad["sample call rate (--missing)"] = 0
    bad["sample hom-ref, het, hom-var counts (--sample-counts)"] = 0
    smiss, scount = report(f"{prefix}.smiss", "IID"), report(f"{prefix}.scount", "IID")
    for sample, s in samples.items():
        miss, c = smiss[sample], scount[sample]
        if int(miss["MISSING_CT"]) != s["nUncalled"]:
            bad["sample call rate (--missing)"] += 1
        if int(c["DIPLOID_NONSNP_NONSYMBOLIC_CT"]) != 0:
            raise SystemExit(f"{sample}: plink2 splits no het/hom-var counts of non-SNP sites")
        # plink2's HET_SNP_CT counts a het of two ALT alleles (1/2) once per
        # ALT, Glow's nHet once per genotype: the hets are the called
        # genotypes that are neither hom-ref nor hom-alt.
        hom_ref, hom_alt = int(c["HOM_REF_CT"]), int(c["HOM_ALT_SNP_CT"])
        # (OBS_CT counts every genotype, the missing ones too.)
        het = int(miss["OBS_CT"]) - int(miss["MISSING_CT"]) - hom_ref - hom_alt
        if (hom_ref, het, hom_alt) != (s["nHomRef"], s["nHet"], s["nHomVar"]):
            bad["sample hom-ref, het, hom-var counts (--sample-counts)"] += 1
    print(f"| {len(pvar)} variants ({tiny} with p < 1e-50, {near_one} with 0.9 < p < 1), "
          f"{len(samples)} samples | disagreements |")
    print("| --- | ---: |")
    for what, n in bad.items():
        print(f"| {what} | {n} |")
    return 1 if any(bad.values()) else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
