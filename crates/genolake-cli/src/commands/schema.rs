//! `genolake schema`: the Arrow schema a file is read with.

use std::path::PathBuf;

use anyhow::Result;

use crate::options::ReadArgs;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The input: a VCF (plain, gzip or BGZF), a BGEN, or a PLINK .bed or prefix.
    input: PathBuf,
    #[command(flatten)]
    read: ReadArgs,
}

pub fn run(args: Args) -> Result<()> {
    let inputs = args.read.inputs(std::slice::from_ref(&args.input))?;
    let path = inputs.reader.resolve(&args.input);
    let schema = inputs.reader.schema(&path)?;
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
