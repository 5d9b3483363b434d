//! `qirvo schema`: the manifest's JSON Schema, for editors.

use std::path::PathBuf;

use anyhow::Context;

use super::Failure;

/// Print the JSON Schema of manifest.json (for editors), or write it with --out.
#[derive(clap::Args)]
pub struct SchemaArgs {
    /// Write the schema to FILE instead of standard output (e.g. next to manifest.json,
    /// referenced by its "$schema").
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// The schema as pretty JSON text with a final newline.
pub fn schema_text() -> Result<String, Failure> {
    Ok(serde_json::to_string_pretty(&qirvo::manifest_schema())? + "\n")
}

pub fn run(args: SchemaArgs) -> Result<(), Failure> {
    let text = schema_text()?;
    match args.out {
        None => print!("{text}"),
        Some(path) => {
            std::fs::write(&path, text)
                .with_context(|| format!("--out {}: cannot write the schema", path.display()))?;
            super::output::notice(format_args!("wrote {}", path.display()));
        }
    }
    Ok(())
}
