//! The policy file format (TOML), read with spans so every error points at file:line:column.

use serde::Deserialize;
use toml::Spanned;

use crate::Severity;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct PolicyFile {
    #[serde(default)]
    pub(crate) policy: Option<Header>,
    #[serde(default)]
    pub(crate) list: Vec<ListDef>,
    #[serde(default)]
    pub(crate) entity: Vec<EntityDef>,
    #[serde(default)]
    pub(crate) country_rule: Vec<CountryRuleDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct CountryRuleDef {
    pub(crate) id: Spanned<String>,
    pub(crate) title: String,
    #[serde(default)]
    pub(crate) jurisdiction: Option<String>,
    #[serde(default)]
    pub(crate) authority: Option<String>,
    #[serde(default)]
    pub(crate) date: Option<String>,
    #[serde(default)]
    pub(crate) citation: Option<String>,
    #[serde(default)]
    pub(crate) urls: Vec<String>,
    #[serde(default)]
    pub(crate) scope: Option<String>,
    pub(crate) countries: Vec<Spanned<String>>,
    pub(crate) severity: Severity,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct Header {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) date: Option<String>,
    #[serde(default)]
    pub(crate) jurisdiction: Option<String>,
    #[serde(default)]
    pub(crate) description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct ListDef {
    pub(crate) id: Spanned<String>,
    pub(crate) title: String,
    #[serde(default)]
    pub(crate) jurisdiction: Option<String>,
    #[serde(default)]
    pub(crate) authority: Option<String>,
    #[serde(default)]
    pub(crate) date: Option<String>,
    #[serde(default)]
    pub(crate) citation: Option<String>,
    #[serde(default)]
    pub(crate) urls: Vec<String>,
    #[serde(default)]
    pub(crate) scope: Option<String>,
    pub(crate) reaches_embedded: bool,
    pub(crate) severity: Severity,
    #[serde(default)]
    pub(crate) software_severity: Option<Severity>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct EntityDef {
    pub(crate) id: Spanned<String>,
    #[serde(default)]
    pub(crate) name: Option<String>,
    #[serde(default)]
    pub(crate) countries: Vec<Spanned<String>>,
    pub(crate) lists: Vec<Spanned<String>>,
    #[serde(default)]
    pub(crate) purpose_limited: Vec<Spanned<String>>,
    #[serde(default)]
    pub(crate) legal_names: Vec<Spanned<IdentDef>>,
    #[serde(default)]
    pub(crate) former_names: Vec<Spanned<IdentDef>>,
    #[serde(default)]
    pub(crate) aliases: Vec<Spanned<IdentDef>>,
    #[serde(default)]
    pub(crate) native_names: Vec<Spanned<IdentDef>>,
    #[serde(default)]
    pub(crate) affiliates: Vec<Spanned<IdentDef>>,
    #[serde(default)]
    pub(crate) brands: Vec<Spanned<IdentDef>>,
    #[serde(default)]
    pub(crate) domains: Vec<Spanned<IdentDef>>,
    #[serde(default)]
    pub(crate) cpe_vendors: Vec<Spanned<IdentDef>>,
    #[serde(default)]
    pub(crate) purl_namespaces: Vec<Spanned<IdentDef>>,
    #[serde(default)]
    pub(crate) code_orgs: Vec<Spanned<IdentDef>>,
    #[serde(default)]
    pub(crate) products: Vec<Spanned<IdentDef>>,
    #[serde(default)]
    pub(crate) file_names: Vec<Spanned<IdentDef>>,
    #[serde(default)]
    pub(crate) notes: Option<String>,
    #[serde(default)]
    pub(crate) context: Vec<ContextDef>,
}

/// An identifier: a plain string, or a table that caps the severity of matches on it.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum IdentDef {
    Plain(String),
    Detailed(DetailedIdent),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct DetailedIdent {
    pub(crate) value: String,
    #[serde(default)]
    pub(crate) max_severity: Option<Severity>,
    #[serde(default)]
    pub(crate) reason: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct ContextDef {
    pub(crate) words: Vec<String>,
    pub(crate) max_severity: Severity,
    pub(crate) reason: String,
}
