#!/usr/bin/env bash
# Builds genolake and runs its main job on the example data: a 1000 Genomes slice
# (17 sites x 2,535 samples) into a Delta table, then SQL over it joined with a
# made-up clinical table.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/genolake/target}
cargo build --release -p genolake-cli
genolake=$CARGO_TARGET_DIR/release/genolake
vcf=examples/data/1000G.phase3.broad.withGenotypes.chr20.10100000.vcf.gz
table=${1:-/tmp/genolake-demo/variants}

"$genolake" schema "$vcf" | head -n 12
"$genolake" ingest "$vcf" --table "$table" --mode overwrite
"$genolake" sql "SELECT contigName, start, referenceAllele, alternateAlleles, INFO_AF
                 FROM read_delta('$table') ORDER BY start LIMIT 5"
"$genolake" sql "CREATE EXTERNAL TABLE clinical STORED AS CSV LOCATION 'examples/data/clinical.csv'
                   OPTIONS ('format.has_header' 'true');
                 SELECT c.status, count(*) AS carriers
                 FROM (SELECT unnest(genotypes) AS g FROM read_delta('$table')) v
                 JOIN clinical c ON v.g['sampleId'] = c.sampleId
                 WHERE array_has(v.g['calls'], 1)
                 GROUP BY c.status ORDER BY c.status"
