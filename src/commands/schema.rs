//! `qirvo schema`: the manifest's JSON Schema, for editors, or (`--markdown`) the table of
//! its limits that docs/plugin-guide.md shows. Both come from the parser's one table.

use std::path::PathBuf;

use anyhow::Context;

use super::Failure;

/// Print the JSON Schema of manifest.json (for editors), or write it with --out;
/// --markdown gives the table of the manifest's limits instead.
#[derive(clap::Args)]
pub struct SchemaArgs {
    /// Write the schema to FILE instead of standard output (e.g. next to manifest.json,
    /// referenced by its "$schema").
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Print (or write) the Markdown table of the manifest's limits instead of the schema.
    #[arg(long)]
    markdown: bool,
}

/// The schema as pretty JSON text with a final newline.
pub fn schema_text() -> Result<String, Failure> {
    Ok(serde_json::to_string_pretty(&qirvo::manifest_schema())? + "\n")
}

pub fn run(args: SchemaArgs) -> Result<(), Failure> {
    let text = if args.markdown {
        qirvo::Manifest::limits_markdown()
    } else {
        schema_text()?
    };
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
