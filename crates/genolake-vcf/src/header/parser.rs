//! Parsing header lines, one at a time, with line numbers for errors.

use std::collections::{HashMap, HashSet};

use genolake_core::Stringency;
use genolake_core::schema::{Number, ValueType};

use super::reserved::{Reserved, reserved_format, reserved_info};
use super::rules;
use super::{Contig, Definition, Header, MetaLine, MetaValue, Origin, Version};

/// Splits a `##key=value` line (without the leading `##` and newline) into a
/// [`MetaLine`].
///
/// ```
/// use genolake_vcf::header::{parse_meta_line, MetaValue};
/// let line = parse_meta_line(r#"INFO=<ID=DP,Number=1,Type=Integer,Description="Depth, total">"#).unwrap();
/// assert_eq!(line.key, "INFO");
/// assert_eq!(line.value.field("Description"), Some("Depth, total"));
/// ```
pub fn parse_meta_line(line: &str) -> Result<MetaLine, String> {
    let Some((key, value)) = line.split_once('=') else {
        return Err(format!("meta-information line \"##{line}\" has no '='"));
    };
    if key.is_empty() {
        return Err(format!(
            "meta-information line \"##{line}\" has an empty key"
        ));
    }
    let value = if value.starts_with('<') {
        MetaValue::Structured(parse_structured(value)?)
    } else {
        MetaValue::Text(value.to_string())
    };
    Ok(MetaLine {
        key: key.to_string(),
        value,
    })
}

/// Parses `<K=V,K="V, with \"quotes\"",...>` into fields in order.
pub fn parse_structured(value: &str) -> Result<Vec<(String, String)>, String> {
    Ok(rules::lex(value)?
        .into_iter()
        .map(|f| (f.key, f.value))
        .collect())
}

fn parse_number(s: &str, version: Version) -> Result<Number, String> {
    let number = match s {
        "A" => Number::A,
        "R" => Number::R,
        "G" => Number::G,
        "." => Number::Unknown,
        "P" if version >= Version::V4_4 => Number::Ploidy,
        "LA" if version >= Version::V4_5 => Number::LocalA,
        "LR" if version >= Version::V4_5 => Number::LocalR,
        "LG" if version >= Version::V4_5 => Number::LocalG,
        "M" if version >= Version::V4_5 => Number::Modifications,
        n => {
            return n.parse::<u32>().map(Number::Count).map_err(|_| {
                let later = match version {
                    Version::V4_5 => "",
                    Version::V4_4 => " (LA, LR, LG and M come with VCF 4.5)",
                    _ => " (P comes with VCF 4.4; LA, LR, LG and M with 4.5)",
                };
                format!("Number={n:?} is not an integer, A, R, G or '.' in {version}{later}")
            });
        }
    };
    Ok(number)
}

fn parse_type(s: &str) -> Result<ValueType, String> {
    match s {
        "Integer" => Ok(ValueType::Integer),
        "Float" => Ok(ValueType::Float),
        "Flag" => Ok(ValueType::Flag),
        "Character" => Ok(ValueType::Character),
        "String" => Ok(ValueType::String),
        t => Err(format!(
            "Type={t:?} is not Integer, Float, Flag, Character or String"
        )),
    }
}

fn parse_definition(
    kind: &str,
    value: &MetaValue,
    version: Version,
    line: u64,
) -> Result<Definition, String> {
    let id = value
        .field("ID")
        .filter(|id| !id.is_empty())
        .ok_or_else(|| format!("{kind} line has no ID"))?;
    // Without a Number or Type, as htslib reads the line: `.` and String.
    let number = match value.field("Number") {
        None => Number::Unknown,
        Some(n) => parse_number(n, version).map_err(|e| format!("{kind} {id}: {e}"))?,
    };
    let value_type = match value.field("Type") {
        None => ValueType::String,
        Some(t) => parse_type(t).map_err(|e| format!("{kind} {id}: {e}"))?,
    };
    if kind == "FORMAT" && value_type == ValueType::Flag {
        return Err(format!(
            "FORMAT {id} has Type=Flag, which FORMAT does not allow"
        ));
    }
    Ok(Definition {
        id: id.to_string(),
        number,
        value_type,
        description: value.field("Description").unwrap_or_default().to_string(),
        origin: Origin::Header(line),
        reserved: false,
        non_negative: false,
    })
}

/// The specification's definition of a reserved key of `kind`.
fn reserved(kind: &str, version: Version, id: &str) -> Option<Reserved> {
    if kind == "INFO" {
        reserved_info(version, id)
    } else {
        reserved_format(version, id)
    }
}

/// Builds a [`Header`] from lines fed one by one.
///
/// Problems in a line are errors under strict stringency; otherwise the line
/// is kept verbatim in `meta`, a warning is recorded, and a definition whose
/// ID, Number and Type parse is used (else dropped).
#[derive(Debug)]
pub struct HeaderParser {
    header: Header,
    stringency: Stringency,
    line_number: u64,
    done: bool,
    /// IDs of the structured kinds the specification defines, with the line
    /// that declared each.
    ids: HashMap<(String, String), u64>,
}

impl HeaderParser {
    /// A parser for a header read under the given stringency.
    pub fn new(stringency: Stringency) -> Self {
        Self {
            header: Header::default(),
            stringency,
            line_number: 0,
            done: false,
            ids: HashMap::new(),
        }
    }

    /// The number of the line fed last (1-based).
    pub fn line_number(&self) -> u64 {
        self.line_number
    }

    /// Whether the `#CHROM` line has been seen.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Feeds one line, without its line terminator. Returns `Ok(true)` once the
    /// `#CHROM` line ends the header.
    pub fn feed(&mut self, line: &str) -> Result<bool, String> {
        self.line_number += 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if let Some(meta) = line.strip_prefix("##") {
            self.meta(meta)?;
            Ok(false)
        } else if let Some(columns) = line.strip_prefix('#') {
            if self.line_number == 1 {
                self.tolerate("the first line must be ##fileformat=VCFv4.x".to_string())?;
            }
            self.columns(columns)?;
            self.done = true;
            Ok(true)
        } else if line.is_empty() && self.line_number > 1 {
            self.tolerate("empty line inside the header".to_string())?;
            Ok(false)
        } else {
            Err(format!(
                "expected a header line starting with '##' or '#CHROM', found {:?}",
                truncate(line)
            ))
        }
    }

    /// The finished header; an error if the `#CHROM` line never came.
    pub fn finish(self) -> Result<Header, String> {
        if !self.done {
            return Err("the header ends without a #CHROM line".to_string());
        }
        Ok(self.header)
    }

    fn tolerate(&mut self, problem: String) -> Result<(), String> {
        self.tolerate_then(problem, "")
    }

    /// As [`HeaderParser::tolerate`], saying what a lenient read does instead.
    fn tolerate_then(&mut self, problem: String, instead: &str) -> Result<(), String> {
        match self.stringency {
            Stringency::Strict => Err(problem),
            Stringency::Lenient | Stringency::Silent => {
                let sep = if instead.is_empty() { "" } else { "; " };
                self.header.warnings.push(format!(
                    "line {}: {problem}{sep}{instead}",
                    self.line_number
                ));
                Ok(())
            }
        }
    }

    fn meta(&mut self, line: &str) -> Result<(), String> {
        if self.line_number == 1 && !line.starts_with("fileformat=") {
            self.tolerate("the first line must be ##fileformat=VCFv4.x".to_string())?;
        }
        let Some((key, value)) = line.split_once('=') else {
            self.tolerate(format!(
                "meta-information line \"##{}\" is not of the form ##key=value",
                truncate(line)
            ))?;
            self.header.meta.push(MetaLine {
                key: line.to_string(),
                value: MetaValue::Text(String::new()),
            });
            return Ok(());
        };
        if !rules::valid_meta_key(key) {
            self.tolerate(format!(
                "meta-information key {key:?} is not a name (a letter or _, then letters, digits and _.-)"
            ))?;
        }
        if value.starts_with('<') && matches!(key, "fileformat" | "assembly" | "pedigreeDB") {
            self.tolerate(format!(
                "##{key} takes a plain value, found the structured {:?}",
                truncate(value)
            ))?;
        }
        if !value.starts_with('<') {
            if key == "fileformat" {
                self.file_format(value)?;
            }
            for problem in rules::check_text(key, value) {
                self.tolerate(problem)?;
            }
            self.header.meta.push(MetaLine {
                key: key.to_string(),
                value: MetaValue::Text(value.to_string()),
            });
            return Ok(());
        }
        let fields = match rules::lex(value) {
            Ok(fields) => fields,
            Err(problem) => {
                // Lines of the specification's kinds must parse; other
                // lines are the writer's business, kept as text.
                if rules::is_spec_kind(key) {
                    self.tolerate(format!("{key} line: {problem}"))?;
                } else {
                    self.note(format!("{key} line: {problem}; kept as text"));
                }
                // Kept as text so that a writer still reproduces it.
                self.header.meta.push(MetaLine {
                    key: key.to_string(),
                    value: MetaValue::Text(value.to_string()),
                });
                return Ok(());
            }
        };
        let (problems, notes) = rules::check_structured(key, &fields, self.header.version);
        for problem in problems {
            self.tolerate(problem)?;
        }
        for note in notes {
            self.note(note);
        }
        let value = MetaValue::Structured(fields.into_iter().map(|f| (f.key, f.value)).collect());
        self.structured(key, &value)?;
        self.header.meta.push(MetaLine {
            key: key.to_string(),
            value,
        });
        Ok(())
    }

    fn file_format(&mut self, value: &str) -> Result<(), String> {
        if self.header.file_format.is_some() {
            return self.tolerate("##fileformat appears twice".to_string());
        }
        self.header.file_format = Some(value.to_string());
        match Version::parse(value) {
            Some(version) => self.header.version = version,
            None => {
                let later = value
                    .strip_prefix("VCFv4.")
                    .and_then(|minor| minor.parse::<u32>().ok())
                    .is_some_and(|minor| minor > 5);
                if later {
                    // Newer versions have kept the older ones readable.
                    self.header.version = Version::V4_5;
                    self.header.warnings.push(format!(
                        "line {}: ##fileformat={value} is newer than VCFv4.5; read with the rules of 4.5",
                        self.line_number
                    ));
                } else {
                    self.tolerate(format!(
                        "##fileformat={value:?} is not a VCF version genolake reads (VCFv4.0 to VCFv4.5)"
                    ))?;
                }
            }
        }
        Ok(())
    }

    fn structured(&mut self, kind: &str, value: &MetaValue) -> Result<(), String> {
        if rules::is_spec_kind(kind)
            && let Some(id) = value.field("ID")
        {
            let key = (kind.to_string(), id.to_string());
            if let Some(first) = self.ids.get(&key) {
                let first = *first;
                return self.redeclared(kind, id, first, value);
            }
            self.ids.insert(key, self.line_number);
        }
        match kind {
            "INFO" | "FORMAT" => {
                match parse_definition(kind, value, self.header.version, self.line_number) {
                    Ok(def) => self.define(kind, def)?,
                    Err(problem) => self.tolerate(problem)?,
                }
            }
            "contig" => {
                if let Some(id) = value.field("ID").filter(|id| !id.is_empty()) {
                    let length = value.field("length").and_then(|l| l.parse::<u64>().ok());
                    self.header.contigs.push(Contig {
                        id: id.to_string(),
                        length,
                    });
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// A second line with the ID of an earlier one. The specification
    /// forbids it, but its own conformance suite passes repeated contigs, and
    /// an INFO or FORMAT key declared twice alike is harmless: those are
    /// warnings. Two different definitions of one key leave its type in
    /// doubt: an error under strict stringency.
    fn redeclared(
        &mut self,
        kind: &str,
        id: &str,
        first: u64,
        value: &MetaValue,
    ) -> Result<(), String> {
        let problem = format!("{kind} {id} is declared again (first on line {first})");
        let conflicting = matches!(kind, "INFO" | "FORMAT") && {
            let list = if kind == "INFO" {
                &self.header.infos
            } else {
                &self.header.formats
            };
            let earlier = list.iter().find(|d| d.id == id);
            let again = parse_definition(kind, value, self.header.version, self.line_number);
            match (earlier, again) {
                (Some(a), Ok(b)) => a.number != b.number || a.value_type != b.value_type,
                _ => true,
            }
        };
        let instead = "the first declaration is used";
        if conflicting {
            self.tolerate_then(
                format!("{problem}, and it differs in Number or Type"),
                instead,
            )
        } else {
            self.note(format!("{problem}; {instead}"));
            Ok(())
        }
    }

    /// A problem that loses nothing: a warning in every stringency.
    fn note(&mut self, problem: String) {
        self.header
            .warnings
            .push(format!("line {}: {problem}", self.line_number));
    }

    fn define(&mut self, kind: &str, mut def: Definition) -> Result<(), String> {
        if !rules::valid_key(def.id.as_bytes()) {
            // Records name the key as the header does; only writers of
            // VCF 4.3 or BCF would trip on it.
            self.note(format!(
                "{kind} ID {:?} is not a valid key in VCF 4.3 (a letter or _, then letters, digits, _ and .)",
                def.id
            ));
        }
        if def.value_type == ValueType::Flag && def.number != Number::Count(0) {
            // The conformance suite passes such lines; a Flag has no values
            // to count, so nothing is in doubt.
            self.note(format!(
                "{kind} {} has Type=Flag with Number={}; a Flag has Number=0, and is read as one",
                def.id, def.number
            ));
        }
        let version = self.header.version;
        if let Some(spec) = reserved(kind, version, &def.id) {
            match spec.conflict(def.number, def.value_type) {
                Some(expected) => self.tolerate_then(
                    format!(
                        "{kind} {} is declared with Number={},Type={}, but {version} reserves it with {expected}",
                        def.id, def.number, def.value_type
                    ),
                    "the header's definition is used",
                )?,
                None => {
                    def.reserved = def.value_type == spec.value_type;
                    def.non_negative = spec.non_negative && def.reserved;
                }
            }
        }
        let list = if kind == "INFO" {
            &mut self.header.infos
        } else {
            &mut self.header.formats
        };
        list.push(def);
        Ok(())
    }

    fn columns(&mut self, line: &str) -> Result<(), String> {
        const FIXED: [&str; 8] = ["CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"];
        let columns: Vec<&str> = line.split('\t').collect();
        if columns.len() < FIXED.len() || columns[..FIXED.len()] != FIXED {
            return Err(format!(
                "the #CHROM line must name the tab-separated columns {}, found {:?}",
                FIXED.join(" "),
                truncate(line)
            ));
        }
        if columns.len() > FIXED.len() {
            if columns[FIXED.len()] != "FORMAT" {
                return Err(format!(
                    "the column after INFO must be FORMAT, found {:?}",
                    columns[FIXED.len()]
                ));
            }
            self.header.samples = columns[FIXED.len() + 1..]
                .iter()
                .map(|s| s.to_string())
                .collect();
            if self.header.samples.is_empty() {
                self.tolerate(
                    "the #CHROM line has a FORMAT column but no sample columns".to_string(),
                )?;
            }
            let mut seen = HashSet::new();
            for sample in &self.header.samples {
                if sample.is_empty() {
                    return Err(
                        "the #CHROM line has an empty sample name (a tab too many?)".to_string()
                    );
                }
                if !seen.insert(sample.as_str()) {
                    let problem = format!("sample {sample:?} appears twice in the #CHROM line");
                    return Err(problem);
                }
            }
        }
        Ok(())
    }
}

fn truncate(line: &str) -> String {
    line.chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, stringency: Stringency) -> Result<Header, String> {
        let mut parser = HeaderParser::new(stringency);
        for line in text.lines() {
            if parser.feed(line)? {
                break;
            }
        }
        parser.finish()
    }

    const GOOD: &str = "##fileformat=VCFv4.3\n\
        ##contig=<ID=20,length=62435964,assembly=B36>\n\
        ##INFO=<ID=AF,Number=A,Type=Float,Description=\"Allele \\\"Frequency\\\", per ALT\">\n\
        ##INFO=<ID=DB,Number=0,Type=Flag,Description=\"dbSNP\">\n\
        ##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n\
        ##FORMAT=<ID=HQ,Number=2,Type=Integer,Description=\"Haplotype Quality\">\n\
        ##phasing=partial\n\
        #CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tNA1\tNA 2\n";

    #[test]
    fn parses_definitions_contigs_and_samples() {
        let h = parse(GOOD, Stringency::Strict).unwrap();
        assert_eq!(h.file_format.as_deref(), Some("VCFv4.3"));
        assert_eq!(h.meta.len(), 7);
        assert_eq!(h.infos.len(), 2);
        assert_eq!(h.info("AF").unwrap().number, Number::A);
        assert_eq!(
            h.info("AF").unwrap().description,
            "Allele \"Frequency\", per ALT"
        );
        assert_eq!(h.format("HQ").unwrap().number, Number::Count(2));
        assert_eq!(h.contigs[0].length, Some(62435964));
        assert_eq!(h.samples, ["NA1", "NA 2"]);
    }

    #[test]
    fn strict_mode_rejects_a_broken_info_line() {
        let broken = GOOD.replace("Number=A,Type=Float", "Number=A,Type=Double");
        let err = parse(&broken, Stringency::Strict).unwrap_err();
        assert!(err.contains("INFO AF") && err.contains("Double"), "{err}");
        let h = parse(&broken, Stringency::Lenient).unwrap();
        assert!(h.info("AF").is_none());
        assert_eq!(h.warnings.len(), 1);
        assert!(h.warnings[0].starts_with("line 3:"), "{:?}", h.warnings);
    }

    #[test]
    fn rejects_unclosed_structured_values() {
        let broken = GOOD.replace("Description=\"dbSNP\">", "Description=\"dbSNP>");
        assert!(parse(&broken, Stringency::Strict).is_err());
    }

    #[test]
    fn requires_the_chrom_line() {
        let err = parse("##fileformat=VCFv4.2\n", Stringency::Strict).unwrap_err();
        assert!(err.contains("#CHROM"), "{err}");
    }

    #[test]
    fn sites_only_header_has_no_samples() {
        let h = parse(
            "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n",
            Stringency::Strict,
        )
        .unwrap();
        assert!(h.samples.is_empty());
    }

    #[test]
    fn structured_values_keep_commas_inside_quotes() {
        let fields = parse_structured(r#"<ID=X,Description="a, b",Source="c">"#).unwrap();
        assert_eq!(
            fields,
            vec![
                ("ID".to_string(), "X".to_string()),
                ("Description".to_string(), "a, b".to_string()),
                ("Source".to_string(), "c".to_string())
            ]
        );
    }
}
