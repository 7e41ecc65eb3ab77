//! Restricted-origin policies: lists (legal instruments) and entities (the restricted vendors and
//! everything they are known by), the embedded default policy, and the compiled [`Matcher`] that
//! finds them in components.
//!
//! A policy is TOML (format in README.md and `schemas/policy.schema.json`). Files given with
//! `--policy` are added to the embedded default; a list or entity with an id that already exists
//! replaces the earlier one, with a warning. Every error names file:line:column, and the second
//! pass gathers all problems of a file before it fails.
//!
//! ```
//! let policy = bomvet_policy::Policy::embedded_default();
//! assert!(policy.entity("kaspersky").is_some());
//! let matcher = bomvet_policy::Matcher::new(&policy);
//! let mut c = bomvet_model::Component::new("x".into(), "sdk".into(), Default::default());
//! c.cpes.push(bomvet_model::Cpe {
//!     value: "cpe:2.3:a:kaspersky:anti-virus:8:*:*:*:*:*:*:*".into(),
//!     field: bomvet_model::Field::new("cpe"),
//! });
//! assert_eq!(matcher.match_component(&c)[0].entity, policy.entity_index("kaspersky").unwrap());
//! ```

mod file;
mod matcher;
pub mod normalize;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use crate::matcher::{
    assess, Assessment, ComponentContext, Confidence, EntityMatch, Evidence, IdentKind, Matcher,
    RuleOutcome, Trial,
};

/// The embedded default policy, compiled into the binary.
pub const DEFAULT_POLICY_TOML: &str = include_str!("../data/default-policy.toml");

/// How serious a finding is. Ordered: `Info < NeedsContext < Review < Block`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Worth knowing; never a violation on its own.
    #[default]
    Info,
    /// The rule applies only for some uses (public safety, government facilities...) that an
    /// SBOM cannot show: a person who knows the use decides.
    NeedsContext,
    /// Likely restricted; a reviewer should decide.
    Review,
    /// Restricted: the component is within the instrument's reach.
    Block,
}

impl Severity {
    /// Stable kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::NeedsContext => "needs-context",
            Severity::Review => "review",
            Severity::Block => "block",
        }
    }

    /// All severities, most serious first.
    pub const ALL: [Severity; 4] = [
        Severity::Block,
        Severity::Review,
        Severity::NeedsContext,
        Severity::Info,
    ];
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A legal instrument or organisational list that restricts entities.
#[derive(Debug, Clone, Serialize)]
pub struct List {
    /// Stable id (`us-ndaa18-s1634`).
    pub id: String,
    /// Full title.
    pub title: String,
    /// ISO country code or `EU`...
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jurisdiction: Option<String>,
    /// Issuing authority.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authority: Option<String>,
    /// Date it took effect, ISO 8601.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Legal citation (`Pub. L. 115-91 s.1634; FAR 52.204-23`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub citation: Option<String>,
    /// Where to read it.
    pub urls: Vec<String>,
    /// What it reaches, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Whether it reaches components embedded in other products.
    pub reaches_embedded: bool,
    /// Severity of a strong match.
    pub severity: Severity,
    /// Severity for software components, when the instrument is about equipment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub software_severity: Option<Severity>,
    /// The policy file it came from (`<embedded>` for the default).
    pub origin: String,
}

/// What kind of identifier an entity is known by.
#[derive(Debug, Clone, Serialize)]
pub struct Identifier {
    /// Kind of identifier; decides where it is matched and how strong a match is.
    pub kind: IdentKind,
    /// As written in the policy.
    pub value: String,
    /// A cap on the severity of findings that rest on this identifier alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_severity: Option<Severity>,
    /// Why the cap exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A context rule: when a component's name contains one of `words`, the finding is capped.
#[derive(Debug, Clone, Serialize)]
pub struct ContextRule {
    /// Normalised words or phrases.
    pub words: Vec<String>,
    /// The cap.
    pub max_severity: Severity,
    /// Why.
    pub reason: String,
}

/// A restricted entity and everything it is known by.
#[derive(Debug, Clone, Serialize)]
pub struct Entity {
    /// Stable id (`kaspersky`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// ISO 3166 codes of the countries the entity is based in.
    pub countries: Vec<String>,
    /// Indices into [`Policy::lists`] of the lists that name it.
    pub lists: Vec<usize>,
    /// Lists that name it only for some purposes (s.889's public-safety qualifier).
    pub purpose_limited: Vec<usize>,
    /// Every identifier.
    pub identifiers: Vec<Identifier>,
    /// Context rules.
    pub context: Vec<ContextRule>,
    /// Free-text notes for reviewers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// The policy file it came from.
    pub origin: String,
}

/// A restriction by country of origin (for example the foreign-adversary countries of
/// 15 CFR 791.4): reported as its own finding with its own severity.
#[derive(Debug, Clone, Serialize)]
pub struct CountryRule {
    /// Stable id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Jurisdiction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jurisdiction: Option<String>,
    /// Issuing authority.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authority: Option<String>,
    /// Date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Legal citation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub citation: Option<String>,
    /// Sources.
    pub urls: Vec<String>,
    /// What it reaches, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// ISO 3166-1 alpha-2 codes.
    pub countries: Vec<String>,
    /// Severity of a finding under this rule.
    pub severity: Severity,
    /// The policy file it came from.
    pub origin: String,
}

/// The ISO 3166-1 alpha-2 code of a country written as a code (`CN`, `CHN`) or a name
/// (`China`, `Russian Federation`, `Russia`), case-insensitive; `None` when unknown.
pub fn country_code(raw: &str) -> Option<String> {
    use std::str::FromStr;
    let t = raw.trim();
    if t.is_empty() {
        return None;
    }
    let parsed = match t.len() {
        2 => celes::Country::from_alpha2(t).ok(),
        3 if t.chars().all(|c| c.is_ascii_alphabetic()) => celes::Country::from_alpha3(t).ok(),
        _ => None,
    };
    let parsed = parsed.or_else(|| {
        let squashed: String = t.chars().filter(|c| c.is_alphanumeric()).collect();
        celes::Country::from_str(&squashed).ok()
    });
    parsed.map(|c| c.alpha2.to_string().to_ascii_uppercase())
}

/// Where the policy came from, for reports.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyMeta {
    /// Name of the first policy (the default's, unless dropped).
    pub name: String,
    /// Date of the facts behind the embedded default, when it is used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_date: Option<String>,
    /// Every source, in load order (`<embedded>` for the default).
    pub sources: Vec<String>,
    /// Jurisdiction the first policy is written for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jurisdiction: Option<String>,
    /// Description of the first policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A loaded, validated policy.
#[derive(Debug, Clone, Serialize)]
pub struct Policy {
    /// Provenance.
    pub meta: PolicyMeta,
    /// Every list.
    pub lists: Vec<List>,
    /// Every entity.
    pub entities: Vec<Entity>,
    /// Every country rule.
    pub country_rules: Vec<CountryRule>,
    /// Warnings from loading (overrides, duplicate identifiers).
    #[serde(skip)]
    pub warnings: Vec<String>,
}

/// A problem in a policy file, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyProblem {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// The source line with the offending text underlined, when known.
    pub snippet: Option<String>,
}

/// Why a policy could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The file could not be read.
    #[error("cannot read policy `{}`", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// The file has one or more problems; all are listed.
    #[error("{}", render_problems(path, problems))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every problem, in file order.
        problems: Vec<PolicyProblem>,
    },
    /// No policy is left (`--no-default-policy` without `--policy`): a gate must fail closed.
    #[error("no policy: the default was dropped and no policy file was given")]
    Empty,
}

fn render_problems(path: &Path, problems: &[PolicyProblem]) -> String {
    let mut out = String::new();
    for (i, p) in problems.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&format!(
            "`{}`:{}:{}: {}",
            path.display(),
            p.line,
            p.column,
            p.message
        ));
        if let Some(s) = &p.snippet {
            out.push('\n');
            out.push_str(s);
        }
    }
    out
}

/// 1-based line and column of a byte offset, and the line with `span` underlined.
fn locate(text: &str, span: std::ops::Range<usize>) -> (usize, usize, String) {
    let start = span.start.min(text.len());
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let (line_no, col) = bomvet_model::line_col(text.as_bytes(), start);
    let line = &text[line_start..line_end];
    let width = text[start..span.end.clamp(start, line_end)]
        .chars()
        .count()
        .max(1);
    let gutter = line_no.to_string().len();
    let snippet = format!(
        "{:gutter$} |\n{line_no} | {line}\n{:gutter$} | {}{}",
        "",
        "",
        " ".repeat(col - 1),
        "^".repeat(width)
    );
    (line_no, col, snippet)
}

impl Policy {
    /// The embedded default policy.
    ///
    /// The default is checked by a test at build time of the test suite; it cannot fail at run
    /// time unless the binary was built from an edited, untested copy, and then it panics with
    /// the policy error.
    ///
    /// Parsed once per process (`--version` and the run both need it); each call returns a copy.
    #[allow(clippy::expect_used)]
    pub fn embedded_default() -> Policy {
        static DEFAULT: std::sync::OnceLock<Policy> = std::sync::OnceLock::new();
        DEFAULT
            .get_or_init(|| {
                let mut p = Policy::empty();
                p.add_toml(Path::new("<embedded>"), DEFAULT_POLICY_TOML)
                    .expect("the embedded default policy is valid (tested)");
                p
            })
            .clone()
    }

    /// A policy with nothing in it; add files with [`Policy::add_file`].
    pub fn empty() -> Policy {
        Policy {
            meta: PolicyMeta {
                name: String::new(),
                default_date: None,
                sources: Vec::new(),
                jurisdiction: None,
                description: None,
            },
            lists: Vec::new(),
            entities: Vec::new(),
            country_rules: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// Reads a policy file and adds it.
    ///
    /// # Errors
    /// [`PolicyError::Io`] when unreadable, [`PolicyError::Invalid`] with every problem found.
    pub fn add_file(&mut self, path: &Path) -> Result<(), PolicyError> {
        let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Io {
            path: path.to_owned(),
            source,
        })?;
        self.add_toml(path, &text)
    }

    /// Parses policy TOML and adds it; `path` is used for messages.
    ///
    /// # Errors
    /// [`PolicyError::Invalid`] with every problem found, located.
    pub fn add_toml(&mut self, path: &Path, text: &str) -> Result<(), PolicyError> {
        let origin = path.display().to_string();
        let parsed: file::PolicyFile = toml::from_str(text).map_err(|e| {
            let (line, column, snippet) = match e.span() {
                Some(span) => locate(text, span),
                None => (1, 1, String::new()),
            };
            PolicyError::Invalid {
                path: path.to_owned(),
                problems: vec![PolicyProblem {
                    line,
                    column,
                    message: e.message().trim().to_owned(),
                    snippet: Some(snippet).filter(|s| !s.is_empty()),
                }],
            }
        })?;
        let mut problems = Vec::new();
        let mut problem = |span: std::ops::Range<usize>, message: String| {
            let (line, column, snippet) = locate(text, span);
            problems.push(PolicyProblem {
                line,
                column,
                message,
                snippet: Some(snippet),
            });
        };
        let mut warnings = Vec::new();

        // Lists first: entities refer to them, also to lists of earlier files.
        let mut new_lists: Vec<List> = Vec::new();
        let mut seen_here: HashMap<String, ()> = HashMap::new();
        for l in parsed.list {
            let id = l.id.get_ref().trim().to_owned();
            if !is_id(&id) {
                problem(
                    l.id.span(),
                    format!("list id `{id}` must be lowercase letters, digits and `-`"),
                );
                continue;
            }
            if seen_here.insert(id.clone(), ()).is_some() {
                problem(
                    l.id.span(),
                    format!("list `{id}` is defined twice in this file"),
                );
                continue;
            }
            new_lists.push(List {
                id,
                title: l.title,
                jurisdiction: l.jurisdiction,
                authority: l.authority,
                date: l.date,
                citation: l.citation,
                urls: l.urls,
                scope: l.scope,
                reaches_embedded: l.reaches_embedded,
                severity: l.severity,
                software_severity: l.software_severity,
                origin: origin.clone(),
            });
        }
        let mut lists = self.lists.clone();
        for l in new_lists {
            if let Some(old) = lists.iter_mut().find(|o| o.id == l.id) {
                warnings.push(format!(
                    "`{origin}`: list `{}` replaces the one from `{}`",
                    l.id, old.origin
                ));
                *old = l;
            } else {
                lists.push(l);
            }
        }
        let list_index: HashMap<&str, usize> = lists
            .iter()
            .enumerate()
            .map(|(i, l)| (l.id.as_str(), i))
            .collect();

        let mut new_entities: Vec<Entity> = Vec::new();
        let mut seen_entities: HashMap<String, ()> = HashMap::new();
        for e in parsed.entity {
            let id = e.id.get_ref().trim().to_owned();
            if !is_id(&id) {
                problem(
                    e.id.span(),
                    format!("entity id `{id}` must be lowercase letters, digits and `-`"),
                );
            }
            if seen_entities.insert(id.clone(), ()).is_some() {
                problem(
                    e.id.span(),
                    format!("entity `{id}` is defined twice in this file"),
                );
            }
            let mut resolve = |refs: &[toml::Spanned<String>], what: &str| -> Vec<usize> {
                let mut out = Vec::new();
                for r in refs {
                    match list_index.get(r.get_ref().as_str()) {
                        Some(&i) => out.push(i),
                        None => problem(
                            r.span(),
                            format!(
                                "{what} names list `{}`, which no policy defines",
                                r.get_ref()
                            ),
                        ),
                    }
                }
                out
            };
            let entity_lists = resolve(&e.lists, "`lists`");
            let purpose_limited = resolve(&e.purpose_limited, "`purpose-limited`");
            let mut countries = Vec::new();
            for c in &e.countries {
                match country_code(c.get_ref()) {
                    Some(code) if c.get_ref().len() == 2 => countries.push(code),
                    _ => problem(
                        c.span(),
                        format!(
                            "`{}` is not an ISO 3166-1 alpha-2 country code",
                            c.get_ref()
                        ),
                    ),
                }
            }
            if e.lists.is_empty() {
                problem(
                    e.id.span(),
                    format!("entity `{id}` names no list: it could never be reported"),
                );
            }
            for (p, i) in e.purpose_limited.iter().zip(purpose_limited.iter()) {
                if !entity_lists.contains(i) {
                    problem(
                        p.span(),
                        format!(
                            "`purpose-limited` names `{}`, which is not in `lists`",
                            p.get_ref()
                        ),
                    );
                }
            }
            let mut identifiers = Vec::new();
            let groups: [(&[toml::Spanned<file::IdentDef>], IdentKind); 12] = [
                (&e.legal_names, IdentKind::LegalName),
                (&e.affiliates, IdentKind::Affiliate),
                (&e.former_names, IdentKind::FormerName),
                (&e.aliases, IdentKind::Alias),
                (&e.native_names, IdentKind::NativeName),
                (&e.brands, IdentKind::Brand),
                (&e.domains, IdentKind::Domain),
                (&e.cpe_vendors, IdentKind::CpeVendor),
                (&e.purl_namespaces, IdentKind::PurlNamespace),
                (&e.code_orgs, IdentKind::CodeOrg),
                (&e.products, IdentKind::Product),
                (&e.file_names, IdentKind::FileName),
            ];
            for (group, kind) in groups {
                for ident in group {
                    let (value, max_severity, reason) = match ident.get_ref() {
                        file::IdentDef::Plain(v) => (v.clone(), None, None),
                        file::IdentDef::Detailed(d) => {
                            (d.value.clone(), d.max_severity, d.reason.clone())
                        }
                    };
                    if let Some(msg) = kind.check(&value) {
                        problem(ident.span(), msg);
                        continue;
                    }
                    if max_severity.is_some() && reason.is_none() {
                        problem(
                            ident.span(),
                            "`max-severity` needs a `reason` that a reviewer can read".into(),
                        );
                    }
                    identifiers.push(Identifier {
                        kind,
                        value,
                        max_severity,
                        reason,
                    });
                }
            }
            if identifiers.is_empty() {
                problem(
                    e.id.span(),
                    format!("entity `{id}` has no identifiers: it could never match"),
                );
            }
            let context = e
                .context
                .into_iter()
                .map(|c| ContextRule {
                    words: c.words.iter().map(|w| normalize::normalize(w)).collect(),
                    max_severity: c.max_severity,
                    reason: c.reason,
                })
                .collect();
            new_entities.push(Entity {
                name: e.name.unwrap_or_else(|| id.clone()),
                id,
                countries,
                lists: entity_lists,
                purpose_limited,
                identifiers,
                context,
                notes: e.notes,
                origin: origin.clone(),
            });
        }
        let mut new_country_rules = Vec::new();
        let mut seen_rules: HashMap<String, ()> = HashMap::new();
        for r in parsed.country_rule {
            let id = r.id.get_ref().trim().to_owned();
            if !is_id(&id) {
                problem(
                    r.id.span(),
                    format!("country rule id `{id}` must be lowercase letters, digits and `-`"),
                );
            }
            if seen_rules.insert(id.clone(), ()).is_some() {
                problem(
                    r.id.span(),
                    format!("country rule `{id}` is defined twice in this file"),
                );
            }
            let mut countries = Vec::new();
            for c in &r.countries {
                match country_code(c.get_ref()) {
                    Some(code) if c.get_ref().len() == 2 => countries.push(code),
                    _ => problem(
                        c.span(),
                        format!(
                            "`{}` is not an ISO 3166-1 alpha-2 country code",
                            c.get_ref()
                        ),
                    ),
                }
            }
            if r.countries.is_empty() {
                problem(r.id.span(), format!("country rule `{id}` names no country"));
            }
            new_country_rules.push(CountryRule {
                id,
                title: r.title,
                jurisdiction: r.jurisdiction,
                authority: r.authority,
                date: r.date,
                citation: r.citation,
                urls: r.urls,
                scope: r.scope,
                countries,
                severity: r.severity,
                origin: origin.clone(),
            });
        }
        if !problems.is_empty() {
            problems.sort_by_key(|p| (p.line, p.column));
            return Err(PolicyError::Invalid {
                path: path.to_owned(),
                problems,
            });
        }
        let mut entities = std::mem::take(&mut self.entities);
        let mut by_id: HashMap<String, usize> = entities
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.clone(), i))
            .collect();
        for e in new_entities {
            if let Some(&i) = by_id.get(&e.id) {
                warnings.push(format!(
                    "`{origin}`: entity `{}` replaces the one from `{}`",
                    e.id, entities[i].origin
                ));
                entities[i] = e;
            } else {
                by_id.insert(e.id.clone(), entities.len());
                entities.push(e);
            }
        }
        // Identifiers claimed by two entities make findings ambiguous: warn.
        let mut owners: HashMap<(IdentKind, String), &str> = HashMap::new();
        for e in &entities {
            for i in &e.identifiers {
                let key = (i.kind.match_class(), i.kind.key(&i.value));
                if let Some(other) = owners.get(&key) {
                    if *other != e.id {
                        warnings.push(format!(
                            "`{origin}`: {} `{}` is claimed by entities `{other}` and `{}`",
                            i.kind.as_str(),
                            i.value,
                            e.id
                        ));
                    }
                } else {
                    owners.insert(key, &e.id);
                }
            }
        }
        for r in new_country_rules {
            if let Some(old) = self.country_rules.iter_mut().find(|o| o.id == r.id) {
                warnings.push(format!(
                    "`{origin}`: country rule `{}` replaces the one from `{}`",
                    r.id, old.origin
                ));
                *old = r;
            } else {
                self.country_rules.push(r);
            }
        }
        self.lists = lists;
        self.entities = entities;
        if self.meta.sources.is_empty() {
            self.meta.name = parsed
                .policy
                .as_ref()
                .map(|h| h.name.clone())
                .unwrap_or_else(|| origin.clone());
            self.meta.jurisdiction = parsed.policy.as_ref().and_then(|h| h.jurisdiction.clone());
            self.meta.description = parsed.policy.as_ref().and_then(|h| h.description.clone());
        }
        if origin == "<embedded>" {
            self.meta.default_date = parsed.policy.as_ref().and_then(|h| h.date.clone());
        }
        self.meta.sources.push(origin);
        self.warnings.extend(warnings);
        Ok(())
    }

    /// The entity with this id.
    pub fn entity(&self, id: &str) -> Option<&Entity> {
        self.entities.iter().find(|e| e.id == id)
    }

    /// The index of the entity with this id.
    pub fn entity_index(&self, id: &str) -> Option<usize> {
        self.entities.iter().position(|e| e.id == id)
    }

    /// The list with this id.
    pub fn list(&self, id: &str) -> Option<&List> {
        self.lists.iter().find(|l| l.id == id)
    }

    /// True when the policy restricts nothing.
    pub fn is_empty(&self) -> bool {
        self.entities.is_empty() && self.country_rules.is_empty()
    }
}

fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The embedded default loads without problems or warnings.
    #[test]
    fn embedded_default_is_valid() {
        let mut p = Policy::empty();
        p.add_toml(Path::new("<embedded>"), DEFAULT_POLICY_TOML)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        for id in [
            "kaspersky",
            "huawei",
            "zte",
            "hytera",
            "hikvision",
            "dahua",
            "dji",
        ] {
            assert!(p.entity(id).is_some(), "{id}");
        }
        assert_eq!(p.meta.default_date.as_deref(), Some("2026-11-29"));
    }

    /// An unknown key is an error at its line and column, underlined.
    #[test]
    fn unknown_key_is_located() {
        let text = "[[list]]\nid = \"x\"\ntitle = \"t\"\nreaches-embedded = true\nseverity = \"block\"\nsevrity = \"info\"\n";
        let err = Policy::empty()
            .add_toml(Path::new("p.toml"), text)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("`p.toml`:6:1: unknown field `sevrity`"),
            "{err}"
        );
        assert!(err.contains("^^^^^^^"), "{err}");
    }

    /// All second-pass problems of a file are reported together.
    #[test]
    fn all_problems_reported_in_one_run() {
        let text = r#"
[[entity]]
id = "a"
lists = ["nope"]
legal-names = ["A Corp"]

[[entity]]
id = "b"
lists = ["also-nope"]
"#;
        let PolicyError::Invalid { problems, .. } = Policy::empty()
            .add_toml(Path::new("p.toml"), text)
            .unwrap_err()
        else {
            panic!("expected Invalid");
        };
        let msgs: Vec<_> = problems
            .iter()
            .map(|p| (p.line, p.message.as_str()))
            .collect();
        assert_eq!(msgs.len(), 3, "{msgs:?}");
        assert_eq!(msgs[0].0, 4);
        assert!(msgs[0].1.contains("`nope`"));
        assert!(msgs.iter().any(|m| m.1.contains("has no identifiers")));
    }

    /// A user policy that reuses a default id replaces it and says so.
    #[test]
    fn override_warns() {
        let mut p = Policy::embedded_default();
        let text = "[[list]]\nid = \"uk-tsa-huawei-2022\"\ntitle = \"t\"\nreaches-embedded = true\nseverity = \"block\"\n";
        p.add_toml(Path::new("uk.toml"), text)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            p.list("uk-tsa-huawei-2022").map(|l| l.severity),
            Some(Severity::Block)
        );
        assert!(p.warnings[0].contains("replaces"), "{:?}", p.warnings);
    }
}

#[cfg(test)]
mod country_tests {
    use super::*;

    /// Codes and names, any case, give the alpha-2 code; nonsense gives none.
    #[test]
    fn country_codes_and_names() {
        assert_eq!(country_code("cn").as_deref(), Some("CN"));
        assert_eq!(country_code("RUS").as_deref(), Some("RU"));
        assert_eq!(country_code("China").as_deref(), Some("CN"));
        assert_eq!(country_code("Russia").as_deref(), Some("RU"));
        assert_eq!(country_code("United States").as_deref(), Some("US"));
        assert_eq!(country_code("Narnia"), None);
        assert_eq!(country_code(""), None);
    }

    /// A country rule with a bad code is located.
    #[test]
    fn bad_country_code_is_located() {
        let text = "[[country-rule]]\nid = \"x\"\ntitle = \"t\"\ncountries = [\"CN\", \"XX\"]\nseverity = \"review\"\n";
        let err = Policy::empty()
            .add_toml(Path::new("c.toml"), text)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("c.toml`:4:20: `XX` is not an ISO 3166-1 alpha-2 country code"),
            "{err}"
        );
    }
}
