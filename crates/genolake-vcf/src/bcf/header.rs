//! The head of a BCF file: magic, header text, and the two dictionaries
//! (strings and contigs) that records refer to by index.

use genolake_core::Stringency;

use super::input::BlockInput;
use crate::error::{ErrorKind, Result};
use crate::header::{Header, HeaderParser, MetaValue};
use crate::reader::VirtualPosition;

/// `BCF` and major version 2; the minor version follows.
const MAGIC: &[u8; 4] = b"BCF\x02";
/// Longest header text accepted: past this the file is taken to be damaged
/// rather than read into memory without bound (htslib's own limit is lower).
const MAX_HEADER_LEN: usize = 1 << 30;

/// What records refer to by index.
#[derive(Debug, Clone, Default)]
pub(crate) struct Dictionaries {
    /// FILTER, INFO and FORMAT IDs, `PASS` first (VCF 4.3, section 6.2.1).
    pub(crate) strings: Vec<Option<String>>,
    /// Contig names in `##contig` order (or by `IDX`).
    pub(crate) contigs: Vec<Option<String>>,
    /// For each string, whether it is an INFO Flag: written without a value.
    pub(crate) flags: Vec<bool>,
}

/// A parsed BCF head: the VCF header, the dictionaries, and where the first
/// record starts.
pub(crate) struct BcfHead {
    pub(crate) header: Header,
    /// The header as the file holds it, without its terminating NUL.
    pub(crate) text: String,
    pub(crate) dictionaries: Dictionaries,
    pub(crate) first_record: VirtualPosition,
}

/// Reads magic, `l_text` and the header text from the start of `input`.
pub(crate) fn read_head(input: &mut BlockInput, stringency: Stringency) -> Result<BcfHead> {
    let bad = |input: &BlockInput, message: String| input.error_at(0, ErrorKind::Header(message));
    if !input.ensure(9)? || &input.available()[..4] != MAGIC {
        return Err(bad(
            input,
            "the file does not start with BCF's magic \"BCF\\2\\2\" (is it BCF?)".into(),
        ));
    }
    let head = input.available();
    let minor = head[4];
    if minor != 1 && minor != 2 {
        return Err(bad(
            input,
            format!("BCF version 2.{minor} is not supported (2.1 and 2.2 are)"),
        ));
    }
    let l_text = u32::from_le_bytes([head[5], head[6], head[7], head[8]]) as usize;
    if l_text > MAX_HEADER_LEN {
        return Err(bad(
            input,
            format!(
                "l_text says the header holds {l_text} bytes, more than the {MAX_HEADER_LEN} accepted"
            ),
        ));
    }
    if !input.ensure(9 + l_text)? {
        let have = input.available().len() - 9;
        return Err(bad(
            input,
            format!("the file ends {have} bytes into a header that l_text says holds {l_text}"),
        ));
    }
    let text = &input.available()[9..9 + l_text];
    // The text ends in a NUL (and may be padded with more).
    let text = &text[..memchr::memchr(0, text).unwrap_or(text.len())];
    let text = std::str::from_utf8(text).map_err(|e| {
        bad(
            input,
            format!("the header text is not UTF-8 (at byte {})", e.valid_up_to()),
        )
    })?;
    let mut parser = HeaderParser::new(stringency);
    for line in text.lines() {
        let done = parser
            .feed(line)
            .map_err(|e| bad(input, format!("header line {}: {e}", parser.line_number())))?;
        if done {
            break;
        }
    }
    let header = parser.finish().map_err(|e| bad(input, e))?;
    let dictionaries = dictionaries(&header).map_err(|e| bad(input, e))?;
    let text = text.to_string();
    input.consume(9 + l_text);
    Ok(BcfHead {
        header,
        text,
        dictionaries,
        first_record: input.position(0),
    })
}

/// The dictionaries of strings and contigs, as htslib builds them: `PASS`
/// is string 0; then each FILTER, INFO and FORMAT ID in header order, once
/// (an INFO and a FORMAT key of one name share an entry), at its `IDX` when
/// the line gives one; contigs likewise.
pub(crate) fn dictionaries(header: &Header) -> Result<Dictionaries, String> {
    fn place(
        list: &mut Vec<Option<String>>,
        id: &str,
        idx: Option<&str>,
        known: &mut std::collections::HashMap<String, usize>,
    ) -> Result<(), String> {
        if known.contains_key(id) {
            return Ok(());
        }
        let at = match idx {
            Some(idx) => {
                let at: usize = idx
                    .parse()
                    .map_err(|_| format!("IDX={idx:?} of {id} is not a number"))?;
                // Each IDX names one entry; a lying one must not allocate.
                if at > (1 << 24) {
                    return Err(format!("IDX={at} of {id} is out of range"));
                }
                at
            }
            None => list.len(),
        };
        if list.len() <= at {
            list.resize(at + 1, None);
        }
        if let Some(other) = &list[at] {
            return Err(format!("IDX={at} is given to both {other} and {id}"));
        }
        list[at] = Some(id.to_string());
        known.insert(id.to_string(), at);
        Ok(())
    }
    let mut strings = vec![Some("PASS".to_string())];
    let mut known = std::collections::HashMap::from([("PASS".to_string(), 0)]);
    let mut contigs = Vec::new();
    let mut known_contigs = std::collections::HashMap::new();
    for line in &header.meta {
        let MetaValue::Structured(_) = &line.value else {
            continue;
        };
        let Some(id) = line.value.field("ID") else {
            continue;
        };
        let idx = line.value.field("IDX");
        match line.key.as_str() {
            "FILTER" | "INFO" | "FORMAT" => place(&mut strings, id, idx, &mut known)?,
            "contig" => place(&mut contigs, id, idx, &mut known_contigs)?,
            _ => {}
        }
    }
    let mut flags = vec![false; strings.len()];
    for def in &header.infos {
        if def.value_type == genolake_core::schema::ValueType::Flag
            && let Some(&at) = known.get(&def.id)
        {
            flags[at] = true;
        }
    }
    Ok(Dictionaries {
        strings,
        contigs,
        flags,
    })
}
