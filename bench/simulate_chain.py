"""Makes a second assembly of a simulated reference, and the UCSC chain file
from the first to the second, for liftover benchmarks.

    python bench/simulate_chain.py SOURCE.fa OUT_PREFIX

writes OUT_PREFIX.fa (+ .fa.fai) and OUT_PREFIX.over.chain. The source's
first contig is cut into aligned blocks of 50 to 500 kb; between two blocks
the new assembly drops some source bases (up to 2 kb), inserts new ones (up
to 2 kb), or both, as real assembly updates do, so positions shift by
varying amounts and variants in the gaps do not lift. Every aligned base is
copied, so reference alleles still match after lifting.
"""

import argparse

import numpy as np

BASES = np.frombuffer(b"ACGT", dtype=np.uint8)


def read_fasta(path):
    name, chunks = None, []
    with open(path, "rb") as f:
        for line in f:
            if line.startswith(b">"):
                if name is not None:
                    break
                name = line[1:].split()[0].decode()
            else:
                chunks.append(line.strip())
    return name, np.frombuffer(b"".join(chunks), dtype=np.uint8)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("source")
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=31)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    name, source = read_fasta(args.source)

    pieces, blocks = [], []  # blocks: (size, source gap after, target gap after)
    s = 0
    # A first gap, so that nothing maps one to one from the start.
    lead = int(rng.integers(100, 1000))
    pieces.append(BASES[rng.integers(0, 4, lead)])
    s_start, t_start = 0, lead
    while True:
        size = int(rng.integers(50_000, 500_000))
        if s + size >= len(source):
            size = len(source) - s
            pieces.append(source[s : s + size])
            blocks.append((size, 0, 0))
            s += size
            break
        pieces.append(source[s : s + size])
        s += size
        kind = rng.random()
        drop = int(rng.integers(10, 2000)) if kind < 0.7 else 0
        insert = int(rng.integers(10, 2000)) if kind > 0.3 else 0
        drop = min(drop, len(source) - s - 1)
        pieces.append(BASES[rng.integers(0, 4, insert)])
        s += drop
        blocks.append((size, drop, insert))
    target = np.concatenate(pieces)

    with open(args.out + ".fa", "wb") as fa:
        fa.write(f">{name}\n".encode())
        for i in range(0, len(target), 60):
            fa.write(target[i : i + 60].tobytes() + b"\n")
    with open(args.out + ".fa.fai", "w") as fai:
        fai.write(f"{name}\t{len(target)}\t{len(name) + 2}\t60\t61\n")

    s_end = s_start + sum(b[0] + b[1] for b in blocks)
    t_end = t_start + sum(b[0] + b[2] for b in blocks)
    with open(args.out + ".over.chain", "w") as chain:
        chain.write(
            f"chain 1000 {name} {len(source)} + {s_start} {s_end} "
            f"{name} {len(target)} + {t_start} {t_end} 1\n"
        )
        for size, drop, insert in blocks[:-1]:
            chain.write(f"{size}\t{drop}\t{insert}\n")
        chain.write(f"{blocks[-1][0]}\n\n")
    print(f"{len(blocks)} blocks; target {len(target)} bases", flush=True)


if __name__ == "__main__":
    main()
