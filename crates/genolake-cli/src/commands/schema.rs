//! `genolake schema`: the Arrow schema a file or a Delta table is read with.

use std::path::PathBuf;

use anyhow::Result;

use crate::options::{Input, ReadArgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The input: a VCF (plain, gzip or BGZF), a BGEN, a PLINK .bed or prefix,
    /// or a Delta table's directory (either layout; shown in Glow's schema,
    /// as read_delta reads it).
    input: PathBuf,
    #[command(flatten)]
    read: ReadArgs,
}

pub fn run(args: Args) -> Result<()> {
    let schema = match args.read.input(std::slice::from_ref(&args.input))? {
        Input::Files(inputs) => {
            let path = inputs.reader.resolve(&args.input);
            inputs.reader.schema(&path)?
        }
        Input::Table(table) => table.schema()?,
    };
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
