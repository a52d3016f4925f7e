//! Glow's row-changing transforms as table functions:
//! `split_multiallelics`, `normalize_variants` and `lift_over_variants`.
//!
//! Glow runs these as DataFrame transformers (`glow.transform(name, df,
//! options)`). In SQL a table function cannot take a table as an argument,
//! so each takes the *name* of one, a table or view of the session
//! (`CREATE VIEW v AS SELECT ... FROM read_vcf(...)`, an external table), or
//! a path read as `read_vcf`/`read_bgen`/`read_plink`/`read_delta` would
//! read it; then the transformer's options as `'name', value` pairs, with
//! Glow's names (`referenceGenomePath` or `reference_genome_path`, ...):
//!
//! ```sql
//! SELECT * FROM split_multiallelics('calls.vcf.gz');
//! SELECT * FROM normalize_variants('v', 'referenceGenomePath', 'ref.fa');
//! SELECT * FROM lift_over_variants('v', 'chainFile', 'hg38ToHg19.over.chain.gz',
//!                                  'referenceFile', 'hg19.fa', 'minMatchRatio', 0.95);
//! ```
//!
//! The rows are transformed as they stream out of the input's scan, each
//! partition with its own FASTA handles, by genolake-ops' [`Pipeline`]. Filters are not
//! pushed below a transform: the transform changes the very columns they
//! would test.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use datafusion::catalog::{Session, TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::TableReference;
use datafusion::error::Result as DfResult;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::execution::session_state::SessionState;
use datafusion::logical_expr::Expr;
use futures::StreamExt;
use futures::stream::BoxStream;
use genolake_ops::pipeline::{
    LiftOverOptions, NormalizeOptions, Pipeline, Prepared, RefCheck, SplitOptions,
};

use crate::error::{Error, Result};
use crate::formats::{InputFormat, WriteSource};
use crate::functions::{block_on, path_and_options};
use crate::map_exec::{MapTable, PartitionMap};
use crate::options::{normalize_key, parse_bool};
use crate::scan::GenomicsTable;

/// Which transformer a [`TransformFunction`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transform {
    /// `split_multiallelics(table)`.
    SplitMultiallelics,
    /// `normalize_variants(table, 'referenceGenomePath', path [, 'replaceColumns', bool])`.
    NormalizeVariants,
    /// `lift_over_variants(table, 'chainFile', path, 'referenceFile', path [, 'minMatchRatio', x])`.
    LiftOverVariants,
}

impl Transform {
    /// Every transform, for registration.
    pub const ALL: [Transform; 3] = [
        Transform::SplitMultiallelics,
        Transform::NormalizeVariants,
        Transform::LiftOverVariants,
    ];

    /// The SQL name, Glow's transformer name.
    pub fn name(self) -> &'static str {
        match self {
            Transform::SplitMultiallelics => "split_multiallelics",
            Transform::NormalizeVariants => "normalize_variants",
            Transform::LiftOverVariants => "lift_over_variants",
        }
    }

    fn usage(self) -> &'static str {
        match self {
            Transform::SplitMultiallelics => {
                "split_multiallelics('table or path' [, 'otherAlleles', 'reference'|'missing'])"
            }
            Transform::NormalizeVariants => {
                "normalize_variants('table or path', 'referenceGenomePath', 'ref.fa' \
                 [, 'replaceColumns', true] [, 'checkReference', false])"
            }
            Transform::LiftOverVariants => {
                "lift_over_variants('table or path', 'chainFile', 'a_to_b.over.chain.gz', \
                 'referenceFile', 'b.fa' [, 'minMatchRatio', 0.95])"
            }
        }
    }

    /// The pipeline the options ask for.
    fn pipeline(self, pairs: &[(String, String)]) -> Result<Pipeline> {
        let mut pipeline = Pipeline::default();
        let mut reference = None;
        let mut chain = None;
        let mut replace_columns = true;
        let mut check_reference = false;
        let mut min_match_ratio = None;
        let mut split = SplitOptions::default();
        for (name, value) in pairs {
            let key = normalize_key(name);
            match (self, key.as_str()) {
                (Transform::SplitMultiallelics, "otheralleles") => {
                    split.other_alleles = value.parse().map_err(|e| Error::option(name, e))?;
                }
                (Transform::NormalizeVariants, "referencegenomepath" | "reference") => {
                    reference = Some(PathBuf::from(value));
                }
                (Transform::NormalizeVariants, "replacecolumns") => {
                    replace_columns = parse_bool(value).map_err(|e| Error::option(name, e))?;
                }
                (Transform::NormalizeVariants, "checkreference") => {
                    check_reference = parse_bool(value).map_err(|e| Error::option(name, e))?;
                }
                (Transform::LiftOverVariants, "chainfile") => chain = Some(PathBuf::from(value)),
                (Transform::LiftOverVariants, "referencefile") => {
                    reference = Some(PathBuf::from(value));
                }
                (Transform::LiftOverVariants, "minmatchratio") => {
                    let ratio = value
                        .trim()
                        .parse::<f64>()
                        .ok()
                        .filter(|r| (0.0..=1.0).contains(r))
                        .ok_or_else(|| {
                            Error::option(
                                name,
                                format!("expected a ratio from 0 to 1, not '{value}'"),
                            )
                        })?;
                    min_match_ratio = Some(ratio);
                }
                _ => {
                    return Err(Error::option(
                        name,
                        format!("unknown {} option; usage: {}", self.name(), self.usage()),
                    ));
                }
            }
        }
        let missing = |option: &str| {
            Error::Usage(format!(
                "{} needs the option '{option}': {}",
                self.name(),
                self.usage()
            ))
        };
        match self {
            Transform::SplitMultiallelics => pipeline.split = Some(split),
            Transform::NormalizeVariants => {
                pipeline.normalize = Some(NormalizeOptions {
                    reference: reference.ok_or_else(|| missing("referenceGenomePath"))?,
                    replace_columns,
                    status: true,
                    // Reported in the status, as bcftools' `--check-ref w`.
                    check_reference: check_reference.then_some(RefCheck::Warn),
                });
            }
            Transform::LiftOverVariants => {
                let mut options = LiftOverOptions::new(
                    chain.ok_or_else(|| missing("chainFile"))?,
                    reference.ok_or_else(|| missing("referenceFile"))?,
                );
                if let Some(ratio) = min_match_ratio {
                    options.min_match_ratio = ratio;
                }
                pipeline.liftover = Some(options);
            }
        }
        Ok(pipeline)
    }
}

/// The table function running one [`Transform`] over a table of the
/// session or a file.
#[derive(Debug)]
pub struct TransformFunction {
    transform: Transform,
}

impl TransformFunction {
    /// The table function for `transform`.
    pub fn new(transform: Transform) -> Self {
        Self { transform }
    }
}

impl TableFunctionImpl for TransformFunction {
    fn call_with_args(&self, args: TableFunctionArgs) -> DfResult<Arc<dyn TableProvider>> {
        let name = self.transform.name();
        let (input, pairs) = path_and_options(name, self.transform.usage(), args.exprs())?;
        let pipeline = self.transform.pipeline(&pairs)?;
        let (provider, header) = resolve_input(args.session(), name, &input)?;
        let header = header
            .as_deref()
            .map(genolake_ops::pipeline::parse_header)
            .transpose()
            .map_err(Error::from)?;
        let prepared = pipeline
            .prepare(&provider.schema(), header.as_ref())
            .map_err(Error::from)?;
        Ok(transform_table(provider, prepared))
    }
}

/// The table `input` names, or the file it is the path of; with the text
/// of the VCF header the rows were read under when there is one (for the
/// Number of INFO and FORMAT keys, or a command's input).
pub(crate) fn resolve_input(
    session: &dyn Session,
    function: &str,
    input: &str,
) -> Result<(Arc<dyn TableProvider>, Option<String>)> {
    if let Some(state) = session.as_any().downcast_ref::<SessionState>() {
        let reference = TableReference::from(input);
        if let Ok(schema) = state.schema_for_ref(reference.clone()) {
            let table = reference.table().to_string();
            if let Some(provider) = block_on(async move { schema.table(&table).await })?? {
                let header = match provider.downcast_ref::<GenomicsTable>() {
                    Some(files) => header_of(files)?,
                    None => None,
                };
                return Ok((provider, header));
            }
        }
    }
    let path = Path::new(input);
    if !path.exists() {
        return Err(Error::Usage(format!(
            "{function}: '{input}' is neither a table of this session nor an existing path"
        )));
    }
    if path.join("_delta_log").is_dir() {
        let provider = crate::functions::ReadDelta.call_with_args(TableFunctionArgs::new(
            &[Expr::Literal(
                datafusion::common::ScalarValue::Utf8(Some(input.to_string())),
                None,
            )],
            session,
        ))?;
        return Ok((provider, None));
    }
    let format = InputFormat::detect(path).ok_or_else(|| {
        Error::input(
            path,
            format!("{function}: cannot tell the format from the name (expected VCF, BCF, BGEN or PLINK)"),
        )
    })?;
    let table = GenomicsTable::try_new(&[path.to_path_buf()], format.reader(&[])?)?;
    let header = header_of(&table)?;
    Ok((Arc::new(table), header))
}

/// The header text of a VCF or BCF file table (its first file's: the
/// files of one table share their columns).
fn header_of(table: &GenomicsTable) -> Result<Option<String>> {
    let files: Vec<PathBuf> = table.files().map(Path::to_path_buf).collect();
    if files.is_empty() {
        return Ok(None);
    }
    Ok(WriteSource::of_files(table.reader().as_ref(), &files[..1])?.vcf_header)
}

/// A table whose rows are `input`'s through `prepared` (what the transform
/// table functions return; `genolake ingest` runs its transforms so).
pub fn transform_table(
    input: Arc<dyn TableProvider>,
    prepared: Prepared,
) -> Arc<dyn TableProvider> {
    Arc::new(MapTable::new(input, Arc::new(TransformMap(prepared))))
}

/// Runs a [`Prepared`] pipeline over each batch of a partition, with a
/// worker (its own FASTA handles) per partition.
#[derive(Debug)]
struct TransformMap(Prepared);

impl PartitionMap for TransformMap {
    fn name(&self) -> &'static str {
        "TransformExec"
    }

    fn describe(&self) -> String {
        self.0.describe()
    }

    fn schema(&self) -> SchemaRef {
        self.0.output_schema()
    }

    fn map(
        &self,
        _partition: usize,
        input: SendableRecordBatchStream,
    ) -> DfResult<BoxStream<'static, DfResult<RecordBatch>>> {
        let mut worker = self.0.worker().map_err(Error::from)?;
        Ok(input
            .map(move |batch| Ok(worker.apply(&batch?).map_err(Error::from)?))
            .boxed())
    }
}
