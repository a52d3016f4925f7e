//! Reader options by Glow's names, as SQL passes them.
//!
//! The same names work in `read_vcf('x.vcf', 'includeSampleIds', false)` and
//! in `CREATE EXTERNAL TABLE ... STORED AS VCF OPTIONS ('includeSampleIds'
//! 'false')`, and likewise for `read_bgen`/`STORED AS BGEN` and
//! `read_plink`/`STORED AS PLINK`. DataFusion lower-cases `OPTIONS` keys and prefixes them with
//! `format.`, so names are matched without case, without that prefix and
//! without underscores: `includeSampleIds`, `includesampleids`,
//! `format.includesampleids` and `include_sample_ids` are one option.

use genolake_core::{Region, Stringency};
use genolake_vcf::ReaderOptions;

use crate::error::{Error, Result};

/// The options [`apply_vcf_option`] understands, as users write them.
pub const VCF_OPTION_NAMES: &[&str] = &[
    "includeSampleIds",
    "flattenInfoFields",
    "validationStringency",
    "samples",
    "region",
    "batchSize",
    "useIndex",
];

/// The options [`apply_bgen_option`] understands, as users write them.
pub const BGEN_OPTION_NAMES: &[&str] = &[
    "includeSampleIds",
    "sampleFilePath",
    "sampleIdColumn",
    "emitHardCalls",
    "hardCallThreshold",
    "validationStringency",
    "region",
    "batchSize",
    "useBgenIndex",
];

/// The options [`apply_plink_option`] understands, as users write them.
pub const PLINK_OPTION_NAMES: &[&str] = &[
    "includeSampleIds",
    "mergeFidIid",
    "famDelimiter",
    "bimDelimiter",
    "validationStringency",
    "samples",
    "region",
    "batchSize",
];

/// The canonical spelling of an option key: no `format.` prefix, lower case,
/// no underscores.
pub(crate) fn normalize_key(key: &str) -> String {
    let key = key.trim();
    let key = key
        .get(..7)
        .filter(|prefix| prefix.eq_ignore_ascii_case("format."))
        .map_or(key, |_| &key[7..]);
    key.chars()
        .filter(|c| *c != '_')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// An option every format reader takes, under the same name.
enum Common {
    IncludeSampleIds(bool),
    Stringency(Stringency),
    Samples(Vec<String>),
    Regions(Vec<Region>),
    BatchSize(usize),
}

/// The common option `normalized` names, if it names one.
fn common_option(normalized: &str, key: &str, value: &str) -> Result<Option<Common>> {
    let bad = |message: String| Error::option(key, message);
    Ok(Some(match normalized {
        "includesampleids" => Common::IncludeSampleIds(parse_bool(value).map_err(bad)?),
        "validationstringency" | "stringency" => Common::Stringency(
            value
                .trim()
                .parse::<Stringency>()
                .map_err(|_| bad(format!("expected strict, lenient or silent, not '{value}'")))?,
        ),
        "samples" | "sampleids" => Common::Samples(
            value
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
        ),
        "region" | "regions" => Common::Regions(parse_regions(value).map_err(bad)?),
        "batchsize" => Common::BatchSize(
            value
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| bad(format!("expected a positive number of rows, not '{value}'")))?,
        ),
        _ => return Ok(None),
    }))
}

fn unknown(format: &str, key: &str, known: &[&str]) -> Error {
    Error::option(
        key,
        format!(
            "unknown {format} option; known options are {}",
            known.join(", ")
        ),
    )
}

/// Sets one VCF reader option by its Glow name on `options`.
///
/// `region` takes one or more regions in samtools notation separated by
/// commas, semicolons or spaces (`"20:1-100000, 21"`); thousands separators
/// inside a region are understood (`"20:10,000,001-10,000,100"`).
/// `samples` takes sample names separated by commas.
///
/// ```
/// use genolake_sql::options::apply_vcf_option;
///
/// let mut options = genolake_vcf::ReaderOptions::default();
/// apply_vcf_option(&mut options, "format.includesampleids", "false").unwrap();
/// apply_vcf_option(&mut options, "validationStringency", "lenient").unwrap();
/// apply_vcf_option(&mut options, "region", "20:10,000,001-10,000,100;21").unwrap();
/// assert!(!options.include_sample_ids);
/// assert_eq!(options.regions.len(), 2);
/// assert_eq!(options.regions[0].start, 10_000_000);
/// assert!(apply_vcf_option(&mut options, "includeSampleId", "true").is_err());
/// ```
pub fn apply_vcf_option(options: &mut ReaderOptions, key: &str, value: &str) -> Result<()> {
    let normalized = normalize_key(key);
    match common_option(&normalized, key, value)? {
        Some(Common::IncludeSampleIds(b)) => options.include_sample_ids = b,
        Some(Common::Stringency(s)) => options.stringency = s,
        Some(Common::Samples(s)) => options.samples = Some(s),
        Some(Common::Regions(mut r)) => options.regions.append(&mut r),
        Some(Common::BatchSize(n)) => options.batch_size = Some(n),
        None => match normalized.as_str() {
            "flatteninfofields" => {
                options.flatten_info_fields =
                    parse_bool(value).map_err(|m| Error::option(key, m))?
            }
            "useindex" => {
                options.use_index = parse_bool(value).map_err(|m| Error::option(key, m))?
            }
            _ => return Err(unknown("VCF", key, VCF_OPTION_NAMES)),
        },
    }
    Ok(())
}

/// Sets one BGEN reader option by its Glow name on `options`:
/// `includeSampleIds`, `sampleFilePath`, `sampleIdColumn`, `emitHardCalls`,
/// `hardCallThreshold` (a probability in [0, 1]), `useBgenIndex`, and the
/// common `validationStringency`, `region` and `batchSize`.
///
/// ```
/// use genolake_sql::options::apply_bgen_option;
///
/// let mut options = genolake_bgen::ReaderOptions::default();
/// apply_bgen_option(&mut options, "hardCallThreshold", "0.8").unwrap();
/// apply_bgen_option(&mut options, "sampleFilePath", "cohort.sample").unwrap();
/// assert_eq!(options.hard_call_threshold, 0.8);
/// assert!(apply_bgen_option(&mut options, "hardCallThreshold", "1.5").is_err());
/// assert!(apply_bgen_option(&mut options, "samples", "a,b").is_err());
/// ```
pub fn apply_bgen_option(
    options: &mut genolake_bgen::ReaderOptions,
    key: &str,
    value: &str,
) -> Result<()> {
    let bad = |message: String| Error::option(key, message);
    let normalized = normalize_key(key);
    match common_option(&normalized, key, value)? {
        Some(Common::IncludeSampleIds(b)) => options.include_sample_ids = b,
        Some(Common::Stringency(s)) => options.stringency = s,
        Some(Common::Regions(mut r)) => options.regions.append(&mut r),
        Some(Common::BatchSize(n)) => options.batch_size = Some(n),
        Some(Common::Samples(_)) => return Err(unknown("BGEN", key, BGEN_OPTION_NAMES)),
        None => match normalized.as_str() {
            "samplefilepath" => options.sample_file_path = Some(value.trim().into()),
            "sampleidcolumn" => options.sample_id_column = value.trim().to_string(),
            "emithardcalls" => options.emit_hard_calls = parse_bool(value).map_err(bad)?,
            "hardcallthreshold" => {
                options.hard_call_threshold = value
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|t| (0.0..=1.0).contains(t))
                    .ok_or_else(|| {
                        bad(format!(
                            "expected a probability between 0 and 1, not '{value}'"
                        ))
                    })?;
            }
            "usebgenindex" | "useindex" => options.use_index = parse_bool(value).map_err(bad)?,
            _ => return Err(unknown("BGEN", key, BGEN_OPTION_NAMES)),
        },
    }
    Ok(())
}

/// Sets one PLINK reader option by its Glow name on `options`:
/// `includeSampleIds`, `mergeFidIid`, `famDelimiter`, `bimDelimiter` (one
/// character, `tab`, `space` or `whitespace` for any run of both), and the
/// common `validationStringency`, `samples`, `region` and `batchSize`.
///
/// ```
/// use genolake_sql::options::apply_plink_option;
///
/// let mut options = genolake_plink::ReaderOptions::default();
/// apply_plink_option(&mut options, "mergeFidIid", "false").unwrap();
/// apply_plink_option(&mut options, "bimDelimiter", "tab").unwrap();
/// assert!(!options.merge_fid_iid);
/// assert!(apply_plink_option(&mut options, "famDelimiter", "::").is_err());
/// ```
pub fn apply_plink_option(
    options: &mut genolake_plink::ReaderOptions,
    key: &str,
    value: &str,
) -> Result<()> {
    let bad = |message: String| Error::option(key, message);
    let normalized = normalize_key(key);
    match common_option(&normalized, key, value)? {
        Some(Common::IncludeSampleIds(b)) => options.include_sample_ids = b,
        Some(Common::Stringency(s)) => options.stringency = s,
        Some(Common::Samples(s)) => options.samples = Some(s),
        Some(Common::Regions(mut r)) => options.regions.append(&mut r),
        Some(Common::BatchSize(n)) => options.batch_size = Some(n),
        None => match normalized.as_str() {
            "mergefidiid" => options.merge_fid_iid = parse_bool(value).map_err(bad)?,
            // A delimiter may be a space or a tab: not trimmed.
            "famdelimiter" => options.fam_delimiter = value.parse().map_err(bad)?,
            "bimdelimiter" => options.bim_delimiter = value.parse().map_err(bad)?,
            _ => return Err(unknown("PLINK", key, PLINK_OPTION_NAMES)),
        },
    }
    Ok(())
}

/// Parses `true`/`false` (also `1`/`0`, `yes`/`no`), ignoring case.
pub(crate) fn parse_bool(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(format!("expected true or false, not '{value}'")),
    }
}

/// Splits a list of regions. Semicolons and white space always separate;
/// a comma separates too, unless what follows it is a group of three digits
/// continuing a position (`10,000,001`).
pub(crate) fn parse_regions(value: &str) -> Result<Vec<Region>, String> {
    let mut texts: Vec<String> = Vec::new();
    for piece in value.split(|c: char| c == ';' || c.is_whitespace()) {
        for part in piece.split(',') {
            let continues_position = part.len() >= 3
                && part.as_bytes()[..3].iter().all(u8::is_ascii_digit)
                && part[3..].chars().next().is_none_or(|c| c == '-')
                && texts.last().is_some_and(|prev| {
                    prev.contains(':') && prev.ends_with(|c: char| c.is_ascii_digit())
                });
            match texts.last_mut() {
                Some(prev) if continues_position => {
                    prev.push(',');
                    prev.push_str(part);
                }
                _ => texts.push(part.to_string()),
            }
        }
        // A new piece never continues the previous one.
        texts.push(String::new());
    }
    let regions: Vec<Region> = texts
        .iter()
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
        .map(|t| t.parse::<Region>().map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    if regions.is_empty() {
        return Err("expected at least one region such as 'chr20:10001-20000'".into());
    }
    Ok(regions)
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
    fn keys_match_glow_names_whatever_datafusion_did_to_them() {
        for key in [
            "includeSampleIds",
            "includesampleids",
            "format.includesampleids",
            "include_sample_ids",
            "FORMAT.INCLUDESAMPLEIDS",
        ] {
            let mut options = ReaderOptions::default();
            apply_vcf_option(&mut options, key, "false").unwrap();
            assert!(!options.include_sample_ids, "{key}");
        }
    }

    #[test]
    fn region_lists_split_on_commas_but_not_inside_positions() {
        let cases = [
            ("20:1-100", vec![region("20", 0, 100)]),
            (
                "20:1-100,21",
                vec![region("20", 0, 100), region("21", 0, i64::MAX)],
            ),
            (
                "20:1-100, 21:5-6",
                vec![region("20", 0, 100), region("21", 4, 6)],
            ),
            (
                "20:10,000,001-10,000,100",
                vec![region("20", 10_000_000, 10_000_100)],
            ),
            (
                "20:1,000-2,000,X",
                vec![region("20", 999, 2000), region("X", 0, i64::MAX)],
            ),
            (
                "1:100-200;2",
                vec![region("1", 99, 200), region("2", 0, i64::MAX)],
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_regions(input), Ok(expected), "{input}");
        }
        assert!(parse_regions("").is_err());
        assert!(parse_regions("20:5-1").is_err());
    }

    #[test]
    fn bad_values_name_the_option() {
        let mut options = ReaderOptions::default();
        let e = apply_vcf_option(&mut options, "validationStringency", "loose").unwrap_err();
        assert!(e.to_string().contains("validationStringency"), "{e}");
        let e = apply_vcf_option(&mut options, "flattenInfoFields", "maybe").unwrap_err();
        assert!(e.to_string().contains("expected true or false"), "{e}");
        let e = apply_vcf_option(&mut options, "nonsense", "1").unwrap_err();
        assert!(e.to_string().contains("known options"), "{e}");
    }

    #[test]
    fn samples_and_stringency() {
        let mut options = ReaderOptions::default();
        apply_vcf_option(&mut options, "samples", "NA12878, NA12891").unwrap();
        apply_vcf_option(&mut options, "format.validationstringency", "SILENT").unwrap();
        assert_eq!(
            options.samples,
            Some(vec!["NA12878".to_string(), "NA12891".to_string()])
        );
        assert_eq!(options.stringency, Stringency::Silent);
    }
}
