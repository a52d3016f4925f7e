//! Phenotype, covariate and offset tables: numbers keyed by sample id, read
//! from CSV, TSV, whitespace-separated text (REGENIE's and PLINK's), any of
//! them gzipped, or Parquet, and lined up with the genotypes' samples.
//!
//! The sample id is the column named by `--sample-id-column`, else one named
//! `sampleId` (Glow's column) or `sample_id`, else the first column. A file
//! that starts with REGENIE's and PLINK's `FID IID` columns is keyed by
//! `IID`, or by `FID_IID` when that is how the genotypes name their samples
//! (genolake's PLINK reader merges them so by default). A `contigName`
//! column makes an offset table leave-one-chromosome-out: one row per
//! sample and contig.
//!
//! Missing values are empty fields, `NA`, `NaN` and `.`; any other value
//! that is not a number is an error naming the file, line and column.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use arrow::array::{Array, AsArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

/// The column that makes an offset table per contig (LOCO).
pub const CONTIG_COLUMN: &str = "contigName";

/// A table of numbers keyed by sample id, as read.
#[derive(Debug, Clone)]
pub struct SampleTable {
    pub path: PathBuf,
    /// The value columns, in file order.
    pub columns: Vec<String>,
    /// Each row's key: the sample id, and for `FID IID` files the merged
    /// `FID_IID` as a second spelling.
    keys: Vec<(String, Option<String>)>,
    /// The contig of each row, for a LOCO offset table.
    pub contigs: Option<Vec<String>>,
    /// `values[column][row]`, NaN where missing.
    pub values: Vec<Vec<f64>>,
    /// The line (text) or row (Parquet, 1-based) of each row, for messages.
    lines: Vec<u64>,
}

/// A table's values in the genotypes' sample order.
#[derive(Debug, Clone)]
pub struct Aligned {
    pub columns: Vec<String>,
    /// `values[column][sample]`, NaN where the table has no value (or no row).
    pub values: Vec<Vec<f64>>,
    /// Genotype samples the table has no row for.
    pub absent: usize,
    /// Table rows whose sample the genotypes do not hold (ignored).
    pub unknown: Vec<String>,
}

impl SampleTable {
    /// Reads `path`; `what` names the table in messages ("phenotype").
    pub fn read(path: &Path, what: &str, id_column: Option<&str>) -> Result<Self> {
        let is_parquet = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
        let table = if is_parquet {
            read_parquet(path, id_column)
        } else {
            read_text(path, id_column)
        }
        .with_context(|| format!("{}: cannot be read as a {what} table", path.display()))?;
        if table.columns.is_empty() {
            bail!(
                "{}: the {what} table has a sample id column but no {what} column",
                path.display()
            );
        }
        table.check_duplicates(what)?;
        Ok(table)
    }

    /// Rows of the table.
    pub fn rows(&self) -> usize {
        self.keys.len()
    }

    /// Refuses a sample (and contig) given twice, naming both lines.
    fn check_duplicates(&self, what: &str) -> Result<()> {
        let mut seen: HashMap<(&str, &str), u64> = HashMap::with_capacity(self.rows());
        for (row, (id, _)) in self.keys.iter().enumerate() {
            let contig = self.contigs.as_ref().map_or("", |c| c[row].as_str());
            if let Some(first) = seen.insert((id, contig), self.lines[row]) {
                bail!(
                    "{}: sample {id}{} appears twice in the {what} table (lines {first} and {})",
                    self.path.display(),
                    if contig.is_empty() {
                        String::new()
                    } else {
                        format!(" on contig {contig}")
                    },
                    self.lines[row]
                );
            }
        }
        Ok(())
    }

    /// The values in the order of `samples`, keeping only the rows of
    /// `contig` in a LOCO table (all rows otherwise).
    pub fn align(&self, samples: &[String], contig: Option<&str>) -> Aligned {
        let mut position: HashMap<&str, usize> = samples
            .iter()
            .enumerate()
            .map(|(i, s)| (s.as_str(), i))
            .collect();
        // Genotypes from a PLINK fileset are named FID_IID by default; a
        // table keyed by IID alone (plink2's `#IID` tables) matches their
        // IID part when no key matches a whole name.
        if !self.keys.iter().any(|(id, m)| {
            position.contains_key(id.as_str())
                || m.as_deref().is_some_and(|m| position.contains_key(m))
        }) {
            let by_iid: HashMap<&str, usize> = samples
                .iter()
                .enumerate()
                .filter_map(|(i, s)| s.split_once('_').map(|(_, iid)| (iid, i)))
                .collect();
            if by_iid.len() == samples.len() {
                position = by_iid;
            }
        }
        // A `FID IID` file matches by whichever spelling names more samples.
        let by_merged = {
            let plain = self
                .keys
                .iter()
                .filter(|(id, _)| position.contains_key(id.as_str()))
                .count();
            let merged = self
                .keys
                .iter()
                .filter(|(_, m)| m.as_deref().is_some_and(|m| position.contains_key(m)))
                .count();
            merged > plain
        };
        let mut values = vec![vec![f64::NAN; samples.len()]; self.columns.len()];
        let mut found = vec![false; samples.len()];
        let mut unknown = Vec::new();
        for (row, (id, merged)) in self.keys.iter().enumerate() {
            if let (Some(want), Some(contigs)) = (contig, &self.contigs)
                && contigs[row] != want
            {
                continue;
            }
            let key = if by_merged {
                merged.as_deref().unwrap_or(id)
            } else {
                id
            };
            match position.get(key) {
                Some(&sample) => {
                    found[sample] = true;
                    for (column, out) in values.iter_mut().enumerate() {
                        out[sample] = self.values[column][row];
                    }
                }
                None => unknown.push(key.to_string()),
            }
        }
        Aligned {
            columns: self.columns.clone(),
            values,
            absent: found.iter().filter(|f| !**f).count(),
            unknown,
        }
    }

    /// The contigs of a LOCO table, in first-seen order.
    pub fn contig_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for contig in self.contigs.iter().flatten() {
            if !names.contains(contig) {
                names.push(contig.clone());
            }
        }
        names
    }
}

impl SampleTable {
    /// REGENIE's step-1 predictions: `pred_list` names one `.loco` file per
    /// phenotype (`<phenotype> <path>` per line, a relative path taken from
    /// the list's directory); each file's first line is `FID_IID` and the
    /// samples, every other line a contig and one prediction per sample.
    /// The result is a LOCO offset table with one column per phenotype.
    pub fn from_regenie_predictions(pred_list: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(pred_list)
            .with_context(|| format!("{}: cannot be read", pred_list.display()))?;
        let base = pred_list.parent().unwrap_or(Path::new("."));
        let mut table = SampleTable {
            path: pred_list.to_path_buf(),
            columns: Vec::new(),
            keys: Vec::new(),
            contigs: Some(Vec::new()),
            values: Vec::new(),
            lines: Vec::new(),
        };
        let mut index: HashMap<(String, String), usize> = HashMap::new();
        for (number, line) in text.lines().enumerate() {
            let mut fields = line.split_whitespace();
            let (Some(phenotype), Some(file)) = (fields.next(), fields.next()) else {
                if line.trim().is_empty() {
                    continue;
                }
                bail!(
                    "{}: line {} is not `<phenotype> <.loco file>`",
                    pred_list.display(),
                    number + 1
                );
            };
            let mut path = PathBuf::from(file);
            if path.is_relative() {
                path = base.join(path);
            }
            if !path.exists() {
                // REGENIE writes absolute paths of the machine it ran on;
                // a moved run keeps its files beside the list.
                if let Some(name) = path.file_name() {
                    path = base.join(name);
                }
            }
            let column = table.columns.len();
            table.columns.push(phenotype.to_string());
            for values in &mut table.values {
                values.resize(table.keys.len(), f64::NAN);
            }
            table.values.push(vec![f64::NAN; table.keys.len()]);
            let loco = std::fs::read_to_string(&path)
                .with_context(|| format!("{}: cannot be read", path.display()))?;
            let mut lines = loco.lines();
            let header: Vec<&str> = lines
                .next()
                .map(|l| l.split_whitespace().collect())
                .unwrap_or_default();
            if header.first() != Some(&"FID_IID") {
                bail!("{}: line 1 does not start with FID_IID", path.display());
            }
            for (number, line) in lines.enumerate() {
                let fields: Vec<&str> = line.split_whitespace().collect();
                if fields.is_empty() {
                    continue;
                }
                if fields.len() != header.len() {
                    bail!(
                        "{}: line {} has {} fields where the header has {}",
                        path.display(),
                        number + 2,
                        fields.len(),
                        header.len()
                    );
                }
                let contig = fields[0];
                for (sample, value) in header[1..].iter().zip(&fields[1..]) {
                    let value = parse_value(value).with_context(|| {
                        format!(
                            "{}: line {}, sample {sample}: {value:?} is not a number",
                            path.display(),
                            number + 2
                        )
                    })?;
                    let key = (sample.to_string(), contig.to_string());
                    let row = *index.entry(key).or_insert_with(|| {
                        let iid = sample.split_once('_').map_or(*sample, |(_, iid)| iid);
                        table.keys.push((iid.to_string(), Some(sample.to_string())));
                        if let Some(contigs) = &mut table.contigs {
                            contigs.push(contig.to_string());
                        }
                        table.lines.push(number as u64 + 2);
                        for values in &mut table.values {
                            values.push(f64::NAN);
                        }
                        table.keys.len() - 1
                    });
                    table.values[column][row] = value;
                }
            }
        }
        if table.columns.is_empty() {
            bail!("{}: lists no prediction file", pred_list.display());
        }
        Ok(table)
    }
}

/// What each column of a table's header is.
struct Columns {
    /// The sample id.
    id: usize,
    /// Whether column 0 is REGENIE's and PLINK's FID (and `id` the IID).
    fid_iid: bool,
    /// `contigName`, in a LOCO offset table.
    contig: Option<usize>,
    /// The value columns, in file order.
    values: Vec<usize>,
}

impl Columns {
    fn of(header: &[String], id_column: Option<&str>, path: &Path) -> Result<Self> {
        let (id, fid_iid) = id_position(header, id_column, path)?;
        let contig = header.iter().position(|h| h == CONTIG_COLUMN);
        let values = (0..header.len())
            .filter(|&c| c != id && Some(c) != contig && !(fid_iid && c == 0))
            .collect();
        Ok(Self {
            id,
            fid_iid,
            contig,
            values,
        })
    }
}

impl SampleTable {
    /// A table of the header's value columns, with no row yet.
    fn empty(path: &Path, header: &[String], values: &[usize], loco: bool) -> Self {
        SampleTable {
            path: path.to_path_buf(),
            columns: values.iter().map(|&c| header[c].clone()).collect(),
            keys: Vec::new(),
            contigs: loco.then(Vec::new),
            values: vec![Vec::new(); values.len()],
            lines: Vec::new(),
        }
    }
}

/// Which column is the sample id, and whether the file is keyed `FID IID`.
fn id_position(header: &[String], id_column: Option<&str>, path: &Path) -> Result<(usize, bool)> {
    if let Some(name) = id_column {
        let position = header.iter().position(|h| h == name).with_context(|| {
            format!(
                "{}: no column is named {name} (the columns are {})",
                path.display(),
                header.join(", ")
            )
        })?;
        return Ok((position, false));
    }
    // plink2 writes its tables' header with a leading `#`.
    if header.len() >= 2 && header[0].trim_start_matches('#') == "FID" && header[1] == "IID" {
        return Ok((1, true));
    }
    Ok((
        header
            .iter()
            .position(|h| h == "sampleId" || h == "sample_id")
            .unwrap_or(0),
        false,
    ))
}

fn read_text(path: &Path, id_column: Option<&str>) -> Result<SampleTable> {
    let file = File::open(path)?;
    let mut reader = BufReader::new(file);
    let gzipped = reader.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    let reader: Box<dyn BufRead> = if gzipped {
        Box::new(BufReader::new(flate2::read::MultiGzDecoder::new(reader)))
    } else {
        Box::new(reader)
    };
    let mut lines = reader.lines();
    let header_line = lines
        .next()
        .transpose()?
        .with_context(|| "the file is empty: a header line naming the columns is needed")?;
    let delimiter = if header_line.contains('\t') {
        Some('\t')
    } else if header_line.contains(',') {
        Some(',')
    } else {
        None
    };
    let split = |line: &str| -> Vec<String> {
        match delimiter {
            Some(d) => line.split(d).map(|f| f.trim().to_string()).collect(),
            None => line.split_whitespace().map(str::to_string).collect(),
        }
    };
    let header = split(header_line.trim_end_matches('\r'));
    let Columns {
        id,
        fid_iid,
        contig,
        values: value_columns,
    } = Columns::of(&header, id_column, path)?;
    let mut table = SampleTable::empty(path, &header, &value_columns, contig.is_some());
    for (index, line) in lines.enumerate() {
        let number = index as u64 + 2;
        let line = line.with_context(|| format!("line {number} cannot be read"))?;
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let fields = split(line);
        if fields.len() != header.len() {
            bail!(
                "line {number} has {} fields where the header has {}",
                fields.len(),
                header.len()
            );
        }
        let merged = fid_iid.then(|| format!("{}_{}", fields[0], fields[1]));
        table.keys.push((fields[id].clone(), merged));
        if let (Some(c), Some(contigs)) = (contig, &mut table.contigs) {
            contigs.push(fields[c].clone());
        }
        for (out, &c) in table.values.iter_mut().zip(&value_columns) {
            out.push(parse_value(&fields[c]).with_context(|| {
                format!(
                    "line {number}, column {}: {:?} is not a number (missing values are written \
                     as NA, NaN, . or an empty field)",
                    header[c], fields[c]
                )
            })?);
        }
        table.lines.push(number);
    }
    Ok(table)
}

/// A number, or NaN for a missing value; `None` for anything else.
fn parse_value(field: &str) -> Option<f64> {
    match field {
        "" | "NA" | "NaN" | "nan" | "." => Some(f64::NAN),
        _ => field.parse::<f64>().ok().filter(|v| !v.is_nan()),
    }
}

fn read_parquet(path: &Path, id_column: Option<&str>) -> Result<SampleTable> {
    let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(path)?)?;
    let schema = builder.schema().clone();
    let header: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let Columns {
        id,
        fid_iid,
        contig,
        values: value_columns,
    } = Columns::of(&header, id_column, path)?;
    let mut table = SampleTable::empty(path, &header, &value_columns, contig.is_some());
    let mut row_number = 0u64;
    for batch in builder.build()? {
        let batch = batch?;
        let strings = |c: usize| -> Result<Vec<Option<String>>> {
            let array = cast(batch.column(c), &DataType::Utf8)
                .with_context(|| format!("column {} cannot be read as text", header[c]))?;
            let array = array.as_string::<i32>();
            Ok((0..array.len())
                .map(|i| array.is_valid(i).then(|| array.value(i).to_string()))
                .collect())
        };
        let ids = strings(id)?;
        let fids = if fid_iid { Some(strings(0)?) } else { None };
        let contigs = contig.map(strings).transpose()?;
        for (row, sample) in ids.into_iter().enumerate() {
            let number = row_number + row as u64 + 1;
            let sample = sample.with_context(|| format!("row {number}: the sample id is null"))?;
            let merged = fids
                .as_ref()
                .map(|f| format!("{}_{sample}", f[row].as_deref().unwrap_or("")));
            table.keys.push((sample, merged));
            table.lines.push(number);
            if let (Some(names), Some(out)) = (&contigs, &mut table.contigs) {
                out.push(
                    names[row]
                        .clone()
                        .with_context(|| format!("row {number}: {CONTIG_COLUMN} is null"))?,
                );
            }
        }
        for (out, &c) in table.values.iter_mut().zip(&value_columns) {
            let column = batch.column(c);
            if !column.data_type().is_numeric() && column.data_type() != &DataType::Boolean {
                bail!(
                    "column {} is of type {}, not a number",
                    header[c],
                    column.data_type()
                );
            }
            let numbers = cast(column, &DataType::Float64)
                .with_context(|| format!("column {} cannot be read as numbers", header[c]))?;
            let numbers = numbers.as_primitive::<Float64Type>();
            out.extend((0..numbers.len()).map(|i| {
                if numbers.is_valid(i) {
                    numbers.value(i)
                } else {
                    f64::NAN
                }
            }));
        }
        row_number += batch.num_rows() as u64;
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn regenie_fid_iid_files_match_by_iid_or_by_the_merged_id() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "p.txt", "FID IID Y1 Y2\n1 a 1.5 NA\n2 b -2 3\n");
        let table = SampleTable::read(&path, "phenotype", None).unwrap();
        assert_eq!(table.columns, ["Y1", "Y2"]);
        let by_iid = table.align(&["b".into(), "a".into(), "c".into()], None);
        let y1 = &by_iid.values[0];
        assert_eq!(y1[..2], [-2.0, 1.5]);
        assert!(y1[2].is_nan(), "c has no row");
        assert!(by_iid.values[1][1].is_nan(), "a's Y2 is NA");
        assert_eq!(by_iid.absent, 1);
        let merged = table.align(&["2_b".into(), "1_a".into()], None);
        assert_eq!(merged.values[0], vec![-2.0, 1.5]);
        assert!(merged.unknown.is_empty());
    }

    #[test]
    fn a_value_that_is_not_a_number_names_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "p.csv", "sampleId,age\ns1,40\ns2,forty\n");
        let error = format!(
            "{:#}",
            SampleTable::read(&path, "covariate", None).unwrap_err()
        );
        assert!(error.contains("p.csv"), "{error}");
        assert!(error.contains("line 3, column age"), "{error}");
        assert!(error.contains("\"forty\""), "{error}");
    }

    #[test]
    fn a_sample_given_twice_is_refused_with_both_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "p.tsv", "id\tY\ns1\t1\ns2\t0\ns1\t1\n");
        let error = format!(
            "{:#}",
            SampleTable::read(&path, "phenotype", None).unwrap_err()
        );
        assert!(error.contains("sample s1 appears twice"), "{error}");
        assert!(error.contains("lines 2 and 4"), "{error}");
    }

    #[test]
    fn a_loco_offset_table_keeps_one_contig_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "o.csv",
            "sample_id,contigName,Y\ns1,1,0.1\ns2,1,0.2\ns1,2,0.3\ns2,2,0.4\n",
        );
        let table = SampleTable::read(&path, "offset", None).unwrap();
        assert_eq!(table.contig_names(), ["1", "2"]);
        let two = table.align(&["s2".into(), "s1".into()], Some("2"));
        assert_eq!(two.values[0], vec![0.4, 0.3]);
    }

    #[test]
    fn a_plink2_iid_table_matches_fid_iid_genotype_names() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "p.tsv", "#IID\ty\nS1\t0.5\nS2\t1.5\n");
        let table = SampleTable::read(&path, "phenotype", None).unwrap();
        let aligned = table.align(&["0_S2".into(), "0_S1".into()], None);
        assert_eq!(aligned.values[0], vec![1.5, 0.5]);
        assert!(aligned.unknown.is_empty());
        let fid = write(dir.path(), "f.tsv", "#FID\tIID\ty\n0\tS1\t2\n");
        let table = SampleTable::read(&fid, "phenotype", None).unwrap();
        assert_eq!(table.columns, ["y"]);
        assert_eq!(table.align(&["0_S1".into()], None).values[0], vec![2.0]);
    }
}
