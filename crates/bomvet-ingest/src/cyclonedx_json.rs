//! CycloneDX JSON, spec 1.0 to 1.7, into the model.
//!
//! Why not `cyclonedx-bom`: version 0.8 reads specs 1.3 to 1.5 only (it rejects 1.6, the version
//! most tools emit today) and parses through `serde_json::Value`, which loses line and column and
//! runs at ~30 MB/s against ~200-270 MB/s for borrowed structs (../shared/research/
//! peer-benchmarks.md, 10k components: 0.248 s vs ~0.03 s). bomvet needs a dozen fields, from
//! every spec version, with exact error locations, so it reads them with private wire structs that
//! borrow from the input and ignore everything else.

use std::borrow::Cow;
use std::path::Path;

use bomvet_model::{
    idx, CompactString, Component, ComponentClass, ComponentRef, Cpe, Diagnostic, DiagnosticLevel,
    EdgeKind, ExternalRef, Field, Format, Location, Party, PartyKind, PartyRole, Purl, RelOrigin,
    Relationship, Sbom, Scope,
};
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use crate::de::{loose_str, one_or_many, Str};
use crate::{parse_json_seed, IngestError, JsonSource};

#[derive(Deserialize, Default)]
pub(crate) struct Metadata<'a> {
    #[serde(default, borrow)]
    pub(crate) component: Option<CdxComponent<'a>>,
    #[serde(default, borrow)]
    pub(crate) supplier: Option<OrgEntity<'a>>,
    /// CycloneDX 1.2-1.5 `metadata.manufacture`: the manufacturer of the described product.
    #[serde(default, borrow)]
    pub(crate) manufacture: Option<OrgEntity<'a>>,
    /// CycloneDX 1.6 renamed it `manufacturer`.
    #[serde(default, borrow)]
    pub(crate) manufacturer: Option<OrgEntity<'a>>,
}

#[derive(Deserialize, Default)]
pub(crate) struct CdxComponent<'a> {
    #[serde(rename = "type", default, borrow, deserialize_with = "loose_str")]
    pub(crate) kind: Option<Cow<'a, str>>,
    #[serde(rename = "bom-ref", default, borrow, deserialize_with = "loose_str")]
    pub(crate) bom_ref: Option<Cow<'a, str>>,
    /// The line of its `bom-ref` (XML read in memory only, decision 33).
    #[serde(skip)]
    pub(crate) line: Option<std::num::NonZeroU32>,
    #[serde(default, borrow)]
    pub(crate) supplier: Option<OrgEntity<'a>>,
    #[serde(default, borrow)]
    pub(crate) manufacturer: Option<OrgEntity<'a>>,
    #[serde(default, borrow, deserialize_with = "loose_str")]
    pub(crate) author: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub(crate) authors: Option<Vec<Contact<'a>>>,
    #[serde(default, borrow, deserialize_with = "loose_str")]
    pub(crate) publisher: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "loose_str")]
    pub(crate) group: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "loose_str")]
    pub(crate) name: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "loose_str")]
    pub(crate) version: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "loose_str")]
    pub(crate) scope: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "loose_str")]
    pub(crate) cpe: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "loose_str")]
    pub(crate) purl: Option<Cow<'a, str>>,
    #[serde(rename = "externalReferences", default, borrow)]
    pub(crate) external_references: Option<Vec<CdxExtRef<'a>>>,
    #[serde(default, borrow)]
    pub(crate) components: Option<Vec<Option<CdxComponent<'a>>>>,
}

#[derive(Deserialize, Default)]
pub(crate) struct OrgEntity<'a> {
    #[serde(default, borrow, deserialize_with = "loose_str")]
    pub(crate) name: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "one_or_many")]
    pub(crate) url: Vec<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub(crate) contact: Option<Vec<Contact<'a>>>,
    #[serde(default, borrow)]
    pub(crate) address: Option<Address<'a>>,
}

#[derive(Deserialize, Default)]
pub(crate) struct Address<'a> {
    #[serde(default, borrow, deserialize_with = "loose_str")]
    pub(crate) country: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
pub(crate) struct Contact<'a> {
    #[serde(default, borrow, deserialize_with = "loose_str")]
    pub(crate) name: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "loose_str")]
    pub(crate) email: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
pub(crate) struct CdxExtRef<'a> {
    #[serde(default, borrow, deserialize_with = "loose_str")]
    pub(crate) url: Option<Cow<'a, str>>,
    #[serde(rename = "type", default, borrow, deserialize_with = "loose_str")]
    pub(crate) kind: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
pub(crate) struct Dependency<'a> {
    #[serde(rename = "ref", default, borrow, deserialize_with = "loose_str")]
    pub(crate) reference: Option<Cow<'a, str>>,
    #[serde(rename = "dependsOn", default, borrow)]
    pub(crate) depends_on: Option<Vec<Str<'a>>>,
}

/// Reads a CycloneDX JSON document from its bytes (UTF-8, any byte-order mark already removed).
///
/// The top level is read key by key; each element of `components` and `dependencies` is
/// converted as soon as it is parsed, so only one component's wire struct exists at a time (one
/// per thread when a large document is parsed in parallel).
/// `parallel_above`: see [`crate::Limits::parallel_above`].
pub(crate) fn read(
    path: &Path,
    source: JsonSource<'_>,
    parallel_above: usize,
) -> Result<Sbom, IngestError> {
    // Every component of CycloneDX 1.2+ has a `bom-ref`: counting them (SIMD, ~10 GB/s) sizes
    // the component and relationship vectors once, instead of doubling them while parsing
    // (which copied and touched about twice their final size: issue 7, README "Benchmarks").
    let refs = source.count(b"\"bom-ref\"");
    let make = |parallel: bool| {
        move || {
            let mut conv = Converter::sized(path, refs);
            conv.parallel = parallel;
            BomSeed(conv)
        }
    };
    // A large document in memory: its components and dependencies parsed on every core
    // (`par`); when that fails, the sequential read below reports the error.
    let fast = crate::read_fast(
        source,
        crate::par::worth_it(refs, parallel_above),
        |text| read_in_place(path, text, refs),
        make(true),
    );
    let out = match fast {
        Some(out) => out,
        None => parse_json_seed(path, source, make(false))?,
    };
    match out.bom_format.as_deref() {
        Some("CycloneDX") => {}
        Some(other) => {
            return Err(IngestError::Invalid {
                path: path.to_owned(),
                json_path: "bomFormat".into(),
                message: format!("`bomFormat` is `{other}`, expected `CycloneDX`"),
            })
        }
        // CycloneDX 1.0 and 1.1 have no JSON encoding, but hand-written files omit bomFormat;
        // the sniffer only sends a document here when it saw CycloneDX markers.
        None => {}
    }
    let mut out = out;
    if out.spec_missing {
        out.warn(Location::default(), "`specVersion` is missing".into());
    }
    Ok(out.sbom)
}

/// A large document in memory read in place (`par::object`): its top level walked here, its
/// `components` and `dependencies` split where they lie and parsed on every core. `None` when
/// that does not go through; the other reads follow.
pub(crate) fn read_in_place(path: &Path, text: &str, refs: usize) -> Option<Converter> {
    let mut conv = Converter::sized(path, refs);
    let source = conv.sbom.source.clone();
    let mut seen = Vec::new();
    crate::par::object(text, |key, doc| {
        conv.key_seen(&key, &mut seen);
        match key.as_ref() {
            "components" => {
                let first = conv.top_level;
                let n = doc.array(
                    || Converter::part(&source).sized_for(crate::par::CHUNK, 0),
                    |part: &mut Converter, i, c| part.top_component(first + i, c),
                    &mut conv.sbom,
                    Converter::absorb,
                )?;
                conv.top_level = first + n;
            }
            "dependencies" => {
                doc.array(
                    || Converter::part(&source).sized_for(0, 2 * crate::par::CHUNK),
                    Converter::dependency,
                    &mut conv.sbom,
                    Converter::absorb,
                )?;
            }
            key => conv.entry(key, doc)?,
        }
        Ok(())
    })
    .ok()?;
    Some(conv)
}

struct BomSeed(Converter);

impl<'de> DeserializeSeed<'de> for BomSeed {
    type Value = Converter;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Converter, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for BomSeed {
    type Value = Converter;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a CycloneDX document object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Converter, A::Error> {
        let mut conv = self.0;
        let mut seen: Vec<String> = Vec::new();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            conv.key_seen(&key, &mut seen);
            match key.as_ref() {
                "components" if conv.parallel => {
                    let first = conv.top_level;
                    let source = conv.sbom.source.clone();
                    let n = map
                        .next_value_seed(crate::par::Array::new(
                            || Converter::part(&source),
                            |part: &mut Converter, i, c| part.top_component(first + i, c),
                            &mut conv.sbom,
                            Converter::absorb,
                        ))?
                        .map_err(de::Error::custom)?;
                    conv.top_level = first + n;
                }
                "components" => map.next_value_seed(ComponentsSeed(&mut conv))?,
                "dependencies" if conv.parallel => {
                    let source = conv.sbom.source.clone();
                    map.next_value_seed(crate::par::Array::new(
                        || Converter::part(&source),
                        |part: &mut Converter, i, d: Option<Dependency<'de>>| {
                            part.dependency(i, d);
                        },
                        &mut conv.sbom,
                        Converter::absorb,
                    ))?
                    .map_err(de::Error::custom)?;
                }
                "dependencies" => map.next_value_seed(DependenciesSeed(&mut conv))?,
                key => conv.entry(key, &mut map)?,
            }
        }
        Ok(conv)
    }
}

/// Streams top-level `components`, converting each as it is parsed.
struct ComponentsSeed<'c>(&'c mut Converter);

impl<'de> DeserializeSeed<'de> for ComponentsSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ComponentsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of components")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let conv = self.0;
        if let Some(n) = seq.size_hint() {
            conv.sbom.components.reserve(n);
        }
        let mut i = conv.top_level;
        while let Some(c) = seq.next_element::<Option<CdxComponent<'de>>>()? {
            conv.top_component(i, c);
            i += 1;
        }
        conv.top_level = i;
        Ok(())
    }
}

/// Streams `dependencies`, turning each entry into relationships as it is parsed.
struct DependenciesSeed<'c>(&'c mut Converter);

impl<'de> DeserializeSeed<'de> for DependenciesSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for DependenciesSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of dependencies")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let conv = self.0;
        let mut i = 0usize;
        while let Some(d) = seq.next_element::<Option<Dependency<'de>>>()? {
            conv.dependency(i, d);
            i += 1;
        }
        Ok(())
    }
}

pub(crate) struct Converter {
    pub(crate) sbom: Sbom,
    pub(crate) bom_format: Option<String>,
    pub(crate) spec_missing: bool,
    /// Top-level components read so far (for locations when `components` repeats).
    top_level: usize,
    /// Whether the top-level `components` and `dependencies` are parsed in parallel (a document
    /// in memory, see `par`).
    parallel: bool,
}

impl Converter {
    pub(crate) fn new(path: &Path) -> Converter {
        Converter {
            sbom: Sbom::new(
                path.display().to_string(),
                Format::CyclonedxJson,
                "unknown".into(),
            ),
            bom_format: None,
            spec_missing: true,
            top_level: 0,
            parallel: false,
        }
    }

    /// A converter for a document of about `refs` components (the count of `bom-ref`s): its
    /// component and relationship vectors sized once.
    fn sized(path: &Path, refs: usize) -> Converter {
        Converter::new(path).sized_for(refs, refs.saturating_mul(2))
    }

    /// Warns about a top-level key met before (every occurrence is still read).
    fn key_seen(&mut self, key: &str, seen: &mut Vec<String>) {
        if seen.iter().any(|k| k == key) {
            self.warn(
                Location(key.into()),
                format!("duplicate key `{key}`; every occurrence is read"),
            );
        } else {
            seen.push(key.to_owned());
        }
    }

    /// The value of a top-level key other than `components` and `dependencies`, from whichever
    /// read is walking the document.
    fn entry<'de, V: crate::par::Values<'de>>(
        &mut self,
        key: &str,
        values: &mut V,
    ) -> Result<(), V::Error> {
        match key {
            "bomFormat" => self.bom_format = values.value::<Str<'de>>()?.0.map(Cow::into_owned),
            "specVersion" => {
                if let Some(v) = values.value::<Str<'de>>()?.0 {
                    self.sbom.spec_version = v.into_owned();
                    self.spec_missing = false;
                }
            }
            "serialNumber" => self.sbom.serial = values.value::<Str<'de>>()?.0.map(Cow::into_owned),
            "metadata" => {
                if let Some(meta) = values.value::<Option<Metadata<'de>>>()? {
                    self.metadata(meta);
                }
            }
            _ => {
                values.value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }

    /// Element `i` of the top-level `components` (counting every occurrence of the key).
    fn top_component(&mut self, i: usize, c: Option<CdxComponent<'_>>) {
        let loc = Location("components".into()).index(i);
        match c {
            Some(c) => {
                self.component(c, loc, None);
            }
            None => self.warn(loc, "`null` component, skipped".into()),
        }
    }

    /// An empty converter for a chunk of a document read in parallel.
    pub(crate) fn part(source: &str) -> Converter {
        Converter {
            sbom: Sbom::new(source.to_owned(), Format::CyclonedxJson, String::new()),
            bom_format: None,
            spec_missing: false,
            top_level: 0,
            parallel: false,
        }
    }

    /// This converter with room for `components` and `relationships`, sized once instead of
    /// doubled while filled (for a run's part of a parallel read, about a run's elements: grown
    /// from empty, each of its vectors was copied ten times).
    fn sized_for(mut self, components: usize, relationships: usize) -> Converter {
        self.sbom.components.reserve_exact(components);
        self.sbom.relationships.reserve_exact(relationships);
        self
    }

    /// The components, relationships and warnings of a chunk read in parallel, appended to
    /// `sbom`: in chunk order, what [`ComponentsSeed`] and [`DependenciesSeed`] make.
    fn absorb(sbom: &mut Sbom, part: Converter) {
        crate::par::append(sbom, part.sbom);
    }

    /// One `dependencies` entry (or `<dependency>` element) into relationships.
    pub(crate) fn dependency(&mut self, i: usize, d: Option<Dependency<'_>>) {
        // Rendered only for a warning: formatting it for every entry was a tenth of reading them.
        let dloc = || Location("dependencies".into()).index(i);
        let Some(d) = d else {
            self.warn(dloc(), "`null` dependency entry, skipped".into());
            return;
        };
        let Some(from) = d.reference else {
            self.warn(dloc().field("ref"), "dependency entry without `ref`".into());
            return;
        };
        let from = ComponentRef(from.into());
        for (j, to) in d.depends_on.unwrap_or_default().into_iter().enumerate() {
            let Some(to) = to.0 else { continue };
            self.sbom.relationships.push(Relationship {
                from: from.clone(),
                to: ComponentRef(to.into()),
                kind: EdgeKind::DependsOn,
                origin: RelOrigin::DependsOn {
                    entry: idx(i),
                    item: idx(j),
                },
            });
        }
    }

    pub(crate) fn metadata(&mut self, meta: Metadata<'_>) {
        let loc = Location("metadata".into());
        if let Some(mut root) = meta.component {
            // metadata.supplier / metadata.manufacture(r) describe the product itself; keep them
            // on the product when the component does not say otherwise.
            if root.supplier.is_none() {
                root.supplier = meta.supplier;
            }
            if root.manufacturer.is_none() {
                root.manufacturer = meta.manufacturer.or(meta.manufacture);
            }
            self.sbom.name = root.name.as_deref().map(str::to_owned);
            let at = self.component(root, loc.field("component"), None);
            let id = self.sbom.components[at].id.clone();
            self.sbom.declared_roots.push(id);
        }
    }

    pub(crate) fn warn(&mut self, location: Location, message: String) {
        self.sbom.diagnostics.push(Diagnostic {
            level: DiagnosticLevel::Warning,
            location,
            message,
        });
    }

    /// Converts one component and, depth-first, its nested components (`parent` is the index of
    /// the including component); returns its index in `sbom.components`.
    pub(crate) fn component(
        &mut self,
        c: CdxComponent<'_>,
        loc: Location,
        parent: Option<usize>,
    ) -> usize {
        let (id, synthetic) = match c.bom_ref.as_deref().filter(|r| !r.is_empty()) {
            Some(r) => (ComponentRef(r.into()), false),
            None => (ComponentRef(loc.as_str().into()), true),
        };
        let name = match c.name {
            Some(n) => CompactString::from(n),
            None => {
                self.warn(loc.field("name"), "component has no `name`".into());
                CompactString::default()
            }
        };
        // Where nested components are written, before `loc` moves into the component.
        let children_loc = c.components.as_ref().map(|_| loc.field("components"));
        let mut comp = Component::new(id, name, loc);
        comp.synthetic_ref = synthetic;
        comp.line = c.line.filter(|_| !synthetic);
        comp.group = c.group.map(CompactString::from);
        comp.version = c.version.map(CompactString::from);
        comp.purl = c.purl.filter(|p| !p.is_empty()).map(|p| Purl {
            value: p.into(),
            field: Field::new("purl"),
        });
        if let Some(cpe) = c.cpe.filter(|c| !c.is_empty()) {
            comp.cpes.push(Cpe {
                value: cpe.into(),
                field: Field::new("cpe"),
            });
        }
        comp.class = class_of(c.kind.as_deref(), &comp.cpes);
        comp.kind = c.kind.map(CompactString::from);
        comp.scope = match c.scope.as_deref() {
            None | Some("required") => Scope::Required,
            Some("optional") => Scope::Optional,
            Some("excluded") => Scope::Excluded,
            Some(other) => {
                self.warn(
                    comp.location.field("scope"),
                    format!("unknown scope `{other}`, read as `required`"),
                );
                Scope::Required
            }
        };
        // Lists sized once from the wire struct, so that `shrink_to_fit` below has nothing to
        // give back (a `Vec` grown by pushes reserves four slots, then reallocates to shrink).
        comp.parties.reserve_exact(
            usize::from(c.supplier.is_some())
                + usize::from(c.manufacturer.is_some())
                + usize::from(c.publisher.is_some())
                + usize::from(c.author.is_some())
                + c.authors.as_ref().map_or(0, Vec::len),
        );
        comp.external_refs
            .reserve_exact(c.external_references.as_ref().map_or(0, Vec::len));
        if let Some(s) = c.supplier {
            comp.parties
                .push(org_party(s, PartyRole::Supplier, Field::new("supplier")));
        }
        if let Some(m) = c.manufacturer {
            comp.parties.push(org_party(
                m,
                PartyRole::Manufacturer,
                Field::new("manufacturer"),
            ));
        }
        if let Some(p) = c.publisher.filter(|p| !p.trim().is_empty()) {
            comp.parties.push(Party {
                role: PartyRole::Publisher,
                kind: PartyKind::Unknown,
                name: Some(p.into()),
                emails: Vec::new(),
                urls: Vec::new(),
                country: None,
                field: Field::new("publisher"),
            });
        }
        if let Some(a) = c.author.filter(|a| !a.trim().is_empty()) {
            comp.parties.push(Party {
                role: PartyRole::Author,
                kind: PartyKind::Unknown,
                name: Some(a.into()),
                emails: Vec::new(),
                urls: Vec::new(),
                country: None,
                field: Field::new("author"),
            });
        }
        for (i, a) in c.authors.unwrap_or_default().into_iter().enumerate() {
            comp.parties.push(Party {
                role: PartyRole::Author,
                kind: PartyKind::Person,
                name: a.name.map(CompactString::from),
                emails: a.email.map(CompactString::from).into_iter().collect(),
                urls: Vec::new(),
                country: None,
                field: Field::at("authors", i),
            });
        }
        for (i, r) in c
            .external_references
            .unwrap_or_default()
            .into_iter()
            .enumerate()
        {
            if let Some(url) = r.url.filter(|u| !u.is_empty()) {
                comp.external_refs.push(ExternalRef {
                    kind: r.kind.map(CompactString::from).unwrap_or_default(),
                    url: url.into(),
                    field: Field::at("externalReferences", i).sub("url"),
                });
            }
        }
        let children = c.components;
        comp.shrink_to_fit();
        let at = self.sbom.components.len();
        if let Some(parent) = parent {
            self.sbom.relationships.push(Relationship {
                from: self.sbom.components[parent].id.clone(),
                to: comp.id.clone(),
                kind: EdgeKind::Contains,
                origin: RelOrigin::Nested,
            });
        }
        self.sbom.components.push(comp);
        if let (Some(children), Some(cloc)) = (children, children_loc) {
            for (i, child) in children.into_iter().enumerate() {
                match child {
                    Some(child) => {
                        self.component(child, cloc.index(i), Some(at));
                    }
                    None => self.warn(cloc.index(i), "`null` component, skipped".into()),
                }
            }
        }
        at
    }
}

fn org_party(e: OrgEntity<'_>, role: PartyRole, field: Field) -> Party {
    let emails = e
        .contact
        .unwrap_or_default()
        .into_iter()
        .filter_map(|c| c.email.map(CompactString::from))
        .collect();
    Party {
        role,
        kind: PartyKind::Organization,
        name: e
            .name
            .map(CompactString::from)
            .filter(|n| !n.trim().is_empty()),
        emails,
        urls: e.url.into_iter().map(CompactString::from).collect(),
        country: e.address.and_then(|a| a.country).map(CompactString::from),
        field,
    }
}

/// Equipment when the type says hardware, device or firmware, or the CPE part is `h`
/// (hardware) or an `o` (operating system) whose product is a firmware image.
pub(crate) fn class_of(kind: Option<&str>, cpes: &[Cpe]) -> ComponentClass {
    if let Some(k) = kind {
        if ["hardware", "device", "firmware"]
            .iter()
            .any(|e| k.eq_ignore_ascii_case(e))
        {
            return ComponentClass::Equipment;
        }
    }
    for cpe in cpes {
        let mut parts = cpe
            .value
            .strip_prefix("cpe:2.3:")
            .or_else(|| cpe.value.strip_prefix("cpe:/"))
            .unwrap_or("")
            .split(':');
        match (parts.next(), parts.next(), parts.next()) {
            (Some("h"), _, _) => return ComponentClass::Equipment,
            (Some("o"), _, Some(product)) if product.contains("firmware") => {
                return ComponentClass::Equipment
            }
            _ => {}
        }
    }
    ComponentClass::Software
}
