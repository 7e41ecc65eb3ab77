//! Input limits: flags, `[limits]` in `bomvet.toml`, and defaults.

use std::str::FromStr;

use anyhow::{bail, Result};
use serde::Deserialize;

/// `[limits]` in `bomvet.toml`: sizes as `"1GiB"`-style strings or byte counts.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct LimitsConfig {
    pub(crate) max_file_size: Option<Size>,
    pub(crate) max_decompressed_size: Option<Size>,
    pub(crate) max_components: Option<usize>,
    pub(crate) max_depth: Option<usize>,
    pub(crate) max_schema_check_size: Option<Size>,
    pub(crate) stream_above: Option<Size>,
}

/// A byte size written as `1073741824`, `"1GiB"`, `"512 MB"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "SizeRepr")]
pub(crate) struct Size(pub(crate) u64);

#[derive(Deserialize)]
#[serde(untagged)]
enum SizeRepr {
    Bytes(u64),
    Text(String),
}

impl TryFrom<SizeRepr> for Size {
    type Error = String;
    fn try_from(r: SizeRepr) -> Result<Size, String> {
        match r {
            SizeRepr::Bytes(b) => Ok(Size(b)),
            SizeRepr::Text(t) => t.parse(),
        }
    }
}

impl FromStr for Size {
    type Err = String;
    fn from_str(s: &str) -> Result<Size, String> {
        bytesize::ByteSize::from_str(s.trim())
            .map(|b| Size(b.as_u64()))
            .map_err(|e| format!("`{s}` is not a size like `1GiB` or `512MB`: {e}"))
    }
}

/// `scan` checks inputs up to 4 MiB against their schema by default: that covers most SBOMs a
/// pipeline meets (a container image's is 0.1-3 MB) at 0.1-0.3 s, while a 100k-component file
/// would take several times its scan (README "Benchmarks"); `validate` checks any size.
const DEFAULT_SCHEMA_CHECK_SIZE: u64 = 4 << 20;

/// Files above 256 MiB are parsed through a buffer instead of held whole (decision 19): from there on memory is what runs out (a 1M-component SBOM is ~650 MB),
/// below it the 1.5x parse time of reading through a buffer would be the larger cost.
const DEFAULT_STREAM_ABOVE: u64 = 256 << 20;

/// The limits in force, with the default of each.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) max_file_size: u64,
    /// `scan` checks inputs up to this size against their official schema (0: never).
    pub(crate) max_schema_check_size: u64,
    /// Inputs larger than this are parsed through a buffer, not held whole.
    pub(crate) stream_above: u64,
    pub(crate) ingest: bomvet_ingest::Limits,
}

impl Limits {
    /// Flags first, then the config file, then the defaults.
    pub(crate) fn resolve(flags: &crate::cli::LimitArgs, cfg: &LimitsConfig) -> Result<Limits> {
        let d = bomvet_ingest::Limits::default();
        let l = Limits {
            max_file_size: flags
                .max_file_size
                .or(cfg.max_file_size)
                .map_or(1 << 30, |s| s.0),
            max_schema_check_size: flags
                .max_schema_check_size
                .or(cfg.max_schema_check_size)
                .map_or(DEFAULT_SCHEMA_CHECK_SIZE, |s| s.0),
            stream_above: flags
                .stream_above
                .or(cfg.stream_above)
                .map_or(DEFAULT_STREAM_ABOVE, |s| s.0),
            ingest: bomvet_ingest::Limits {
                max_decompressed: flags
                    .max_decompressed_size
                    .or(cfg.max_decompressed_size)
                    .map_or(d.max_decompressed, |s| s.0),
                max_components: flags
                    .max_components
                    .or(cfg.max_components)
                    .unwrap_or(d.max_components),
                max_depth: flags.max_depth.or(cfg.max_depth).unwrap_or(d.max_depth),
                parallel_above: d.parallel_above,
            },
        };
        if l.max_file_size == 0 || l.ingest.max_components == 0 || l.ingest.max_depth == 0 {
            bail!("limits must be greater than zero");
        }
        Ok(l)
    }
}
