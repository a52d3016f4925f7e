//! Per-sample QC over many variants: Glow's `sample_call_summary_stats`,
//! `sample_dp_summary_stats` and `sample_gq_summary_stats`, as accumulators
//! that take rows one at a time and merge, so an engine can compute partial
//! results in parallel and combine them.

use crate::calls::{Calls, SampleVisitor};
use crate::error::{Error, Result};
use crate::moments::{Moments, SummaryStats};

/// What an alternate allele is relative to the reference, by Glow's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VariantClass {
    /// Same length, exactly one base differs, A↔G or C↔T.
    Transition,
    /// Same length, exactly one base differs, any other pair of A, C, G, T.
    Transversion,
    /// Longer than the reference, same first base, and ending with the
    /// reference's other bases.
    Insertion,
    /// Shorter than the reference, same first base, and the reference ends
    /// with the alternate's other bases.
    Deletion,
    /// The allele `*`.
    SpanningDeletion,
    /// Anything else (multi-base substitutions, symbolic alleles, lower
    /// case or `N` bases).
    Other,
}

impl VariantClass {
    /// The class of `alternate` against `reference`.
    ///
    /// ```
    /// use genolake_stats::VariantClass;
    ///
    /// assert_eq!(VariantClass::of("A", "G"), VariantClass::Transition);
    /// assert_eq!(VariantClass::of("CA", "CT"), VariantClass::Transversion);
    /// assert_eq!(VariantClass::of("A", "ACT"), VariantClass::Insertion);
    /// assert_eq!(VariantClass::of("TTTTC", "T"), VariantClass::Deletion);
    /// assert_eq!(VariantClass::of("TTTTC", "*"), VariantClass::SpanningDeletion);
    /// assert_eq!(VariantClass::of("AC", "GT"), VariantClass::Other);
    /// ```
    pub fn of(reference: &str, alternate: &str) -> Self {
        let (r, a) = (reference.as_bytes(), alternate.as_bytes());
        if r.len() == a.len() {
            let mut differ = r.iter().zip(a).filter(|(x, y)| x != y);
            if let (Some((&x, &y)), None) = (differ.next(), differ.next()) {
                match (x, y) {
                    (b'A', b'G') | (b'G', b'A') | (b'C', b'T') | (b'T', b'C') => {
                        return Self::Transition;
                    }
                    (b'A' | b'C' | b'G' | b'T', b'A' | b'C' | b'G' | b'T') => {
                        return Self::Transversion;
                    }
                    _ => {}
                }
            }
        }
        if a == b"*" {
            Self::SpanningDeletion
        } else if r.len() < a.len()
            && a.len() >= 2
            && r.first() == a.first()
            && a.ends_with(&r[1..])
        {
            Self::Insertion
        } else if r.len() > a.len()
            && r.len() >= 2
            && !a.is_empty()
            && r[0] == a[0]
            && r.ends_with(&a[1..])
        {
            Self::Deletion
        } else {
            Self::Other
        }
    }
}

/// One sample's counts over the rows seen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SampleCallCounts {
    /// Rows where the sample's calls are complete.
    pub n_called: u64,
    /// Rows where a call is missing or the list is empty or null.
    pub n_uncalled: u64,
    /// Called rows where every allele is the reference.
    pub n_hom_ref: u64,
    /// Called rows with two different alleles.
    pub n_het: u64,
    /// Called rows with one alternate allele only.
    pub n_hom_var: u64,
    /// Alternate alleles called that are insertions (counted per allele).
    pub n_insertion: u64,
    /// ... deletions.
    pub n_deletion: u64,
    /// ... transitions.
    pub n_transition: u64,
    /// ... transversions.
    pub n_transversion: u64,
    /// ... spanning deletions (`*`).
    pub n_spanning_deletion: u64,
}

const COUNT_FIELDS: usize = 10;

impl SampleCallCounts {
    fn fields(&self) -> [u64; COUNT_FIELDS] {
        [
            self.n_called,
            self.n_uncalled,
            self.n_hom_ref,
            self.n_het,
            self.n_hom_var,
            self.n_insertion,
            self.n_deletion,
            self.n_transition,
            self.n_transversion,
            self.n_spanning_deletion,
        ]
    }

    fn from_fields(f: [u64; COUNT_FIELDS]) -> Self {
        Self {
            n_called: f[0],
            n_uncalled: f[1],
            n_hom_ref: f[2],
            n_het: f[3],
            n_hom_var: f[4],
            n_insertion: f[5],
            n_deletion: f[6],
            n_transition: f[7],
            n_transversion: f[8],
            n_spanning_deletion: f[9],
        }
    }

    fn add(&mut self, other: &Self) {
        let mut sum = self.fields();
        for (s, o) in sum.iter_mut().zip(other.fields()) {
            *s += o;
        }
        *self = Self::from_fields(sum);
    }

    /// `nCalled / (nCalled + nUncalled)`.
    pub fn call_rate(&self) -> f64 {
        self.n_called as f64 / (self.n_called + self.n_uncalled) as f64
    }

    /// `nTransition + nTransversion` (Glow's `nSnp`).
    pub fn n_snp(&self) -> u64 {
        self.n_transition + self.n_transversion
    }

    /// `nTransition / nTransversion` (infinite or NaN when there are no
    /// transversions, as in Glow).
    pub fn r_ti_tv(&self) -> f64 {
        self.n_transition as f64 / self.n_transversion as f64
    }

    /// `nInsertion / nDeletion`.
    pub fn r_insertion_deletion(&self) -> f64 {
        self.n_insertion as f64 / self.n_deletion as f64
    }

    /// `nHet / nHomVar`.
    pub fn r_het_hom_var(&self) -> f64 {
        self.n_het as f64 / self.n_hom_var as f64
    }
}

/// Sample ids carried beside per-sample results; `None` where the input had
/// none (Glow omits `sampleId` then).
fn merge_ids(mine: &mut Option<Vec<String>>, theirs: &Option<Vec<String>>) -> Result<()> {
    match (mine.as_ref(), theirs) {
        (None, Some(ids)) => *mine = Some(ids.clone()),
        (Some(a), Some(b)) => {
            if let Some(index) = a.iter().zip(b).position(|(x, y)| x != y) {
                return Err(Error::SampleMismatch {
                    index,
                    left: Some(a[index].clone()),
                    right: Some(b[index].clone()),
                });
            }
        }
        _ => {}
    }
    Ok(())
}

fn check_samples(expected: &mut Option<usize>, found: usize) -> Result<()> {
    match *expected {
        None => {
            *expected = Some(found);
            Ok(())
        }
        Some(expected) if expected == found => Ok(()),
        Some(expected) => Err(Error::SampleCount { expected, found }),
    }
}

/// Glow's `sample_call_summary_stats` as an accumulator over rows.
///
/// Per sample and row, with Glow's rules: a missing allele makes the sample
/// uncalled; otherwise two different alleles make it heterozygous, all
/// reference alleles homozygous reference, and anything else homozygous
/// variant. Every alternate allele in the calls, called or not, counts once
/// towards its [`VariantClass`] (a `1/1` transition counts two
/// transitions). One difference from Glow: an empty or null call list
/// counts as uncalled (Glow counts it as homozygous variant).
///
/// ```
/// use genolake_stats::{ListCalls, SampleCallStats};
///
/// let mut stats = SampleCallStats::default();
/// // Two samples: 0/1 and 1/1 at an A>G site, then 0/0 and ./. at C>CT.
/// stats.add_row(&ListCalls::new(&[0, 1, 1, 1], &[0, 2, 4]), "A", ["G"])?;
/// stats.add_row(&ListCalls::new(&[0, 0, -1, -1], &[0, 2, 4]), "C", ["CT"])?;
/// let second = stats.counts()[1];
/// assert_eq!((second.n_called, second.n_uncalled, second.n_hom_var, second.n_transition), (1, 1, 1, 2));
/// # Ok::<(), genolake_stats::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SampleCallStats {
    samples: Option<usize>,
    counts: Vec<SampleCallCounts>,
    ids: Option<Vec<String>>,
    classes: Vec<VariantClass>,
}

struct CountRow<'a> {
    counts: &'a mut [SampleCallCounts],
    classes: &'a [VariantClass],
}

impl SampleVisitor for CountRow<'_> {
    #[inline]
    fn sample<I: Iterator<Item = i32>>(&mut self, index: usize, alleles: I) {
        let c = &mut self.counts[index];
        let mut seen = false;
        let mut uncalled = false;
        let mut het = false;
        let mut last = -1;
        for allele in alleles {
            seen = true;
            if allele == -1 {
                uncalled = true;
            } else if allele != last && last != -1 {
                het = true;
            }
            if allele > 0 {
                match self.classes.get(allele as usize - 1) {
                    Some(VariantClass::Transition) => c.n_transition += 1,
                    Some(VariantClass::Transversion) => c.n_transversion += 1,
                    Some(VariantClass::Insertion) => c.n_insertion += 1,
                    Some(VariantClass::Deletion) => c.n_deletion += 1,
                    Some(VariantClass::SpanningDeletion) => c.n_spanning_deletion += 1,
                    Some(VariantClass::Other) | None => {}
                }
            }
            last = allele;
        }
        if uncalled || !seen {
            c.n_uncalled += 1;
        } else {
            c.n_called += 1;
            if het {
                c.n_het += 1;
            } else if last == 0 {
                c.n_hom_ref += 1;
            } else {
                c.n_hom_var += 1;
            }
        }
    }
}

impl SampleCallStats {
    /// Adds one row: its calls, reference allele and alternate alleles.
    /// Every row must hold the same number of samples.
    pub fn add_row<'s>(
        &mut self,
        calls: &impl Calls,
        reference: &str,
        alternates: impl IntoIterator<Item = &'s str>,
    ) -> Result<()> {
        let n = calls.samples();
        check_samples(&mut self.samples, n)?;
        if self.counts.len() < n {
            self.counts.resize(n, SampleCallCounts::default());
        }
        self.classes.clear();
        self.classes.extend(
            alternates
                .into_iter()
                .map(|alt| VariantClass::of(reference, alt)),
        );
        calls.visit(&mut CountRow {
            counts: &mut self.counts,
            classes: &self.classes,
        });
        Ok(())
    }

    /// Records the sample ids, once (the first row's, say).
    pub fn set_sample_ids(&mut self, ids: Vec<String>) {
        self.ids = Some(ids);
    }

    /// Whether sample ids were recorded.
    pub fn has_sample_ids(&self) -> bool {
        self.ids.is_some()
    }

    /// The sample ids, if recorded.
    pub fn sample_ids(&self) -> Option<&[String]> {
        self.ids.as_deref()
    }

    /// Adds what another accumulator has seen (over other rows of the same
    /// samples).
    pub fn merge(&mut self, other: &SampleCallStats) -> Result<()> {
        let Some(n) = other.samples else {
            return Ok(());
        };
        check_samples(&mut self.samples, n)?;
        merge_ids(&mut self.ids, &other.ids)?;
        if self.counts.len() < n {
            self.counts.resize(n, SampleCallCounts::default());
        }
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            mine.add(theirs);
        }
        Ok(())
    }

    /// The counts per sample, in sample order (empty before any row).
    pub fn counts(&self) -> &[SampleCallCounts] {
        &self.counts
    }

    /// The accumulator as bytes, for an engine's partial state.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16 + self.counts.len() * COUNT_FIELDS * 8);
        put_header(&mut out, self.samples, &self.ids);
        for c in &self.counts {
            for f in c.fields() {
                out.extend_from_slice(&f.to_le_bytes());
            }
        }
        out
    }

    /// An accumulator back from [`to_bytes`](Self::to_bytes).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut input = Input(bytes);
        let (samples, ids) = get_header(&mut input)?;
        let n = samples.unwrap_or(0);
        input.expect(n.saturating_mul(COUNT_FIELDS * 8))?;
        let mut counts = Vec::with_capacity(n);
        for _ in 0..n {
            let mut f = [0u64; COUNT_FIELDS];
            for v in &mut f {
                *v = input.u64()?;
            }
            counts.push(SampleCallCounts::from_fields(f));
        }
        input.end()?;
        Ok(Self {
            samples,
            counts,
            ids,
            classes: Vec::new(),
        })
    }
}

/// Glow's `sample_dp_summary_stats` / `sample_gq_summary_stats` as an
/// accumulator: per sample, the [`Moments`] of a numeric genotype field
/// over rows, skipping nulls.
///
/// ```
/// use genolake_stats::SampleMoments;
///
/// let mut dp = SampleMoments::default();
/// dp.add_row([Some(10.0), None])?;
/// dp.add_row([Some(20.0), Some(5.0)])?;
/// let stats = dp.summaries();
/// assert_eq!(stats[0].unwrap().mean, 15.0);
/// assert_eq!(stats[1].unwrap().min, 5.0);
/// # Ok::<(), genolake_stats::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SampleMoments {
    samples: Option<usize>,
    moments: Vec<Moments>,
    ids: Option<Vec<String>>,
}

impl SampleMoments {
    /// Adds one row's values, one per sample in sample order.
    pub fn add_row(&mut self, values: impl IntoIterator<Item = Option<f64>>) -> Result<()> {
        let mut n = 0;
        for (i, value) in values.into_iter().enumerate() {
            if i >= self.moments.len() {
                self.moments.push(Moments::default());
            }
            if let Some(x) = value {
                self.moments[i].push(x);
            }
            n = i + 1;
        }
        check_samples(&mut self.samples, n)
    }

    /// Records the sample ids, once.
    pub fn set_sample_ids(&mut self, ids: Vec<String>) {
        self.ids = Some(ids);
    }

    /// Whether sample ids were recorded.
    pub fn has_sample_ids(&self) -> bool {
        self.ids.is_some()
    }

    /// The sample ids, if recorded.
    pub fn sample_ids(&self) -> Option<&[String]> {
        self.ids.as_deref()
    }

    /// Adds what another accumulator has seen.
    pub fn merge(&mut self, other: &SampleMoments) -> Result<()> {
        let Some(n) = other.samples else {
            return Ok(());
        };
        check_samples(&mut self.samples, n)?;
        merge_ids(&mut self.ids, &other.ids)?;
        if self.moments.len() < n {
            self.moments.resize(n, Moments::default());
        }
        for (mine, theirs) in self.moments.iter_mut().zip(&other.moments) {
            mine.merge(theirs);
        }
        Ok(())
    }

    /// Per sample, its summary (`None` for a sample without values).
    pub fn summaries(&self) -> Vec<Option<SummaryStats>> {
        self.moments.iter().map(Moments::summary).collect()
    }

    /// The accumulator as bytes, for an engine's partial state.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16 + self.moments.len() * 40);
        put_header(&mut out, self.samples, &self.ids);
        for m in &self.moments {
            out.extend_from_slice(&m.count.to_le_bytes());
            for f in [m.mean, m.m2, m.min, m.max] {
                out.extend_from_slice(&f.to_le_bytes());
            }
        }
        out
    }

    /// An accumulator back from [`to_bytes`](Self::to_bytes).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut input = Input(bytes);
        let (samples, ids) = get_header(&mut input)?;
        let n = samples.unwrap_or(0);
        input.expect(n.saturating_mul(40))?;
        let mut moments = Vec::with_capacity(n);
        for _ in 0..n {
            let count = input.u64()?;
            let mut f = [0f64; 4];
            for v in &mut f {
                *v = f64::from_bits(input.u64()?);
            }
            moments.push(Moments {
                count,
                mean: f[0],
                m2: f[1],
                min: f[2],
                max: f[3],
            });
        }
        input.end()?;
        Ok(Self {
            samples,
            moments,
            ids,
        })
    }
}

// Serialized state: samples + 1 (0 for none seen), ids count + 1 (0 for
// none), each id as length and UTF-8 bytes, then the per-sample records.
fn put_header(out: &mut Vec<u8>, samples: Option<usize>, ids: &Option<Vec<String>>) {
    out.extend_from_slice(&samples.map_or(0, |n| n as u64 + 1).to_le_bytes());
    match ids {
        None => out.extend_from_slice(&0u64.to_le_bytes()),
        Some(ids) => {
            out.extend_from_slice(&(ids.len() as u64 + 1).to_le_bytes());
            for id in ids {
                out.extend_from_slice(&(id.len() as u64).to_le_bytes());
                out.extend_from_slice(id.as_bytes());
            }
        }
    }
}

type Header = (Option<usize>, Option<Vec<String>>);

fn get_header(input: &mut Input<'_>) -> Result<Header> {
    let samples = input.len()?.checked_sub(1);
    let ids = match input.len()?.checked_sub(1) {
        None => None,
        Some(n) => {
            // Each id takes at least its 8-byte length.
            input.expect(n.saturating_mul(8))?;
            let mut ids = Vec::with_capacity(n);
            for _ in 0..n {
                let len = input.len()?;
                let bytes = input.take(len)?;
                let id = std::str::from_utf8(bytes)
                    .map_err(|_| Error::State("a sample id is not UTF-8".into()))?;
                ids.push(id.to_string());
            }
            Some(ids)
        }
    };
    Ok((samples, ids))
}

struct Input<'a>(&'a [u8]);

impl<'a> Input<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.0.len() {
            return Err(Error::State(format!(
                "{n} more bytes expected, {} left",
                self.0.len()
            )));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn expect(&self, n: usize) -> Result<()> {
        if n > self.0.len() {
            return Err(Error::State(format!(
                "{n} more bytes expected, {} left",
                self.0.len()
            )));
        }
        Ok(())
    }

    fn u64(&mut self) -> Result<u64> {
        let bytes = self.take(8)?;
        let mut b = [0u8; 8];
        b.copy_from_slice(bytes);
        Ok(u64::from_le_bytes(b))
    }

    fn len(&mut self) -> Result<usize> {
        usize::try_from(self.u64()?)
            .map_err(|_| Error::State("a length does not fit in memory".into()))
    }

    fn end(&self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::State(format!("{} bytes left over", self.0.len())))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ListCalls;

    #[test]
    fn classes_follow_glow() {
        for (r, a, class) in [
            ("A", "G", VariantClass::Transition),
            ("C", "T", VariantClass::Transition),
            ("A", "C", VariantClass::Transversion),
            ("G", "T", VariantClass::Transversion),
            ("a", "g", VariantClass::Other),
            ("A", "N", VariantClass::Other),
            ("AC", "GT", VariantClass::Other),
            ("A", "AT", VariantClass::Insertion),
            ("AT", "A", VariantClass::Deletion),
            ("A", "*", VariantClass::SpanningDeletion),
            ("A", "<DEL>", VariantClass::Other),
            ("AT", "GTT", VariantClass::Other),
        ] {
            assert_eq!(VariantClass::of(r, a), class, "{r}>{a}");
        }
    }

    // Glow's SampleQcExprsSuite: "heterozygous only".
    #[test]
    fn a_lone_heterozygote() {
        let mut s = SampleCallStats::default();
        s.add_row(&ListCalls::new(&[0, 1], &[0, 2]), "A", ["G"])
            .unwrap();
        let c = s.counts()[0];
        assert_eq!((c.n_het, c.n_transition, c.n_transversion), (1, 1, 0));
        assert_eq!(c.r_het_hom_var(), f64::INFINITY);
    }

    #[test]
    fn rows_of_other_sample_counts_are_refused() {
        let mut s = SampleCallStats::default();
        s.add_row(&ListCalls::new(&[0, 1], &[0, 2]), "A", ["G"])
            .unwrap();
        let err = s
            .add_row(&ListCalls::new(&[0, 1, 0, 0], &[0, 2, 4]), "A", ["G"])
            .unwrap_err();
        assert_eq!(
            err,
            Error::SampleCount {
                expected: 1,
                found: 2
            }
        );
    }

    #[test]
    fn states_survive_their_bytes_and_damaged_bytes_are_errors() {
        let mut s = SampleCallStats::default();
        s.add_row(&ListCalls::new(&[0, 1, 1, 1], &[0, 2, 4]), "A", ["G"])
            .unwrap();
        s.set_sample_ids(vec!["a".into(), "b".into()]);
        let back = SampleCallStats::from_bytes(&s.to_bytes()).unwrap();
        assert_eq!(
            (back.counts(), back.sample_ids()),
            (s.counts(), s.sample_ids())
        );
        let bytes = s.to_bytes();
        for cut in 0..bytes.len() {
            assert!(SampleCallStats::from_bytes(&bytes[..cut]).is_err());
        }
        // A lying length asks for nothing it cannot check first.
        let mut lying = bytes.clone();
        lying[..8].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(SampleCallStats::from_bytes(&lying).is_err());

        let mut dp = SampleMoments::default();
        dp.add_row([Some(1.0), None]).unwrap();
        let back = SampleMoments::from_bytes(&dp.to_bytes()).unwrap();
        assert_eq!(back, dp);
    }

    #[test]
    fn merging_checks_sample_ids() {
        let mut a = SampleMoments::default();
        a.add_row([Some(1.0)]).unwrap();
        a.set_sample_ids(vec!["x".into()]);
        let mut b = a.clone();
        b.set_sample_ids(vec!["y".into()]);
        assert!(matches!(
            a.merge(&b),
            Err(Error::SampleMismatch { index: 0, .. })
        ));
    }
}
