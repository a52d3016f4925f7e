//! Ingesting genomics files: the readers' scan (`genolake-sql`) streamed
//! into an [`Ingest`], with the provenance the files give.
//!
//! What `genolake ingest` and Python's `genolake.ingest` run: the files of
//! a [`GenomicsTable`] are read through the same DataFusion scan as
//! `read_vcf` (split across the session's cores), every file's own schema
//! is passed on so that a conflict with the table names the file, and the
//! commit records the files' checksums with the reader options.

use std::path::PathBuf;
use std::sync::Arc;

use datafusion::catalog::TableProvider;
use genolake_core::Stringency;
use genolake_sql::{GenomicsTable, InputFormat, SessionBuilder, transform_table};
use serde_json::{Value, json};

use crate::describe::{HeaderDescriptions, table_description};
use crate::error::{Error, ErrorKind, Result};
use crate::ingest::{Ingest, IngestSummary};
use crate::layout::Layout;
use crate::provenance::Provenance;

impl Ingest {
    /// Ingests the files `files` reads, decoded on `threads` threads, in one
    /// commit; `options` are the reader options it was made with (by Glow's
    /// names), recorded with the files' checksums (see [`Provenance`]). The
    /// files' companions that change what is read (a PLINK fileset's `.bim`
    /// and `.fam`, a BGEN's `sampleFilePath`) are checksummed too.
    ///
    /// Provenance set with [`Ingest::provenance`] is replaced.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use genolake_sql::{GenomicsTable, InputFormat};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let options = [("includeSampleIds".to_string(), "false".to_string())];
    /// let reader = InputFormat::Vcf.reader(&options)?;
    /// let files = GenomicsTable::try_new(&["../genolake-vcf/tests/data/VCFv4.3.vcf"], reader)?;
    /// let summary = genolake_lake::Ingest::new(dir.path().join("t").to_str().unwrap())
    ///     .execute_files(files, &options, 2)
    ///     .await?;
    /// assert_eq!((summary.version, summary.rows), (0, 5));
    /// # Ok(()) }
    /// ```
    pub async fn execute_files(
        self,
        files: GenomicsTable,
        options: &[(String, String)],
        threads: usize,
    ) -> Result<IngestSummary> {
        let location = self.location.clone();
        let read_error = |e: genolake_sql::Error| Error::new(location.clone(), ErrorKind::Read(e));
        let reader = files.reader().clone();
        let format = reader.format();
        let data_files: Vec<PathBuf> = files.files().map(PathBuf::from).collect();
        let mut recorded = data_files.clone();
        if format == InputFormat::Plink {
            for bed in &data_files {
                recorded.push(bed.with_extension("bim"));
                recorded.push(bed.with_extension("fam"));
            }
        }
        recorded.extend(
            options
                .iter()
                .filter(|(name, _)| name == "sampleFilePath")
                .map(|(_, value)| PathBuf::from(value)),
        );
        let recorded_options = json!({
            "format": format.name(),
            "options": options
                .iter()
                .map(|(name, value)| (name.clone(), json!(value)))
                .collect::<serde_json::Map<String, Value>>(),
            "partitionBy": self.partition_by,
            "layout": self.layout,
            "transforms": self.transform.as_ref().map(|t| t.describe()),
        });
        // The files' own columns, so a conflict with the table names the
        // file; read before the checksums read every byte.
        let mut sources = Vec::with_capacity(data_files.len());
        for path in &data_files {
            sources.push((
                path.display().to_string(),
                reader.schema(path).map_err(read_error)?,
            ));
        }
        // A matrix ingest has the reader decode into the matrix layout if
        // it can, unless the files differ in columns or samples: then each
        // is read in Glow's layout and converted, which merges their
        // columns and names the difference in samples.
        // Transforms work on Glow's layout: the reader decodes into it.
        let files = match (self.layout, reader.matrix_genotypes()) {
            (Some(Layout::Matrix), Some(matrix)) if self.transform.is_none() => {
                let mut described = Vec::with_capacity(data_files.len());
                for path in &data_files {
                    described.push(matrix.schema(path).map_err(read_error)?);
                }
                if described.windows(2).all(|w| w[0] == w[1]) {
                    files.with_reader(matrix).map_err(read_error)?
                } else {
                    files
                }
            }
            _ => files,
        };
        let provenance = Provenance::from_paths(&recorded, recorded_options).await?;
        // The VCF headers' INFO and FORMAT descriptions become the column
        // comments; a header that does not parse is left to the read to
        // report.
        let mut descriptions = HeaderDescriptions::default();
        if matches!(format, InputFormat::Vcf | InputFormat::Bcf) {
            for path in &data_files {
                let header = match format {
                    InputFormat::Bcf => genolake_vcf::bcf::read_header(path, Stringency::Silent),
                    _ => genolake_vcf::read_header(path, Stringency::Silent),
                };
                let Ok(header) = header else {
                    continue;
                };
                let declared = |d: &&genolake_vcf::header::Definition| {
                    matches!(d.origin, genolake_vcf::header::Origin::Header(_))
                };
                for info in header.infos.iter().filter(declared) {
                    descriptions.info(&info.id, &info.description);
                }
                for field in header.formats.iter().filter(declared) {
                    descriptions.format(&field.id, &field.description);
                }
            }
        }
        let description = self.description.clone().unwrap_or_else(|| {
            table_description(Some(format.name()), self.layout.unwrap_or_default())
        });
        let ctx = SessionBuilder::new().target_partitions(threads).build();
        let mut provider: Arc<dyn TableProvider> = Arc::new(files);
        if let Some(prepared) = &self.transform {
            provider = transform_table(provider, prepared.clone());
        }
        let input = ctx
            .read_table(provider)
            .map_err(|e| Error::new(location.clone(), ErrorKind::DataFusion(e)))?;
        self.provenance(provenance)
            .description(description)
            .header_descriptions(descriptions)
            .source_schemas(sources)
            .execute(input)
            .await
    }
}
