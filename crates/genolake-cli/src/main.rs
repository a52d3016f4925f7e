//! `genolake`: genomics files into Arrow, SQL and Delta Lake.
//!
//! ```text
//! genolake schema calls.vcf.gz                 # the table a file becomes
//! genolake count imputed.bgen --threads 8      # decode everything, count records
//! genolake ingest calls.vcf.gz --table lake/calls --partition-by contigName
//! genolake ingest cohort.bed --table lake/cohort
//! genolake convert calls.vcf.gz --to plink --output cohort   # cohort.bed/.bim/.fam
//! genolake count lake/calls                    # a Delta table, any layout
//! genolake withdraw --samples ids.txt --table lake/calls --reason "consent withdrawn"
//! genolake sql "SELECT contigName, count(*) FROM read_vcf('calls.vcf.gz') GROUP BY 1"
//! genolake history --table lake/calls --verify  # lineage; are the inputs unchanged?
//! genolake optimize --table lake/calls --zorder-by contigName,start
//! genolake vacuum --table lake/calls --dry-run
//! genolake register --table lake/calls --catalog-url http://uc:8080 --name main.genomics.calls
//! ```

mod calls_leaf;
mod commands;
mod gwas;
mod leaves;
mod options;
mod progress;
mod qc;
mod table;
mod workers;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Genomics files (VCF, BGEN, PLINK) into Apache Arrow, SQL and Delta Lake,
/// with Glow's column names and options.
#[derive(Debug, Parser)]
#[command(name = "genolake", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Log more (-v: info, -vv: debug). RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the Arrow schema a file or Delta table is read with.
    Schema(commands::schema::Args),
    /// Decode files (or read a Delta table) and count their records and genotypes.
    Count(commands::count::Args),
    /// Write files into a Delta Lake table.
    Ingest(commands::ingest::Args),
    /// Rewrite files or a Delta table as VCF, BCF, BGEN, PLINK or Parquet,
    /// optionally split, normalized or lifted over.
    Convert(commands::convert::Args),
    /// Merge per-sample or per-batch VCFs into one multi-sample file.
    Merge(commands::merge::Args),
    /// Run SQL statements over files and tables; prints the last result.
    Sql(commands::sql::Args),
    /// Variant and sample QC tables and plots, in one pass over files or a Delta table.
    Qc(commands::qc::Args),
    /// A Delta table's commits: operations, inputs with checksums, options,
    /// tool versions, rows, withdrawals; --verify checksums the inputs again.
    History(commands::history::Args),
    /// Compact a Delta table's small files, optionally Z-ordered.
    Optimize(commands::maintain::OptimizeArgs),
    /// Delete the files no version within the retention period reads.
    Vacuum(commands::maintain::VacuumArgs),
    /// Register a Delta table as an EXTERNAL table in a Unity Catalog server.
    Register(commands::register::Args),
    /// Consent withdrawal: remove samples from Delta tables, one audited commit per table.
    Withdraw(commands::withdraw::Args),
    /// Association tests (linear, logistic) and whole-genome ridge
    /// regression over any genotypes, with phenotype and covariate tables.
    Gwas(Box<commands::gwas::Args>),
}

fn main() -> ExitCode {
    keep_freed_memory();
    let cli = Cli::parse();
    // delta-rs logs, as errors, probes that are expected to fail (whether a
    // table exists yet); its real errors reach us as return values.
    let default_level = match cli.verbose {
        0 => "warn,deltalake_core=off,buoyant_kernel=off",
        1 => "info,deltalake_core=off,buoyant_kernel=off",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .init();
    let result = match cli.command {
        Command::Schema(args) => commands::schema::run(args),
        Command::Count(args) => commands::count::run(args),
        Command::Qc(args) => commands::qc::run(args),
        Command::Ingest(args) => commands::ingest::run(args),
        Command::Convert(args) => commands::convert::run(args),
        Command::Merge(args) => commands::merge::run(args),
        Command::Sql(args) => commands::sql::run(args),
        Command::History(args) => commands::history::run(args),
        Command::Optimize(args) => commands::maintain::optimize(args),
        Command::Vacuum(args) => commands::maintain::vacuum(args),
        Command::Register(args) => commands::register::run(args),
        Command::Withdraw(args) => commands::withdraw::run(args),
        Command::Gwas(args) => commands::gwas::run(*args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", genolake_core::error::render(e.as_ref()));
            ExitCode::FAILURE
        }
    }
}

/// Readers hand each batch's buffers to Arrow and start the next batch in
/// fresh ones of the same size. glibc serves blocks that large with mmap
/// and unmaps them when freed, so every batch faulted its pages in again:
/// the kernel zeroing pages was a third of BGEN decode time. Served from
/// the heap and kept there once freed, the same pages are reused.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_freed_memory() {
    unsafe extern "C" {
        fn mallopt(param: i32, value: i32) -> i32;
    }
    const M_TRIM_THRESHOLD: i32 = -1;
    const M_MMAP_THRESHOLD: i32 = -3;
    // SAFETY: mallopt only changes allocator settings; called first thing
    // in main, before any other thread exists. 32 MiB is glibc's largest
    // mmap threshold on 64-bit systems.
    unsafe {
        mallopt(M_MMAP_THRESHOLD, 32 << 20);
        mallopt(M_TRIM_THRESHOLD, 512 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_freed_memory() {}
