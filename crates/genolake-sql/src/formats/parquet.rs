//! The variant table as one Parquet file, column for column: what Glow's
//! users get from `df.write.parquet`, without a lakehouse.

use std::fs::File;
use std::io::BufWriter;

use arrow::array::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::{Compression, GzipLevel, ZstdLevel};
use datafusion::parquet::file::properties::WriterProperties;

use super::writer::{FormatWriter, PartialFile, WriteSpec, Written};
use crate::error::{Error, Result};

pub(super) const WRITE: WriteSpec = WriteSpec {
    name: "parquet",
    display_name: "Parquet",
    suffixes: &[".parquet"],
    extension: "parquet",
    option_names: &["compression", "compressionLevel"],
    create: |path, schema, options, _source| {
        let level = options.number("compressionLevel", 0..=22)?;
        let compression = match options.text("compression")?.as_deref() {
            // zstd at its default level: about snappy's speed at gzip's size.
            None | Some("zstd") => Compression::ZSTD(ZstdLevel::try_new(level.unwrap_or(3))?),
            Some("snappy") => Compression::SNAPPY,
            Some("gzip") => Compression::GZIP(GzipLevel::try_new(level.unwrap_or(6) as u32)?),
            Some("lz4") => Compression::LZ4_RAW,
            Some("none" | "uncompressed") => Compression::UNCOMPRESSED,
            Some(other) => {
                return Err(Error::option(
                    "compression",
                    format!("expected zstd, snappy, gzip, lz4 or none, not '{other}'"),
                ));
            }
        };
        let properties = WriterProperties::builder()
            .set_compression(compression)
            .build();
        let file = PartialFile::new(path);
        let writer = ArrowWriter::try_new(
            file.create()?,
            std::sync::Arc::new(schema.clone()),
            Some(properties),
        )?;
        Ok(Box::new(ParquetFormatWriter {
            writer,
            file,
            rows: 0,
        }))
    },
};

/// The Parquet writer behind
/// [`WriteFormat::Parquet`](super::WriteFormat::Parquet).
struct ParquetFormatWriter {
    writer: ArrowWriter<BufWriter<File>>,
    file: PartialFile,
    rows: u64,
}

impl FormatWriter for ParquetFormatWriter {
    fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        self.writer.write(batch)?;
        self.rows += batch.num_rows() as u64;
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<Written> {
        let this = *self;
        this.writer.close()?;
        Ok(Written {
            rows: this.rows,
            paths: vec![this.file.keep()?],
        })
    }
}
