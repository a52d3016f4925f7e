//! `genolake sql`: SQL over files and tables.

use anyhow::{Result, bail};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Statements separated by `;`; the last one's result is printed.
    query: String,
}

pub fn run(args: Args) -> Result<()> {
    let _ = args.query;
    bail!("sql is not wired yet")
}
