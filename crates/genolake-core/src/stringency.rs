//! What a reader does with a record it cannot decode.

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// How a reader treats malformed input (Glow's `validationStringency`).
///
/// genolake defaults to [`Stringency::Strict`], unlike Glow, because a row
/// dropped without a word is data lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Stringency {
    /// Stop at the first malformed record with an error naming file and position.
    #[default]
    Strict,
    /// Keep the record and read a value that does not parse as null, warning
    /// once per field and counting; skip (and count) a record only when a
    /// fixed column that places it (CHROM, POS, REF, ALT, the sample columns)
    /// is broken.
    Lenient,
    /// As [`Stringency::Lenient`], without logging.
    Silent,
}

impl FromStr for Stringency {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "strict" => Ok(Self::Strict),
            "lenient" => Ok(Self::Lenient),
            "silent" => Ok(Self::Silent),
            _ => Err(Error::InvalidStringency(s.to_string())),
        }
    }
}

impl fmt::Display for Stringency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Strict => "strict",
            Self::Lenient => "lenient",
            Self::Silent => "silent",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_glow_names_case_insensitively() {
        assert_eq!("STRICT".parse::<Stringency>(), Ok(Stringency::Strict));
        assert_eq!("Lenient".parse::<Stringency>(), Ok(Stringency::Lenient));
        assert_eq!("silent".parse::<Stringency>(), Ok(Stringency::Silent));
        assert!("loose".parse::<Stringency>().is_err());
    }

    #[test]
    fn display_round_trips() {
        for s in [Stringency::Strict, Stringency::Lenient, Stringency::Silent] {
            assert_eq!(s.to_string().parse::<Stringency>(), Ok(s));
        }
    }
}
