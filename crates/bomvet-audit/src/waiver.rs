//! Waivers: an accepted finding, with who accepted it, why, and until when.
//!
//! ```toml
//! [[waiver]]
//! purl = "pkg:maven/com.kaspersky.android-components/*"   # and/or `name`, `ref` (globs)
//! entity = "kaspersky"                                    # optional: only this entity
//! code = "restricted-origin"                              # optional: only this finding code
//! path = "test-harness*"                                  # optional: on every path to it
//! reason = "Kaspresso runs in CI only, never shipped (SEC-1234)"
//! approver = "jane.doe@acme.example"
//! expires = "2027-03-31"                                  # required; waives through that day
//! ```
//!
//! A `path` glob holds when every path from every product to the component passes a component
//! whose ref it matches (the product and the component included): "only here because of the test
//! harness". One path through the harness is not enough when another one ships the component.
//!
//! A waived finding is still reported, marked with its waiver, and never gates. A waiver past its
//! date stops waiving and is reported (`expired-waiver`); a waiver that matched nothing is
//! reported (`unused-waiver`). Nothing is waived silently.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobMatcher};
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::Finding;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WaiverFile {
    #[serde(default)]
    waiver: Vec<Spanned<WaiverDef>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct WaiverDef {
    #[serde(rename = "ref", default)]
    reference: Option<Spanned<String>>,
    #[serde(default)]
    purl: Option<Spanned<String>>,
    #[serde(default)]
    name: Option<Spanned<String>>,
    #[serde(default)]
    entity: Option<String>,
    #[serde(default)]
    code: Option<Spanned<String>>,
    #[serde(default)]
    path: Option<Spanned<String>>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    approver: Option<String>,
    #[serde(default)]
    expires: Option<Spanned<String>>,
}

/// One loaded waiver.
#[derive(Debug, Clone)]
pub struct Waiver {
    /// `file:line:column` of the `[[waiver]]` table.
    pub location: String,
    reference: Option<GlobMatcher>,
    purl: Option<GlobMatcher>,
    name: Option<GlobMatcher>,
    entity: Option<String>,
    code: Option<String>,
    /// The `path` glob, and its place among the waivers' path globs ([`Waivers::path_globs`],
    /// the order of the findings' `paths_through`).
    path: Option<(GlobMatcher, usize)>,
    /// Why the finding is accepted.
    pub reason: String,
    /// Who accepted it.
    pub approver: String,
    /// Last day it waives.
    pub expires: jiff::civil::Date,
    /// The selectors as written, for messages.
    pub selector: String,
}

/// The waivers of a run.
#[derive(Debug, Clone)]
pub struct Waivers {
    /// The file.
    pub source: PathBuf,
    /// Every waiver, in file order.
    pub list: Vec<Waiver>,
}

/// A waiver as recorded on the finding it covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Applied {
    /// `file:line:column` of the waiver.
    pub location: String,
    /// Why.
    pub reason: String,
    /// Who.
    pub approver: String,
    /// Until when (ISO date).
    pub expires: String,
}

/// Why a waiver file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum WaiverError {
    /// The file could not be read.
    #[error("cannot read waivers `{}`", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// Every problem of the file, each located.
    #[error("{}", problems.join("\n"))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// `file:line:column: message` lines.
        problems: Vec<String>,
    },
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    bomvet_model::line_col(text.as_bytes(), offset)
}

impl Waivers {
    /// The `path` globs of the waivers, in their order: what [`crate::AuditOptions::waiver_paths`]
    /// needs for those waivers to apply.
    pub fn path_globs(&self) -> Vec<GlobMatcher> {
        self.list
            .iter()
            .filter_map(|w| w.path.as_ref().map(|(g, _)| g.clone()))
            .collect()
    }

    /// Reads and checks a waiver file.
    ///
    /// # Errors
    /// Unreadable file, TOML errors, unknown keys, missing reason, approver, expiry or selector,
    /// a bad date or glob: all problems, each with file:line:column.
    pub fn load(path: &Path) -> Result<Waivers, WaiverError> {
        let text = std::fs::read_to_string(path).map_err(|source| WaiverError::Io {
            path: path.to_owned(),
            source,
        })?;
        Waivers::parse(path, &text)
    }

    /// Parses waiver TOML; `path` is used for messages.
    ///
    /// # Errors
    /// As [`Waivers::load`].
    pub fn parse(path: &Path, text: &str) -> Result<Waivers, WaiverError> {
        let at = |offset: usize, msg: String| {
            let (l, c) = line_col(text, offset);
            format!("`{}`:{l}:{c}: {msg}", path.display())
        };
        let file: WaiverFile = toml::from_str(text).map_err(|e| WaiverError::Invalid {
            path: path.to_owned(),
            problems: vec![at(
                e.span().map_or(0, |s| s.start),
                e.message().trim().to_owned(),
            )],
        })?;
        let mut problems = Vec::new();
        let mut list = Vec::new();
        let mut path_globs = 0;
        for w in file.waiver {
            let start = w.span().start;
            let w = w.into_inner();
            let mut glob = |g: &Option<Spanned<String>>| -> Option<GlobMatcher> {
                let g = g.as_ref()?;
                match Glob::new(g.get_ref()) {
                    Ok(glob) => Some(glob.compile_matcher()),
                    Err(e) => {
                        problems.push(at(
                            g.span().start,
                            format!("bad glob `{}`: {e}", g.get_ref()),
                        ));
                        None
                    }
                }
            };
            let reference = glob(&w.reference);
            let purl = glob(&w.purl);
            let name = glob(&w.name);
            let path_glob = glob(&w.path).map(|g| {
                path_globs += 1;
                (g, path_globs - 1)
            });
            if w.reference.is_none() && w.purl.is_none() && w.name.is_none() {
                problems.push(at(
                    start,
                    "a waiver needs a selector: `purl`, `name` or `ref` (globs allowed)".into(),
                ));
            }
            let reason = w.reason.filter(|r| !r.trim().is_empty());
            if reason.is_none() {
                problems.push(at(start, "a waiver needs a `reason`".into()));
            }
            let approver = w.approver.filter(|r| !r.trim().is_empty());
            if approver.is_none() {
                problems.push(at(start, "a waiver needs an `approver`".into()));
            }
            let expires = match &w.expires {
                None => {
                    problems.push(at(
                        start,
                        "a waiver needs an `expires` date (YYYY-MM-DD)".into(),
                    ));
                    None
                }
                Some(e) => match e.get_ref().parse::<jiff::civil::Date>() {
                    Ok(d) => Some(d),
                    Err(_) => {
                        problems.push(at(
                            e.span().start,
                            format!("`{}` is not a date (YYYY-MM-DD)", e.get_ref()),
                        ));
                        None
                    }
                },
            };
            if let Some(c) = &w.code {
                if !crate::Code::ALL.iter().any(|k| k.as_str() == c.get_ref()) {
                    problems.push(at(
                        c.span().start,
                        format!("unknown finding code `{}`", c.get_ref()),
                    ));
                }
            }
            let selector = [
                w.purl.as_ref().map(|p| format!("purl `{}`", p.get_ref())),
                w.name.as_ref().map(|p| format!("name `{}`", p.get_ref())),
                w.reference
                    .as_ref()
                    .map(|p| format!("ref `{}`", p.get_ref())),
                w.entity.as_ref().map(|p| format!("entity `{p}`")),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
            if let (Some(reason), Some(approver), Some(expires)) = (reason, approver, expires) {
                let (l, c) = line_col(text, start);
                list.push(Waiver {
                    location: format!("{}:{l}:{c}", path.display()),
                    reference,
                    purl,
                    name,
                    entity: w.entity,
                    code: w.code.map(Spanned::into_inner),
                    path: path_glob,
                    reason,
                    approver,
                    expires,
                    selector,
                });
            }
        }
        if problems.is_empty() {
            Ok(Waivers {
                source: path.to_owned(),
                list,
            })
        } else {
            Err(WaiverError::Invalid {
                path: path.to_owned(),
                problems,
            })
        }
    }
}

impl Waiver {
    /// True when every selector of the waiver matches the finding, and its `path` holds
    /// ([`Waiver::paths_hold`]).
    pub fn matches(&self, f: &Finding) -> bool {
        self.selects(f) && self.paths_hold(f)
    }

    /// True when every selector of the waiver but its `path` matches the finding.
    pub fn selects(&self, f: &Finding) -> bool {
        let c = &f.component;
        let name_at = c.version.as_deref().map(|v| format!("{}@{v}", c.name));
        self.reference.as_ref().is_none_or(|g| g.is_match(&c.id))
            && self
                .purl
                .as_ref()
                .is_none_or(|g| c.purl.as_deref().is_some_and(|p| g.is_match(p)))
            && self.name.as_ref().is_none_or(|g| {
                g.is_match(&c.name) || name_at.as_deref().is_some_and(|n| g.is_match(n))
            })
            && self
                .entity
                .as_ref()
                .is_none_or(|e| f.entity.as_ref().is_some_and(|fe| &fe.id == e))
            && self.code.as_ref().is_none_or(|k| f.code.as_str() == k)
    }

    /// True when the waiver has no `path`, or every path to the finding's component passes a
    /// component whose ref the glob matches (as the audit found, [`crate::AuditOptions::waiver_paths`]).
    pub fn paths_hold(&self, f: &Finding) -> bool {
        self.path
            .as_ref()
            .is_none_or(|&(_, k)| f.paths_through.get(k) == Some(&true))
    }

    /// The `path` glob as written, if any.
    pub fn path_glob(&self) -> Option<&str> {
        self.path.as_ref().map(|(g, _)| g.glob().glob())
    }

    /// The waiver as recorded on a finding.
    pub fn applied(&self) -> Applied {
        Applied {
            location: self.location.clone(),
            reason: self.reason.clone(),
            approver: self.approver.clone(),
            expires: self.expires.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every missing field and a bad date are reported together, located.
    #[test]
    fn malformed_waivers_report_every_problem() {
        let text = "[[waiver]]\nname = \"x\"\n\n[[waiver]]\npurl = \"pkg:npm/y\"\nreason = \"r\"\napprover = \"a\"\nexpires = \"31/12/2027\"\n";
        let Err(WaiverError::Invalid { problems, .. }) = Waivers::parse(Path::new("w.toml"), text)
        else {
            panic!("expected problems");
        };
        assert!(
            problems
                .iter()
                .any(|p| p == "`w.toml`:1:1: a waiver needs a `reason`"),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p == "`w.toml`:1:1: a waiver needs an `approver`"),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("needs an `expires`")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p == "`w.toml`:8:11: `31/12/2027` is not a date (YYYY-MM-DD)"),
            "{problems:?}"
        );
    }

    /// Unknown keys are errors with their place.
    #[test]
    fn unknown_key_is_located() {
        let text = "[[waiver]]\nname = \"x\"\nreason = \"r\"\napprover = \"a\"\nexpires = \"2027-01-01\"\nexpiry = \"2027-01-01\"\n";
        let err = Waivers::parse(Path::new("w.toml"), text)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("`w.toml`:6:1: unknown field `expiry`"),
            "{err}"
        );
    }
}
