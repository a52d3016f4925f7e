//! `genolake register`: a Delta table as an EXTERNAL table of a Unity
//! Catalog server, through its REST API (`POST
//! /api/2.1/unity-catalog/tables`), with the table's description and a
//! comment per column (see `genolake_lake::catalog`).

use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};
use genolake_lake::catalog::{TableName, unity_create_table};

/// The path of the create-table endpoint under a server's address.
const TABLES_PATH: &str = "/api/2.1/unity-catalog/tables";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The Delta table: a directory, or a URL delta-rs knows (s3://...),
    /// which becomes the table's storage_location.
    #[arg(long)]
    table: PathBuf,
    /// The Unity Catalog server, for example http://localhost:8080 (the
    /// API path is added unless the URL already ends with it).
    #[arg(long, required_unless_present = "dry_run")]
    catalog_url: Option<String>,
    /// The name to register: catalog.schema.table (the catalog and schema
    /// must exist).
    #[arg(long, value_parser = parse_name)]
    name: TableName,
    /// The environment variable holding a token, sent as `Authorization:
    /// Bearer <token>` (default: no authorization header).
    #[arg(long)]
    token_env: Option<String>,
    /// Print the request instead of sending it.
    #[arg(long)]
    dry_run: bool,
}

fn parse_name(s: &str) -> Result<TableName, String> {
    s.parse()
}

/// The create-table URL of the server at `base`.
fn endpoint(base: &str) -> String {
    let base = base.trim_end_matches('/');
    if base.ends_with(TABLES_PATH) {
        base.to_string()
    } else if let Some(api) = base.strip_suffix("/api/2.1/unity-catalog") {
        format!("{api}{TABLES_PATH}")
    } else {
        format!("{base}{TABLES_PATH}")
    }
}

pub fn run(args: Args) -> Result<()> {
    let given = args.table.to_string_lossy();
    // The catalog needs where the table is from anywhere: a local
    // directory as an absolute path (a URL, s3://..., as given).
    let location = if given.contains("://") {
        given.into_owned()
    } else {
        std::path::absolute(&args.table)
            .with_context(|| format!("{}: cannot resolve the path", args.table.display()))?
            .to_string_lossy()
            .into_owned()
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        let request = unity_create_table(&location, &args.name).await?;
        let body = serde_json::to_string_pretty(&request)?;
        let Some(base) = args.catalog_url.as_deref().filter(|_| !args.dry_run) else {
            if let Some(base) = &args.catalog_url {
                eprintln!("dry run: would POST to {}", endpoint(base));
            }
            println!("{body}");
            return Ok(());
        };
        let url = endpoint(base);
        let token = match &args.token_env {
            Some(var) => Some(std::env::var(var).map_err(|e| {
                anyhow!("--token-env {var}: the environment variable cannot be read ({e})")
            })?),
            None => None,
        };
        let mut post = reqwest::Client::new()
            .post(&url)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .body(body);
        if let Some(token) = token {
            post = post.bearer_auth(token);
        }
        let response = post
            .send()
            .await
            .map_err(|e| anyhow!("POST {url}: cannot reach the catalog: {e}"))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if !status.is_success() {
            bail!(
                "POST {url}: the catalog refused to register {} (HTTP {status}): {}",
                args.name,
                text.trim()
            );
        }
        let table_id = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| {
                v.get("table_id")
                    .and_then(|id| id.as_str())
                    .map(String::from)
            });
        match table_id {
            Some(id) => println!("registered {} as {location} (table_id {id})", args.name),
            None => println!("registered {} as {location}", args.name),
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_endpoint_is_added_once() {
        for base in [
            "http://h:8080",
            "http://h:8080/",
            "http://h:8080/api/2.1/unity-catalog",
            "http://h:8080/api/2.1/unity-catalog/tables/",
        ] {
            assert_eq!(endpoint(base), "http://h:8080/api/2.1/unity-catalog/tables");
        }
    }
}
