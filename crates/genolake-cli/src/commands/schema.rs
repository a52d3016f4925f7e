//! `genolake schema`: the Arrow schema a file is read with.

use std::path::PathBuf;

use anyhow::{Result, anyhow};

use crate::options::ReadArgs;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The input file (VCF, optionally gzip/BGZF-compressed).
    input: PathBuf,
    #[command(flatten)]
    read: ReadArgs,
}

pub fn run(args: Args) -> Result<()> {
    let options = args.read.reader_options()?;
    let header = genolake_vcf::read_header(&args.input, options.stringency)?;
    let schema = genolake_vcf::schema(&header, &options)
        .map_err(|e| anyhow!("{}: {e}", args.input.display()))?;
    for field in schema.fields() {
        println!("{}", describe(field, 0));
    }
    Ok(())
}

/// One line per field, nested fields indented, in Arrow's type names.
fn describe(field: &arrow::datatypes::Field, depth: usize) -> String {
    use arrow::datatypes::DataType;
    let indent = "  ".repeat(depth);
    let mut out = String::new();
    match field.data_type() {
        DataType::List(item) if matches!(item.data_type(), DataType::Struct(_)) => {
            out.push_str(&format!("{indent}{}: List<Struct>", field.name()));
            if let DataType::Struct(children) = item.data_type() {
                for child in children {
                    out.push('\n');
                    out.push_str(&describe(child, depth + 1));
                }
            }
        }
        other => out.push_str(&format!("{indent}{}: {other}", field.name())),
    }
    out
}
