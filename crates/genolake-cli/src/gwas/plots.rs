//! Manhattan and Q-Q plots of association p-values, one pair per
//! phenotype, as PNG or SVG.

use std::path::{Path, PathBuf};

use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::qc::plots::{SIZE, plot_error, qq_chart, register_font};

/// The genome-wide significance line of the Manhattan plot.
const GENOME_WIDE: f64 = 5e-8;
/// Points the Manhattan plot draws at most: every variant with p below
/// [`THIN_ABOVE`], an even sample of the rest (a cloud near the axis).
const MANHATTAN_POINTS: usize = 200_000;
const THIN_ABOVE: f64 = 1e-3;

/// The image format of the plots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlotFormat {
    Png,
    Svg,
}

impl PlotFormat {
    fn extension(self) -> &'static str {
        match self {
            PlotFormat::Png => "png",
            PlotFormat::Svg => "svg",
        }
    }
}

/// The p-values of one phenotype, with each variant's place.
#[derive(Debug, Default)]
pub struct Points {
    /// Index into [`Collected::contigs`].
    pub contig: Vec<u32>,
    pub position: Vec<i64>,
    pub p_value: Vec<f64>,
}

/// What the plots need, gathered over the whole run.
#[derive(Debug, Default)]
pub struct Collected {
    /// Contigs in the order first seen.
    pub contigs: Vec<String>,
    /// Per phenotype, in the results' phenotype order.
    pub phenotypes: Vec<(String, Points)>,
}

impl Collected {
    pub fn new(phenotypes: &[String]) -> Self {
        Self {
            contigs: Vec::new(),
            phenotypes: phenotypes
                .iter()
                .map(|p| (p.clone(), Points::default()))
                .collect(),
        }
    }

    /// The index of `contig`, added if new.
    pub fn contig(&mut self, contig: &str) -> u32 {
        match self.contigs.iter().position(|c| c == contig) {
            Some(i) => i as u32,
            None => {
                self.contigs.push(contig.to_string());
                (self.contigs.len() - 1) as u32
            }
        }
    }
}

/// Draws `manhattan_<phenotype>.<ext>` and `qq_<phenotype>.<ext>` for every
/// phenotype into `dir`; returns the files written.
pub fn draw(dir: &Path, collected: &Collected, format: PlotFormat) -> Result<Vec<PathBuf>> {
    register_font()?;
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for (phenotype, points) in &collected.phenotypes {
        let safe: String = phenotype
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let manhattan = dir.join(format!("manhattan_{safe}.{}", format.extension()));
        let qq = dir.join(format!("qq_{safe}.{}", format.extension()));
        let title = phenotype.as_str();
        match format {
            PlotFormat::Png => {
                let root = BitMapBackend::new(&manhattan, SIZE).into_drawing_area();
                manhattan_chart(&root, title, &collected.contigs, points)
                    .map_err(plot_error(&manhattan))?;
                let root = BitMapBackend::new(&qq, SIZE).into_drawing_area();
                qq_chart(&root, title, &points.p_value).map_err(plot_error(&qq))?;
            }
            PlotFormat::Svg => {
                let root = SVGBackend::new(&manhattan, SIZE).into_drawing_area();
                manhattan_chart(&root, title, &collected.contigs, points)
                    .map_err(plot_error(&manhattan))?;
                let root = SVGBackend::new(&qq, SIZE).into_drawing_area();
                qq_chart(&root, title, &points.p_value).map_err(plot_error(&qq))?;
            }
        }
        written.push(manhattan);
        written.push(qq);
    }
    Ok(written)
}

/// −log10 p along the genome: contigs side by side in the order first seen,
/// each as long as its largest position, in alternating colours.
fn manhattan_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    contigs: &[String],
    points: &Points,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let mut length = vec![0i64; contigs.len()];
    for (&c, &position) in points.contig.iter().zip(&points.position) {
        length[c as usize] = length[c as usize].max(position + 1);
    }
    let mut offset = Vec::with_capacity(contigs.len());
    let mut total = 0i64;
    for l in &length {
        offset.push(total);
        total += (*l).max(1);
    }
    let finite = points.p_value.iter().filter(|p| p.is_finite()).count();
    let step = (finite / MANHATTAN_POINTS).max(1);
    let mut kept = 0usize;
    let mut xy: Vec<(f64, f64, u32)> = Vec::new();
    for i in 0..points.p_value.len() {
        let p = points.p_value[i];
        if !p.is_finite() {
            continue;
        }
        kept += 1;
        if p >= THIN_ABOVE && !kept.is_multiple_of(step) {
            continue;
        }
        let c = points.contig[i];
        let x = (offset[c as usize] + points.position[i]) as f64;
        xy.push((x, -p.max(f64::MIN_POSITIVE).log10(), c));
    }
    let y_top = xy.iter().map(|p| p.1).fold(-GENOME_WIDE.log10(), f64::max) * 1.05;
    let x_top = total.max(1) as f64;
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(root)
        .caption(format!("{title}, {finite} variants"), ("sans-serif", 26))
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..x_top, 0.0..y_top)?;
    let centres: Vec<(f64, &str)> = contigs
        .iter()
        .enumerate()
        .map(|(i, c)| ((offset[i] as f64) + length[i] as f64 / 2.0, c.as_str()))
        .collect();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_desc("-log10(p)")
        .label_style(("sans-serif", 16))
        .draw()?;
    // Contig names under their stretch of the axis, thinned when crowded.
    let every = contigs.len().div_ceil(30).max(1);
    for (i, (x, name)) in centres.iter().enumerate() {
        if i % every == 0 {
            let (px, py) = chart.backend_coord(&(*x, 0.0));
            root.draw(&Text::new(
                name.to_string(),
                (px - 6, py + 8),
                ("sans-serif", 14).into_font(),
            ))?;
        }
    }
    let colours = [RGBColor(31, 78, 160), RGBColor(120, 160, 220)];
    chart.draw_series(
        xy.iter()
            .map(|&(x, y, c)| Circle::new((x, y), 2, colours[c as usize % 2].filled())),
    )?;
    let line = -GENOME_WIDE.log10();
    chart.draw_series(LineSeries::new([(0.0, line), (x_top, line)], RED.mix(0.6)))?;
    root.present()
}
