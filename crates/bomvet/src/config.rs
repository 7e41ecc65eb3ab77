//! `bomvet.toml`: the settings a project keeps next to its code. Found from the working directory
//! upward (or given with `--config`); every setting can be overridden by its flag. Paths in it are
//! relative to the file. Unknown keys are errors with file:line:column.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;

/// The file name looked for.
pub(crate) const FILE_NAME: &str = "bomvet.toml";

/// The `[scan]` table.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct ScanConfig {
    pub(crate) policy: Option<Vec<PathBuf>>,
    pub(crate) no_default_policy: Option<bool>,
    pub(crate) waivers: Option<PathBuf>,
    pub(crate) baseline: Option<PathBuf>,
    pub(crate) fail_on: Option<String>,
    pub(crate) max_unknown_origin: Option<f64>,
    pub(crate) allow_empty: Option<bool>,
    pub(crate) max_paths: Option<usize>,
    pub(crate) non_runtime_cap: Option<String>,
    pub(crate) format: Option<String>,
    pub(crate) outputs: Option<Vec<String>>,
    pub(crate) list_dependents: Option<bool>,
    pub(crate) no_link: Option<bool>,
}

/// The whole file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct Config {
    #[serde(default)]
    pub(crate) scan: ScanConfig,
    #[serde(default)]
    pub(crate) limits: crate::limits::LimitsConfig,
    /// Where it was read from (not a key).
    #[serde(skip)]
    pub(crate) path: Option<PathBuf>,
}

impl Config {
    /// `--config FILE`, else the first `bomvet.toml` from `start` upward, else nothing.
    pub(crate) fn discover(explicit: Option<&Path>, start: &Path) -> Result<Config> {
        let path = match explicit {
            Some(p) => Some(p.to_owned()),
            None => start
                .ancestors()
                .map(|d| d.join(FILE_NAME))
                .find(|p| p.is_file()),
        };
        match path {
            Some(p) => Config::load(&p),
            None => Ok(Config::default()),
        }
    }

    fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config `{}`", path.display()))?;
        let mut cfg: Config = toml::from_str(&text).map_err(|e| {
            let (line, col) = e.span().map_or((1, 1), |s| line_col(&text, s.start));
            anyhow::anyhow!("`{}`:{line}:{col}: {}", path.display(), e.message().trim())
        })?;
        // Paths are relative to the config file.
        let base = path.parent().unwrap_or(Path::new("."));
        let rel = |p: &PathBuf| {
            if p.is_absolute() {
                p.clone()
            } else {
                base.join(p)
            }
        };
        if let Some(ps) = &mut cfg.scan.policy {
            *ps = ps.iter().map(rel).collect();
        }
        cfg.scan.waivers = cfg.scan.waivers.as_ref().map(rel);
        cfg.scan.baseline = cfg.scan.baseline.as_ref().map(rel);
        if let Some(outs) = &mut cfg.scan.outputs {
            *outs = outs
                .iter()
                .map(|o| match o.split_once('=') {
                    Some((f, p)) => format!("{f}={}", rel(&PathBuf::from(p)).display()),
                    None => rel(&PathBuf::from(o)).display().to_string(),
                })
                .collect();
        }
        cfg.path = Some(path.to_owned());
        Ok(cfg)
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    bomvet_model::line_col(text.as_bytes(), offset)
}

/// The starter files `bomvet init` writes.
pub(crate) const STARTER_CONFIG: &str = r#"# bomvet configuration: found from the working directory upward, or given with --config.
# Every setting can be overridden by its command-line flag. Paths are relative to this file.

[scan]
# Policy files added to the embedded default (Kaspersky, Huawei, ZTE, Hytera, Hikvision, Dahua, DJI).
policy = ["bomvet-policy.toml"]
# no-default-policy = false

# Accepted findings, each with a reason, an approver and an expiry date.
waivers = "bomvet-waivers.toml"

# Lowest severity that fails the run: block | review | needs-context | info | never.
fail-on = "block"

# Fail when an SBOM names no origin for more than this share of its components (percent).
# max-unknown-origin = 20.0

# Let an SBOM that lists no components pass (by default it fails: nothing in it can be vetted).
# allow-empty = false

# Reports: the format on standard output, and files to write next to it.
format = "human"
# outputs = ["sarif=bomvet.sarif", "html=bomvet-report.html", "junit=bomvet-junit.xml"]

# Distinct paths listed per product for each finding, and the highest severity of a component
# reachable only through dev, build, test or optional dependencies.
# max-paths = 5
# non-runtime-cap = "review"

# Audit every SBOM on its own instead of joining a product's SBOM with its suppliers' SBOMs.
# no-link = false

[limits]
# Refuse inputs beyond these sizes (the flags of the same names raise them).
# max-file-size = "1GiB"
# max-decompressed-size = "4GiB"
# max-components = 5000000
# max-depth = 64
# Inputs up to this size are checked against their official schema (0: never).
# max-schema-check-size = "4MiB"
# Inputs larger than this are parsed through a buffer instead of held whole.
# stream-above = "256MiB"
"#;

/// A starter policy: one organisational list and one entity, commented.
pub(crate) const STARTER_POLICY: &str = r#"# Your organisation's own restrictions, added to bomvet's embedded default policy.
# Format: README.md "Policy format" and schemas/policy.schema.json. Check with:
#   bomvet policy check bomvet-policy.toml

[policy]
name = "Our procurement policy"
date = "2026-01-01"

[[list]]
id = "our-banned-vendors"
title = "Vendors our procurement rules exclude"
citation = "Procurement policy, section 7"
reaches-embedded = true
severity = "block"

# [[entity]]
# id = "examplecorp"
# name = "ExampleCorp"
# lists = ["our-banned-vendors"]
# legal-names = ["ExampleCorp Ltd."]
# domains = ["examplecorp.invalid"]
# purl-namespaces = ["pkg:maven/com.examplecorp"]
"#;

/// A starter waiver file with one commented example.
pub(crate) const STARTER_WAIVERS: &str = r#"# Accepted findings. A waived finding is still reported, marked as waived, and never gates.
# A waiver past its expiry date stops waiving (expired-waiver); one that matches nothing is
# reported (unused-waiver).

# [[waiver]]
# purl = "pkg:maven/com.kaspersky.android-components/*"   # or name = "...", ref = "..." (globs)
# entity = "kaspersky"
# path = "ci-test-suite*"   # optional: only when every path to it passes a ref matching this
# reason = "Kaspresso runs in CI only and is not shipped (ticket SEC-1234)"
# approver = "jane.doe@example.invalid"
# expires = "2027-03-31"
"#;
