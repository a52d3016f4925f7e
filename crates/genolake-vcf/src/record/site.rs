//! What the fixed columns of a record may hold (VCF 4.3, section 1.6.1),
//! checked on the bytes of a line before they become a row.
//!
//! Each check returns what is wrong as a sentence. The decoder decides what
//! follows: a strict read stops; a lenient one keeps the record (these are
//! letters out of the alphabet, not columns it cannot place) and warns once
//! per kind of problem.

use crate::header::Version;
use crate::header::rules::valid_contig;

/// CHROM: a contig name, or an angle-bracketed ID of the assembly file.
pub(crate) fn chrom(chrom: &[u8]) -> Option<String> {
    let name = chrom
        .strip_prefix(b"<")
        .and_then(|c| c.strip_suffix(b">"))
        .unwrap_or(chrom);
    (!valid_contig(name)).then(|| {
        format!(
            "CHROM {:?} is not a valid contig name (printable characters but \\ , \" ` ' ( ) [ ] {{ }} < >, not starting with * or =)",
            String::from_utf8_lossy(chrom)
        )
    })
}

/// ID: `.` or identifiers separated by `;`, without whitespace, empty
/// items, or (from VCF 4.3) one twice.
pub(crate) fn id(id: &[u8], version: Version) -> Option<String> {
    if id == b"." {
        return None;
    }
    let text = || String::from_utf8_lossy(id);
    if id.iter().any(u8::is_ascii_whitespace) {
        return Some(format!("ID {:?} holds whitespace", text()));
    }
    // Nearly every ID is one identifier: without a ';' there is nothing to
    // split and no problem to report.
    memchr::memchr(b';', id)?;
    let mut items: Vec<&[u8]> = id.split(|&b| b == b';').collect();
    if items.iter().any(|i| i.is_empty()) {
        return Some(format!(
            "ID {:?} has an empty identifier (a stray ';')",
            text()
        ));
    }
    if version >= Version::V4_3 {
        items.sort_unstable();
        if items.windows(2).any(|w| w[0] == w[1]) {
            return Some(format!("ID {:?} lists an identifier twice", text()));
        }
    }
    None
}

/// Whether `allele` is bases A, C, G, T, N in either case.
fn bases(allele: &[u8]) -> bool {
    !allele.is_empty()
        && allele
            .iter()
            .all(|b| matches!(b.to_ascii_uppercase(), b'A' | b'C' | b'G' | b'T' | b'N'))
}

/// REF: bases A, C, G, T, N in either case.
pub(crate) fn reference(reference: &[u8]) -> Option<String> {
    (!bases(reference)).then(|| {
        format!(
            "REF {:?} is not bases (A, C, G, T, N; an IUPAC code is written as the first base it stands for)",
            String::from_utf8_lossy(reference)
        )
    })
}

/// One ALT allele: bases, `*`, a symbolic `<ID>`, or a breakend.
pub(crate) fn alternate(allele: &[u8]) -> Option<String> {
    let ok = bases(allele) || allele == b"*" || symbolic(allele) || breakend(allele);
    (!ok).then(|| {
        format!(
            "ALT allele {:?} is not bases (A, C, G, T, N), '*', a symbolic <ID> or a breakend",
            String::from_utf8_lossy(allele)
        )
    })
}

fn symbolic(allele: &[u8]) -> bool {
    allele
        .strip_prefix(b"<")
        .and_then(|a| a.strip_suffix(b">"))
        .is_some_and(|id| {
            !id.is_empty()
                && !id
                    .iter()
                    .any(|&b| b.is_ascii_whitespace() || matches!(b, b',' | b'<' | b'>'))
        })
}

/// A breakend: `t[p[`, `t]p]`, `]p]t`, `[p[t` with `p` a `chrom:pos` (or
/// `<contig>:pos`), or a single breakend `.t` / `t.`.
fn breakend(allele: &[u8]) -> bool {
    if let Some(rest) = allele.strip_prefix(b".") {
        return bases(rest);
    }
    if let Some(rest) = allele.strip_suffix(b".") {
        return bases(rest);
    }
    let Some(open) = allele.iter().position(|&b| b == b'[' || b == b']') else {
        return false;
    };
    let bracket = allele[open];
    let Some(close) = allele[open + 1..]
        .iter()
        .position(|&b| b == bracket)
        .map(|i| open + 1 + i)
    else {
        return false;
    };
    let mate = &allele[open + 1..close];
    let position_ok = mate.iter().rposition(|&b| b == b':').is_some_and(|colon| {
        colon > 0 && colon + 1 < mate.len() && mate[colon + 1..].iter().all(u8::is_ascii_digit)
    });
    let (before, after) = (&allele[..open], &allele[close + 1..]);
    // Bases on exactly one side.
    position_ok
        && match (before.is_empty(), after.is_empty()) {
            (false, true) => bases(before),
            (true, false) => bases(after),
            _ => false,
        }
}

/// QUAL: `.` or a non-negative Float.
pub(crate) fn qual(value: f64) -> Option<String> {
    (value < 0.0).then(|| format!("QUAL {value} is negative; it is a Phred-scaled quality"))
}

/// FILTER: `.`, `PASS`, or filter names separated by `;`: no empty names,
/// no whitespace, no `0` (reserved), no `.` beside names and (from 4.3) no
/// name twice.
pub(crate) fn filter(filter: &[u8], version: Version) -> Option<String> {
    if filter == b"." {
        return None;
    }
    let text = || String::from_utf8_lossy(filter);
    if filter.iter().any(u8::is_ascii_whitespace) {
        return Some(format!("FILTER {:?} holds whitespace", text()));
    }
    if memchr::memchr(b';', filter).is_none() {
        return (filter == b"0").then(|| {
            format!(
                "FILTER {:?} uses '0', which the specification reserves",
                text()
            )
        });
    }
    let mut items: Vec<&[u8]> = filter.split(|&b| b == b';').collect();
    if items.iter().any(|i| i.is_empty()) {
        return Some(format!(
            "FILTER {:?} has an empty name (a stray ';')",
            text()
        ));
    }
    if items.iter().any(|&i| i == b".") {
        return Some(format!(
            "FILTER {:?} mixes the missing value '.' with names",
            text()
        ));
    }
    if items.iter().any(|&i| i == b"0") {
        return Some(format!(
            "FILTER {:?} uses '0', which the specification reserves",
            text()
        ));
    }
    if version >= Version::V4_3 {
        items.sort_unstable();
        if items.windows(2).any(|w| w[0] == w[1]) {
            return Some(format!("FILTER {:?} names a filter twice", text()));
        }
    }
    None
}

/// The value of a reserved INFO CIGAR item: operations `[0-9]+[MIDNSHP=X]`.
pub(crate) fn cigar(value: &[u8]) -> bool {
    let mut digits = 0;
    for &b in value {
        if b.is_ascii_digit() {
            digits += 1;
        } else if digits > 0
            && matches!(
                b,
                b'M' | b'I' | b'D' | b'N' | b'S' | b'H' | b'P' | b'=' | b'X'
            )
        {
            digits = 0;
        } else {
            return false;
        }
    }
    !value.is_empty() && digits == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alleles_are_bases_symbols_or_breakends() {
        for ok in [
            "A",
            "acgtn",
            "*",
            "<DEL>",
            "<DUP:TANDEM>",
            "<NON_REF>",
            "<*>",
            "G]17:198982]",
            "]13:123456]T",
            "C[2:321682[",
            "[17:198983[A",
            ".A",
            "G.",
            "A]<ctg1>:7]",
        ] {
            assert_eq!(alternate(ok.as_bytes()), None, "{ok}");
        }
        for bad in [
            "", "R", "A C", "<DEL", "<D<EL>", "<>", "A[1:2]", "[1:2[", "A[x[", "AB",
        ] {
            assert!(alternate(bad.as_bytes()).is_some(), "{bad}");
        }
        assert!(reference(b"ACGT").is_none() && reference(b"ACR").is_some());
    }

    #[test]
    fn ids_and_filters() {
        let v = Version::V4_3;
        assert!(id(b"rs1;rs2", v).is_none() && id(b".", v).is_none());
        for bad in ["rs1;", ";rs1", "rs 1", "rs1;rs1"] {
            assert!(id(bad.as_bytes(), v).is_some(), "{bad}");
        }
        assert!(id(b"rs1;rs1", Version::V4_2).is_none());
        assert!(filter(b"q10;s50", v).is_none() && filter(b"PASS", v).is_none());
        for bad in ["q10;", ";q10", "q 10", "0", ".;q10", "q10;q10"] {
            assert!(filter(bad.as_bytes(), v).is_some(), "{bad}");
        }
    }

    #[test]
    fn chrom_cigar_and_qual() {
        assert!(chrom(b"chr1").is_none() && chrom(b"<ctg1>").is_none());
        assert!(chrom(b"chr 1").is_some() && chrom(b"1,2").is_some());
        assert!(cigar(b"1M2I") && !cigar(b"M1") && !cigar(b"12") && !cigar(b""));
        assert!(qual(-1.0).is_some() && qual(0.0).is_none());
    }
}
