//! Lines and columns of the text files of a fileset (`.bim`, `.fam`).

use std::fmt;
use std::io::{self, BufRead};
use std::str::FromStr;

/// Longest `.bim` or `.fam` line accepted. Past this the file is taken to be
/// damaged (or not PLINK) rather than read into memory without bound.
pub const MAX_LINE_LEN: usize = 1 << 20;

/// How the columns of a `.bim` or `.fam` line are separated (Glow's
/// `bimDelimiter` and `famDelimiter`).
///
/// PLINK writes tabs (plink2) or spaces (plink 1.9 `.fam`) and reads any run
/// of spaces and tabs, so [`Delimiter::Whitespace`] is the default and reads
/// both. Glow splits on one character (tab for `.bim`, space for `.fam` by
/// default), which [`Delimiter::Byte`] reproduces, empty columns included.
///
/// ```
/// use genolake_plink::Delimiter;
/// assert_eq!("\t".parse::<Delimiter>().unwrap(), Delimiter::Byte(b'\t'));
/// assert_eq!("whitespace".parse::<Delimiter>().unwrap(), Delimiter::Whitespace);
/// assert!("::".parse::<Delimiter>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Delimiter {
    /// Any run of spaces and tabs, leading and trailing ones ignored.
    #[default]
    Whitespace,
    /// Exactly this byte: two in a row delimit an empty column.
    Byte(u8),
}

impl FromStr for Delimiter {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "" | "whitespace" => Ok(Self::Whitespace),
            "\\t" | "tab" => Ok(Self::Byte(b'\t')),
            "space" => Ok(Self::Byte(b' ')),
            _ if s.len() == 1 && s.as_bytes()[0] != b'\n' && s.as_bytes()[0] != b'\r' => {
                Ok(Self::Byte(s.as_bytes()[0]))
            }
            _ => Err(format!(
                "invalid delimiter {s:?}: expected one ASCII character (such as a tab or a space) \
                 or \"whitespace\""
            )),
        }
    }
}

impl fmt::Display for Delimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Whitespace => f.write_str("whitespace"),
            Self::Byte(b'\t') => f.write_str("tab"),
            Self::Byte(b' ') => f.write_str("space"),
            Self::Byte(b) => write!(f, "{:?}", *b as char),
        }
    }
}

/// The columns of one line: the first `N`, and how many there were in all.
pub(crate) struct Columns<'a, const N: usize> {
    pub fields: [&'a [u8]; N],
    pub count: usize,
}

/// Splits a line into columns.
pub(crate) fn columns<const N: usize>(line: &[u8], delimiter: Delimiter) -> Columns<'_, N> {
    let mut fields: [&[u8]; N] = [&[]; N];
    let mut count = 0;
    match delimiter {
        Delimiter::Whitespace => {
            let mut i = 0;
            while i < line.len() {
                while i < line.len() && is_blank(line[i]) {
                    i += 1;
                }
                if i == line.len() {
                    break;
                }
                let begin = i;
                while i < line.len() && !is_blank(line[i]) {
                    i += 1;
                }
                if count < N {
                    fields[count] = &line[begin..i];
                }
                count += 1;
            }
        }
        Delimiter::Byte(d) => {
            for field in line.split(|b| *b == d) {
                if count < N {
                    fields[count] = field;
                }
                count += 1;
            }
        }
    }
    Columns { fields, count }
}

#[inline]
fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Whether a line holds nothing but spaces and tabs (such lines are skipped,
/// as Glow and PLINK skip them).
pub(crate) fn is_blank_line(line: &[u8]) -> bool {
    line.iter().all(|b| is_blank(*b))
}

/// Why a line could not be read.
#[derive(Debug)]
pub(crate) enum LineError {
    Io(io::Error),
    TooLong,
}

/// Reads lines, each at most [`MAX_LINE_LEN`] bytes, with their 1-based numbers.
pub(crate) struct LineReader<R> {
    inner: R,
    buf: Vec<u8>,
    line: u64,
    bytes: u64,
}

impl<R: BufRead> LineReader<R> {
    pub(crate) fn new(inner: R) -> Self {
        Self {
            inner,
            buf: Vec::with_capacity(256),
            line: 0,
            bytes: 0,
        }
    }

    /// The number of the line last returned (0 before the first).
    pub(crate) fn line_number(&self) -> u64 {
        self.line
    }

    /// The line last returned by [`LineReader::next_line`].
    pub(crate) fn current(&self) -> &[u8] {
        &self.buf
    }

    /// Bytes consumed so far.
    pub(crate) fn bytes_read(&self) -> u64 {
        self.bytes
    }

    /// The next line without its `\n` (or `\r\n`), or `None` at the end.
    pub(crate) fn next_line(&mut self) -> Result<Option<&[u8]>, LineError> {
        self.buf.clear();
        let mut seen_any = false;
        loop {
            let available = match self.inner.fill_buf() {
                Ok(a) => a,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(LineError::Io(e)),
            };
            if available.is_empty() {
                if !seen_any {
                    return Ok(None);
                }
                break;
            }
            seen_any = true;
            match memchr::memchr(b'\n', available) {
                Some(i) => {
                    if self.buf.len() + i > MAX_LINE_LEN {
                        self.line += 1;
                        return Err(LineError::TooLong);
                    }
                    self.buf.extend_from_slice(&available[..i]);
                    self.inner.consume(i + 1);
                    self.bytes += i as u64 + 1;
                    break;
                }
                None => {
                    let n = available.len();
                    if self.buf.len() + n > MAX_LINE_LEN {
                        self.line += 1;
                        return Err(LineError::TooLong);
                    }
                    self.buf.extend_from_slice(available);
                    self.inner.consume(n);
                    self.bytes += n as u64;
                }
            }
        }
        self.line += 1;
        if self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        Ok(Some(&self.buf))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split<const N: usize>(line: &str, d: Delimiter) -> (Vec<&str>, usize) {
        let c = columns::<N>(line.as_bytes(), d);
        let kept = c.count.min(N);
        let fields = c.fields[..kept]
            .iter()
            .map(|f| std::str::from_utf8(f).unwrap())
            .collect();
        (fields, c.count)
    }

    #[test]
    fn whitespace_takes_runs_of_spaces_and_tabs() {
        assert_eq!(
            split::<6>("  a\t b  c\t\t", Delimiter::Whitespace),
            (vec!["a", "b", "c"], 3)
        );
        assert_eq!(
            split::<2>("a b c", Delimiter::Whitespace),
            (vec!["a", "b"], 3)
        );
        assert_eq!(split::<2>("", Delimiter::Whitespace), (vec![], 0));
    }

    #[test]
    fn one_byte_delimiter_keeps_empty_columns() {
        assert_eq!(
            split::<6>("a\t\tb", Delimiter::Byte(b'\t')),
            (vec!["a", "", "b"], 3)
        );
        assert_eq!(
            split::<6>("a b\tc", Delimiter::Byte(b'\t')),
            (vec!["a b", "c"], 2)
        );
    }

    #[test]
    fn lines_are_numbered_and_stripped() {
        let mut r = LineReader::new(&b"a\r\n\nb"[..]);
        assert_eq!(r.next_line().unwrap(), Some(&b"a"[..]));
        assert_eq!(r.next_line().unwrap(), Some(&b""[..]));
        assert_eq!(r.next_line().unwrap(), Some(&b"b"[..]));
        assert_eq!(r.line_number(), 3);
        assert!(r.next_line().unwrap().is_none());
        assert_eq!(r.bytes_read(), 5);
    }

    #[test]
    fn overlong_lines_are_refused_without_reading_them_whole() {
        let long = vec![b'x'; MAX_LINE_LEN + 10];
        let mut r = LineReader::new(std::io::BufReader::with_capacity(4096, &long[..]));
        assert!(matches!(r.next_line(), Err(LineError::TooLong)));
    }
}
