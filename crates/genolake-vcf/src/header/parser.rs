//! Parsing header lines, one at a time, with line numbers for errors.

use genolake_core::Stringency;
use genolake_core::schema::{Number, ValueType};

use super::{Contig, Definition, Header, MetaLine, MetaValue};

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
    let Some(inner) = value
        .trim_end()
        .strip_prefix('<')
        .and_then(|v| v.strip_suffix('>'))
    else {
        return Err(format!("structured value {value:?} does not end with '>'"));
    };
    let mut fields = Vec::new();
    let mut chars = inner.chars().peekable();
    loop {
        let mut key = String::new();
        for c in chars.by_ref() {
            if c == '=' {
                break;
            }
            key.push(c);
        }
        if key.is_empty() {
            return Err(format!(
                "structured value {value:?} has a field with no name"
            ));
        }
        let mut val = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            let mut closed = false;
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        if let Some(escaped) = chars.next() {
                            val.push(escaped);
                        }
                    }
                    '"' => {
                        closed = true;
                        break;
                    }
                    c => val.push(c),
                }
            }
            if !closed {
                return Err(format!("structured value {value:?} has an unclosed quote"));
            }
            match chars.next() {
                None => {
                    fields.push((key, val));
                    return Ok(fields);
                }
                Some(',') => {}
                Some(c) => {
                    return Err(format!(
                        "structured value {value:?} has {c:?} after a quoted string where ',' or '>' belongs"
                    ));
                }
            }
        } else {
            let mut ended = true;
            for c in chars.by_ref() {
                if c == ',' {
                    ended = false;
                    break;
                }
                val.push(c);
            }
            if ended {
                fields.push((key, val));
                return Ok(fields);
            }
        }
        fields.push((key, val));
    }
}

fn parse_number(s: &str) -> Result<Number, String> {
    match s {
        "A" => Ok(Number::A),
        "R" => Ok(Number::R),
        "G" => Ok(Number::G),
        "." => Ok(Number::Unknown),
        n => n
            .parse::<u32>()
            .map(Number::Count)
            .map_err(|_| format!("Number={n:?} is not an integer, A, R, G or '.'")),
    }
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

fn parse_definition(kind: &str, value: &MetaValue) -> Result<Definition, String> {
    let id = value
        .field("ID")
        .filter(|id| !id.is_empty())
        .ok_or_else(|| format!("{kind} line has no ID"))?;
    let number = value
        .field("Number")
        .ok_or_else(|| format!("{kind} {id} has no Number"))
        .and_then(|n| parse_number(n).map_err(|e| format!("{kind} {id}: {e}")))?;
    let value_type = value
        .field("Type")
        .ok_or_else(|| format!("{kind} {id} has no Type"))
        .and_then(|t| parse_type(t).map_err(|e| format!("{kind} {id}: {e}")))?;
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
    })
}

/// Builds a [`Header`] from lines fed one by one.
///
/// Problems in a line are errors under strict stringency; otherwise the line
/// is kept verbatim in `meta` but its definition is dropped, and a warning
/// is recorded.
#[derive(Debug)]
pub struct HeaderParser {
    header: Header,
    stringency: Stringency,
    line_number: u64,
    done: bool,
}

impl HeaderParser {
    /// A parser for a header read under the given stringency.
    pub fn new(stringency: Stringency) -> Self {
        Self {
            header: Header::default(),
            stringency,
            line_number: 0,
            done: false,
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
        match self.stringency {
            Stringency::Strict => Err(problem),
            Stringency::Lenient | Stringency::Silent => {
                self.header
                    .warnings
                    .push(format!("line {}: {problem}", self.line_number));
                Ok(())
            }
        }
    }

    fn meta(&mut self, line: &str) -> Result<(), String> {
        if self.line_number == 1 && !line.starts_with("fileformat=") {
            self.tolerate("the first line is not ##fileformat".to_string())?;
        }
        let parsed = match parse_meta_line(line) {
            Ok(parsed) => parsed,
            Err(problem) => {
                self.tolerate(problem)?;
                // Kept as text so that a writer still reproduces it.
                MetaLine {
                    key: line.split('=').next().unwrap_or_default().to_string(),
                    value: MetaValue::Text(
                        line.split_once('=').map(|x| x.1).unwrap_or("").to_string(),
                    ),
                }
            }
        };
        match (parsed.key.as_str(), &parsed.value) {
            ("fileformat", MetaValue::Text(v)) => self.header.file_format = Some(v.clone()),
            (kind @ ("INFO" | "FORMAT"), value @ MetaValue::Structured(_)) => {
                match parse_definition(kind, value) {
                    Ok(def) => self.define(kind, def)?,
                    Err(problem) => self.tolerate(problem)?,
                }
            }
            (kind @ ("INFO" | "FORMAT"), MetaValue::Text(_)) => {
                self.tolerate(format!("{kind} line is not of the form <ID=...>"))?;
            }
            ("contig", value @ MetaValue::Structured(_)) => match value.field("ID") {
                Some(id) if !id.is_empty() => {
                    let length = match value.field("length") {
                        None => None,
                        Some(l) => match l.parse::<u64>() {
                            Ok(l) => Some(l),
                            Err(_) => {
                                self.tolerate(format!(
                                    "contig {id} has length {l:?}, not a number"
                                ))?;
                                None
                            }
                        },
                    };
                    self.header.contigs.push(Contig {
                        id: id.to_string(),
                        length,
                    });
                }
                _ => self.tolerate("contig line has no ID".to_string())?,
            },
            _ => {}
        }
        self.header.meta.push(parsed);
        Ok(())
    }

    fn define(&mut self, kind: &str, def: Definition) -> Result<(), String> {
        let list = if kind == "INFO" {
            &mut self.header.infos
        } else {
            &mut self.header.formats
        };
        match list.iter().find(|d| d.id == def.id) {
            None => list.push(def),
            Some(existing)
                if existing.number == def.number && existing.value_type == def.value_type => {}
            Some(_) => {
                let id = def.id;
                self.tolerate(format!(
                    "{kind} {id} is defined twice with different Number or Type; the first definition is used"
                ))?;
            }
        }
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
            let mut seen = std::collections::HashSet::new();
            for sample in &self.header.samples {
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
