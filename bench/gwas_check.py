"""Largest relative deviations of `genolake gwas` results from plink2 --glm.

    gwas_check.py linear|logistic PLINK2_GLM_FILE RESULTS.parquet [RESULTS.parquet ...]

Rows are matched by position (plink2's POS is genolake's start + 1) on
cohorts of biallelic sites. plink2 counts its A1 allele: where A1 is not the
ALT allele, its BETA (or log OR) has the other sign. Prints one line: the
pairs compared and the largest relative deviations of BETA, SE and P, per
results file; exits non-zero if a pair is missing on either side.
"""

import math
import sys

import pyarrow.parquet as pq


def plink2_rows(path):
    rows = {}
    with open(path) as f:
        header = f.readline().lstrip("#").rstrip("\n").split("\t")
        for line in f:
            r = dict(zip(header, line.rstrip("\n").split("\t")))
            if r.get("TEST", "ADD") != "ADD":
                continue
            if "BETA" in r:
                beta = r["BETA"]
                se = r["SE"]
            else:
                beta = "NA" if r["OR"] == "NA" else str(math.log(float(r["OR"])))
                se = r["LOG(OR)_SE"]
            if beta == "NA" or r["P"] == "NA":
                continue
            sign = 1.0 if r["A1"] == r["ALT"] else -1.0
            rows[int(r["POS"]) - 1] = (sign * float(beta), float(se), float(r["P"]))
    return rows


def relative(a, b):
    if b == 0:
        return abs(a)
    return abs((a - b) / b)


def main():
    kind, glm, results = sys.argv[1], sys.argv[2], sys.argv[3:]
    theirs = plink2_rows(glm)
    out = []
    status = 0
    for path in results:
        table = pq.read_table(path, columns=["start", "beta", "standardError", "pValue"]).to_pydict()
        ours = {}
        for start, beta, se, p in zip(table["start"], table["beta"], table["standardError"], table["pValue"]):
            if beta is not None:
                ours[start] = (beta, se, p)
        worst = [0.0, 0.0, 0.0]
        missing = [s for s in theirs if s not in ours] + [s for s in ours if s not in theirs]
        for start, t in theirs.items():
            if start in ours:
                worst = [max(w, relative(o, x)) for w, o, x in zip(worst, ours[start], t)]
        if missing:
            status = 1
        out.append(
            f"{path.split('/')[-1]}: {len(theirs)} plink2 rows, {len(missing)} unmatched, "
            f"BETA {worst[0]:.1e}, SE {worst[1]:.1e}, P {worst[2]:.1e}"
        )
    print("; ".join(out))
    sys.exit(status)


main()
