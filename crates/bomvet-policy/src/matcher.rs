//! The compiled matcher: every identifier of every entity goes into a hash map keyed by its
//! normalised form, so matching a component costs a few lookups per field whatever the size of
//! the policy (no loop over entities or rules).

use foldhash::{HashMap, HashMapExt};

use bomvet_model::{Component, ComponentClass, PartyKind, PartyRole};
use serde::Serialize;

use crate::normalize::{normalize, token_ranges};
use crate::{Entity, Policy, Severity};

/// What kind of identifier matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdentKind {
    /// A legal or official name.
    LegalName,
    /// A subsidiary, parent or affiliate (the laws reach them).
    Affiliate,
    /// A former name.
    FormerName,
    /// Another name the entity is known by.
    Alias,
    /// The name in its native script.
    NativeName,
    /// A brand.
    Brand,
    /// An internet domain (web or e-mail).
    Domain,
    /// An NVD CPE vendor string.
    CpeVendor,
    /// A package-URL namespace, with `*` as a prefix glob.
    PurlNamespace,
    /// A code-hosting organisation (GitHub owner).
    CodeOrg,
    /// A product or SDK name.
    Product,
    /// A library or executable file name.
    FileName,
    /// A country (ISO 3166-1 alpha-2), for country rules.
    Country,
}

impl IdentKind {
    /// Stable kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            IdentKind::LegalName => "legal-name",
            IdentKind::Affiliate => "affiliate",
            IdentKind::FormerName => "former-name",
            IdentKind::Alias => "alias",
            IdentKind::NativeName => "native-name",
            IdentKind::Brand => "brand",
            IdentKind::Domain => "domain",
            IdentKind::CpeVendor => "cpe-vendor",
            IdentKind::PurlNamespace => "purl-namespace",
            IdentKind::CodeOrg => "code-org",
            IdentKind::Product => "product",
            IdentKind::FileName => "file-name",
            IdentKind::Country => "country",
        }
    }

    /// Kinds that share one match table (all organisation names are matched alike).
    pub(crate) fn match_class(self) -> IdentKind {
        match self {
            IdentKind::LegalName
            | IdentKind::Affiliate
            | IdentKind::FormerName
            | IdentKind::Alias
            | IdentKind::NativeName
            | IdentKind::Brand => IdentKind::LegalName,
            other => other,
        }
    }

    /// The lookup key of a value of this kind.
    pub(crate) fn key(self, value: &str) -> String {
        match self.match_class() {
            IdentKind::LegalName | IdentKind::Product => normalize(value),
            IdentKind::Domain => value.trim().trim_start_matches("*.").to_ascii_lowercase(),
            IdentKind::PurlNamespace => purl_pattern_key(value),
            _ => value.trim().to_lowercase(),
        }
    }

    /// A problem with a value of this kind, if any.
    pub(crate) fn check(self, value: &str) -> Option<String> {
        if value.trim().is_empty() {
            return Some(format!("empty {}", self.as_str()));
        }
        match self.match_class() {
            IdentKind::LegalName | IdentKind::Product if normalize(value).is_empty() => Some(
                format!("{} `{value}` is empty once normalised", self.as_str()),
            ),
            IdentKind::Domain if value.contains('/') || value.contains('@') => Some(format!(
                "domain `{value}` must be a bare host name such as `example.com`"
            )),
            IdentKind::PurlNamespace if !value.starts_with("pkg:") || !value[4..].contains('/') => {
                Some(format!(
                    "purl namespace `{value}` must look like `pkg:TYPE/NAMESPACE`"
                ))
            }
            IdentKind::PurlNamespace if value.contains('*') && !value.ends_with('*') => Some(
                format!("purl namespace `{value}`: `*` is allowed only at the end"),
            ),
            _ => None,
        }
    }

    /// How much a match on this kind of identifier proves, by the field it was found in.
    fn confidence(self, in_org_field: bool) -> Confidence {
        match self {
            IdentKind::LegalName | IdentKind::Affiliate if in_org_field => Confidence::Strong,
            IdentKind::CpeVendor | IdentKind::PurlNamespace => Confidence::Strong,
            IdentKind::LegalName
            | IdentKind::Affiliate
            | IdentKind::FormerName
            | IdentKind::Alias
            | IdentKind::NativeName
            | IdentKind::Domain
            | IdentKind::CodeOrg => Confidence::Medium,
            IdentKind::Brand | IdentKind::Product | IdentKind::FileName => Confidence::Weak,
            IdentKind::Country => Confidence::Strong,
        }
    }
}

/// `pkg:npm/%40kaspersky` -> `npm/@kaspersky`; a trailing `*` is kept.
fn purl_pattern_key(p: &str) -> String {
    let rest = p.trim().strip_prefix("pkg:").unwrap_or(p.trim());
    percent_decode(rest).to_lowercase()
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() && s.is_char_boundary(i + 3) {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// How much a piece of evidence proves about origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Confidence {
    /// Product, SDK, brand or file name, free text.
    Weak,
    /// E-mail or web domain, alias, former or native name, author, code-hosting organisation.
    Medium,
    /// Organisation identity in supplier, manufacturer, publisher or originator; CPE vendor;
    /// purl namespace.
    Strong,
}

impl Confidence {
    /// Stable kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Weak => "weak",
            Confidence::Medium => "medium",
            Confidence::Strong => "strong",
        }
    }
}

/// One reason a component matched an entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// Where in the SBOM (`components[3].supplier.name`).
    pub field: String,
    /// The value found there, as written.
    pub value: String,
    /// The policy identifier it matched, as written in the policy.
    pub matched: String,
    /// The kind of that identifier.
    pub identifier: IdentKind,
    /// How much this proves.
    pub confidence: Confidence,
    /// Cap from the identifier, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_severity: Option<Severity>,
    /// Why the cap exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Every reason one component matched one entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityMatch {
    /// Index into [`Policy::entities`].
    pub entity: usize,
    /// The evidence, in field order, each (field, identifier) once.
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, Copy)]
struct Hit {
    entity: u32,
    ident: u32,
}

/// Values longer than this are not matched on: no name, domain or purl is this long, and a
/// hostile SBOM's 200 MB "name" must not be tokenised.
pub(crate) const MAX_MATCH_LEN: usize = 4096;

/// Identifiers of a policy compiled into lookup tables.
#[derive(Debug)]
pub struct Matcher<'p> {
    policy: &'p Policy,
    names: HashMap<String, Vec<Hit>>,
    max_name_tokens: usize,
    domains: HashMap<String, Vec<Hit>>,
    cpe_vendors: HashMap<String, Vec<Hit>>,
    purl_exact: HashMap<String, Vec<Hit>>,
    purl_glob: HashMap<String, Vec<Hit>>,
    /// The byte lengths of the `purl_glob` prefixes: a purl is looked up at these lengths only,
    /// not at every one of its prefixes.
    purl_glob_lens: Vec<usize>,
    code_orgs: HashMap<String, Vec<Hit>>,
    products: HashMap<String, Vec<Hit>>,
    files: HashMap<String, Vec<Hit>>,
    /// What a decoded purl must contain to reach `purl_exact`, `purl_glob` or `code_orgs` (see
    /// [`purl_words`]); an organisation or person name to reach `names`; a component name (or
    /// group) to reach `products` or `files`; a URL or e-mail address to reach `domains` or
    /// `code_orgs` (see [`Words`]).
    purl_words: Words,
    name_words: Words,
    product_words: Words,
    url_words: Words,
}

impl<'p> Matcher<'p> {
    /// Compiles every identifier of `policy`.
    pub fn new(policy: &'p Policy) -> Matcher<'p> {
        let mut m = Matcher {
            policy,
            names: HashMap::new(),
            max_name_tokens: 1,
            domains: HashMap::new(),
            cpe_vendors: HashMap::new(),
            purl_exact: HashMap::new(),
            purl_glob: HashMap::new(),
            purl_glob_lens: Vec::new(),
            code_orgs: HashMap::new(),
            products: HashMap::new(),
            files: HashMap::new(),
            purl_words: Words::default(),
            name_words: Words::default(),
            product_words: Words::default(),
            url_words: Words::default(),
        };
        for (ei, e) in policy.entities.iter().enumerate() {
            for (ii, ident) in e.identifiers.iter().enumerate() {
                let hit = Hit {
                    entity: ei as u32,
                    ident: ii as u32,
                };
                let key = ident.kind.key(&ident.value);
                let table = match ident.kind.match_class() {
                    IdentKind::LegalName => {
                        m.max_name_tokens = m.max_name_tokens.max(key.split(' ').count());
                        &mut m.names
                    }
                    IdentKind::Domain => &mut m.domains,
                    IdentKind::CpeVendor => &mut m.cpe_vendors,
                    IdentKind::PurlNamespace => match key.strip_suffix('*') {
                        Some(prefix) => {
                            m.purl_glob.entry(prefix.to_owned()).or_default().push(hit);
                            continue;
                        }
                        None => &mut m.purl_exact,
                    },
                    IdentKind::CodeOrg => &mut m.code_orgs,
                    IdentKind::Product => &mut m.products,
                    _ => &mut m.files,
                };
                let hits = table.entry(key).or_default();
                // Keep one hit per entity and key (a legal name that equals an alias once
                // normalised must not report twice); the first kind listed wins.
                if !hits.iter().any(|h| h.entity == hit.entity) {
                    hits.push(hit);
                }
            }
        }
        m.purl_glob_lens = m.purl_glob.keys().map(String::len).collect();
        m.purl_glob_lens.sort_unstable();
        m.purl_glob_lens.dedup();
        m.purl_words = purl_words(&m);
        // A normalised key's tokens are pieces of the text, so its first one will do.
        let first_token = |key: &str| key.split(' ').next().unwrap_or(key).to_owned();
        m.name_words = Words::new(m.names.keys().map(|k| first_token(k)));
        let products = m.products.keys().map(|k| first_token(k));
        m.product_words = Words::new(products.chain(m.files.keys().cloned()));
        m.url_words = Words::new(m.domains.keys().chain(m.code_orgs.keys()).cloned());
        m
    }

    /// The policy this matcher was built from.
    pub fn policy(&self) -> &'p Policy {
        self.policy
    }

    /// Every entity `c` matches, with all evidence, entities in policy order.
    pub fn match_component(&self, c: &Component) -> Vec<EntityMatch> {
        let mut found: Vec<(u32, Evidence)> = Vec::new();
        let base = &c.location;
        for party in &c.parties {
            let org_field = party.kind != PartyKind::Person && party.role != PartyRole::Author;
            if let Some(name) = party.name.as_ref().filter(|n| self.name_words.may_hold(n)) {
                let field = || format!("{}.name", party.field.under(base));
                if org_field {
                    self.names_within(name, &field, &mut found);
                } else {
                    // People and authors: only a whole-name match counts, so "Eugene
                    // Kaspersky" as an author is not the company (facts section 4.1).
                    self.name_equal(name, &field, &mut found);
                }
            }
            for (i, email) in party.emails.iter().enumerate() {
                if !self.url_words.may_hold(email) {
                    continue;
                }
                if let Some(host) = email.rsplit_once('@').map(|(_, h)| h) {
                    let field = || format!("{}.email[{i}]", party.field.under(base));
                    self.domain(host, email, &field, &mut found);
                }
            }
            for (i, url) in party.urls.iter().enumerate() {
                let field = || format!("{}.url[{i}]", party.field.under(base));
                self.url(url, &field, &mut found);
            }
        }
        for cpe in &c.cpes {
            if let Some(vendor) = cpe_vendor(&cpe.value) {
                let field = || cpe.field.under(base);
                self.lookup(
                    &self.cpe_vendors,
                    &vendor.to_lowercase(),
                    &cpe.value,
                    &field,
                    false,
                    &mut found,
                );
            }
        }
        if let Some(purl) = &c.purl {
            self.purl(&purl.value, &|| purl.field.under(base), &mut found);
        }
        for r in &c.external_refs {
            self.url(&r.url, &|| r.field.under(base), &mut found);
        }
        let product_words = |c: &Component| {
            self.product_words.may_hold(&c.name)
                || c.group
                    .as_deref()
                    .is_some_and(|g| self.product_words.may_hold(g))
        };
        if !c.name.is_empty() && c.name.len() <= MAX_MATCH_LEN && product_words(c) {
            let field = || {
                format!(
                    "{}.name",
                    if base.0.is_empty() { "" } else { base.as_str() }
                )
                .trim_start_matches('.')
                .to_owned()
            };
            if !self.products.is_empty() {
                let key = normalize(&c.name);
                self.lookup(&self.products, &key, &c.name, &field, false, &mut found);
                if let Some(g) = c.group.as_deref().filter(|g| !g.is_empty()) {
                    let key = normalize(&format!("{g} {}", c.name));
                    self.lookup(&self.products, &key, &c.name, &field, false, &mut found);
                }
            }
            if !self.files.is_empty() {
                let base_name = c.name.rsplit(['/', '\\']).next().unwrap_or(&c.name);
                if base_name.bytes().any(|b| b.is_ascii_uppercase()) {
                    let lower = base_name.to_lowercase();
                    self.lookup(&self.files, &lower, &c.name, &field, false, &mut found);
                } else {
                    self.lookup(&self.files, base_name, &c.name, &field, false, &mut found);
                }
            }
        }
        if found.is_empty() {
            return Vec::new();
        }
        let mut by_entity: Vec<EntityMatch> = Vec::new();
        found.sort_by_key(|a| a.0);
        for (e, ev) in found {
            match by_entity.last_mut() {
                Some(m) if m.entity == e as usize => {
                    if !m
                        .evidence
                        .iter()
                        .any(|x| x.field == ev.field && x.matched == ev.matched)
                    {
                        m.evidence.push(ev);
                    }
                }
                _ => by_entity.push(EntityMatch {
                    entity: e as usize,
                    evidence: vec![ev],
                }),
            }
        }
        by_entity
    }

    fn evidence(&self, hit: Hit, value: &str, field: String, org_field: bool) -> (u32, Evidence) {
        let ident = &self.policy.entities[hit.entity as usize].identifiers[hit.ident as usize];
        (
            hit.entity,
            Evidence {
                field,
                value: value.to_owned(),
                matched: ident.value.clone(),
                identifier: ident.kind,
                confidence: ident.kind.confidence(org_field),
                max_severity: ident.max_severity,
                note: ident.reason.clone(),
            },
        )
    }

    /// Looks `key` up; the field path is rendered only on a hit.
    fn lookup(
        &self,
        table: &HashMap<String, Vec<Hit>>,
        key: &str,
        value: &str,
        field: &dyn Fn() -> String,
        org_field: bool,
        out: &mut Vec<(u32, Evidence)>,
    ) {
        if key.len() > MAX_MATCH_LEN {
            return;
        }
        if let Some(hits) = table.get(key) {
            for &h in hits {
                out.push(self.evidence(h, value, field(), org_field));
            }
        }
    }

    /// Organisation names: every run of whole tokens of the value is looked up; per entity the
    /// longest match wins.
    fn names_within(
        &self,
        value: &str,
        field: &dyn Fn() -> String,
        out: &mut Vec<(u32, Evidence)>,
    ) {
        if value.len() > MAX_MATCH_LEN {
            return;
        }
        let (text, ranges) = token_ranges(value);
        let toks: Vec<&str> = ranges.into_iter().map(|r| &text[r]).collect();
        let mut best: Vec<(usize, Hit)> = Vec::new();
        let mut key = String::new();
        for start in 0..toks.len() {
            key.clear();
            for len in 1..=self.max_name_tokens.min(toks.len() - start) {
                if len > 1 {
                    key.push(' ');
                }
                key.push_str(toks[start + len - 1]);
                if let Some(hits) = self.names.get(key.as_str()) {
                    for &h in hits {
                        match best.iter_mut().find(|(_, b)| b.entity == h.entity) {
                            Some(slot) if slot.0 < len => *slot = (len, h),
                            Some(_) => {}
                            None => best.push((len, h)),
                        }
                    }
                }
            }
        }
        for (_, h) in best {
            out.push(self.evidence(h, value, field(), true));
        }
    }

    fn name_equal(&self, value: &str, field: &dyn Fn() -> String, out: &mut Vec<(u32, Evidence)>) {
        if value.len() > MAX_MATCH_LEN {
            return;
        }
        let key = normalize(value);
        self.lookup(&self.names, &key, value, field, false, out);
    }

    /// A host and each of its parent domains, on label boundaries.
    fn domain(
        &self,
        host: &str,
        value: &str,
        field: &dyn Fn() -> String,
        out: &mut Vec<(u32, Evidence)>,
    ) {
        let host = host.trim().trim_end_matches('.').trim_end_matches('>');
        let lower;
        let mut h = if host.bytes().any(|b| b.is_ascii_uppercase()) {
            lower = host.to_ascii_lowercase();
            lower.as_str()
        } else {
            host
        };
        // `memchr`, not `split_once('.')`: a char searcher per label was a sixth of the URL
        // matcher's samples (issue 7).
        loop {
            self.lookup(&self.domains, h, value, field, false, out);
            match memchr::memchr(b'.', h.as_bytes()) {
                Some(i) if memchr::memchr(b'.', &h.as_bytes()[i + 1..]).is_some() => {
                    h = &h[i + 1..]
                }
                _ => break,
            }
        }
    }

    fn url(&self, url: &str, field: &dyn Fn() -> String, out: &mut Vec<(u32, Evidence)>) {
        if url.len() > MAX_MATCH_LEN || !self.url_words.may_hold(url) {
            return;
        }
        let Some((host, path)) = split_url(url) else {
            return;
        };
        self.domain(host, url, field, out);
        if host.eq_ignore_ascii_case("github.com")
            || host.eq_ignore_ascii_case("www.github.com")
            || host.eq_ignore_ascii_case("gitlab.com")
        {
            if let Some(owner) = path.split('/').find(|s| !s.is_empty()) {
                self.lookup(
                    &self.code_orgs,
                    &owner.to_lowercase(),
                    url,
                    field,
                    false,
                    out,
                );
            }
        }
    }

    fn purl(&self, purl: &str, field: &dyn Fn() -> String, out: &mut Vec<(u32, Evidence)>) {
        if purl.len() > MAX_MATCH_LEN {
            return;
        }
        if !self.purl_may_match(purl) {
            return;
        }
        // Parse with the packageurl crate when the purl is well-formed; fall back to the raw
        // text so that a slightly malformed purl still matches its namespace.
        let key = match purl_key(purl) {
            Some(p) => p,
            None => purl_pattern_key(purl.split(['?', '#', '@']).next().unwrap_or(purl)),
        };
        // Exact namespaces on `/` boundaries: `maven/com.dji/x` tries `maven/com.dji`.
        for (i, _) in key.match_indices('/').skip(1) {
            self.lookup(&self.purl_exact, &key[..i], purl, field, false, out);
        }
        self.lookup(&self.purl_exact, &key, purl, field, false, out);
        // Globs are prefixes on any character.
        for &n in &self.purl_glob_lens {
            if n > 0 && key.is_char_boundary(n) {
                self.lookup(&self.purl_glob, &key[..n], purl, field, false, out);
            }
        }
        // pkg:github/OWNER/x and pkg:golang/github.com/OWNER/x name a code-hosting owner.
        let owner = key
            .strip_prefix("github/")
            .or_else(|| key.strip_prefix("golang/github.com/"))
            .and_then(|r| r.split('/').next());
        if let Some(owner) = owner {
            self.lookup(&self.code_orgs, owner, purl, field, false, out);
        }
    }
}

impl Matcher<'_> {
    /// Whether `purl` holds one of the [`purl_words`] once decoded: false means that its key
    /// can reach no purl identifier and name no code-hosting owner. A purl outside ASCII is
    /// always keyed (lowercasing the Kelvin sign gives `k`).
    fn purl_may_match(&self, purl: &str) -> bool {
        match memchr::memchr(b'%', purl.as_bytes()) {
            None => self.purl_words.may_hold(purl),
            Some(_) => self.purl_words.may_hold(&percent_decode(purl)),
        }
    }
}

/// Words one of which an ASCII text must hold (read without ASCII case) for a lookup of it to
/// find anything: each key of a table, or a piece of it that every text reaching it holds.
/// Looking a text up costs a lowercased copy and several hash lookups (a name is normalised and
/// each run of its tokens looked up, a URL is cut and each parent domain looked up), for texts
/// that almost never match; one `aho-corasick` search for the words first was most of it (issue
/// 7). Keys outside ASCII are left out: an ASCII text lowercased or normalised stays ASCII and
/// cannot reach them; a text outside ASCII is always looked up (NFKC and Unicode lowercasing
/// may turn its characters into ASCII ones).
///
/// The words are searched with `aho-corasick`'s packed (Teddy, SIMD) searcher in the text with
/// its ASCII letters lowercased, where the words allow one (up to 64 of them on x86-64 and
/// aarch64) and none is shorter than [`PACKED_MIN_WORD`]: the automaton, without ASCII case,
/// took ~2 ns a byte, about as long for a URL as the lookups it spares; Teddy takes half of
/// that at 32 bytes and a fifth at 128. Elsewhere (short words, other targets, more words) the
/// automaton searches as before.
#[derive(Debug, Default)]
struct Words(Option<Searcher>);

/// How [`Words`] are searched.
#[derive(Debug)]
enum Searcher {
    /// The words lowercased, searched in a lowercased copy of a text that has capitals.
    Packed(aho_corasick::packed::Searcher),
    /// The words searched without ASCII case.
    Automaton(aho_corasick::AhoCorasick),
}

/// The shortest word [`Searcher::Packed`] is used for.
const PACKED_MIN_WORD: usize = 4;

/// Texts up to this long are lowercased on the stack for [`Searcher::Packed`].
const LOWERCASED_ON_STACK: usize = 256;

impl Words {
    fn new(keys: impl Iterator<Item = String>) -> Words {
        let mut ascii: Vec<String> = keys
            .filter(|k| k.is_ascii())
            .map(|k| k.to_ascii_lowercase())
            .collect();
        ascii.sort_unstable();
        ascii.dedup();
        // Teddy finds candidates by the first bytes of the words: with a word of one or two
        // bytes nearly every position is one (the names' `da`: no faster than the automaton).
        let packed = ascii
            .iter()
            .all(|w| w.len() >= PACKED_MIN_WORD)
            .then(|| {
                aho_corasick::packed::Config::new()
                    .builder()
                    .extend(&ascii)
                    .build()
            })
            .flatten();
        if let Some(packed) = packed {
            return Words(Some(Searcher::Packed(packed)));
        }
        let automaton = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(ascii);
        Words(automaton.ok().map(Searcher::Automaton))
    }

    /// False only when `text` is ASCII and holds none of the words.
    fn may_hold(&self, text: &str) -> bool {
        let Some(searcher) = &self.0 else {
            return true;
        };
        if !text.is_ascii() {
            return true;
        }
        match searcher {
            Searcher::Automaton(words) => words.is_match(text),
            Searcher::Packed(words) => {
                let bytes = text.as_bytes();
                // Without an early exit, so that the loop is vectorised (`any` went byte by
                // byte: ~3% of a tag-value scan's instructions with the lowercasing below).
                let upper = bytes
                    .iter()
                    .fold(false, |upper, b| upper | b.is_ascii_uppercase());
                if !upper {
                    return words.find(bytes).is_some();
                }
                let mut stack = [0u8; LOWERCASED_ON_STACK];
                let mut heap = Vec::new();
                let lower = match stack.get_mut(..bytes.len()) {
                    Some(lower) => lower,
                    None => {
                        heap.resize(bytes.len(), 0);
                        &mut heap[..]
                    }
                };
                lower.copy_from_slice(bytes);
                lower.make_ascii_lowercase();
                words.find(&*lower).is_some()
            }
        }
    }
}

/// The words a purl must hold to reach a purl identifier or a code-hosting owner, searched
/// before its key is made: keying every purl (the `packageurl` checks, a lowercased copy) was a
/// quarter of matching a component, for purls that almost never match (issue 7).
///
/// A purl's key is its type, namespace and name as written, percent-decoded and lowercased, a
/// PyPI name's `_` written `-`, and empty or dot segments dropped (`purl_key`, or the text when
/// `packageurl` does not read it): each segment of the key is in the decoded purl, read without
/// ASCII case and with `_` for `-`. A key that equals an identifier, or starts with one, holds
/// the identifier's last segment (for a glob, the part written); a key that names an owner
/// holds the owner. So those, with each `-` also as `_`, are the words ([`Words`]: an empty one
/// keys every purl); no words at all (every purl keyed) when one has more than four `-`.
fn purl_words(m: &Matcher<'_>) -> Words {
    let mut words: Vec<String> = Vec::new();
    let keys = m.purl_exact.keys().chain(m.purl_glob.keys());
    for key in keys.chain(m.code_orgs.keys()) {
        let last = key.rsplit('/').next().unwrap_or(key);
        let dashes: Vec<usize> = last.match_indices('-').map(|(at, _)| at).collect();
        if dashes.len() > 4 {
            return Words::default();
        }
        for variant in 0..1u32 << dashes.len() {
            let mut word = last.to_owned();
            for (bit, &at) in dashes.iter().enumerate() {
                if variant >> bit & 1 == 1 {
                    word.replace_range(at..=at, "_");
                }
            }
            words.push(word);
        }
    }
    Words::new(words.into_iter())
}

/// `type/namespace/name` of a purl, lowercased and percent-decoded, as the `packageurl` crate
/// reads it; `None` when it does not read it.
///
/// The purl is split here, as `packageurl`'s parser splits it, and its parts are handed to
/// `packageurl` borrowed (decoded only where they hold a `%`), which applies its per-type rules
/// (namespace required or prohibited, lowercasing, PyPI's `_`, required qualifiers) and
/// validation as a full parse does. A full parse copied every part and looked the type's rules
/// up several times, and was 40% of matching a 100,000-component SBOM (issue 7). A purl this
/// split does not take gets the full parse; `purl_keys_agree_with_a_full_parse` checks that
/// both give the same key.
fn purl_key(purl: &str) -> Option<String> {
    match borrowed_purl(purl) {
        Some(p) => Some(key_of(&p)),
        None => purl
            .parse::<packageurl::PackageUrl<'_>>()
            .ok()
            .map(|p| key_of(&p)),
    }
}

/// A purl's parts, split as `packageurl`'s parser splits them and checked by `packageurl`;
/// `None` for a purl it would not read and for the few shapes left to it (segments it drops, a
/// subpath to decode). MLflow's canonical name is lowercase: so is every key.
fn borrowed_purl(purl: &str) -> Option<packageurl::PackageUrl<'_>> {
    // Decoded only where there is a `%` (a pass and a UTF-8 check of every part otherwise).
    fn decode(s: &str) -> Option<std::borrow::Cow<'_, str>> {
        match memchr::memchr(b'%', s.as_bytes()) {
            None => Some(std::borrow::Cow::Borrowed(s)),
            Some(_) => percent_encoding::percent_decode_str(s).decode_utf8().ok(),
        }
    }
    // The scheme ends at the first `:`; the slashes after it are not part of the type.
    let rest = purl.strip_prefix("pkg:")?.trim_start_matches('/');
    // The parser cuts the subpath at the last `#`, then the qualifiers at the last `?`.
    let (rest, subpath) = match rest.rfind('#') {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    if let Some(sp) = subpath {
        // Only whether it reads matters: the subpath is not part of the key.
        let segments = || sp.split('/').filter(|s| !matches!(*s, "" | "." | ".."));
        if sp.contains('%') || segments().next().is_none() {
            return None;
        }
    }
    let (rest, qualifiers) = match rest.rfind('?') {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    // A version follows the last `@` when no `/` follows it (an npm scope is `@scope/`).
    let (rest, version) = match rest.rfind('@') {
        Some(i) if !rest[i + 1..].contains('/') => (&rest[..i], Some(&rest[i + 1..])),
        _ => (rest, None),
    };
    let (ty, rest) = rest.split_once('/')?;
    if rest.ends_with('/') {
        return None;
    }
    let (namespace, name) = match rest.trim_matches('/').rsplit_once('/') {
        Some((ns, name)) => (Some(ns), name),
        None => (None, rest.trim_matches('/')),
    };
    let mut p = packageurl::PackageUrl::new(ty, decode(name)?).ok()?;
    if let Some(ns) = namespace {
        // Empty, `.` and `..` segments are dropped by the full parse: left to it.
        if ns.split('/').any(|s| matches!(s, "" | "." | "..")) {
            return None;
        }
        if ns.contains('%') {
            let mut decoded = String::with_capacity(ns.len());
            for (k, segment) in ns.split('/').enumerate() {
                let segment = decode(segment)?;
                // An escaped `/` makes the full parse fail.
                if segment.contains('/') {
                    return None;
                }
                if k > 0 {
                    decoded.push('/');
                }
                decoded.push_str(&segment);
            }
            p.with_namespace(decoded).ok()?;
        } else {
            p.with_namespace(ns).ok()?;
        }
    }
    if let Some(v) = version {
        p.with_version(decode(v)?).ok()?;
    }
    for pair in qualifiers.into_iter().flat_map(|q| q.split('&')) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if !value.is_empty() {
            p.add_qualifier(key, decode(value)?).ok()?;
        }
    }
    p.validate().ok()?;
    Some(p)
}

/// `type/namespace/name`, lowercased.
fn key_of(p: &packageurl::PackageUrl<'_>) -> String {
    let mut key = String::with_capacity(
        p.ty().len() + p.namespace().map_or(0, |n| n.len() + 1) + p.name().len() + 1,
    );
    let parts = [Some(p.ty()), p.namespace(), Some(p.name())];
    for part in parts.into_iter().flatten() {
        if !key.is_empty() {
            key.push('/');
        }
        if part.is_ascii() {
            key.push_str(part);
        } else {
            key.push_str(&part.to_lowercase());
        }
    }
    key.make_ascii_lowercase();
    key
}

/// Host (no port or user) and path of a URL, SCP-style git address or `mailto:`; borrowed.
fn split_url(url: &str) -> Option<(&str, &str)> {
    let u = url.trim();
    // `find("://")` builds a two-way searcher per call (about a sixth of the URL matcher's
    // samples on a 100k-component SBOM); the scheme ends at a `:` followed by `//`.
    let scheme_end =
        memchr::memchr_iter(b':', u.as_bytes()).find(|&i| u.as_bytes()[i + 1..].starts_with(b"//"));
    let rest = if let Some(i) = scheme_end {
        &u[i + 3..]
    } else if let Some(r) = u.strip_prefix("git@") {
        // git@github.com:Owner/repo.git
        return r.split_once(':');
    } else if let Some(r) = u.strip_prefix("mailto:") {
        return Some((r.rsplit_once('@')?.1, ""));
    } else {
        u
    };
    let (authority, path) = match memchr::memchr3(b'/', b'?', b'#', rest.as_bytes()) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    // Bytes, not `rsplit('@')`/`split(':')`/`contains('.')`: a char searcher each, for every URL
    // of every component (issue 7).
    let b = authority.as_bytes();
    let after_user = memchr::memrchr(b'@', b).map_or(0, |i| i + 1);
    let host_end = memchr::memchr(b':', &b[after_user..]).map_or(b.len(), |i| after_user + i);
    let host = &authority[after_user..host_end];
    if host.is_empty() || memchr::memchr(b'.', host.as_bytes()).is_none() {
        return None;
    }
    Some((host, path))
}

/// The vendor part of a CPE 2.3 formatted string or CPE 2.2 URI, with `\` escapes removed.
pub(crate) fn cpe_vendor(cpe: &str) -> Option<String> {
    let c = cpe.trim();
    if let Some(rest) = c.strip_prefix("cpe:2.3:") {
        let mut fields = Vec::new();
        let mut cur = String::new();
        let mut esc = false;
        for ch in rest.chars() {
            if esc {
                cur.push(ch);
                esc = false;
            } else if ch == '\\' {
                esc = true;
            } else if ch == ':' {
                fields.push(std::mem::take(&mut cur));
                if fields.len() == 2 {
                    break;
                }
            } else {
                cur.push(ch);
            }
        }
        if fields.len() < 2 {
            fields.push(cur);
        }
        fields
            .get(1)
            .filter(|v| !v.is_empty() && *v != "*")
            .cloned()
    } else if let Some(rest) = c.strip_prefix("cpe:/") {
        rest.split(':')
            .nth(1)
            .filter(|v| !v.is_empty())
            .map(percent_decode)
    } else {
        None
    }
}

/// What the audit knows about a component's place, for [`assess`].
#[derive(Debug, Clone, Copy)]
pub struct ComponentContext<'a> {
    /// The component.
    pub component: &'a Component,
    /// True when the component is itself a product (a root of its SBOM), not embedded in one.
    pub is_root: bool,
}

/// How one list applies to one match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleOutcome {
    /// Index into [`Policy::lists`].
    #[serde(skip)]
    pub list: usize,
    /// The list's id.
    pub id: String,
    /// Whether the instrument reaches this component.
    pub applies: bool,
    /// Severity under this list (meaningful when `applies`).
    pub severity: Severity,
    /// Why it does not apply, or why its severity was lowered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The verdict on one component-entity match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assessment {
    /// Final severity.
    pub severity: Severity,
    /// The strongest evidence.
    pub confidence: Confidence,
    /// Each list of the entity and how it applies.
    pub rules: Vec<RuleOutcome>,
    /// Why the severity is lower than the lists alone would give.
    pub caps: Vec<String>,
}

/// Decides the severity of a match, from the entity's lists (scope, embedded reach, equipment or
/// software, purpose qualifiers) and from the evidence (confidence, identifier caps, context).
pub fn assess(policy: &Policy, ctx: ComponentContext<'_>, m: &EntityMatch) -> Assessment {
    let entity: &Entity = &policy.entities[m.entity];
    let c = ctx.component;
    let mut rules = Vec::new();
    let mut by_lists = Severity::Info;
    for &li in &entity.lists {
        let list = &policy.lists[li];
        let mut note = None;
        let applies = ctx.is_root || list.reaches_embedded;
        let mut sev = match (c.class, list.software_severity) {
            (ComponentClass::Software, Some(s)) => {
                if s < list.severity {
                    note = Some(format!(
                        "software component: the instrument names equipment, `{}` lowered to `{s}`",
                        list.severity
                    ));
                }
                s
            }
            _ => list.severity,
        };
        if entity.purpose_limited.contains(&li) && sev > Severity::NeedsContext {
            sev = Severity::NeedsContext;
            note = Some(
                "applies only to uses for public safety, government-facility security, critical-infrastructure surveillance or national security, which an SBOM cannot show"
                    .into(),
            );
        }
        if !applies {
            note = Some("does not reach components embedded in another product".into());
        } else if sev > by_lists {
            by_lists = sev;
        }
        rules.push(RuleOutcome {
            list: li,
            id: list.id.clone(),
            applies,
            severity: sev,
            note,
        });
    }
    // The evidence decides how far the lists' severity can be trusted: the best piece of
    // evidence sets the cap (strong: none; medium and weak: review), lowered further by an
    // identifier's own cap.
    let mut caps = Vec::new();
    let mut allowed = Severity::Info;
    let mut confidence = Confidence::Weak;
    let mut best_note: Option<String> = None;
    for ev in &m.evidence {
        confidence = confidence.max(ev.confidence);
        let mut cap = match ev.confidence {
            Confidence::Strong => Severity::Block,
            Confidence::Medium | Confidence::Weak => Severity::Review,
        };
        if let Some(s) = ev.max_severity {
            cap = cap.min(s);
        }
        if cap > allowed {
            allowed = cap;
            best_note = ev.note.clone();
        }
    }
    let mut severity = by_lists.min(allowed);
    if severity < by_lists {
        caps.push(match best_note {
            Some(n) => n,
            None => format!(
                "the strongest evidence is {}: `{}` at most",
                confidence.as_str(),
                allowed
            ),
        });
    }
    let display = c.display_name();
    let name = if display.len() <= MAX_MATCH_LEN {
        normalize(&display.replace('@', " "))
    } else {
        String::new()
    };
    let padded = format!(" {name} ");
    for rule in &entity.context {
        if rule
            .words
            .iter()
            .any(|w| !w.is_empty() && padded.contains(&format!(" {w} ")))
            && rule.max_severity < severity
        {
            severity = rule.max_severity;
            caps.push(rule.reason.clone());
        }
    }
    Assessment {
        severity,
        confidence,
        rules,
        caps,
    }
}

/// One field of a component as the matcher saw it, for `bomvet explain`.
#[derive(Debug, Clone, Serialize)]
pub struct Trial {
    /// JSON path of the field.
    pub field: String,
    /// The value as written.
    pub value: String,
    /// How it was matched.
    pub how: &'static str,
    /// The normalised key(s) looked up.
    pub key: String,
    /// What matched.
    pub hits: Vec<Evidence>,
    /// Identifiers that nearly matched, and why they did not.
    pub near_misses: Vec<String>,
}

impl Matcher<'_> {
    /// Every field the matcher reads on `c`, what it looked up, what matched and what nearly
    /// matched. The hits are exactly those of [`Matcher::match_component`].
    pub fn explain(&self, c: &Component) -> Vec<Trial> {
        let evidence: Vec<Evidence> = self
            .match_component(c)
            .into_iter()
            .flat_map(|m| m.evidence)
            .collect();
        let base = &c.location;
        let mut trials = Vec::new();
        let mut add =
            |field: String, value: &str, how: &'static str, key: String, near: Vec<String>| {
                let hits: Vec<Evidence> = evidence
                    .iter()
                    .filter(|e| e.field == field)
                    .cloned()
                    .collect();
                // A near miss only matters where nothing matched.
                let near_misses = if hits.is_empty() { near } else { Vec::new() };
                trials.push(Trial {
                    field,
                    value: value.to_owned(),
                    how,
                    key,
                    hits,
                    near_misses,
                });
            };
        for party in &c.parties {
            let org = party.kind != PartyKind::Person && party.role != PartyRole::Author;
            if let Some(name) = &party.name {
                let field = format!("{}.name", party.field.under(base));
                let key = normalize(name);
                let near = self.name_near_misses(&key, org);
                let how = if org {
                    "organisation name, on whole words"
                } else {
                    "person or author name, whole name only"
                };
                add(field, name, how, key, near);
            }
            for (i, email) in party.emails.iter().enumerate() {
                let host = email
                    .rsplit_once('@')
                    .map_or("", |(_, h)| h)
                    .to_ascii_lowercase();
                let near = self.domain_near_misses(&host);
                add(
                    format!("{}.email[{i}]", party.field.under(base)),
                    email,
                    "e-mail domain and its parents",
                    host,
                    near,
                );
            }
            for (i, url) in party.urls.iter().enumerate() {
                let host = split_url(url).map_or(String::new(), |(h, _)| h.to_ascii_lowercase());
                let near = self.domain_near_misses(&host);
                add(
                    format!("{}.url[{i}]", party.field.under(base)),
                    url,
                    "web domain and its parents, code-hosting owner",
                    host,
                    near,
                );
            }
            if let Some(country) = &party.country {
                add(
                    format!("{}.address.country", party.field.under(base)),
                    country,
                    "country (country rules only)",
                    crate::country_code(country).unwrap_or_else(|| "unknown country".into()),
                    Vec::new(),
                );
            }
        }
        for cpe in &c.cpes {
            let vendor = cpe_vendor(&cpe.value).unwrap_or_default().to_lowercase();
            let near = self
                .cpe_vendors
                .keys()
                .filter(|k| {
                    vendor != **k
                        && (vendor.contains(k.as_str()) || k.contains(vendor.as_str()))
                        && !vendor.is_empty()
                })
                .map(|k| {
                    format!("CPE vendor `{vendor}` is close to `{k}` but CPE vendors match exactly")
                })
                .collect();
            add(
                cpe.field.under(base),
                &cpe.value,
                "CPE vendor, exact",
                vendor,
                near,
            );
        }
        if let Some(purl) = &c.purl {
            let key = purl_key(&purl.value).unwrap_or_else(|| {
                purl_pattern_key(
                    purl.value
                        .split(['?', '#', '@'])
                        .next()
                        .unwrap_or(&purl.value),
                )
            });
            let near = self
                .purl_exact
                .keys()
                .filter(|k| {
                    key.contains(k.as_str()) && !key.starts_with(&format!("{k}/")) && key != **k
                })
                .map(|k| format!("contains namespace `{k}` but not as the namespace itself"))
                .collect();
            add(
                purl.field.under(base),
                &purl.value,
                "purl namespace (type/namespace), and prefix globs",
                key,
                near,
            );
        }
        for r in &c.external_refs {
            let host = split_url(&r.url).map_or(String::new(), |(h, _)| h.to_ascii_lowercase());
            let near = self.domain_near_misses(&host);
            add(
                r.field.under(base),
                &r.url,
                "web domain and its parents, code-hosting owner",
                host,
                near,
            );
        }
        if !c.name.is_empty() {
            let key = normalize(&c.name);
            let padded = format!(" {key} ");
            let near = self
                .products
                .keys()
                .filter(|k| **k != key && padded.contains(&format!(" {k} ")))
                .map(|k| format!("contains product name `{k}` but product and file names must be the whole component name"))
                .collect();
            let field = if base.0.is_empty() {
                "name".to_owned()
            } else {
                format!("{base}.name")
            };
            add(
                field,
                &c.name,
                "product or file name, whole name",
                key,
                near,
            );
        }
        trials
    }

    fn name_near_misses(&self, key: &str, org: bool) -> Vec<String> {
        let mut out = Vec::new();
        let squashed: String = key.chars().filter(|c| *c != ' ').collect();
        let padded = format!(" {key} ");
        for (name, hits) in &self.names {
            if name.is_empty() || name == key {
                continue;
            }
            let entity = &self.policy.entities[hits[0].entity as usize].id;
            let whole_words = padded.contains(&format!(" {name} "));
            if !org && whole_words {
                out.push(format!(
                    "contains `{name}` ({entity}) but person and author fields match whole names only"
                ));
            } else if !whole_words && name.len() >= 3 {
                let name_squashed: String = name.chars().filter(|c| *c != ' ').collect();
                if squashed.contains(&name_squashed) {
                    out.push(format!(
                        "contains `{name}` ({entity}) inside a longer word: names match on whole words only"
                    ));
                }
            }
        }
        out.sort();
        out
    }

    fn domain_near_misses(&self, host: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .domains
            .keys()
            .filter(|d| {
                let label = d.split('.').next().unwrap_or(d);
                host != d.as_str()
                    && !host.ends_with(&format!(".{d}"))
                    && label.len() >= 3
                    && host.contains(label)
            })
            .map(|d| {
                format!("host `{host}` resembles `{d}` but is not it or one of its subdomains")
            })
            .collect();
        out.sort();
        out
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use bomvet_model::{Component, ComponentRef, Field, Location, Purl};

    use super::*;

    fn with_purl(purl: &str) -> Component {
        let mut c = Component::new(ComponentRef::from("c"), "x".into(), Location::default());
        c.purl = Some(Purl {
            value: purl.into(),
            field: Field::new("purl"),
        });
        c
    }

    /// A policy of `entities` and one list, `l`, that reaches embedded components.
    fn policy_of(entities: &str) -> Policy {
        let text = format!(
            "[[list]]\nid = \"l\"\ntitle = \"t\"\nreaches-embedded = true\nseverity = \"block\"\n{entities}"
        );
        let mut p = Policy::empty();
        p.add_toml(Path::new("p.toml"), &text)
            .unwrap_or_else(|e| panic!("{e}"));
        p
    }

    /// Whether `c` matches anything, after checking that the matcher with words (`m`) and the
    /// one without them (`every`) find the same.
    fn matches_alike(m: &Matcher<'_>, every: &Matcher<'_>, c: &Component) -> bool {
        let found = m.match_component(c);
        assert_eq!(found, every.match_component(c), "{c:?}");
        !found.is_empty()
    }

    /// Words searched by Teddy in a lowercased text say what the automaton without ASCII case
    /// says: texts built from the words and their pieces, in any case, short (Rabin-Karp) and
    /// long, up to and past the stack buffer, and outside ASCII.
    #[test]
    fn packed_words_agree_with_the_automaton() {
        let words: Vec<String> = [
            "kaspersky.com",
            "huawei",
            "Hik-Vision",
            "zte.com.cn",
            "dahua",
        ]
        .map(String::from)
        .to_vec();
        let packed = Words::new(words.iter().cloned());
        assert!(matches!(packed.0, Some(Searcher::Packed(_))), "{packed:?}");
        let automaton = Words(Some(Searcher::Automaton(
            aho_corasick::AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(&words)
                .expect("automaton"),
        )));
        // Too short a word: the automaton.
        let short = Words::new(["da".to_owned(), "huawei".to_owned()].into_iter());
        assert!(matches!(short.0, Some(Searcher::Automaton(_))), "{short:?}");
        let pieces = [
            "kaspersky",
            ".com",
            "huawei",
            "HUAWEI",
            "hik-",
            "VISION",
            "zte",
            ".com.cn",
            "dahu",
            "a",
            "x",
            "/",
            " ",
            "Ω",
            "https://",
            "-",
        ];
        let mut rng = fastrand::Rng::with_seed(7);
        let (mut held, mut texts) = (0, 0);
        for len in [0, 1, 3, 8, 20, 40, 120, 255, 256, 257, 600] {
            for _ in 0..400 {
                let mut text = String::new();
                while text.len() < len {
                    let piece = pieces[rng.usize(..pieces.len())];
                    if rng.bool() {
                        text.push_str(&piece.to_ascii_uppercase());
                    } else {
                        text.push_str(piece);
                    }
                }
                let text = match text.char_indices().map(|(i, _)| i).find(|&i| i >= len) {
                    Some(cut) => &text[..cut],
                    None => &text[..],
                };
                let expected = automaton.may_hold(text);
                assert_eq!(packed.may_hold(text), expected, "{text:?}");
                held += usize::from(expected && text.is_ascii());
                texts += 1;
            }
        }
        // Both answers are met.
        assert!(held > 100 && held < texts - 100, "{held} of {texts}");
    }

    /// Purl globs are prefixes on any character, looked up only at the lengths the policy
    /// uses: a longer or equal purl matches, a shorter one or a different one does not, and
    /// globs of different lengths each match.
    #[test]
    fn purl_globs_of_several_lengths() {
        let p = policy_of(
            r#"
[[entity]]
id = "a"
lists = ["l"]
purl-namespaces = ["pkg:pypi/abcsdk*"]

[[entity]]
id = "b"
lists = ["l"]
purl-namespaces = ["pkg:npm/%40b*", "pkg:maven/com.b.longer.prefix*"]
"#,
        );
        let m = Matcher::new(&p);
        let entities = |purl: &str| -> Vec<&str> {
            m.match_component(&with_purl(purl))
                .iter()
                .map(|x| p.entities[x.entity].id.as_str())
                .collect()
        };
        assert_eq!(entities("pkg:pypi/abcsdkcore@1.0"), ["a"]);
        assert_eq!(entities("pkg:pypi/abcsdk@1.0"), ["a"]);
        assert_eq!(entities("pkg:PyPI/ABCSDK-x@1.0"), ["a"]);
        assert!(entities("pkg:pypi/abcsd@1.0").is_empty());
        assert!(entities("pkg:pypi/xabcsdk@1.0").is_empty());
        assert_eq!(entities("pkg:npm/%40bee/x@1"), ["b"]);
        assert_eq!(entities("pkg:maven/com.b.longer.prefixes/x@1"), ["b"]);
        assert!(entities("pkg:maven/com.b.longer/x@1").is_empty());
    }

    /// The words searched before a purl is keyed change no match: with the default policy and
    /// one with `-` in its identifiers, random purls built from the words, their parts in other
    /// cases, encoded, with `_` for `-` and with characters that lowercase to ASCII match the
    /// same entities with the words as without them, and most ordinary purls are not keyed.
    #[test]
    fn purl_words_change_no_match() {
        let custom = policy_of(
            r#"
[[entity]]
id = "a"
lists = ["l"]
purl-namespaces = ["pkg:pypi/ab-c-sdk*", "pkg:maven/com.x-y", "pkg:gem/kx"]
code-orgs = ["Own-Er"]
"#,
        );
        let starts = ["pkg:", "pkg:", "pkg://", "PKG:", "", "pkg:/"];
        let types = [
            "npm", "maven", "pypi", "PyPI", "golang", "github", "GitHub", "gem", "g%65m", "np",
        ];
        let parts = [
            "github.com",
            "%40",
            "@",
            "%2F",
            "%2d",
            "%5F",
            "%4B",
            "-",
            "_",
            ".",
            "..",
            "",
            "huaweicloud",
            "HuaweiCloud",
            "huaweicloudsdk",
            "HUAWEICLOUDSDK_",
            "com.huawei",
            "com.huawei.hms",
            "com.huaweicloud.sdk",
            "hmscore",
            "kaspersky",
            "KasperskyLab",
            "com.kaspersky.android-components",
            "com.kaspersky.android_components",
            "dji",
            "com.dji",
            "dji_sdk",
            "dji-sdk",
            "hms-core",
            "HMS_Core",
            "ab-c-sdk",
            "ab_c_sdk",
            "AB_c-SDK",
            "com.x_y",
            "com.x-y",
            "own_er",
            "OWN-ER",
            "kx",
            "\u{212A}x",
            "\u{130}",
            "\u{212A}asperskyLab",
            "x",
            "1",
        ];
        let ends = ["", "", "@1", "@1.0?k=v", "#sub", "?a=b#c/d", "@%40"];
        for policy in [Policy::embedded_default(), custom] {
            let m = Matcher::new(&policy);
            assert!(m.purl_words.0.is_some());
            let mut every = Matcher::new(&policy);
            every.purl_words = Words(None);
            let mut rng = fastrand::Rng::with_seed(11);
            let mut hits = 0;
            for _ in 0..100_000 {
                let mut purl = String::from(starts[rng.usize(..starts.len())]);
                purl.push_str(types[rng.usize(..types.len())]);
                for _ in 0..rng.usize(1..4) {
                    purl.push('/');
                    for _ in 0..rng.usize(1..3) {
                        purl.push_str(parts[rng.usize(..parts.len())]);
                    }
                }
                purl.push_str(ends[rng.usize(..ends.len())]);
                hits += usize::from(matches_alike(&m, &every, &with_purl(&purl)));
            }
            // The random purls reach identifiers, not only misses.
            assert!(hits > 1_000, "{hits}");
            let ordinary = [
                "pkg:npm/%40org4/pkg-4@4.4.4",
                "pkg:maven/com.org1/pkg-1@1.1.1",
                "pkg:pypi/org2-pkg-2@2.2.2",
                "pkg:golang/github.com/org3/pkg-3@v3.3.3",
                "pkg:github/someone/thing@1",
            ];
            for purl in ordinary {
                assert!(!m.purl_may_match(purl), "{purl}");
            }
        }
    }

    /// The words searched before names, URLs, e-mail addresses and component names are looked
    /// up change no match: random components whose texts are built from pieces of the default
    /// policy's identifiers, in other cases, with legal forms, full-width letters, the Kelvin
    /// sign, Han characters and paths, match the same entities with the words as without them;
    /// and ordinary components are not looked up.
    #[test]
    fn words_change_no_match() {
        use bomvet_model::{ExternalRef, Party, PartyKind, PartyRole};
        let policy = Policy::embedded_default();
        let m = Matcher::new(&policy);
        let mut every = Matcher::new(&policy);
        every.name_words = Words(None);
        every.product_words = Words(None);
        every.url_words = Words(None);
        let pieces = [
            "Kaspersky",
            "KASPERSKY",
            "kaspersky",
            "Lab",
            "AO",
            "Huawei",
            "huawei",
            "HUAWEI",
            "Technologies",
            "Co., Ltd.",
            "Inc.",
            "HiSilicon",
            "Hikvision",
            "Hangzhou",
            "Digital",
            "Technology",
            "Dahua",
            "ZTE",
            "zte",
            "Hytera",
            "DJI",
            "华为",
            "华为技术有限公司",
            "ＨＵＡＷＥＩ",
            "\u{212A}aspersky",
            "Anti-Virus",
            "SDK",
            "KAV",
            "kav",
            "avp.com",
            "AVP.COM",
            "klnagent",
            "bin/",
            "C:\\x\\",
            "kaspersky.com",
            "KASPERSKY.COM",
            "huawei.com",
            "www.",
            "mail.",
            "sub.",
            "https://",
            "http://",
            "git@",
            "mailto:",
            "github.com/",
            "gitlab.com:",
            "KasperskyLab",
            "HMS-Core",
            "huawei-noah",
            "dji-sdk",
            "@",
            "/",
            ".",
            " ",
            " ",
            "-",
            "x",
            "Vendor",
            "pkg-1",
        ];
        let mut rng = fastrand::Rng::with_seed(5);
        let text = |rng: &mut fastrand::Rng| {
            let mut t = String::new();
            for _ in 0..rng.usize(1..6) {
                t.push_str(pieces[rng.usize(..pieces.len())]);
            }
            t
        };
        let mut hits = 0;
        for _ in 0..50_000 {
            let mut c = Component::new(
                ComponentRef::from("c"),
                text(&mut rng).into(),
                Location::default(),
            );
            c.group = rng.bool().then(|| text(&mut rng).into());
            for (role, kind) in [
                (PartyRole::Supplier, PartyKind::Organization),
                (PartyRole::Author, PartyKind::Person),
            ] {
                c.parties.push(Party {
                    role,
                    kind,
                    name: Some(text(&mut rng).into()),
                    emails: vec![text(&mut rng).into()],
                    urls: vec![text(&mut rng).into()],
                    country: None,
                    field: Field::new("supplier"),
                });
            }
            c.external_refs.push(ExternalRef {
                kind: "website".into(),
                url: text(&mut rng).into(),
                field: Field::new("externalReferences"),
            });
            hits += usize::from(matches_alike(&m, &every, &c));
        }
        assert!(hits > 5_000, "{hits}");
        let ordinary = [
            "pkg-5000",
            "Vendor 1 Inc.",
            "https://vendor1.example/pkg-5000",
            "a@b.example",
        ];
        for text in ordinary {
            let words = [&m.name_words, &m.product_words, &m.url_words];
            assert!(words.iter().all(|w| !w.may_hold(text)), "{text}");
        }
    }

    /// The key of a full `packageurl` parse, the only reading before the borrowed split.
    fn full_key(purl: &str) -> Option<String> {
        purl.parse::<packageurl::PackageUrl<'_>>()
            .ok()
            .map(|p| key_of(&p))
    }

    /// The host of a URL is cut with byte searches as it was with `rsplit('@')`, `split(':')` and
    /// `contains('.')`: user info, ports, IPv6-looking and empty authorities, several `@`s, on
    /// written cases and random strings over the characters that matter.
    #[test]
    fn url_hosts_are_cut_as_before() {
        fn by_str(authority: &str) -> Option<&str> {
            let host = authority.rsplit('@').next()?.split(':').next()?;
            (!host.is_empty() && host.contains('.')).then_some(host)
        }
        let written = [
            "https://user:pw@Kaspersky.com:443/x",
            "https://a@b@c.example/x",
            "https://c.example:",
            "https://:80/x",
            "https://[::1]:80/x",
            "https://@/x",
            "https://localhost/x",
            "http://x.y?q=1",
            "ftp://a.b#frag",
            "https://a.b:8080:9090/x",
        ];
        let alphabet = b"ab.:@/?#";
        let mut rng = fastrand::Rng::with_seed(7);
        let random = (0..20_000).map(|_| {
            let n = rng.usize(0..12);
            let tail: String = (0..n)
                .map(|_| char::from(alphabet[rng.usize(..alphabet.len())]))
                .collect();
            format!("https://{tail}")
        });
        for url in written.iter().map(|s| s.to_string()).chain(random) {
            let rest = url.split_once("://").map_or("", |(_, r)| r);
            let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
            assert_eq!(split_url(&url).map(|(h, _)| h), by_str(authority), "{url}");
        }
    }

    /// The borrowed split gives the key a full parse gives, or leaves the purl to it: on purls
    /// with every part the parser treats apart (scheme case, slashes, npm scopes, versions with
    /// `@` and `/`, types with namespace rules, PyPI's `_`, Julia's required qualifier, Chrome's
    /// name rule, `.` and empty segments, non-ASCII case) and on random strings over the
    /// characters that matter.
    #[test]
    fn purl_keys_agree_with_a_full_parse() {
        let cases = [
            "pkg:maven/com.Huawei/Sdk@1.0",
            "pkg:npm/@kaspersky/av@2.0",
            "pkg:npm/@kaspersky/av",
            "pkg:npm/%40kaspersky/av@2.0",
            "pkg://maven//com.x/y@1",
            "pkg:///pypi/Foo_Bar@1",
            "PKG:pypi/foo@1",
            "pkg:pypi/ns/foo@1",
            "pkg:golang/github.com/Org/Repo@v1.0.0",
            "pkg:golang/github.com/Org/Repo/sub@v1",
            "pkg:github/Owner/repo",
            "pkg:cpan/Foo@1",
            "pkg:julia/Foo@1",
            "pkg:julia/Foo@1?uuid=1",
            "pkg:chrome-extension/abcdefghijklmnopabcdefghijklmnop@1.2.3.4",
            "pkg:chrome-extension/ABCDEFGHIJKLMNOPABCDEFGHIJKLMNOP@1",
            "pkg:chrome-extension/abcdefghijklmnopabcdefghijklmnop@1.x",
            "pkg:maven/a/./b/c@1",
            "pkg:maven/a//b/c@1",
            "pkg:maven/a/../c@1",
            "pkg:maven/a/b/",
            "pkg:maven/a/b//",
            "pkg:maven/",
            "pkg:maven",
            "pkg:/maven",
            "pkg:1maven/a",
            "pkg:ma_ven/a",
            "pkg:maven/a@1/b",
            "pkg:maven/a@@1",
            "pkg:generic/ΣΊΣΥΦΟΣ/ΌΝΟΜΑΣ@1",
            "pkg:Generic/Ünïcode/Naïve@1",
            "pkg:deb/debian/Curl@7.0?arch=amd64",
            "pkg:huggingface/Org/Model@ABC",
            "pkg:bitnami/ns/x@1",
            "pkg:composer/Vendor/Pkg@1",
            "",
            "pkg:",
            "pkg:/",
            "npm/x",
            "pkg:npm/%40Scope/Pkg@1.0?x=%41",
            "pkg:npm/%40scope%2Fx/pkg@1",
            "pkg:maven/a/%2E/b@1",
            "pkg:maven/a/%ZZ/b@1",
            "pkg:maven/a/b@%C3",
            "pkg:maven/a/b@1?Type=jar&classifier=x&=y&k",
            "pkg:maven/a/b@1?1key=jar",
            "pkg:maven/a/b@1?k=%C3",
            "pkg:maven/a/b@1#",
            "pkg:maven/a/b@1#/./",
            "pkg:maven/a/b@1#src/%2E%2E",
            "pkg:maven/a/b@1#src/main",
            "pkg:maven/a/b@1?k=v#src",
            "pkg:maven/a/b#x?k=v",
            "pkg:deb/debian/curl@7.0?arch=amd64&distro=debian-12",
            "pkg:MLflow/Model@1?repository_url=https://databricks",
            "pkg:mlflow/Model@1",
        ];
        for purl in cases {
            assert_eq!(purl_key(purl), full_key(purl), "{purl}");
        }
        let alphabet = [
            "pkg:",
            "/",
            "/",
            "@",
            ".",
            "..",
            "-",
            "_",
            "a",
            "A",
            "z",
            "Z",
            "0",
            "Σ",
            "Ü",
            "%",
            "%40",
            "%2F",
            "%2E",
            "%2e",
            "%C3",
            "%ZZ",
            "%E2%82",
            "?",
            "#",
            "&",
            "=",
            "=x",
            "julia",
            "mlflow",
            "pypi",
            "npm",
            "chrome-extension",
            "uuid=1",
            "repository_url=databricks",
        ];
        let mut rng = fastrand::Rng::with_seed(7);
        let mut borrowed = 0;
        for _ in 0..200_000 {
            let mut purl = String::from(if rng.bool() { "pkg:" } else { "pkg:maven/" });
            for _ in 0..rng.usize(0..14) {
                purl.push_str(alphabet[rng.usize(..alphabet.len())]);
            }
            borrowed += usize::from(borrowed_purl(&purl).is_some());
            assert_eq!(purl_key(&purl), full_key(&purl), "{purl}");
        }
        // The random strings reach the borrowed split, not only the full parse.
        assert!(borrowed > 1_000, "{borrowed}");
    }
}
