//! The PNG plots a QC analyst looks at first, drawn with `plotters`.
//!
//! Text is drawn with DejaVu Sans compiled into the binary (see
//! `assets/NOTICE.md`), so no system font library is needed.

use std::path::Path;
use std::sync::Once;

use anyhow::{Result, anyhow};
use genolake_stats::SampleCallCounts;
use plotters::prelude::*;
use plotters::style::FontStyle;

use super::PlotValues;

const FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");
pub(crate) const SIZE: (u32, u32) = (900, 640);
const BINS: usize = 50;
/// Points a Q-Q plot draws at most: every one of the smallest p-values,
/// evenly spaced ranks of the rest, where they lie on the diagonal anyway.
const QQ_POINTS: usize = 20_000;

pub(crate) fn register_font() -> Result<()> {
    static ONCE: Once = Once::new();
    let mut result = Ok(());
    ONCE.call_once(|| {
        result = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT)
            .map_err(|_| anyhow!("the plot font cannot be loaded"));
    });
    result
}

/// The plots' file names, in the order [`draw`] writes them.
pub const NAMES: [&str; 5] = [
    "allele_frequency_spectrum.png",
    "variant_call_rate.png",
    "sample_call_rate.png",
    "hardy_weinberg_qq.png",
    "sample_heterozygosity.png",
];

/// Draws every plot into `dir`.
pub fn draw(dir: &Path, values: &PlotValues, samples: &[SampleCallCounts]) -> Result<()> {
    register_font()?;
    histogram(
        &dir.join(NAMES[0]),
        "Allele frequency spectrum",
        "minor allele frequency",
        "variants",
        (0.0, 0.5),
        values.minor_allele_frequency.iter().map(|&v| f64::from(v)),
    )?;
    histogram(
        &dir.join(NAMES[1]),
        "Variant call rate",
        "call rate",
        "variants",
        (0.0, 1.0),
        values.call_rate.iter().map(|&v| f64::from(v)),
    )?;
    histogram(
        &dir.join(NAMES[2]),
        "Sample call rate",
        "call rate",
        "samples",
        (0.0, 1.0),
        samples.iter().map(|s| s.call_rate()),
    )?;
    qq(&dir.join(NAMES[3]), &values.p_value_hwe)?;
    heterozygosity(&dir.join(NAMES[4]), samples)
}

pub(crate) fn plot_error<E: std::fmt::Debug>(path: &Path) -> impl FnOnce(E) -> anyhow::Error + '_ {
    move |e| anyhow!("{}: cannot be drawn: {e:?}", path.display())
}

fn histogram(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    (low, high): (f64, f64),
    values: impl Iterator<Item = f64>,
) -> Result<()> {
    let mut counts = [0u64; BINS];
    let width = (high - low) / BINS as f64;
    for v in values.filter(|v| v.is_finite()) {
        let bin = (((v - low) / width).floor().max(0.0) as usize).min(BINS - 1);
        counts[bin] += 1;
    }
    let top = counts.iter().copied().max().unwrap_or(0).max(1);
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    let e = plot_error(path);
    let result = (|| {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 26))
            .margin(20)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(low..high, 0u64..top + top / 10 + 1)?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc(y_label)
            .label_style(("sans-serif", 16))
            .draw()?;
        chart.draw_series(counts.iter().enumerate().map(|(i, &c)| {
            let x0 = low + i as f64 * width;
            Rectangle::new([(x0, 0), (x0 + width, c)], BLUE.mix(0.7).filled())
        }))?;
        root.present()
    })();
    result.map_err(e)
}

/// Observed against expected −log10 p-values of the Hardy-Weinberg test.
fn qq(path: &Path, p_values: &[f64]) -> Result<()> {
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    qq_chart(&root, "Hardy-Weinberg exact test", p_values).map_err(plot_error(path))
}

/// A Q-Q plot of `p_values` (observed against expected −log10 p) on
/// `root`, titled `what` and the number of values; NaNs are left out.
pub(crate) fn qq_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    what: &str,
    p_values: &[f64],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let mut p: Vec<f64> = p_values
        .iter()
        .copied()
        .filter(|p| p.is_finite() && *p >= 0.0)
        .collect();
    p.sort_by(f64::total_cmp);
    let n = p.len();
    let points: Vec<(f64, f64)> = thin(n)
        .map(|i| {
            let expected = (i as f64 + 0.5) / n as f64;
            let observed = p[i].max(f64::MIN_POSITIVE);
            (-expected.log10(), -observed.log10())
        })
        .collect();
    let x_top = points.iter().map(|p| p.0).fold(1.0, f64::max) * 1.05;
    let y_top = points.iter().map(|p| p.1).fold(x_top, f64::max) * 1.05;
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(root)
        .caption(format!("{what}, {n} variants"), ("sans-serif", 26))
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..x_top, 0.0..y_top)?;
    chart
        .configure_mesh()
        .x_desc("expected -log10(p)")
        .y_desc("observed -log10(p)")
        .label_style(("sans-serif", 16))
        .draw()?;
    chart.draw_series(LineSeries::new([(0.0, 0.0), (x_top, x_top)], RED))?;
    chart.draw_series(
        points
            .iter()
            .map(|&(x, y)| Circle::new((x, y), 2, BLUE.mix(0.6).filled())),
    )?;
    root.present()
}

/// The ranks a Q-Q plot of `n` sorted values draws: all when few, else the
/// smallest ones and evenly spaced ranks of the rest.
fn thin(n: usize) -> impl Iterator<Item = usize> {
    let head = n.min(QQ_POINTS / 2);
    let step = if n <= QQ_POINTS {
        1
    } else {
        (n - head).div_ceil(QQ_POINTS / 2)
    };
    (0..head).chain((head..n).step_by(step.max(1)))
}

/// Each sample's heterozygosity (heterozygous over called rows) against
/// its call rate: contaminated samples sit high, failed ones left.
fn heterozygosity(path: &Path, samples: &[SampleCallCounts]) -> Result<()> {
    let points: Vec<(f64, f64)> = samples
        .iter()
        .filter(|s| s.n_called > 0)
        .map(|s| (s.call_rate(), s.n_het as f64 / s.n_called as f64))
        .collect();
    let y_top = points.iter().map(|p| p.1).fold(0.0, f64::max).max(0.01) * 1.1;
    let x_low = points.iter().map(|p| p.0).fold(1.0, f64::min).min(0.9);
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    let e = plot_error(path);
    let result = (|| {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!("Sample heterozygosity, {} samples", samples.len()),
                ("sans-serif", 26),
            )
            .margin(20)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(x_low..1.0, 0.0..y_top)?;
        chart
            .configure_mesh()
            .x_desc("call rate")
            .y_desc("heterozygous / called")
            .label_style(("sans-serif", 16))
            .draw()?;
        chart.draw_series(
            points
                .iter()
                .map(|&(x, y)| Circle::new((x, y), 3, BLUE.mix(0.6).filled())),
        )?;
        root.present()
    })();
    result.map_err(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thinning_keeps_the_smallest_and_spans_the_rest() {
        assert_eq!(thin(5).collect::<Vec<_>>(), [0, 1, 2, 3, 4]);
        let ranks: Vec<usize> = thin(1_000_000).collect();
        assert!(ranks.len() <= QQ_POINTS + 1, "{}", ranks.len());
        assert_eq!(&ranks[..3], [0, 1, 2]);
        assert!(*ranks.last().unwrap() > 990_000);
        assert!(ranks.windows(2).all(|w| w[0] < w[1]));
    }
}
