//! The samples of a matrix table: their ids once, in array order.

use crate::error::{Error, Result};

/// The samples every row of a matrix table holds, in the order of its
/// per-sample arrays.
///
/// Tables read without sample ids (Glow's `includeSampleIds=false`) know
/// only how many there are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Samples {
    count: usize,
    ids: Option<Vec<String>>,
}

impl Samples {
    /// Samples known by their ids.
    pub fn with_ids(ids: Vec<String>) -> Self {
        Self {
            count: ids.len(),
            ids: Some(ids),
        }
    }

    /// `count` samples without ids.
    pub fn anonymous(count: usize) -> Self {
        Self { count, ids: None }
    }

    /// How many samples.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Their ids, if the table has them.
    pub fn ids(&self) -> Option<&[String]> {
        self.ids.as_deref()
    }

    /// The ids as the JSON array a table's configuration stores.
    pub fn ids_json(&self) -> Option<String> {
        self.ids
            .as_ref()
            .map(|ids| serde_json::Value::from(ids.clone()).to_string())
    }

    /// The samples a table's configuration describes: `count` (the value of
    /// [`SAMPLE_COUNT_KEY`](super::SAMPLE_COUNT_KEY)) and `ids_json` (of
    /// [`SAMPLE_IDS_KEY`](super::SAMPLE_IDS_KEY)), either of which may be
    /// absent but not both.
    pub fn from_config(count: Option<&str>, ids_json: Option<&str>) -> Result<Self> {
        let bad = |what: String| Error::Layout(format!("the table's sample list {what}"));
        let ids = match ids_json {
            Some(json) => Some(
                serde_json::from_str::<Vec<String>>(json)
                    .map_err(|e| bad(format!("is not a JSON array of strings: {e}")))?,
            ),
            None => None,
        };
        let count = match count {
            Some(count) => Some(
                count
                    .trim()
                    .parse::<usize>()
                    .map_err(|_| bad(format!("count {count:?} is not a number")))?,
            ),
            None => None,
        };
        match (count, ids) {
            (Some(count), Some(ids)) if ids.len() != count => Err(bad(format!(
                "has {} ids but its count says {count}",
                ids.len()
            ))),
            (_, Some(ids)) => Ok(Self::with_ids(ids)),
            (Some(count), None) => Ok(Self::anonymous(count)),
            (None, None) => Err(bad("is missing".into())),
        }
    }

    /// The samples a table's configuration records: `None` when it records
    /// none yet (a matrix table made from no rows).
    pub fn from_table_configuration(
        configuration: &std::collections::HashMap<String, String>,
    ) -> Result<Option<Self>> {
        let count = configuration
            .get(super::SAMPLE_COUNT_KEY)
            .map(String::as_str);
        let ids = configuration.get(super::SAMPLE_IDS_KEY).map(String::as_str);
        if count.is_none() && ids.is_none() {
            return Ok(None);
        }
        Self::from_config(count, ids).map(Some)
    }

    /// Checks that `other` (an input's samples) are these, in this order;
    /// the error names the first difference.
    pub fn check_same(&self, other: &Samples, table: &str, input: &str) -> Result<()> {
        let differ = |what: String| {
            Err(Error::Layout(format!(
                "the samples of {input} differ from those of {table}: {what}; a matrix table \
                 holds one sample list, in one order"
            )))
        };
        match (&self.ids, &other.ids) {
            (Some(a), Some(b)) => {
                if let Some(i) = (0..a.len().min(b.len())).find(|&i| a[i] != b[i]) {
                    return differ(format!(
                        "sample {} is {:?} in {table} but {:?} in {input}",
                        i + 1,
                        a[i],
                        b[i]
                    ));
                }
                if a.len() != b.len() {
                    let (longer, extra) = if a.len() > b.len() {
                        (table, &a[b.len()])
                    } else {
                        (input, &b[a.len()])
                    };
                    return differ(format!(
                        "{table} has {} samples and {input} {}; the first of {longer}'s extra \
                         samples is {extra:?}",
                        a.len(),
                        b.len()
                    ));
                }
                Ok(())
            }
            (Some(_), None) | (None, Some(_)) => {
                let (with, without) = if self.ids.is_some() {
                    (table, input)
                } else {
                    (input, table)
                };
                differ(format!(
                    "{with} has sample ids and {without} has none (read with or without \
                     includeSampleIds alike)"
                ))
            }
            (None, None) if self.count != other.count => differ(format!(
                "{table} has {} samples and {input} {}",
                self.count, other.count
            )),
            (None, None) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(ids: &[&str]) -> Samples {
        Samples::with_ids(ids.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn the_first_difference_is_named() {
        let err = ids(&["A", "B", "C"])
            .check_same(&ids(&["A", "C", "B"]), "table T", "b.vcf")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(r#"sample 2 is "B" in table T but "C" in b.vcf"#),
            "{err}"
        );
        let err = ids(&["A", "B"])
            .check_same(&ids(&["A", "B", "X"]), "table T", "b.vcf")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(r#"the first of b.vcf's extra samples is "X""#),
            "{err}"
        );
        assert!(ids(&["A"]).check_same(&ids(&["A"]), "t", "i").is_ok());
        assert!(
            Samples::anonymous(2)
                .check_same(&Samples::anonymous(3), "t", "i")
                .is_err()
        );
    }

    #[test]
    fn config_round_trips_and_bad_config_is_an_error() {
        let samples = ids(&["A", "B \"quoted\"", "é"]);
        let json = samples.ids_json().unwrap();
        assert_eq!(
            Samples::from_config(Some("3"), Some(&json)).unwrap(),
            samples
        );
        assert_eq!(
            Samples::from_config(Some("4"), None).unwrap(),
            Samples::anonymous(4)
        );
        assert!(Samples::from_config(Some("2"), Some(&json)).is_err());
        assert!(Samples::from_config(None, Some("{")).is_err());
        assert!(Samples::from_config(None, None).is_err());
    }
}
