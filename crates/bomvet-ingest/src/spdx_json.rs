//! SPDX 2.2 and 2.3 JSON into the model.
//!
//! Why not `spdx-rs`: its `SPDX` struct requires fields that real documents omit or leave null
//! (`creationInfo`, `documentNamespace`, `relationships: null` in spdx/tools-golang's own test
//! data), owns every string of the document, and has no SPDX 3. bomvet reads the fields it audits
//! with borrowed wire structs, leniently, and reports deviations as diagnostics.

use std::borrow::Cow;
use std::path::Path;

use bomvet_model::{
    format_compact, idx, CompactString, Component, ComponentRef, Cpe, Diagnostic, DiagnosticLevel,
    EdgeKind, ExternalDocument, ExternalRef, Field, Format, Location, Party, PartyKind, PartyRole,
    Purl, RelOrigin, Relationship, Sbom,
};
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use crate::cyclonedx_json::class_of;
use crate::de::{loose_str, Str};
use crate::{parse_json_seed, IngestError, JsonSource};

#[derive(Deserialize, Default)]
pub(crate) struct Doc<'a> {
    #[serde(
        rename = "spdxVersion",
        default,
        borrow,
        deserialize_with = "loose_str"
    )]
    pub(crate) spdx_version: Option<Cow<'a, str>>,
    #[serde(rename = "SPDXID", default, borrow, deserialize_with = "loose_str")]
    pub(crate) spdx_id: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "loose_str")]
    pub(crate) name: Option<Cow<'a, str>>,
    #[serde(
        rename = "documentNamespace",
        default,
        borrow,
        deserialize_with = "loose_str"
    )]
    pub(crate) namespace: Option<Cow<'a, str>>,
    #[serde(rename = "documentDescribes", default, borrow)]
    pub(crate) describes: Option<Vec<Str<'a>>>,
    #[serde(default, borrow)]
    pub(crate) packages: Option<Vec<Option<Package<'a>>>>,
    #[serde(default, borrow)]
    pub(crate) files: Option<Vec<Option<File<'a>>>>,
    #[serde(default, borrow)]
    pub(crate) relationships: Option<crate::par::Pieces<Option<Rel<'a>>>>,
    #[serde(rename = "externalDocumentRefs", default, borrow)]
    pub(crate) external_documents: Option<Vec<ExtDoc<'a>>>,
}

#[derive(Deserialize, Default)]
pub(crate) struct ExtDoc<'a> {
    #[serde(
        rename = "externalDocumentId",
        default,
        borrow,
        deserialize_with = "loose_str"
    )]
    pub(crate) id: Option<Cow<'a, str>>,
    #[serde(
        rename = "spdxDocument",
        default,
        borrow,
        deserialize_with = "loose_str"
    )]
    pub(crate) document: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
pub(crate) struct Package<'a> {
    #[serde(rename = "SPDXID", default, borrow, deserialize_with = "loose_str")]
    pub(crate) spdx_id: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "loose_str")]
    pub(crate) name: Option<Cow<'a, str>>,
    #[serde(
        rename = "versionInfo",
        default,
        borrow,
        deserialize_with = "loose_str"
    )]
    pub(crate) version: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "loose_str")]
    pub(crate) supplier: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "loose_str")]
    pub(crate) originator: Option<Cow<'a, str>>,
    #[serde(
        rename = "downloadLocation",
        default,
        borrow,
        deserialize_with = "loose_str"
    )]
    pub(crate) download_location: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "loose_str")]
    pub(crate) homepage: Option<Cow<'a, str>>,
    #[serde(rename = "externalRefs", default, borrow)]
    pub(crate) external_refs: Option<Vec<SpdxExtRef<'a>>>,
    #[serde(
        rename = "primaryPackagePurpose",
        default,
        borrow,
        deserialize_with = "loose_str"
    )]
    pub(crate) purpose: Option<Cow<'a, str>>,
    #[serde(rename = "hasFiles", default, borrow)]
    pub(crate) has_files: Option<Vec<Str<'a>>>,
    /// The line of its `SPDXID` (tag-value only).
    #[serde(skip)]
    pub(crate) line: Option<std::num::NonZeroU32>,
}

#[derive(Deserialize, Default)]
pub(crate) struct File<'a> {
    #[serde(rename = "SPDXID", default, borrow, deserialize_with = "loose_str")]
    pub(crate) spdx_id: Option<Cow<'a, str>>,
    #[serde(rename = "fileName", default, borrow, deserialize_with = "loose_str")]
    pub(crate) file_name: Option<Cow<'a, str>>,
    /// The line of its `SPDXID` (tag-value only).
    #[serde(skip)]
    pub(crate) line: Option<std::num::NonZeroU32>,
}

#[derive(Deserialize, Default)]
pub(crate) struct SpdxExtRef<'a> {
    #[serde(
        rename = "referenceType",
        default,
        borrow,
        deserialize_with = "loose_str"
    )]
    pub(crate) kind: Option<Cow<'a, str>>,
    #[serde(
        rename = "referenceLocator",
        default,
        borrow,
        deserialize_with = "loose_str"
    )]
    pub(crate) locator: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
pub(crate) struct Rel<'a> {
    #[serde(
        rename = "spdxElementId",
        default,
        borrow,
        deserialize_with = "loose_str"
    )]
    pub(crate) element: Option<Cow<'a, str>>,
    #[serde(
        rename = "relationshipType",
        default,
        borrow,
        deserialize_with = "loose_str"
    )]
    pub(crate) kind: Option<Cow<'a, str>>,
    #[serde(
        rename = "relatedSpdxElement",
        default,
        borrow,
        deserialize_with = "loose_str"
    )]
    pub(crate) related: Option<Cow<'a, str>>,
}

/// Reads an SPDX 2.x JSON document from its bytes.
///
/// The top level is read key by key; each element of `packages` and `files` is converted as soon
/// as it is parsed, so only one package's wire struct exists at a time (the model of a 100k
/// package document no longer sits next to a copy of its wire structs: issue 7). The other keys
/// are kept as wire structs and converted at the end, since relationships need the document's
/// `SPDXID`, wherever it is written.
/// `parallel_above`: see [`crate::Limits::parallel_above`].
pub(crate) fn read(
    path: &Path,
    source: JsonSource<'_>,
    parallel_above: usize,
) -> Result<Sbom, IngestError> {
    // Packages and files each have an `SPDXID`: the count sizes the component vector once.
    let ids = source.count(b"\"SPDXID\"");
    let make = |parallel: bool| {
        move || DocSeed {
            sbom: sized(path.display().to_string(), ids),
            parallel,
        }
    };
    // A large document in memory: its packages, files and relationships parsed on every core
    // (`par`); when that fails, the sequential read below reports the error.
    let fast = crate::read_fast(
        source,
        crate::par::worth_it(ids, parallel_above),
        |text| read_in_place(path, text, ids),
        make(true),
    );
    let (mut sbom, doc) = match fast {
        Some(out) => out,
        None => parse_json_seed(path, source, make(false))?,
    };
    finish(&mut sbom, doc, parallel_above);
    Ok(sbom)
}

/// A document of `source` for about `ids` packages and files (the count of `SPDXID`s, or a
/// run's elements): its component vector sized once.
fn sized(source: String, ids: usize) -> Sbom {
    let mut sbom = Sbom::new(source, Format::SpdxJson, String::new());
    sbom.components.reserve_exact(ids);
    sbom
}

/// A large document in memory read in place (`par::object`): its top level walked here, its
/// `packages`, `files` and `relationships` split where they lie and parsed on every core.
/// `None` when that does not go through; the other reads follow.
pub(crate) fn read_in_place<'de>(
    path: &Path,
    text: &'de str,
    ids: usize,
) -> Option<(Sbom, Doc<'de>)> {
    let mut sbom = sized(path.display().to_string(), ids);
    let source = sbom.source.clone();
    // A run's part sized for a run's packages (grown from empty, its vector was copied ten times).
    let part = || sized(source.clone(), crate::par::CHUNK);
    let mut doc = Doc::default();
    let (mut packages, mut files) = (0usize, 0usize);
    crate::par::object(text, |key, c| {
        match key.as_ref() {
            "packages" => {
                let first = packages;
                let each = |s: &mut Sbom, i, p| package(s, first + i, p);
                packages = first + c.array(part, each, &mut sbom, crate::par::append)?;
            }
            "files" => {
                let first = files;
                let each = |s: &mut Sbom, i, f| file(s, first + i, f);
                files = first + c.array(part, each, &mut sbom, crate::par::append)?;
            }
            "relationships" => {
                let mut rels = crate::par::Pieces::default();
                let part = || Vec::with_capacity(crate::par::CHUNK);
                c.array(
                    part,
                    crate::par::push,
                    &mut rels,
                    crate::par::Pieces::push_piece,
                )?;
                // `null` reads as no relationships, as the sequential read's `Option`.
                doc.relationships = Some(rels);
            }
            key => doc.entry(key, c)?,
        }
        Ok(())
    })
    .ok()?;
    Some((sbom, doc))
}

/// The whole document: packages and files converted while parsed, the rest kept; `parallel`:
/// the big arrays split into their elements and those parsed on every core (a document in
/// memory, see `par`).
struct DocSeed {
    sbom: Sbom,
    parallel: bool,
}

impl<'de> DeserializeSeed<'de> for DocSeed {
    type Value = (Sbom, Doc<'de>);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DocSeed {
    type Value = (Sbom, Doc<'de>);
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an SPDX document object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut sbom = self.sbom;
        let parallel = self.parallel;
        let mut doc = Doc::default();
        let (mut packages, mut files) = (0usize, 0usize);
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "packages" if parallel => {
                    let (first, source) = (packages, sbom.source.clone());
                    packages = first
                        + map
                            .next_value_seed(in_parallel(&source, first, package, &mut sbom))?
                            .map_err(de::Error::custom)?;
                }
                "files" if parallel => {
                    let (first, source) = (files, sbom.source.clone());
                    files = first
                        + map
                            .next_value_seed(in_parallel(&source, first, file, &mut sbom))?
                            .map_err(de::Error::custom)?;
                }
                "relationships" if parallel => {
                    let mut rels = crate::par::Pieces::default();
                    map.next_value_seed(crate::par::Array::new(
                        || Vec::with_capacity(crate::par::CHUNK),
                        crate::par::push,
                        &mut rels,
                        crate::par::Pieces::push_piece,
                    ))?
                    .map_err(de::Error::custom)?;
                    // `null` reads as no relationships, as the sequential read's `Option`.
                    doc.relationships = Some(rels);
                }
                "packages" => map.next_value_seed(ListSeed {
                    sbom: &mut sbom,
                    next: &mut packages,
                    convert: package,
                })?,
                "files" => map.next_value_seed(ListSeed {
                    sbom: &mut sbom,
                    next: &mut files,
                    convert: file,
                })?,
                key => doc.entry(key, &mut map)?,
            }
        }
        Ok((sbom, doc))
    }
}

impl<'de> Doc<'de> {
    /// The value of a top-level key other than `packages` and `files`, kept, from whichever
    /// read is walking the document.
    fn entry<V: crate::par::Values<'de>>(
        &mut self,
        key: &str,
        values: &mut V,
    ) -> Result<(), V::Error> {
        match key {
            "spdxVersion" => self.spdx_version = values.value::<Str<'de>>()?.0,
            "SPDXID" => self.spdx_id = values.value::<Str<'de>>()?.0,
            "name" => self.name = values.value::<Str<'de>>()?.0,
            "documentNamespace" => self.namespace = values.value::<Str<'de>>()?.0,
            "documentDescribes" => self.describes = values.value()?,
            "relationships" => self.relationships = values.value()?,
            "externalDocumentRefs" => self.external_documents = values.value()?,
            _ => {
                values.value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// A seed that reads `packages` or `files` in parallel chunks (`par`), each into a document of
/// its own, appended to `sbom` in order: what [`ListSeed`] makes, in its order.
#[allow(clippy::type_complexity)]
fn in_parallel<'s, 'de, T: Deserialize<'de>>(
    source: &'s str,
    first: usize,
    convert: fn(&mut Sbom, usize, Option<T>),
    sbom: &'s mut Sbom,
) -> crate::par::Array<
    's,
    impl Fn() -> Sbom + Sync + 's,
    impl Fn(&mut Sbom, usize, Option<T>) + Sync,
    fn(&mut Sbom, Sbom),
    Option<T>,
    Sbom,
> {
    crate::par::Array::new(
        move || Sbom::new(source.to_owned(), Format::SpdxJson, String::new()),
        move |part: &mut Sbom, i, item: Option<T>| convert(part, first + i, item),
        sbom,
        crate::par::append,
    )
}

/// Streams `packages` or `files`, converting each element as it is parsed.
struct ListSeed<'s, T> {
    sbom: &'s mut Sbom,
    /// Index of the next element (a key that repeats continues the count).
    next: &'s mut usize,
    convert: fn(&mut Sbom, usize, Option<T>),
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for ListSeed<'_, T> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for ListSeed<'_, T> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(item) = seq.next_element::<Option<T>>()? {
            (self.convert)(self.sbom, *self.next, item);
            *self.next += 1;
        }
        Ok(())
    }
}

/// Reads an SPDX 2.x YAML document (the same fields as JSON, so the same wire structs).
pub(crate) fn read_yaml(path: &Path, bytes: &[u8]) -> Result<Sbom, IngestError> {
    let doc: Doc<'_> = crate::parse_yaml(path, crate::utf8(path, bytes)?)?;
    Ok(convert(path, doc, Format::SpdxYaml))
}

/// Converts SPDX 2.x wire structs (from YAML, or built by the tag-value reader) to the model.
/// The JSON reader converts packages and files while it parses them ([`read`]).
pub(crate) fn convert(path: &Path, doc: Doc<'_>, format: Format) -> Sbom {
    let mut sbom = Sbom::new(path.display().to_string(), format, String::new());
    convert_into(&mut sbom, 0, doc, usize::MAX);
    sbom
}

/// [`convert`] into `sbom`, whose components are already the first `first` packages (the
/// tag-value reader converts runs of packages in parallel while it scans), its relationships
/// converted on every core from `parallel_above` on.
pub(crate) fn convert_into(sbom: &mut Sbom, first: usize, mut doc: Doc<'_>, parallel_above: usize) {
    let packages = doc.packages.take().unwrap_or_default();
    let files = doc.files.take().unwrap_or_default();
    sbom.components.reserve(packages.len() + files.len());
    convert_packages(sbom, first, packages);
    for (i, f) in files.into_iter().enumerate() {
        file(sbom, i, f);
    }
    finish(sbom, doc, parallel_above);
}

fn warn(sbom: &mut Sbom, location: Location, message: String) {
    sbom.diagnostics.push(Diagnostic {
        level: DiagnosticLevel::Warning,
        location,
        message,
    })
}

/// What an SPDX `externalRefs` entry is to bomvet, by its `referenceType` (any case).
#[derive(Clone, Copy, PartialEq, Eq)]
enum RefKind {
    Purl,
    Cpe,
    Other,
}

fn ref_kind(kind: Option<&str>) -> RefKind {
    let kind = kind.unwrap_or("");
    if kind.eq_ignore_ascii_case("purl") {
        RefKind::Purl
    } else if kind.eq_ignore_ascii_case("cpe23Type") || kind.eq_ignore_ascii_case("cpe22Type") {
        RefKind::Cpe
    } else {
        RefKind::Other
    }
}

/// The `SPDXID` of `packages[i]` or `files[i]` (`what`), or, when it has none, its location as a
/// synthetic ref (with a warning): the id and whether it is synthetic.
fn id_or_location(
    sbom: &mut Sbom,
    id: Option<Cow<'_, str>>,
    loc: &Location,
    what: &str,
) -> (CompactString, bool) {
    match id.filter(|s| !s.is_empty()) {
        Some(id) => (id.into(), false),
        None => {
            warn(
                sbom,
                loc.field("SPDXID"),
                format!("{what} without `SPDXID`"),
            );
            (loc.as_str().into(), true)
        }
    }
}

/// `packages`, the document's from index `first` on, into components of `sbom`, in order (a run
/// of the tag-value reader, or the rest of a document).
pub(crate) fn convert_packages(sbom: &mut Sbom, first: usize, packages: Vec<Option<Package<'_>>>) {
    for (i, p) in packages.into_iter().enumerate() {
        package(sbom, first + i, p);
    }
}

/// `packages[i]` into a component (and its `hasFiles` into relationships).
fn package(sbom: &mut Sbom, i: usize, p: Option<Package<'_>>) {
    let loc = Location("packages".into()).index(i);
    let Some(p) = p else {
        warn(sbom, loc, "`null` package, skipped".into());
        return;
    };
    let (id, synthetic) = id_or_location(sbom, p.spdx_id, &loc, "package");
    let name = p.name.map(CompactString::from).unwrap_or_default();
    let mut c = Component::new(ComponentRef(id), name, loc);
    c.synthetic_ref = synthetic;
    c.line = p.line.filter(|_| !synthetic);
    // Lists sized once from the wire struct (an upper bound, exact for ordinary packages), so
    // that `shrink_to_fit` below has nothing to give back.
    c.parties
        .reserve_exact(usize::from(p.supplier.is_some()) + usize::from(p.originator.is_some()));
    let plain_refs = p.external_refs.as_ref().map_or(0, |refs| {
        refs.iter()
            .filter(|r| ref_kind(r.kind.as_deref()) == RefKind::Other)
            .count()
    });
    c.external_refs.reserve_exact(
        usize::from(p.download_location.is_some()) + usize::from(p.homepage.is_some()) + plain_refs,
    );
    c.version = p.version.map(CompactString::from);
    for (role, value, field) in [
        (PartyRole::Supplier, p.supplier, "supplier"),
        (PartyRole::Originator, p.originator, "originator"),
    ] {
        if let Some(v) = value {
            if let Some(party) = parse_actor(&v, role, Field::new(field)) {
                c.parties.push(party);
            }
        }
    }
    for (field, value) in [
        ("downloadLocation", p.download_location),
        ("homepage", p.homepage),
    ] {
        if let Some(v) = value.filter(|v| is_assertion(v)) {
            c.external_refs.push(ExternalRef {
                kind: field.into(),
                url: v.into(),
                field: Field::new(field),
            });
        }
    }
    for (j, r) in p.external_refs.unwrap_or_default().into_iter().enumerate() {
        let rloc = Field::at("externalRefs", j).sub("referenceLocator");
        let Some(locator) = r.locator.filter(|l| !l.is_empty()) else {
            continue;
        };
        match ref_kind(r.kind.as_deref()) {
            RefKind::Purl if c.purl.is_none() => {
                c.purl = Some(Purl {
                    value: locator.into(),
                    field: rloc,
                });
            }
            RefKind::Cpe => c.cpes.push(Cpe {
                value: locator.into(),
                field: rloc,
            }),
            _ => c.external_refs.push(ExternalRef {
                kind: r.kind.as_deref().unwrap_or("").to_ascii_lowercase().into(),
                url: locator.into(),
                field: rloc,
            }),
        }
    }
    c.class = class_of(p.purpose.as_deref(), &c.cpes);
    c.kind = p.purpose.map(CompactString::from);
    for (j, f) in p.has_files.unwrap_or_default().into_iter().enumerate() {
        if let Some(f) = f.0 {
            sbom.relationships.push(Relationship {
                from: c.id.clone(),
                to: ComponentRef(f.into()),
                kind: EdgeKind::Contains,
                origin: RelOrigin::HasFiles {
                    package: idx(i),
                    item: idx(j),
                },
            });
        }
    }
    c.shrink_to_fit();
    sbom.components.push(c);
}

/// `files[i]` into a component.
fn file(sbom: &mut Sbom, i: usize, f: Option<File<'_>>) {
    let loc = Location("files".into()).index(i);
    let Some(f) = f else {
        warn(sbom, loc, "`null` file, skipped".into());
        return;
    };
    let (id, synthetic) = id_or_location(sbom, f.spdx_id, &loc, "file");
    let name = f.file_name.map(CompactString::from).unwrap_or_default();
    let mut c = Component::new(ComponentRef(id), name, loc);
    c.synthetic_ref = synthetic;
    c.line = f.line.filter(|_| !synthetic);
    c.kind = Some("FILE".into());
    c.shrink_to_fit();
    sbom.components.push(c);
}

/// Everything but packages and files: the document's identity, its external documents, what it
/// describes, and its relationships (which need the document's `SPDXID`, wherever it is written).
/// From `parallel_above` relationships on, they are converted on every core
/// ([`relationships`]).
fn finish(sbom: &mut Sbom, doc: Doc<'_>, parallel_above: usize) {
    let doc_id = doc
        .spdx_id
        .as_deref()
        .unwrap_or("SPDXRef-DOCUMENT")
        .to_owned();
    sbom.spec_version = doc.spdx_version.as_deref().unwrap_or("unknown").to_owned();
    sbom.serial = doc.namespace.map(Cow::into_owned);
    sbom.name = doc.name.map(Cow::into_owned);
    for (i, d) in doc
        .external_documents
        .unwrap_or_default()
        .into_iter()
        .enumerate()
    {
        match (d.id, d.document) {
            (Some(id), Some(namespace)) if !id.is_empty() && !namespace.is_empty() => {
                sbom.external_documents.push(ExternalDocument {
                    id: id.into_owned(),
                    namespace: namespace.into_owned(),
                })
            }
            _ => warn(
                sbom,
                Location(format_compact!("externalDocumentRefs[{i}]")),
                "external document reference without `externalDocumentId` or `spdxDocument`, ignored"
                    .into(),
            ),
        }
    }
    for d in doc.describes.unwrap_or_default() {
        if let Some(d) = d.0 {
            sbom.declared_roots.push(ComponentRef(d.into()));
        }
    }
    let mut rels = doc.relationships.unwrap_or_default();
    let piece = if crate::par::worth_it(rels.len(), parallel_above) {
        RELATIONSHIP_PIECE
    } else {
        usize::MAX
    };
    relationships(sbom, &mut rels, &doc_id, piece);
    unique_in_order(&mut sbom.declared_roots);
}

/// Relationships per task when they are converted on every core: a 100,000-package document's
/// 200,000 took ~25 ms on the reading thread while the others waited (issue 7).
const RELATIONSHIP_PIECE: usize = 8 * crate::par::CHUNK;

/// What a piece of the relationships adds to the document.
#[derive(Default)]
struct RelPart {
    edges: Vec<Relationship>,
    /// Targets of `DESCRIBES` from the document, in order, repeats included.
    roots: Vec<ComponentRef>,
    warnings: Vec<Diagnostic>,
}

/// The relationships into `sbom`: edges, roots described and warnings, in document order,
/// converted at most `piece` at a time on rayon's threads (on this thread for `usize::MAX`),
/// then the edges of every piece moved into place on every core (decision 46: the parts and
/// the whole are held at once for a moment, +6 MB at 100k packages; a document large enough
/// for that to matter is read through a buffer, where `piece` is `usize::MAX`). Each wire
/// relationship is taken out of its slot and
/// dropped once converted: a document read through a buffer owns their strings (6M of them at
/// 1M packages), which are then freed while the edges are made, not after. The edges are sized
/// once for one per relationship, the most there can be.
fn relationships(
    sbom: &mut Sbom,
    rels: &mut crate::par::Pieces<Option<Rel<'_>>>,
    doc_id: &str,
    piece: usize,
) {
    use rayon::prelude::*;
    let convert = |part: &mut RelPart, (first, rels): (usize, &mut [Option<Rel<'_>>])| {
        for (j, r) in rels.iter_mut().enumerate() {
            relationship(part, first + j, r.take().as_ref(), doc_id);
        }
    };
    sbom.relationships.reserve(rels.len());
    let slices = rels.slices_mut(piece);
    if piece == usize::MAX {
        // Straight into the document's lists (a part as large as the whole, then copied, was
        // 128 MB more at 1M packages).
        let mut whole = RelPart {
            edges: std::mem::take(&mut sbom.relationships),
            roots: std::mem::take(&mut sbom.declared_roots),
            warnings: std::mem::take(&mut sbom.diagnostics),
        };
        slices.into_iter().for_each(|s| convert(&mut whole, s));
        sbom.relationships = whole.edges;
        sbom.declared_roots = whole.roots;
        sbom.diagnostics = whole.warnings;
        return;
    }
    let parts: Vec<RelPart> = slices
        .into_par_iter()
        .map(|slice| {
            let mut part = RelPart::default();
            part.edges.reserve(slice.1.len());
            convert(&mut part, slice);
            part
        })
        .collect();
    // The edges moved into place on every core; roots and warnings are few.
    let mut edges = Vec::with_capacity(parts.len());
    for mut part in parts {
        edges.push(part.edges);
        sbom.declared_roots.append(&mut part.roots);
        sbom.diagnostics.append(&mut part.warnings);
    }
    crate::par::append_in_place(&mut sbom.relationships, edges);
    // The wire structs (all taken out of their slots), freed on every core: ~16 MB of empty
    // slots walked on the reading thread at 100k packages.
    rels.drop_on_every_core();
}

/// `relationships[i]` into `part`.
fn relationship(part: &mut RelPart, i: usize, r: Option<&Rel<'_>>, doc_id: &str) {
    // Rendered only for a warning (formatting it for every relationship was a tenth of
    // converting them).
    let loc = || Location("relationships".into()).index(i);
    let mut warn = |location, message| {
        part.warnings.push(Diagnostic {
            level: DiagnosticLevel::Warning,
            location,
            message,
        })
    };
    let Some(r) = r else {
        warn(loc(), "`null` relationship, skipped".into());
        return;
    };
    let (Some(a), Some(kind), Some(b)) = (&r.element, &r.kind, &r.related) else {
        warn(
            loc(),
            "relationship without `spdxElementId`, `relationshipType` or `relatedSpdxElement`"
                .into(),
        );
        return;
    };
    if !is_assertion(b) || !is_assertion(a) {
        return;
    }
    // Uppercased on the stack, not into a `String` per relationship.
    let mut buf = [0u8; 32];
    let upper: Cow<'_, str> = match buf.get_mut(..kind.len()) {
        Some(buf) => {
            buf.copy_from_slice(kind.as_bytes());
            buf.make_ascii_uppercase();
            // ASCII uppercasing keeps UTF-8 valid.
            std::str::from_utf8(buf).map_or_else(|_| kind.to_ascii_uppercase().into(), Cow::from)
        }
        None => kind.to_ascii_uppercase().into(),
    };
    let edge = |from: &str, to: &str, kind| Relationship {
        from: ComponentRef(from.into()),
        to: ComponentRef(to.into()),
        kind,
        origin: RelOrigin::Relationship { index: idx(i) },
    };
    match normalise(&upper) {
        Normalised::Describes { forward } => {
            let (doc_side, target) = if forward { (a, b) } else { (b, a) };
            if doc_side.as_ref() == doc_id {
                part.roots.push(ComponentRef(target.as_ref().into()));
            } else {
                // A package describing another reads as containment.
                part.edges.push(edge(doc_side, target, EdgeKind::Contains));
            }
        }
        Normalised::Edge { kind, forward } => {
            let (from, to) = if forward { (a, b) } else { (b, a) };
            part.edges.push(edge(from, to, kind));
        }
        Normalised::NotStructural => {}
        Normalised::Unknown => warn(
            loc().field("relationshipType"),
            format!("unknown relationship type `{kind}`, ignored"),
        ),
    }
}

/// Drops the repeats of `refs`, keeping each first one in place: the roots a document
/// describes, named in `documentDescribes` and by `DESCRIBES` relationships, often both (a
/// search of the list per root was quadratic for a document describing thousands).
fn unique_in_order(refs: &mut Vec<ComponentRef>) {
    if refs.len() < 2 {
        return;
    }
    let keep: Vec<bool> = {
        let mut seen = std::collections::HashSet::with_capacity(refs.len());
        refs.iter().map(|r| seen.insert(r.as_str())).collect()
    };
    let mut keep = keep.into_iter();
    refs.retain(|_| keep.next().unwrap_or(true));
}

/// `NOASSERTION` and `NONE` are SPDX's ways of saying "no value".
fn is_assertion(v: &str) -> bool {
    let t = v.trim();
    !t.is_empty() && !t.eq_ignore_ascii_case("NOASSERTION") && !t.eq_ignore_ascii_case("NONE")
}

/// Parses an SPDX actor: `Organization: Name (email)`, `Person: Name (email)`, `Tool: name`.
pub(crate) fn parse_actor(raw: &str, role: PartyRole, field: Field) -> Option<Party> {
    let raw = raw.trim();
    if !is_assertion(raw) {
        return None;
    }
    let (kind, rest) = if let Some(r) = strip_prefix_ci(raw, "organization:") {
        (PartyKind::Organization, r)
    } else if let Some(r) = strip_prefix_ci(raw, "person:") {
        (PartyKind::Person, r)
    } else if strip_prefix_ci(raw, "tool:").is_some() {
        return None;
    } else {
        (PartyKind::Unknown, raw)
    };
    let rest = rest.trim();
    let (name, email) = match (rest.rfind('('), rest.ends_with(')')) {
        (Some(open), true) => (
            rest[..open].trim(),
            Some(rest[open + 1..rest.len() - 1].trim()),
        ),
        _ => (rest, None),
    };
    Some(Party {
        role,
        kind,
        name: Some(CompactString::from(name)).filter(|n| !n.is_empty()),
        emails: email
            .filter(|e| !e.is_empty())
            .map(CompactString::from)
            .into_iter()
            .collect(),
        urls: Vec::new(),
        country: None,
        field,
    })
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    if s.len() >= prefix.len() && s.is_char_boundary(prefix.len()) {
        let (head, tail) = s.split_at(prefix.len());
        head.eq_ignore_ascii_case(prefix).then_some(tail)
    } else {
        None
    }
}

pub(crate) enum Normalised {
    Describes { forward: bool },
    Edge { kind: EdgeKind, forward: bool },
    NotStructural,
    Unknown,
}

/// Maps an SPDX 2.x relationship type to a parent-to-child edge. `forward` is true when
/// `spdxElementId` is the parent (SPDX 2.3 section 11.1, table of relationship types).
pub(crate) fn normalise(kind: &str) -> Normalised {
    use EdgeKind as E;
    use Normalised::{Describes, Edge, NotStructural};
    match kind {
        "DESCRIBES" => Describes { forward: true },
        "DESCRIBED_BY" => Describes { forward: false },
        "CONTAINS" => Edge {
            kind: E::Contains,
            forward: true,
        },
        "CONTAINED_BY" => Edge {
            kind: E::Contains,
            forward: false,
        },
        // "A is used as a package as part of B": B contains A.
        "PACKAGE_OF" => Edge {
            kind: E::Contains,
            forward: false,
        },
        "DEPENDS_ON" => Edge {
            kind: E::DependsOn,
            forward: true,
        },
        "DEPENDENCY_OF" | "RUNTIME_DEPENDENCY_OF" => Edge {
            kind: E::DependsOn,
            forward: false,
        },
        "HAS_PREREQUISITE" => Edge {
            kind: E::DependsOn,
            forward: true,
        },
        "PREREQUISITE_FOR" => Edge {
            kind: E::DependsOn,
            forward: false,
        },
        "STATIC_LINK" => Edge {
            kind: E::StaticLink,
            forward: true,
        },
        "DYNAMIC_LINK" => Edge {
            kind: E::DynamicLink,
            forward: true,
        },
        "DEV_DEPENDENCY_OF" | "DEV_TOOL_OF" => Edge {
            kind: E::DevDependency,
            forward: false,
        },
        "BUILD_DEPENDENCY_OF" | "BUILD_TOOL_OF" => Edge {
            kind: E::BuildDependency,
            forward: false,
        },
        "TEST_DEPENDENCY_OF" | "TEST_TOOL_OF" | "TEST_OF" => Edge {
            kind: E::TestDependency,
            forward: false,
        },
        "OPTIONAL_DEPENDENCY_OF" | "OPTIONAL_COMPONENT_OF" => Edge {
            kind: E::OptionalDependency,
            forward: false,
        },
        "PROVIDED_DEPENDENCY_OF" => Edge {
            kind: E::ProvidedDependency,
            forward: false,
        },
        // Provenance, documentation and variant relations: true, but they do not put one
        // component inside another.
        "GENERATED_FROM"
        | "GENERATES"
        | "ANCESTOR_OF"
        | "DESCENDANT_OF"
        | "VARIANT_OF"
        | "COPY_OF"
        | "FILE_ADDED"
        | "FILE_DELETED"
        | "FILE_MODIFIED"
        | "EXPANDED_FROM_ARCHIVE"
        | "DISTRIBUTION_ARTIFACT"
        | "PATCH_FOR"
        | "PATCH_APPLIED"
        | "DOCUMENTATION_OF"
        | "METAFILE_OF"
        | "EXAMPLE_OF"
        | "DATA_FILE_OF"
        | "TEST_CASE_OF"
        | "AMENDS"
        | "OTHER"
        | "REQUIREMENT_DESCRIPTION_FOR"
        | "SPECIFICATION_FOR"
        | "DEPENDENCY_MANIFEST_OF" => NotStructural,
        _ => Normalised::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The relationships of the document `text` (which parses), converted `piece` at a time on
    /// four threads.
    fn converted(text: &str, piece: usize) -> Sbom {
        let doc: Doc<'_> = serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}"));
        let pool = rayon::ThreadPoolBuilder::new().num_threads(4).build();
        let pool = pool.unwrap_or_else(|e| panic!("{e}"));
        let mut sbom = Sbom::new("t".into(), Format::SpdxJson, String::new());
        let mut rels = doc.relationships.unwrap_or_default();
        pool.install(|| relationships(&mut sbom, &mut rels, "SPDXRef-DOCUMENT", piece));
        unique_in_order(&mut sbom.declared_roots);
        sbom
    }

    /// Relationships converted in pieces on several threads give the edges, roots and warnings
    /// of one pass, in its order: on every SPDX JSON fixture and on a document with every case
    /// the conversion tells apart (`null`, missing fields, `NOASSERTION`, both directions of
    /// `DESCRIBES`, a package describing another, unknown and lowercase types, a type longer
    /// than the stack buffer), repeated roots included.
    #[test]
    fn relationships_in_pieces_are_one_pass() {
        let cases = [
            r#"null"#,
            r#"{"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": "SPDXRef-a"}"#,
            r#"{"spdxElementId": "SPDXRef-b", "relationshipType": "DESCRIBED_BY", "relatedSpdxElement": "SPDXRef-DOCUMENT"}"#,
            r#"{"spdxElementId": "SPDXRef-a", "relationshipType": "DESCRIBES", "relatedSpdxElement": "SPDXRef-c"}"#,
            r#"{"spdxElementId": "SPDXRef-a", "relationshipType": "depends_on", "relatedSpdxElement": "SPDXRef-b"}"#,
            r#"{"spdxElementId": "SPDXRef-a", "relationshipType": "DEPENDENCY_OF", "relatedSpdxElement": "SPDXRef-c"}"#,
            r#"{"spdxElementId": "SPDXRef-a", "relationshipType": "CONTAINS"}"#,
            r#"{"spdxElementId": "SPDXRef-a", "relationshipType": "CONTAINS", "relatedSpdxElement": "NOASSERTION"}"#,
            r#"{"spdxElementId": "SPDXRef-a", "relationshipType": "GENERATED_FROM", "relatedSpdxElement": "SPDXRef-b"}"#,
            r#"{"spdxElementId": "SPDXRef-a", "relationshipType": "RUNS_ON", "relatedSpdxElement": "SPDXRef-b"}"#,
            r#"{"spdxElementId": "SPDXRef-a", "relationshipType": "A_TYPE_LONGER_THAN_THIRTY_TWO_BYTES", "relatedSpdxElement": "SPDXRef-b"}"#,
            r#"{"spdxElementId": "SPDXRef-a", "relationshipType": "contains\u00e9", "relatedSpdxElement": "SPDXRef-b"}"#,
            r#"{"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "describes", "relatedSpdxElement": "SPDXRef-a"}"#,
        ];
        let rels: Vec<&str> = (0..40).map(|i| cases[i * 7 % cases.len()]).collect();
        let made = format!(
            r#"{{"documentDescribes": ["SPDXRef-b", "SPDXRef-a"], "relationships": [{}]}}"#,
            rels.join(",")
        );
        let mut texts = vec![("made".to_owned(), made)];
        for path in crate::fixture_files("json") {
            if path.to_string_lossy().ends_with(".spdx.json") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                texts.push((path.display().to_string(), text));
            }
        }
        let mut compared = 0;
        for (name, text) in &texts {
            if serde_json::from_str::<Doc<'_>>(text).is_err() {
                continue;
            }
            let whole = converted(text, usize::MAX);
            for piece in [1, 2, 3, 5, 64] {
                assert_eq!(converted(text, piece), whole, "{name}, pieces of {piece}");
            }
            compared += usize::from(!whole.relationships.is_empty());
        }
        assert!(compared > 10, "{compared} documents with relationships");
        let whole = converted(&texts[0].1, usize::MAX);
        assert_eq!(whole.declared_roots.len(), 2, "{:?}", whole.declared_roots);
        assert!(whole.diagnostics.len() > 10, "{:?}", whole.diagnostics);
    }

    /// `unique_in_order` keeps what pushing each ref unless the list holds it already kept.
    #[test]
    fn unique_in_order_is_push_unless_held() {
        let mut rng = fastrand::Rng::with_seed(3);
        for n in 0..200 {
            let refs: Vec<ComponentRef> = (0..n)
                .map(|_| ComponentRef(format_compact!("r{}", rng.usize(..=n / 3))))
                .collect();
            let mut pushed: Vec<ComponentRef> = Vec::new();
            for r in &refs {
                if !pushed.contains(r) {
                    pushed.push(r.clone());
                }
            }
            let mut unique = refs;
            unique_in_order(&mut unique);
            assert_eq!(unique, pushed);
        }
    }
}
