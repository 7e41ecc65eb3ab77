//! `bomvet-gen`: writes a generated SBOM and its truth file.
//!
//! ```text
//! bomvet-gen --components 100000 --format cdx-json --seed 1 -o big.cdx.json --truth big.truth.json
//! ```
//!
//! Formats: `cdx-json`, `cdx-xml`, `spdx-json`, `spdx-tv`, `spdx3-json`.

#![allow(clippy::print_stderr)]

use std::fs::File;

use anyhow::{bail, Context, Result};

fn format_names() -> String {
    bomvet_gen::Format::ALL
        .map(bomvet_gen::Format::as_str)
        .join(", ")
}

fn main() -> Result<()> {
    let mut opts = bomvet_gen::Options::default();
    let mut out: Option<String> = None;
    let mut truth_path: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().with_context(|| format!("`{a}` needs a value"));
        match a.as_str() {
            "--components" | "-n" => opts.components = value()?.replace('_', "").parse()?,
            "--seed" => opts.seed = value()?.parse()?,
            "--format" => {
                let name = value()?;
                opts.format = bomvet_gen::Format::from_name(&name)
                    .with_context(|| format!("unknown format `{name}` ({})", format_names()))?;
            }
            "--no-plants" => opts.plants = false,
            "-o" | "--output" => out = Some(value()?),
            "--truth" => truth_path = Some(value()?),
            "-h" | "--help" => {
                eprintln!("usage: bomvet-gen [--components N] [--format {}] [--seed S] [--no-plants] -o FILE [--truth FILE]", format_names().replace(", ", "|"));
                return Ok(());
            }
            other => bail!("unknown argument `{other}`"),
        }
    }
    let out = out.context("`-o FILE` is required")?;
    let mut f = File::create(&out).with_context(|| format!("cannot create `{out}`"))?;
    let truth = bomvet_gen::generate(&opts, &mut f)?;
    if let Some(t) = truth_path {
        let f = File::create(&t).with_context(|| format!("cannot create `{t}`"))?;
        serde_json::to_writer_pretty(f, &truth)?;
    }
    eprintln!(
        "wrote `{out}`: {} components, {} edges, depth {}, {} planted, {} decoys",
        truth.components,
        truth.edges,
        truth.depth,
        truth.planted.len(),
        truth.decoys.len()
    );
    Ok(())
}
