//! Counts the variants and genotypes of a BGEN file and prints its header
//! and the schema it reads with.
//!
//! `cargo run --release -p genolake-bgen --example bgen_count -- data.bgen [data.sample]`

use std::process::ExitCode;

use genolake_bgen::{Reader, ReaderOptions};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: bgen_count <file.bgen> [file.sample]");
        return ExitCode::FAILURE;
    };
    let options = ReaderOptions {
        sample_file_path: args.next().map(Into::into),
        ..Default::default()
    };
    let reader = match Reader::builder(&path).options(options).build() {
        Ok(reader) => reader,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let header = reader.header();
    println!(
        "layout {:?}, compression {:?}, {} variants declared, {} samples",
        header.layout, header.compression, header.variant_count, header.sample_count
    );
    println!("{:#?}", reader.schema());
    let (mut rows, mut genotypes) = (0, 0);
    for batch in reader {
        match batch {
            Ok(batch) => {
                rows += batch.num_rows();
                let list = batch.column_by_name("genotypes").expect("genotypes column");
                genotypes += arrow::array::AsArray::as_list::<i32>(list.as_ref())
                    .values()
                    .len();
            }
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    println!("{rows} variants, {genotypes} genotypes");
    ExitCode::SUCCESS
}
