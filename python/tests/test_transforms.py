"""Glow's transformers from Python (``genolake.transform``), judged by bcftools."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import genolake
from conftest import ROOT

NORMALIZER = ROOT / "crates" / "genolake-ops" / "tests" / "data" / "variantsplitternormalizer-test"


def bcftools_sites(*args: str) -> list[tuple[str, int, str, str]]:
    """(CHROM, POS, REF, ALT) of what ``bcftools <args>`` writes, sorted."""
    vcf = subprocess.run(["bcftools", *args, "-Ov"], check=True, capture_output=True, text=True)
    sites = []
    for line in vcf.stdout.splitlines():
        if not line.startswith("#"):
            chrom, pos, _, ref, alt = line.split("\t")[:5]
            sites.append((chrom, int(pos), ref, alt))
    return sorted(sites)


def sites(table) -> list[tuple[str, int, str, str]]:
    rows = table.to_arrow().to_pylist()
    return sorted(
        (r["contigName"], r["start"] + 1, r["referenceAllele"], ",".join(r["alternateAlleles"]))
        for r in rows
    )


def test_split_and_normalize_give_the_sites_bcftools_norm_gives() -> None:
    vcf = NORMALIZER / "01_IN_altered_multiallelic.vcf"
    fasta = NORMALIZER / "20_altered.fasta"
    split = genolake.transform("split_multiallelics", vcf)
    assert sites(split) == bcftools_sites("norm", "-m-", str(vcf))
    normalized = genolake.transform(
        "normalize_variants", vcf, reference_genome_path=fasta
    ).to_arrow()
    assert "normalizationStatus" in normalized.column_names
    assert sites(genolake.transform("normalize_variants", vcf, referenceGenomePath=fasta)) == (
        bcftools_sites("norm", "-f", str(fasta), str(vcf))
    )


def test_pipe_takes_the_command_as_a_list() -> None:
    vcf = NORMALIZER / "01_IN_altered_multiallelic.vcf"
    piped = genolake.transform(
        "pipe",
        vcf,
        cmd=["bcftools", "view", "-v", "indels"],
        input_formatter="vcf",
        output_formatter="vcf",
    )
    assert sites(piped) == bcftools_sites("view", "-v", "indels", str(vcf))


def test_unknown_transforms_and_options_are_refused() -> None:
    vcf = NORMALIZER / "01_IN_altered_multiallelic.vcf"
    with pytest.raises(genolake.GenolakeError, match="unknown transform"):
        genolake.transform("explode", vcf)
    with pytest.raises(genolake.GenolakeError, match="referenceGenomePath"):
        genolake.transform("normalize_variants", vcf).to_arrow()
