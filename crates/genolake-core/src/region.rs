//! Genomic regions as users write them (`chr20:10,001-20,000`).

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// A genomic interval on one contig, 0-based and half-open like the `start`
/// and `end` columns of the variant table.
///
/// Parsed from the 1-based, inclusive notation of samtools and bcftools:
/// `chr1` (whole contig), `chr1:100` (one base), `chr1:100-` (to the end),
/// `chr1:100-200`. Thousands separators are accepted. A contig name that
/// itself contains `:` (as HLA alt contigs do) is written in braces, as
/// samtools allows: `{HLA-A*01:01:01:01}:100-200`; without braces it is kept
/// whole when what follows the last `:` is not a position.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Region {
    /// Contig name as written in the file.
    pub contig: String,
    /// First base, 0-based.
    pub start: i64,
    /// One past the last base; `i64::MAX` for "to the end of the contig".
    pub end: i64,
}

impl Region {
    /// A region covering a whole contig.
    pub fn contig(name: impl Into<String>) -> Self {
        Self {
            contig: name.into(),
            start: 0,
            end: i64::MAX,
        }
    }

    /// Whether the record `[start, end)` on `contig` shares at least one base
    /// with this region. A zero-length record (an insertion with an empty REF
    /// after normalisation) overlaps when its position lies inside.
    pub fn overlaps(&self, contig: &str, start: i64, end: i64) -> bool {
        self.contig == contig && start < self.end && end.max(start + 1) > self.start
    }

    /// Whether any of `regions` overlaps the record.
    pub fn any_overlaps(regions: &[Region], contig: &str, start: i64, end: i64) -> bool {
        regions.iter().any(|r| r.overlaps(contig, start, end))
    }
}

fn parse_position(s: &str) -> Option<i64> {
    let digits: String = s.chars().filter(|c| *c != ',' && *c != '_').collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

impl FromStr for Region {
    type Err = Error;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let invalid = |reason: &str| Error::InvalidRegion {
            input: input.to_string(),
            reason: reason.to_string(),
        };
        let s = input.trim();
        if s.is_empty() {
            return Err(invalid("the contig name is empty"));
        }
        if let Some(braced) = s.strip_prefix('{') {
            let Some((contig, rest)) = braced.split_once('}') else {
                return Err(invalid("the '{' before the contig name is not closed"));
            };
            if contig.is_empty() {
                return Err(invalid("the contig name is empty"));
            }
            return match rest.strip_prefix(':') {
                None if rest.is_empty() => Ok(Region::contig(contig)),
                None => Err(invalid("expected ':' after the braced contig name")),
                Some(range) => {
                    let mut region: Region = format!("x:{range}")
                        .parse()
                        .map_err(|_| invalid("the range after the contig name is not start-end"))?;
                    if region.contig != "x" {
                        return Err(invalid("the range after the contig name is not start-end"));
                    }
                    region.contig = contig.to_string();
                    Ok(region)
                }
            };
        }
        let Some((contig, range)) = s.rsplit_once(':') else {
            return Ok(Region::contig(s));
        };
        let (from, to) = match range.split_once('-') {
            Some((from, to)) => (from, Some(to)),
            None => (range, None),
        };
        let Some(first) = parse_position(from) else {
            // Not a position: the colon belongs to the contig name.
            return Ok(Region::contig(s));
        };
        if contig.is_empty() {
            return Err(invalid("the contig name is empty"));
        }
        if first == 0 {
            return Err(invalid("positions are 1-based; 0 is not a position"));
        }
        let end = match to {
            None => first,
            Some("") => i64::MAX,
            Some(to) => parse_position(to).ok_or_else(|| invalid("the end is not a number"))?,
        };
        if end < first {
            return Err(invalid("the end lies before the start"));
        }
        Ok(Region {
            contig: contig.to_string(),
            start: first - 1,
            end,
        })
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.contig.contains(':') {
            return match (self.start, self.end) {
                (0, i64::MAX) => write!(f, "{{{}}}", self.contig),
                (start, i64::MAX) => write!(f, "{{{}}}:{}-", self.contig, start + 1),
                (start, end) => write!(f, "{{{}}}:{}-{}", self.contig, start + 1, end),
            };
        }
        match (self.start, self.end) {
            (0, i64::MAX) => write!(f, "{}", self.contig),
            (start, i64::MAX) => write!(f, "{}:{}-", self.contig, start + 1),
            (start, end) => write!(f, "{}:{}-{}", self.contig, start + 1, end),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(contig: &str, start: i64, end: i64) -> Region {
        Region {
            contig: contig.into(),
            start,
            end,
        }
    }

    #[test]
    fn parses_the_notations_bcftools_accepts() {
        let cases = [
            ("chr1", region("chr1", 0, i64::MAX)),
            ("chr1:100", region("chr1", 99, 100)),
            ("chr1:100-", region("chr1", 99, i64::MAX)),
            ("chr1:100-200", region("chr1", 99, 200)),
            (
                "20:10,000,001-10,000,100",
                region("20", 10_000_000, 10_000_100),
            ),
            ("HLA-A*01:01:01:X", region("HLA-A*01:01:01:X", 0, i64::MAX)),
            (
                "{HLA-A*01:01:01:01}",
                region("HLA-A*01:01:01:01", 0, i64::MAX),
            ),
            ("{HLA-A*01:01:01:01}:5-6", region("HLA-A*01:01:01:01", 4, 6)),
        ];
        for (input, expected) in cases {
            assert_eq!(input.parse::<Region>(), Ok(expected), "{input}");
        }
    }

    #[test]
    fn rejects_nonsense() {
        for input in [
            "",
            ":1-2",
            "chr1:0-5",
            "chr1:10-5",
            "chr1:5-x",
            "{chr1",
            "{}:1-2",
            "{a}:x",
        ] {
            assert!(input.parse::<Region>().is_err(), "{input} should fail");
        }
    }

    #[test]
    fn display_round_trips() {
        for input in ["chr1", "chr1:100-", "chr1:100-200", "{HLA:1}:5-9"] {
            assert_eq!(input.parse::<Region>().unwrap().to_string(), input);
        }
    }

    #[test]
    fn overlap_is_half_open() {
        let r: Region = "1:101-200".parse().unwrap(); // [100, 200)
        assert!(r.overlaps("1", 100, 101));
        assert!(r.overlaps("1", 199, 300));
        assert!(!r.overlaps("1", 200, 300));
        assert!(!r.overlaps("1", 50, 100));
        assert!(!r.overlaps("2", 150, 160));
        assert!(r.overlaps("1", 150, 150), "zero-length record inside");
    }
}
