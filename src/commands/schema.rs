//! `qirvo schema`: the manifest's JSON Schema, for editors.

use super::Failure;

pub fn run() -> Result<(), Failure> {
    println!(
        "{}",
        serde_json::to_string_pretty(&qirvo::manifest_schema())?
    );
    Ok(())
}
