//! The grammar of meta-information lines, as the specification states it
//! for each kind of line and each version.
//!
//! [`lex`] splits a structured value into its fields and remembers which
//! were quoted; [`check_structured`] and [`check_text`] return what in a line
//! breaks the specification, as sentences, for the parser to raise (strict)
//! or record as warnings (lenient). Rules that the specification states but
//! real files break by the thousand (GATK's `<NON_REF>` ALT, `_` in the
//! FORMAT keys of 4.1/4.2 files) are kept out, and listed in the crate docs.

use super::Version;

/// One `key=value` field of a structured line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Field {
    pub(crate) key: String,
    pub(crate) value: String,
    /// Whether the value was written between double quotes.
    pub(crate) quoted: bool,
}

/// Splits `<K=V,K="V, with \"quotes\"",...>` into fields in order.
pub(crate) fn lex(value: &str) -> Result<Vec<Field>, String> {
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
        let mut has_equals = false;
        for c in chars.by_ref() {
            if c == '=' {
                has_equals = true;
                break;
            }
            key.push(c);
        }
        // Spaces around `=` and `,` are read past, as htslib does.
        let key = key.trim().to_string();
        while chars.next_if(|c| *c == ' ').is_some() {}
        if key.is_empty() {
            return Err(format!(
                "structured value {value:?} has a field with no name"
            ));
        }
        if let Some(c) = key
            .chars()
            .find(|c| c.is_whitespace() || matches!(c, ',' | '"' | '<' | '>'))
        {
            return Err(format!(
                "structured value {value:?} has {c:?} in the field name {key:?} (an unquoted comma?)"
            ));
        }
        if !has_equals {
            return Err(format!(
                "structured value {value:?} has {key:?} where a key=value field belongs"
            ));
        }
        let mut val = String::new();
        let quoted = chars.peek() == Some(&'"');
        let mut ended = true;
        if quoted {
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
                None => {}
                Some(',') => ended = false,
                Some(c) => {
                    return Err(format!(
                        "structured value {value:?} has {c:?} after a quoted string where ',' or '>' belongs"
                    ));
                }
            }
        } else {
            // A `[...]` list (META's Values) or a `<...>` value keeps its commas.
            let mut depth = 0usize;
            for c in chars.by_ref() {
                match c {
                    '[' | '<' => depth += 1,
                    ']' | '>' => depth = depth.saturating_sub(1),
                    ',' if depth == 0 => {
                        ended = false;
                        break;
                    }
                    _ => {}
                }
                val.push(c);
            }
            val.truncate(val.trim_end().len());
        }
        fields.push(Field {
            key,
            value: val,
            quoted,
        });
        if ended {
            return Ok(fields);
        }
    }
}

/// Whether `key` may name a meta-information line: a letter or `_`, then
/// letters, digits and `_.-`.
pub(crate) fn valid_meta_key(key: &str) -> bool {
    let mut bytes = key.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// Whether `id` may key INFO or FORMAT: `^([A-Za-z_][0-9A-Za-z_.]*|1000G)$`
/// (VCF 4.3), applied to every version.
pub(crate) fn valid_key(id: &[u8]) -> bool {
    id == b"1000G" || {
        let mut bytes = id.iter();
        bytes
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
            && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.'))
    }
}

/// Whether `name` is a contig name as VCF 4.3 defines it (SAM's rule):
/// printable ASCII but `\ , " ` ' ( ) [ ] { } < >`, not starting with `*` or
/// `=`. Applied to every version: 4.1 and 4.2 forbid only whitespace, and the
/// stricter rule of 4.3 is what indexes and BCF can hold.
pub(crate) fn valid_contig(name: &[u8]) -> bool {
    fn allowed(b: u8) -> bool {
        (b'!'..=b'~').contains(&b)
            && !matches!(
                b,
                b'\\'
                    | b','
                    | b'"'
                    | b'`'
                    | b'\''
                    | b'('
                    | b')'
                    | b'['
                    | b']'
                    | b'{'
                    | b'}'
                    | b'<'
                    | b'>'
            )
    }
    match name.split_first() {
        Some((&first, rest)) => {
            allowed(first) && first != b'*' && first != b'=' && rest.iter().all(|&b| allowed(b))
        }
        None => false,
    }
}

fn field<'a>(fields: &'a [Field], key: &str) -> Option<&'a Field> {
    fields.iter().find(|f| f.key == key)
}

/// The `Number` and `Type` of the lines that may carry them outside the
/// INFO and FORMAT rules (ALT, META): a count or `.`, and one of the five
/// types.
fn plain_number_and_type(fields: &[Field], problem: &mut impl FnMut(String)) {
    if let Some(n) = field(fields, "Number")
        && n.value != "."
        && n.value.parse::<u32>().is_err()
    {
        problem(format!("Number={:?} is not an integer or '.'", n.value));
    }
    if let Some(t) = field(fields, "Type")
        && !matches!(
            t.value.as_str(),
            "Integer" | "Float" | "Flag" | "Character" | "String"
        )
    {
        problem(format!(
            "Type={:?} is not Integer, Float, Flag, Character or String",
            t.value
        ));
    }
}

fn position(fields: &[Field], key: &str) -> Option<usize> {
    fields.iter().position(|f| f.key == key)
}

/// The structured kinds the specification defines, whose IDs must be unique.
pub(crate) fn is_spec_kind(kind: &str) -> bool {
    matches!(
        kind,
        "INFO" | "FORMAT" | "FILTER" | "ALT" | "contig" | "SAMPLE" | "PEDIGREE" | "META"
    )
}

/// What breaks the specification in a structured line of `kind`: the
/// problems, and what is only noted (warned about in every stringency),
/// where the specification asks for something that real files leave out
/// and nothing is lost without it.
pub(crate) fn check_structured(
    kind: &str,
    fields: &[Field],
    version: Version,
) -> (Vec<String>, Vec<String>) {
    let mut problems = Vec::new();
    let mut notes = Vec::new();
    let mut problem = |text: String| problems.push(format!("{kind} line: {text}"));
    let id = field(fields, "ID");
    let pedigree_names = kind == "PEDIGREE" && version < Version::V4_3;
    if is_spec_kind(kind) && !pedigree_names {
        match id {
            None => problem("it has no ID".to_string()),
            Some(id) if id.value.is_empty() => problem("its ID is empty".to_string()),
            Some(_)
                if fields[0].key != "ID"
                    && matches!(kind, "INFO" | "FORMAT" | "FILTER" | "ALT" | "META") =>
            {
                problem("ID must be its first field".to_string());
            }
            Some(_) => {}
        }
    }
    // An ALT line's optional Number and Type come in the order of INFO's.
    if kind == "ALT"
        && let (Some(number), Some(value_type)) =
            (position(fields, "Number"), position(fields, "Type"))
        && number > value_type
    {
        problem("its Number must come before its Type".to_string());
    }
    if kind == "SAMPLE" && version < Version::V4_3 && field(fields, "Genomes").is_none() {
        notes.push(format!(
            "{kind} line: it has no Genomes, which {version} asks for"
        ));
    }
    // Without a Description a line loses nothing (htslib reads it); a
    // definition without a Number or Type is read as htslib reads it.
    let required: &[&str] = match kind {
        "META" => &["Type", "Number", "Values"],
        _ => &[],
    };
    let wanted: &[&str] = match kind {
        "INFO" | "FORMAT" => &["Number", "Type", "Description"],
        "FILTER" | "ALT" => &["Description"],
        _ => &[],
    };
    for key in required {
        if field(fields, key).is_none() {
            problem(format!("it has no {key}"));
        }
    }
    for key in wanted {
        if field(fields, key).is_none() {
            notes.push(format!("{kind} line: it has no {key}"));
        }
    }
    for f in fields {
        let quoted_kind = matches!(kind, "INFO" | "FORMAT" | "FILTER" | "ALT");
        if f.key == "Description" && quoted_kind && !f.quoted {
            problem("its Description must be in double quotes".to_string());
        }
        if matches!(f.key.as_str(), "Source" | "Version")
            && matches!(kind, "INFO" | "FORMAT")
            && version >= Version::V4_3
            && !f.quoted
        {
            problem(format!("its {} must be in double quotes", f.key));
        }
        if kind == "SAMPLE" && version < Version::V4_3 && f.key != "Description" && f.quoted {
            problem(format!(
                "its {} is quoted, which {version} allows only for Description",
                f.key
            ));
        }
    }
    match kind {
        "ALT" => {
            if let Some(id) = id
                && let Some(c) = id
                    .value
                    .chars()
                    .find(|c| c.is_whitespace() || matches!(c, ',' | '<' | '>'))
            {
                problem(format!(
                    "ALT ID {:?} has {c:?}; IDs of symbolic alleles cannot hold whitespace, commas or angle brackets",
                    id.value
                ));
            }
            plain_number_and_type(fields, &mut problem);
        }
        "contig" => {
            if let Some(id) = id
                && !id.value.is_empty()
                && !valid_contig(id.value.as_bytes())
            {
                problem(format!(
                    "contig ID {:?} is not a valid contig name (printable characters but \\ , \" ` ' ( ) [ ] {{ }} < >, not starting with * or =)",
                    id.value
                ));
            }
            if let Some(length) = field(fields, "length")
                && length.value.parse::<u64>().is_err()
            {
                problem(format!("length {:?} is not a number", length.value));
            }
        }
        "SAMPLE" => {
            if let Some(id) = id
                && let Some(c) = id
                    .value
                    .chars()
                    .find(|c| c.is_whitespace() || matches!(c, ',' | '*' | '<' | '>' | '"' | '\''))
            {
                problem(format!("SAMPLE ID {:?} has {c:?}", id.value));
            }
        }
        "PEDIGREE" => {
            for f in fields {
                let bad = f.value.chars().find(|c| {
                    c.is_whitespace() || !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
                });
                if let Some(c) = bad {
                    problem(format!(
                        "{}={:?} has {c:?}; pedigree names are letters, digits and _ - .",
                        f.key, f.value
                    ));
                }
            }
        }
        "META" => {
            plain_number_and_type(fields, &mut problem);
            if let Some(v) = field(fields, "Values")
                && !(v.value.starts_with('[') && v.value.ends_with(']'))
            {
                problem(format!(
                    "Values={:?} must be a list in square brackets",
                    v.value
                ));
            }
        }
        _ => {}
    }
    (problems, notes)
}

/// What breaks the specification in an unstructured `##key=value` line.
pub(crate) fn check_text(key: &str, value: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if value.is_empty() {
        problems.push(format!("##{key} has an empty value"));
    } else if matches!(key, "assembly" | "pedigreeDB")
        && let Some(problem) = url_problem(value)
    {
        problems.push(format!("##{key}={value}: {problem}"));
    }
    problems
}

/// What is wrong with a URL of `##assembly` or `##pedigreeDB`: a
/// `scheme://` address needs a host name (letters, digits, `-`, `.`, not all
/// digits) or an IPv4 address. A plain path is accepted.
fn url_problem(value: &str) -> Option<String> {
    let (_, rest) = value.split_once("://")?;
    let authority = rest.split('/').next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host = host_port.split(':').next().unwrap_or_default();
    let labels: Vec<&str> = host.split('.').collect();
    let ipv4 = labels.len() == 4 && labels.iter().all(|l| l.parse::<u8>().is_ok());
    let hostname = labels
        .iter()
        .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        && labels
            .last()
            .is_some_and(|l| !l.bytes().all(|b| b.is_ascii_digit()));
    (!(ipv4 || hostname)).then(|| format!("{host:?} is not a host name or an IPv4 address"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(value: &str) -> Vec<Field> {
        lex(value).unwrap()
    }

    #[test]
    fn lexing_keeps_quotes_brackets_and_escapes() {
        let f = fields(r#"<ID=X,Description="a, \"b\"",Values=[x, y]>"#);
        assert_eq!(f[1].value, "a, \"b\"");
        assert!(f[1].quoted && !f[0].quoted);
        assert_eq!(f[2].value, "[x, y]");
        for broken in [
            "<ID=X,Description=\"open>",
            "<ID=X,Description=\"a\"b>",
            "<ID=X,thing>",
            "<ID=X",
            "<=X>",
        ] {
            assert!(lex(broken).is_err(), "{broken}");
        }
    }

    #[test]
    fn structured_lines_follow_the_grammar_of_their_kind() {
        let v = Version::V4_3;
        let ok = [
            (
                "INFO",
                r#"<ID=DP,Number=1,Type=Integer,Description="d",Source="x">"#,
            ),
            ("ALT", r#"<ID=DEL:ME,Description="d">"#),
            ("ALT", r#"<ID=NON_REF,Description="d">"#),
            ("contig", r#"<ID=HLA-A*01:01:01:01,length=3503>"#),
            (
                "META",
                "<ID=Assay,Number=.,Type=String,Values=[WholeGenome, Exome]>",
            ),
            ("PEDIGREE", "<ID=Child,Father=F_1,Mother=M.2>"),
            ("GATKCommandLine", r#"<ID=X,CommandLine="a b">"#),
        ];
        for (kind, value) in ok {
            assert_eq!(
                check_structured(kind, &fields(value), v).0,
                Vec::<String>::new(),
                "{value}"
            );
        }
        let broken = [
            (
                "INFO",
                r#"<Number=1,Type=Integer,Description="d",ID=DP>"#,
                "first field",
            ),
            (
                "INFO",
                "<ID=DP,Number=1,Type=Integer,Description=d>",
                "double quotes",
            ),
            (
                "ALT",
                r#"<ID=DEL,Type=String,Number=1,Description="d">"#,
                "before its Type",
            ),
            ("ALT", r#"<ID=DEL,Number=B,Description="d">"#, "Number"),
            ("ALT", r#"<ID=DEL:A B,Description="d">"#, "whitespace"),
            ("contig", "<length=10>", "no ID"),
            (
                "INFO",
                r#"<Number=1,Type=Integer,Description="d",ID=DP>"#,
                "first field",
            ),
            ("contig", "<ID=*1>", "not a valid contig name"),
            ("SAMPLE", "<ID=1 A>", "SAMPLE ID"),
            ("PEDIGREE", "<ID=P,Original=Some:thing>", "pedigree names"),
            ("META", "<ID=A,Number=N,Type=Integer,Values=[a]>", "Number"),
            (
                "META",
                "<ID=A,Number=1,Type=Integer,Values=raw>",
                "square brackets",
            ),
        ];
        for (kind, value, expected) in broken {
            let problems = check_structured(kind, &fields(value), v).0;
            assert!(
                problems.iter().any(|p| p.contains(expected)),
                "{value}: {problems:?}"
            );
        }
        let sample = fields("<ID=S,Mixture=N1,Description=\"d\">");
        let (problems, notes) = check_structured("SAMPLE", &sample, Version::V4_1);
        assert!(problems.is_empty() && notes.len() == 1, "{notes:?}");
        assert!(
            check_structured("SAMPLE", &sample, Version::V4_3)
                .1
                .is_empty()
        );
    }

    #[test]
    fn urls_need_a_real_host() {
        assert!(check_text("assembly", "ftp://8080:8080/x").len() == 1);
        for ok in [
            "ftp://user@host:8080/path",
            "http://123.0.1.2:8080/x",
            "ftp://www.ebi.ac.uk/x",
            "assembly.fa",
        ] {
            assert!(check_text("assembly", ok).is_empty(), "{ok}");
        }
        assert!(!check_text("reference", "").is_empty());
    }

    #[test]
    fn keys_and_contigs() {
        for (key, ok) in [
            ("DP", true),
            ("1000G", true),
            ("_x.y", true),
            ("1X", false),
            ("G S", false),
        ] {
            assert_eq!(valid_key(key.as_bytes()), ok, "{key}");
        }
        for (name, ok) in [
            ("chr1", true),
            ("HLA-A*01:01", true),
            ("*1", false),
            ("1,2", false),
            ("", false),
            ("a b", false),
        ] {
            assert_eq!(valid_contig(name.as_bytes()), ok, "{name}");
        }
        assert!(valid_meta_key("GATKCommandLine.HaplotypeCaller") && !valid_meta_key("30NFO"));
    }
}
