//! Leave-one-chromosome-out predictions and REGENIE's files for them.

use std::io::{self, Write};
use std::path::Path;

use super::level1::Level1Fit;

/// The result of step 1: for each contig, phenotype and sample, the
/// prediction of the phenotype from the variants of all *other* contigs.
///
/// Values are also available as one flat array (contig-major, then
/// phenotype, then sample) for writing as a table.
#[derive(Debug, Clone)]
pub struct LocoPredictions {
    phenotypes: Vec<String>,
    contigs: Vec<String>,
    samples: usize,
    values: Vec<f64>,
    whole: Vec<f64>,
    fits: Vec<Level1Fit>,
}

impl LocoPredictions {
    pub(crate) fn new(
        phenotypes: Vec<String>,
        contigs: Vec<String>,
        samples: usize,
        values: Vec<f64>,
        whole: Vec<f64>,
        fits: Vec<Level1Fit>,
    ) -> Self {
        Self {
            phenotypes,
            contigs,
            samples,
            values,
            whole,
            fits,
        }
    }

    /// Phenotype names, in input order.
    pub fn phenotypes(&self) -> &[String] {
        &self.phenotypes
    }

    /// Contigs, in the order their variants came.
    pub fn contigs(&self) -> &[String] {
        &self.contigs
    }

    /// Number of samples.
    pub fn sample_count(&self) -> usize {
        self.samples
    }

    /// The LOCO predictions of phenotype `phenotype` (index) for `contig`,
    /// one per sample; `None` for a contig that had no variants (use
    /// [`whole_genome`](Self::whole_genome) there, as REGENIE does).
    pub fn get(&self, contig: &str, phenotype: usize) -> Option<&[f64]> {
        let c = self.contigs.iter().position(|x| x == contig)?;
        if phenotype >= self.phenotypes.len() {
            return None;
        }
        let start = (c * self.phenotypes.len() + phenotype) * self.samples;
        Some(&self.values[start..start + self.samples])
    }

    /// The prediction of phenotype `phenotype` from all variants.
    pub fn whole_genome(&self, phenotype: usize) -> &[f64] {
        &self.whole[phenotype * self.samples..(phenotype + 1) * self.samples]
    }

    /// All LOCO values, contig-major, then phenotype, then sample:
    /// `values()[(c × phenotypes + p) × samples + s]`.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// The level-1 model of each phenotype (its penalties, cross-validation
    /// scores and chosen penalty).
    pub fn level1(&self) -> &[Level1Fit] {
        &self.fits
    }

    /// Writes REGENIE's `.loco` file of one phenotype: a first line
    /// `FID_IID` followed by the sample ids, then one line per contig, the
    /// contig then one prediction per sample, separated by spaces.
    ///
    /// `contigs` lists the lines to write, in order; a contig without
    /// variants gets the whole-genome prediction (REGENIE writes every
    /// chromosome from 1 to 23 this way). `sample_ids` are written as
    /// given: REGENIE's are `FID_IID`.
    ///
    /// # Examples
    ///
    /// ```
    /// use faer::Mat;
    /// use genolake_stats::wgr::{WgrOptions, WholeGenomeRidge};
    ///
    /// let (n, m) = (30, 8);
    /// let g = Mat::<f64>::from_fn(n, m, |i, j| ((i * 5 + j * 3 + i * j) % 3) as f64);
    /// let y = Mat::<f64>::from_fn(n, 1, |i, _| g[(i, 1)] + (i % 4) as f64 * 0.2);
    /// let mut wgr = WholeGenomeRidge::new(vec!["Y1".into()], y.as_ref(), None, m, WgrOptions::default())?;
    /// wgr.push(g.as_ref(), &["1"; 8])?;
    /// let loco = wgr.finish()?;
    /// let ids: Vec<String> = (1..=n).map(|i| format!("{i}_{i}")).collect();
    /// let mut out = Vec::new();
    /// loco.write_loco(0, &ids, &["1", "2"], &mut out)?;
    /// let text = String::from_utf8(out).unwrap();
    /// let lines: Vec<&str> = text.lines().collect();
    /// assert!(lines[0].starts_with("FID_IID 1_1 2_2"));
    /// assert!(lines[1].starts_with("1 0 0")); // all variants are on contig 1
    /// assert_eq!(lines[2].split(' ').count(), n + 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write_loco<W: Write, S: AsRef<str>>(
        &self,
        phenotype: usize,
        sample_ids: &[S],
        contigs: &[&str],
        mut out: W,
    ) -> io::Result<()> {
        if phenotype >= self.phenotypes.len() || sample_ids.len() != self.samples {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "phenotype {phenotype} of {} and {} sample ids for {} samples",
                    self.phenotypes.len(),
                    sample_ids.len(),
                    self.samples
                ),
            ));
        }
        write!(out, "FID_IID")?;
        for id in sample_ids {
            write!(out, " {}", id.as_ref())?;
        }
        writeln!(out)?;
        for contig in contigs {
            let values = self
                .get(contig, phenotype)
                .unwrap_or_else(|| self.whole_genome(phenotype));
            write!(out, "{contig}")?;
            for v in values {
                // Exact zeros print as REGENIE's `0`; others round-trip.
                if *v == 0.0 {
                    write!(out, " 0")?;
                } else {
                    write!(out, " {v}")?;
                }
            }
            writeln!(out)?;
        }
        out.flush()
    }
}

/// Writes REGENIE's `_pred.list`: one line per phenotype, its name and the
/// path of its `.loco` file.
///
/// ```
/// let mut out = Vec::new();
/// genolake_stats::wgr::write_pred_list(&["Y1", "Y2"], &["out_1.loco", "out_2.loco"], &mut out)?;
/// assert_eq!(String::from_utf8(out).unwrap(), "Y1 out_1.loco\nY2 out_2.loco\n");
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write_pred_list<W: Write, S: AsRef<str>, P: AsRef<Path>>(
    phenotypes: &[S],
    paths: &[P],
    mut out: W,
) -> io::Result<()> {
    if phenotypes.len() != paths.len() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "one .loco path per phenotype is needed",
        ));
    }
    for (name, path) in phenotypes.iter().zip(paths) {
        writeln!(out, "{} {}", name.as_ref(), path.as_ref().display())?;
    }
    out.flush()
}
