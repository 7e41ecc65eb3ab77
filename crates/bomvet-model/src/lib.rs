//! Format-neutral SBOM model: components, the parties behind them, identifiers and relationships.
//!
//! Every reader in `bomvet-ingest` produces an [`Sbom`]; every later stage reads only this model.
//! Nothing here does I/O. Strings are kept as written in the SBOM (raw), so that evidence shown to
//! a reviewer is exactly what the vendor wrote; normalisation happens in `bomvet-policy`.
//!
//! The strings of a component (reference, name, version, type, parties, references, location) are
//! [`CompactString`]s (`compact_str`): the size of a `String`, but one of up to 24 bytes is kept
//! inline, without an allocation. Most are that short (`c1234`, `1.2.3`, `library`, `website`,
//! `components[42]`, a supplier's name), and a reader makes about a dozen per component: on a
//! generated 20,000-component CycloneDX document, 4.9% fewer instructions on one thread (2.5% on
//! two), and a 100,000-component scan peaks at 169 MB instead of 181 MB (issue 7). A model that
//! borrows from the input would save the copies too, but ties every later stage to the lifetime
//! of the input's bytes (a file read through a buffer has none); measured, the copies themselves
//! are a small part of a scan.

use std::fmt;

pub use compact_str::{format_compact, CompactString, ToCompactString};
use serde::Serialize;

/// The identifier of a component as written in its SBOM: the CycloneDX `bom-ref` or the SPDX
/// `SPDXID`. Components that carry none (CycloneDX 1.0/1.1) get a synthetic one derived from their
/// JSON path, marked by [`Component::synthetic_ref`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ComponentRef(pub CompactString);

impl ComponentRef {
    /// The reference as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ComponentRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for ComponentRef {
    fn from(s: &str) -> Self {
        ComponentRef(s.into())
    }
}

/// 1-based line and column (in characters) of a byte offset in a text, for error messages of
/// every reader and loader (SBOMs, policies, waivers, config).
pub fn line_col(text: &[u8], offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let line = text[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
    let start = text[..offset]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    (
        line,
        String::from_utf8_lossy(&text[start..offset])
            .chars()
            .count()
            + 1,
    )
}

/// A field of a component, relative to the component's [`Location`]: `supplier`, `authors[2]`,
/// `externalReferences[1].url`. Built without allocation; rendered into a full JSON path only when
/// a piece of evidence needs it ([`Field::under`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Field {
    /// The field name (`supplier`, `externalRefs`).
    pub name: &'static str,
    /// Array index, when the field is an array element.
    pub index: Option<u32>,
    /// A sub-field of the element (`url`, `referenceLocator`).
    pub sub: Option<&'static str>,
}

impl Field {
    /// `name`.
    pub const fn new(name: &'static str) -> Field {
        Field {
            name,
            index: None,
            sub: None,
        }
    }

    /// `name[index]`.
    pub fn at(name: &'static str, index: usize) -> Field {
        Field {
            name,
            index: Some(u32::try_from(index).unwrap_or(u32::MAX)),
            sub: None,
        }
    }

    /// `self.sub`.
    pub const fn sub(self, sub: &'static str) -> Field {
        Field {
            sub: Some(sub),
            ..self
        }
    }

    /// The full path below `base`: `components[3].supplier`.
    pub fn under(&self, base: &Location) -> String {
        if base.0.is_empty() {
            self.to_string()
        } else {
            format!("{base}.{self}")
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)?;
        if let Some(i) = self.index {
            write!(f, "[{i}]")?;
        }
        if let Some(s) = self.sub {
            write!(f, ".{s}")?;
        }
        Ok(())
    }
}

impl Serialize for Field {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Where a relationship is written. Cheap to build: one per edge of a large SBOM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RelOrigin {
    /// CycloneDX `dependencies[entry].dependsOn[item]`.
    DependsOn {
        /// Index of the dependency entry.
        entry: u32,
        /// Index in its `dependsOn`.
        item: u32,
    },
    /// CycloneDX nested `components` (containment).
    Nested,
    /// SPDX `relationships[index]`.
    Relationship {
        /// Index of the relationship.
        index: u32,
    },
    /// SPDX `packages[package].hasFiles[item]`.
    HasFiles {
        /// Index of the package.
        package: u32,
        /// Index in its `hasFiles`.
        item: u32,
    },
    /// An implicit `listed` edge made explicit when documents are joined (see
    /// `bomvet_graph::link`).
    Listed,
    /// A link between two documents given in the same run (see `bomvet_graph::link`).
    Link(LinkVia),
}

/// How a component of one document is linked to another document given in the same run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LinkVia {
    /// A CycloneDX BOM-Link (`urn:cdx:serial/version#bom-ref`) in `dependencies`.
    BomLink,
    /// A CycloneDX external reference of type `bom` naming the other document (BOM-Link,
    /// serial number or file name).
    #[serde(rename = "external-bom-reference")]
    ExternalBom,
    /// An SPDX external document reference (`DocumentRef-X:SPDXRef-Y`).
    #[serde(rename = "spdx-external-document-ref")]
    DocumentRef,
    /// The component's package URL is the package URL of the other document's root.
    SamePurl,
}

impl LinkVia {
    /// Stable kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkVia::BomLink => "bom-link",
            LinkVia::ExternalBom => "external-bom-reference",
            LinkVia::DocumentRef => "spdx-external-document-ref",
            LinkVia::SamePurl => "same-purl",
        }
    }
}

impl fmt::Display for RelOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RelOrigin::DependsOn { entry, item } => {
                write!(f, "dependencies[{entry}].dependsOn[{item}]")
            }
            RelOrigin::Nested => f.write_str("components (nested)"),
            RelOrigin::Relationship { index } => write!(f, "relationships[{index}]"),
            RelOrigin::HasFiles { package, item } => {
                write!(f, "packages[{package}].hasFiles[{item}]")
            }
            RelOrigin::Listed => f.write_str("(listed in the document)"),
            RelOrigin::Link(via) => write!(f, "(linked document: {})", via.as_str()),
        }
    }
}

impl Serialize for RelOrigin {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Converts an index to the `u32` used in locations (saturating; no SBOM has 4 billion entries
/// that bomvet would keep).
pub fn idx(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// A package URL as written, with where it is written.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Purl {
    /// The purl as written (`pkg:maven/com.example/lib@1.0`).
    pub value: CompactString,
    /// Where it is written, relative to the component (`purl`,
    /// `externalRefs[0].referenceLocator`).
    pub field: Field,
}

/// A CPE name (2.2 URI or 2.3 formatted string) as written, with where it is written.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Cpe {
    /// The CPE as written.
    pub value: CompactString,
    /// Where it is written, relative to the component.
    pub field: Field,
}

/// The SBOM encodings bomvet recognises by content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// CycloneDX, JSON encoding.
    CyclonedxJson,
    /// SPDX 2.x, JSON encoding.
    SpdxJson,
    /// CycloneDX, XML encoding (recognised by its namespace).
    CyclonedxXml,
    /// SPDX 2.x, tag-value encoding.
    SpdxTagValue,
    /// SPDX 3.0, JSON-LD encoding.
    #[serde(rename = "spdx3-jsonld")]
    Spdx3JsonLd,
    /// SPDX 2.x, YAML encoding.
    SpdxYaml,
}

impl Format {
    /// Stable kebab-case name, as used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::CyclonedxJson => "cyclonedx-json",
            Format::SpdxJson => "spdx-json",
            Format::CyclonedxXml => "cyclonedx-xml",
            Format::SpdxTagValue => "spdx-tag-value",
            Format::Spdx3JsonLd => "spdx3-jsonld",
            Format::SpdxYaml => "spdx-yaml",
        }
    }
}

#[cfg(test)]
mod format_tests {
    use super::*;

    /// The serialized name of every link kind is its `as_str` name.
    #[test]
    fn link_serde_names_match_as_str() {
        for v in [
            LinkVia::BomLink,
            LinkVia::ExternalBom,
            LinkVia::DocumentRef,
            LinkVia::SamePurl,
        ] {
            let json = serde_json::to_string(&v).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", v.as_str()));
        }
    }

    /// The serialized name of every format is its `as_str` name.
    #[test]
    fn serde_names_match_as_str() {
        for f in [
            Format::CyclonedxJson,
            Format::SpdxJson,
            Format::CyclonedxXml,
            Format::SpdxTagValue,
            Format::Spdx3JsonLd,
            Format::SpdxYaml,
        ] {
            let json = serde_json::to_string(&f).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", f.as_str()));
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A place in a source document: a JSON path such as `components[12].supplier.url[0]`.
///
/// Paths are built by the readers as they convert wire structs, so they are exact even where a
/// parser cannot give line numbers for an element it read successfully.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Location(pub CompactString);

impl Location {
    /// A child location `self.field`.
    pub fn field(&self, name: &str) -> Location {
        if self.0.is_empty() {
            Location(name.into())
        } else {
            let mut path = CompactString::with_capacity(self.0.len() + 1 + name.len());
            path.push_str(&self.0);
            path.push('.');
            path.push_str(name);
            Location(path)
        }
    }

    /// A child location `self[index]`.
    ///
    /// Pushed piece by piece, the index written by `itoa`: every component read gets one, and
    /// `format!`'s machinery was 2% of reading a 100,000-component SBOM (issue 7).
    pub fn index(&self, index: usize) -> Location {
        let mut digits = itoa::Buffer::new();
        let digits = digits.format(index);
        let mut path = CompactString::with_capacity(self.0.len() + digits.len() + 2);
        path.push_str(&self.0);
        path.push('[');
        path.push_str(digits);
        path.push(']');
        Location(path)
    }

    /// The path as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod location_tests {
    use super::*;

    /// Paths are built as JSON paths are written: fields after a dot (none at the root),
    /// indices in brackets, at any size.
    #[test]
    fn locations_are_written_as_paths() {
        let root = Location::default();
        assert_eq!(root.field("components").as_str(), "components");
        let c = root.field("components").index(12_345);
        assert_eq!(c.as_str(), "components[12345]");
        let deep = c.field("externalReferences").index(0).field("url");
        assert_eq!(deep.as_str(), "components[12345].externalReferences[0].url");
        assert_eq!(root.index(7).as_str(), "[7]");
        let long = Location("a".repeat(40).into()).index(usize::MAX);
        assert_eq!(long.as_str(), format!("{}[{}]", "a".repeat(40), usize::MAX));
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What kind of thing a component is, reduced to what the law distinguishes: section 889 and the
/// FCC Covered List reach *equipment*; most SBOM entries are *software*.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ComponentClass {
    /// Libraries, applications, frameworks, containers, files, and anything not said otherwise.
    #[default]
    Software,
    /// Hardware, devices, and firmware (CycloneDX `hardware`/`device`/`firmware`, SPDX
    /// `DEVICE`/`FIRMWARE`, CPE part `h`).
    Equipment,
}

/// Whether a component is needed at run time, per its SBOM.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// Required, or not stated (CycloneDX's default is `required`).
    #[default]
    Required,
    /// CycloneDX `optional`.
    Optional,
    /// CycloneDX `excluded`: not part of the delivered product.
    Excluded,
}

/// The role in which a party is named on a component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PartyRole {
    /// CycloneDX `supplier`, SPDX `supplier`.
    Supplier,
    /// CycloneDX 1.6 `manufacturer`, or `metadata.manufacture` before 1.6.
    Manufacturer,
    /// CycloneDX `publisher`.
    Publisher,
    /// SPDX `originator`.
    Originator,
    /// CycloneDX `author` / `authors`, SPDX creators of a described package.
    Author,
}

impl PartyRole {
    /// Stable kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            PartyRole::Supplier => "supplier",
            PartyRole::Manufacturer => "manufacturer",
            PartyRole::Publisher => "publisher",
            PartyRole::Originator => "originator",
            PartyRole::Author => "author",
        }
    }
}

/// Whether a party is an organisation or a person, where the SBOM says so (SPDX
/// `Organization:`/`Person:` prefixes); CycloneDX organisational entities are organisations,
/// CycloneDX authors are people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PartyKind {
    /// A company or other organisation.
    Organization,
    /// A natural person.
    Person,
    /// Not stated (a bare CycloneDX `publisher` string).
    Unknown,
}

/// A party named on a component: who supplied, made, published, originated or wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Party {
    /// In which role the party is named.
    pub role: PartyRole,
    /// Organisation or person, where known.
    pub kind: PartyKind,
    /// The name as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<CompactString>,
    /// Contact e-mail addresses as written.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<CompactString>,
    /// Web addresses as written.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<CompactString>,
    /// Country as written (ISO 3166 code or name), CycloneDX 1.6 `address.country`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<CompactString>,
    /// Where the party is written, relative to the component (`supplier`, `authors[1]`).
    pub field: Field,
}

/// An external reference of a component (website, VCS, distribution, advisories...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExternalRef {
    /// Reference type as written (`website`, `vcs`, `distribution`, SPDX `homepage`...).
    pub kind: CompactString,
    /// The URL or locator as written.
    pub url: CompactString,
    /// Where it is written, relative to the component.
    pub field: Field,
}

/// One component of an SBOM: a CycloneDX component, or an SPDX package or file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Component {
    /// The bom-ref or SPDXID as written (see [`ComponentRef`]).
    #[serde(rename = "ref")]
    pub id: ComponentRef,
    /// True when the SBOM gave no identifier and bomvet derived one from the location.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub synthetic_ref: bool,
    /// Component name.
    pub name: CompactString,
    /// CycloneDX `group` (Maven groupId, npm scope...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<CompactString>,
    /// Version as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<CompactString>,
    /// Component type as written (`library`, `firmware`, SPDX `primaryPackagePurpose`...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<CompactString>,
    /// Software or equipment, derived from `kind` and CPE part.
    pub class: ComponentClass,
    /// Package URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl: Option<Purl>,
    /// CPE names.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cpes: Vec<Cpe>,
    /// Parties named on the component.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<Party>,
    /// External references and download locations.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub external_refs: Vec<ExternalRef>,
    /// Run-time scope as declared on the component itself.
    pub scope: Scope,
    /// Where the component is written in the source document.
    pub location: Location,
    /// The line (from 1) of the component's own reference, where the reader sees it (SPDX
    /// tag-value `SPDXID`, CycloneDX XML `bom-ref`); otherwise reports find it by a search of the
    /// file for the first occurrence of the reference (decision 33).
    #[serde(skip)]
    pub line: Option<std::num::NonZeroU32>,
}

impl Component {
    /// A component with only a reference and a name; readers fill in the rest.
    pub fn new(id: ComponentRef, name: CompactString, location: Location) -> Component {
        Component {
            id,
            synthetic_ref: false,
            name,
            group: None,
            version: None,
            kind: None,
            class: ComponentClass::Software,
            purl: None,
            cpes: Vec::new(),
            parties: Vec::new(),
            external_refs: Vec::new(),
            scope: Scope::Required,
            location,
            line: None,
        }
    }

    /// Gives back the spare capacity of the component's lists. Readers push parties,
    /// references and CPEs one by one, and a `Vec` that grows from empty reserves room
    /// for four: about 1 KB of slack per component, most of a large SBOM's model (issue 7).
    /// Readers call this once per component, before storing it.
    pub fn shrink_to_fit(&mut self) {
        self.cpes.shrink_to_fit();
        self.parties.shrink_to_fit();
        for p in &mut self.parties {
            p.emails.shrink_to_fit();
            p.urls.shrink_to_fit();
        }
        self.external_refs.shrink_to_fit();
    }

    /// `group/name@version` for people, as short as the data allows.
    pub fn display_name(&self) -> String {
        let mut s = String::new();
        if let Some(g) = self.group.as_deref().filter(|g| !g.is_empty()) {
            s.push_str(g);
            s.push('/');
        }
        s.push_str(&self.name);
        if let Some(v) = self.version.as_deref().filter(|v| !v.is_empty()) {
            s.push('@');
            s.push_str(v);
        }
        s
    }
}

/// How one component relates to another, with direction normalised so that the edge always points
/// from the including component (parent) to the included one (child).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EdgeKind {
    /// Run-time dependency (CycloneDX `dependsOn`, SPDX `DEPENDS_ON`/`DEPENDENCY_OF`,
    /// `RUNTIME_DEPENDENCY_OF`).
    DependsOn,
    /// Physical or logical containment (CycloneDX nested `components`, SPDX
    /// `CONTAINS`/`CONTAINED_BY`/`PACKAGE_OF`).
    Contains,
    /// Static linking (SPDX `STATIC_LINK`).
    StaticLink,
    /// Dynamic linking (SPDX `DYNAMIC_LINK`).
    DynamicLink,
    /// Development-only dependency (SPDX `DEV_DEPENDENCY_OF`, `DEV_TOOL_OF`).
    DevDependency,
    /// Build-only dependency (SPDX `BUILD_DEPENDENCY_OF`, `BUILD_TOOL_OF`).
    BuildDependency,
    /// Test-only dependency (SPDX `TEST_DEPENDENCY_OF`, `TEST_TOOL_OF`).
    TestDependency,
    /// Optional dependency (SPDX `OPTIONAL_DEPENDENCY_OF`, `OPTIONAL_COMPONENT_OF`).
    OptionalDependency,
    /// Provided by the environment (SPDX `PROVIDED_DEPENDENCY_OF`).
    ProvidedDependency,
    /// Listed in the same document as the product but not linked to it by any relationship:
    /// bomvet attaches such components to the document's single declared root (see
    /// `bomvet-graph`).
    Listed,
    /// The component is described by another SBOM given in the same run: the edge leads to
    /// that document's root (see `bomvet_graph::link`).
    Linked,
}

impl EdgeKind {
    /// Stable kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::DependsOn => "depends-on",
            EdgeKind::Contains => "contains",
            EdgeKind::StaticLink => "static-link",
            EdgeKind::DynamicLink => "dynamic-link",
            EdgeKind::DevDependency => "dev-dependency",
            EdgeKind::BuildDependency => "build-dependency",
            EdgeKind::TestDependency => "test-dependency",
            EdgeKind::OptionalDependency => "optional-dependency",
            EdgeKind::ProvidedDependency => "provided-dependency",
            EdgeKind::Listed => "listed",
            EdgeKind::Linked => "linked",
        }
    }

    /// True for edges that do not bring the child into the delivered product at run time.
    pub fn is_non_runtime(self) -> bool {
        matches!(
            self,
            EdgeKind::DevDependency
                | EdgeKind::BuildDependency
                | EdgeKind::TestDependency
                | EdgeKind::OptionalDependency
                | EdgeKind::ProvidedDependency
        )
    }
}

/// A relationship between two components, as declared in the SBOM, direction normalised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Relationship {
    /// The including component.
    pub from: ComponentRef,
    /// The included component.
    pub to: ComponentRef,
    /// What kind of inclusion.
    pub kind: EdgeKind,
    /// Where the relationship is written.
    pub origin: RelOrigin,
}

/// How serious a reader's diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DiagnosticLevel {
    /// Something the reader of the report should know that is not a deviation (the schema was
    /// not checked, and why).
    Note,
    /// A deviation from the spec that did not stop the audit.
    Warning,
    /// Something the reader could not use (it is still reported, never dropped silently).
    Error,
}

impl DiagnosticLevel {
    /// Stable lowercase name (`note`, `warning`, `error`).
    pub fn as_str(self) -> &'static str {
        match self {
            DiagnosticLevel::Note => "note",
            DiagnosticLevel::Warning => "warning",
            DiagnosticLevel::Error => "error",
        }
    }
}

/// A problem found while reading a document that did not stop the audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Severity of the diagnostic.
    pub level: DiagnosticLevel,
    /// Where in the document.
    pub location: Location,
    /// What is wrong, lowercase, values in backticks.
    pub message: String,
}

/// One SBOM document, read and converted to the model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sbom {
    /// The path the document was read from, as given by the user (`-` for stdin).
    pub source: String,
    /// The detected encoding.
    pub format: Format,
    /// The spec version as written (`1.6`, `SPDX-2.3`).
    pub spec_version: String,
    /// CycloneDX `serialNumber` or SPDX `documentNamespace`, when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// Document name: CycloneDX `metadata.component.name` or SPDX `name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Every component, in document order (CycloneDX: depth-first, metadata component first).
    pub components: Vec<Component>,
    /// Every relationship, direction normalised.
    pub relationships: Vec<Relationship>,
    /// Components the document declares as what it describes: CycloneDX `metadata.component`,
    /// SPDX `documentDescribes` and `DESCRIBES` targets.
    pub declared_roots: Vec<ComponentRef>,
    /// SPDX external document references: `DocumentRef-X` ids and the namespaces they name.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub external_documents: Vec<ExternalDocument>,
    /// Other documents joined into this one (see `bomvet_graph::link`), in the order their
    /// components follow this document's own.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub linked: Vec<LinkedDocument>,
    /// Deviations noticed while reading.
    pub diagnostics: Vec<Diagnostic>,
}

impl Sbom {
    /// An empty document read from `source`; readers fill in the rest.
    pub fn new(source: String, format: Format, spec_version: String) -> Sbom {
        Sbom {
            source,
            format,
            spec_version,
            serial: None,
            name: None,
            components: Vec::new(),
            relationships: Vec::new(),
            declared_roots: Vec::new(),
            external_documents: Vec::new(),
            linked: Vec::new(),
            diagnostics: Vec::new(),
        }
    }

    /// The linked document component `i` comes from, or `None` for this document's own.
    pub fn linked_document_of(&self, i: usize) -> Option<&LinkedDocument> {
        let k = self.linked.partition_point(|d| d.first <= i);
        k.checked_sub(1).map(|k| &self.linked[k])
    }

    /// The file component `i` was read from.
    pub fn source_of(&self, i: usize) -> &str {
        self.linked_document_of(i)
            .map_or(self.source.as_str(), |d| d.source.as_str())
    }

    /// The reference of component `i` as written in its own document (without the prefix a
    /// joined document's references get).
    pub fn ref_as_written(&self, i: usize) -> &str {
        let id = self.components[i].id.as_str();
        match self.linked_document_of(i) {
            Some(d) => id.strip_prefix(d.prefix.as_str()).unwrap_or(id),
            None => id,
        }
    }
}

/// An SPDX external document reference (`externalDocumentRefs`, `ExternalDocumentRef:`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExternalDocument {
    /// The local id (`DocumentRef-supplier`).
    pub id: String,
    /// The namespace URI of the referenced document.
    pub namespace: String,
}

/// A document joined into another one (see `bomvet_graph::link`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkedDocument {
    /// The file it was read from.
    pub source: String,
    /// Its encoding.
    pub format: Format,
    /// Its serial number or namespace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// Its name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Index of its first component in the joined document.
    pub first: usize,
    /// Its number of components.
    pub components: usize,
    /// The prefix its references carry in the joined document (`supplier.cdx.json#`).
    pub prefix: String,
    /// How it was reached: the linking component's ref (in the joined document) and the kind
    /// of link, one entry per link.
    pub via: Vec<(String, LinkVia)>,
}
