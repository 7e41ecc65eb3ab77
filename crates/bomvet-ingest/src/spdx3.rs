//! SPDX 3.0 JSON-LD into the model: `software_Package` (and the AI and dataset packages),
//! `software_File`, agents (`Organization`, `Person`) named by `suppliedBy` and `originatedBy`
//! (with their `email` external identifiers and `externalRef` web addresses),
//! `Relationship` and `LifecycleScopedRelationship` with direction normalised, and the roots named
//! by `SpdxDocument`/`software_Sbom` `rootElement` or `describes`.
//!
//! Streamed: each `@graph` element is deserialised into a borrowed, lenient [`Element`] (the
//! properties bomvet reads; a value of an unexpected type reads as absent), converted and dropped.
//! An element may refer to one that comes later (an agent after the package it supplies), so
//! parties are resolved when the graph ends, from the agents kept by identifier. `spdx-rs` has no
//! SPDX 3. Element and type names of the 3.0 drafts (`@id`, unprefixed `Package`) are accepted too.

use foldhash::{HashMap, HashMapExt};
use std::borrow::Cow;
use std::fmt;
use std::path::Path;

use bomvet_model::{
    CompactString, Component, ComponentClass, ComponentRef, Cpe, Diagnostic, DiagnosticLevel,
    EdgeKind, ExternalRef, Field, Format, Location, Party, PartyKind, PartyRole, Purl, RelOrigin,
    Relationship, Sbom,
};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

use crate::{parse_json, IngestError, JsonSource};

/// The properties of one element that bomvet reads, borrowed from the input. Every field is
/// lenient: a value of an unexpected JSON type reads as absent, as the reader always did, so one
/// odd property never stops an audit.
#[derive(Deserialize, Default)]
struct Element<'a> {
    #[serde(rename = "type", default, borrow, deserialize_with = "raw")]
    kind: Option<Cow<'a, str>>,
    #[serde(rename = "@type", default, borrow, deserialize_with = "raw")]
    at_type: Option<Cow<'a, str>>,
    #[serde(rename = "spdxId", default, borrow, deserialize_with = "raw")]
    spdx_id: Option<Cow<'a, str>>,
    #[serde(rename = "@id", default, borrow, deserialize_with = "raw")]
    at_id: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "text")]
    name: Option<Cow<'a, str>>,
    #[serde(
        rename = "software_packageVersion",
        default,
        borrow,
        deserialize_with = "text"
    )]
    software_package_version: Option<Cow<'a, str>>,
    #[serde(rename = "packageVersion", default, borrow, deserialize_with = "text")]
    package_version: Option<Cow<'a, str>>,
    #[serde(rename = "suppliedBy", default, borrow, deserialize_with = "ids")]
    supplied_by: Vec<Cow<'a, str>>,
    #[serde(rename = "originatedBy", default, borrow, deserialize_with = "ids")]
    originated_by: Vec<Cow<'a, str>>,
    #[serde(
        rename = "software_packageUrl",
        default,
        borrow,
        deserialize_with = "text"
    )]
    software_package_url: Option<Cow<'a, str>>,
    #[serde(rename = "packageUrl", default, borrow, deserialize_with = "text")]
    package_url: Option<Cow<'a, str>>,
    #[serde(rename = "externalIdentifier", default, borrow)]
    external_identifier: Maybe<Vec<Maybe<ExternalIdentifier<'a>>>>,
    #[serde(rename = "externalIdentifiers", default, borrow)]
    external_identifiers: Maybe<Vec<Maybe<ExternalIdentifier<'a>>>>,
    #[serde(
        rename = "software_downloadLocation",
        default,
        borrow,
        deserialize_with = "text"
    )]
    software_download_location: Option<Cow<'a, str>>,
    #[serde(
        rename = "software_homePage",
        default,
        borrow,
        deserialize_with = "text"
    )]
    software_home_page: Option<Cow<'a, str>>,
    #[serde(rename = "externalRef", default, borrow)]
    external_ref: Maybe<Vec<Maybe<ExternalReference<'a>>>>,
    #[serde(
        rename = "software_primaryPurpose",
        default,
        borrow,
        deserialize_with = "text"
    )]
    software_primary_purpose: Option<Cow<'a, str>>,
    #[serde(rename = "rootElement", default, borrow, deserialize_with = "ids")]
    root_element: Vec<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "ids")]
    from: Vec<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "ids")]
    to: Vec<Cow<'a, str>>,
    #[serde(rename = "relationshipType", default, borrow, deserialize_with = "raw")]
    relationship_type: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "raw")]
    scope: Option<Cow<'a, str>>,
    #[serde(rename = "software_scope", default, borrow, deserialize_with = "raw")]
    software_scope: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct ExternalIdentifier<'a> {
    #[serde(
        rename = "externalIdentifierType",
        default,
        borrow,
        deserialize_with = "raw"
    )]
    kind: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "text")]
    identifier: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct ExternalReference<'a> {
    #[serde(rename = "externalRefType", default, borrow, deserialize_with = "raw")]
    kind: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "ids")]
    locator: Vec<Cow<'a, str>>,
}

/// The `visit_*` methods of a lenient visitor for booleans, numbers, `null` and absent values:
/// each reads as `$absent` (no value bomvet reads is one of those).
macro_rules! absent_for_other_scalars {
    ($absent:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($absent)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($absent)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($absent)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($absent)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($absent)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($absent)
        }
    };
}

/// A value of type `T` when the JSON value is of the right shape (an object for a struct, an
/// array for a `Vec`), otherwise nothing; either way the value is consumed. `T` must be lenient
/// itself (every field absent when of the wrong type).
struct Maybe<T>(Option<T>);

impl<T> Default for Maybe<T> {
    fn default() -> Self {
        Maybe(None)
    }
}

impl<T> Maybe<T> {
    fn iter(&self) -> impl Iterator<Item = &T> {
        self.0.iter()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Maybe<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Maybe<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            // Errors are not swallowed: every `T` here is itself lenient, so what fails is
            // malformed JSON or a duplicated key, and the document must then fail (the `Value`
            // path locates the error or reads the duplicate).
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(|t| Maybe(Some(t)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                T::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(|t| Maybe(Some(t)))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                Ok(Maybe(None))
            }
            absent_for_other_scalars!(Maybe(None));
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// A string, trimmed and not empty; any other value reads as absent.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Cow<'de, str>>, D::Error> {
    Ok(match Text::deserialize(d)? {
        Text(Some(Cow::Borrowed(t))) => {
            Some(Cow::<str>::Borrowed(t.trim())).filter(|t| !t.is_empty())
        }
        Text(Some(Cow::Owned(t))) => {
            Some(Cow::<str>::Owned(t.trim().to_owned())).filter(|t| !t.is_empty())
        }
        Text(None) => None,
    })
}

/// A string as written (identifiers and type names); any other value reads as absent.
fn raw<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Cow<'de, str>>, D::Error> {
    Text::deserialize(d).map(|t| t.0)
}

/// A string value, or nothing for any other JSON value (consumed).
struct Text<'a>(Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Some(Cow::Owned(v.to_owned()))))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text(Some(Cow::Owned(v))))
            }
            absent_for_other_scalars!(Text(None));
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// Element references as SPDX 3 writes them: a string, an array of them (nested arrays
/// included), or inline objects named by their `spdxId` (or `@id`). Anything else reads as none.
fn ids<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Cow<'de, str>>, D::Error> {
    Ids::deserialize(d).map(|i| i.0)
}

struct Ids<'a>(Vec<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for Ids<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Ids<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("element references")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Ids(vec![Cow::Borrowed(v)]))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Ids(vec![Cow::Owned(v.to_owned())]))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Ids(vec![Cow::Owned(v)]))
            }
            absent_for_other_scalars!(Ids(Vec::new()));
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(Ids(more)) = seq.next_element::<Ids<'de>>()? {
                    out.extend(more);
                }
                Ok(Ids(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let (mut spdx_id, mut at_id) = (None, None);
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    match key.as_ref() {
                        "spdxId" => spdx_id = map.next_value::<Text<'de>>()?.0,
                        "@id" => at_id = map.next_value::<Text<'de>>()?.0,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(Ids(spdx_id.or(at_id).into_iter().collect()))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'a> Element<'a> {
    /// The type, without a namespace prefix.
    fn type_name(&self) -> &str {
        let t = self
            .kind
            .as_deref()
            .or(self.at_type.as_deref())
            .unwrap_or("");
        t.rsplit(['/', '#']).next().unwrap_or(t)
    }

    fn id(&self) -> Option<&str> {
        self.spdx_id.as_deref().or(self.at_id.as_deref())
    }

    fn external_identifiers(
        &self,
    ) -> impl Iterator<Item = (&'static str, usize, &ExternalIdentifier<'a>)> {
        let a = self
            .external_identifier
            .iter()
            .flatten()
            .enumerate()
            .filter_map(|(j, x)| x.0.as_ref().map(|x| ("externalIdentifier", j, x)));
        let b = self
            .external_identifiers
            .iter()
            .flatten()
            .enumerate()
            .filter_map(|(j, x)| x.0.as_ref().map(|x| ("externalIdentifiers", j, x)));
        a.chain(b)
    }
}

/// The `@context` as one string (several contexts joined by spaces).
fn context_of(context: Option<&Value>) -> String {
    match context {
        Some(Value::String(c)) => c.clone(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" "),
        _ => String::new(),
    }
}

/// Reads an SPDX 3 JSON-LD document.
///
/// A document with a `@graph` (every SPDX 3 serialisation the spec shows) is read element by
/// element while it is parsed: each element is deserialised into a borrowed [`Element`], turned
/// into the model and dropped; only agents (for the parties that name them) and document roots
/// are kept. Measured on a generated 100,000-package document (93 MB): holding it as a
/// `serde_json::Value` first took 1.3-2.4 s and 737 MB (README "Benchmarks" has the figures now).
/// A root that is an array or a single element, and any document the direct pass refuses
/// (malformed JSON, a duplicated key), goes through `serde_json::Value`, which also locates the
/// error.
///
/// A file above `--stream-above` ([`JsonSource::File`], decision 19) takes the direct pass
/// through a buffer; only a document that pass refuses is then read whole.
///
/// `parallel_above` ([`crate::Limits::parallel_above`]): a document in memory with at least this
/// many elements has its `@graph` split into raw elements, parsed on every core (`par`); when
/// that fails, the direct pass and then the value read follow as for any other document.
pub(crate) fn read(
    path: &Path,
    source: JsonSource<'_>,
    parallel_above: usize,
) -> Result<Sbom, IngestError> {
    let (bytes, text) = match source {
        JsonSource::Text(text) => (text.as_bytes(), Some(text)),
        JsonSource::Bytes(bytes) => (bytes, None),
        JsonSource::File(file) => {
            let de = serde_json::Deserializer::new(crate::open_json(file)?);
            if let Some(sbom) = direct(path, de, false) {
                return Ok(sbom);
            }
            let bytes = std::fs::read(file).map_err(crate::io_error(path))?;
            let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
            return read(path, crate::json_source(text).0, usize::MAX);
        }
    };
    let starts_with_object = bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{');
    if starts_with_object {
        let elements = crate::par::count(bytes, b"\"spdxId\"");
        let pass = |parallel| match text {
            Some(text) => direct(path, serde_json::Deserializer::from_str(text), parallel),
            None => direct(path, serde_json::Deserializer::from_slice(bytes), parallel),
        };
        if crate::par::worth_it(elements, parallel_above) {
            if let Some(sbom) = text.and_then(|text| in_place(path, text, elements)) {
                return Ok(sbom);
            }
            if let Some(sbom) = pass(true) {
                return Ok(sbom);
            }
        }
        if let Some(sbom) = pass(false) {
            return Ok(sbom);
        }
    }
    read_by_value(path, bytes)
}

/// The direct pass: an object with a `@graph`, its elements converted as they are parsed (in
/// parallel chunks when `parallel`: a document in memory, see `par`). `None` for any other shape
/// and for any error (the caller reads the document another way).
fn direct<'de, R: serde_json::de::Read<'de>>(
    path: &Path,
    mut de: serde_json::Deserializer<R>,
    parallel: bool,
) -> Option<Sbom> {
    let mut reader = Reader3::new(path);
    reader.parallel = parallel;
    match de.deserialize_map(DocVisitor(&mut reader)) {
        Ok((context, true)) if de.end().is_ok() => {
            Some(reader.finish(&context_of(context.as_ref())))
        }
        _ => None,
    }
}

/// The direct pass of a large document in memory read in place (`par::object`): its top level
/// walked here, its `@graph` split where it lies and parsed on every core. `None` for any other
/// shape and for any error, as [`direct`].
///
/// The model's components are sized once for `elements` (the count of `spdxId`s, which also
/// counts relationships and agents: room reserved, not memory touched), where they grew by
/// doubling into fresh pages.
pub(crate) fn in_place(path: &Path, text: &str, elements: usize) -> Option<Sbom> {
    let mut reader = Reader3::new(path);
    reader.sbom.components.reserve_exact(elements);
    let source = reader.sbom.source.clone();
    let (mut context, mut graph) = (None, false);
    crate::par::object(text, |key, c| {
        match key.as_ref() {
            "@context" => context = Some(c.value::<Value>()?),
            // `null` is refused, as the sequential read's sequence refuses it.
            "@graph" if !graph && !c.at_null() => {
                c.array(
                    || Reader3::new(Path::new(&source)),
                    Reader3::graph_element,
                    &mut reader,
                    Reader3::merge,
                )?;
                graph = true;
            }
            "@graph" if !graph => return Err(de::Error::custom("`@graph` is null")),
            _ => {
                c.value::<IgnoredAny>()?;
            }
        }
        Ok(())
    })
    .ok()?;
    graph.then(|| reader.finish(&context_of(context.as_ref())))
}

/// Any document the direct pass refuses, through `serde_json::Value` (which locates errors).
fn read_by_value(path: &Path, bytes: &[u8]) -> Result<Sbom, IngestError> {
    let root: Value = parse_json(path, bytes)?;
    let items: Vec<&Value> = match (&root, root.get("@graph")) {
        (_, Some(Value::Array(g))) => g.iter().collect(),
        (Value::Array(a), _) => a.iter().collect(),
        (Value::Object(_), _) => vec![&root],
        _ => Vec::new(),
    };
    let mut reader = Reader3::new(path);
    for (i, v) in items.into_iter().enumerate() {
        let e = Maybe::<Element<'_>>::deserialize(v)
            .ok()
            .and_then(|m| m.0)
            .unwrap_or_default();
        reader.element(i, &e);
    }
    Ok(reader.finish(&context_of(root.get("@context"))))
}

/// The top-level object: `@context` kept, `@graph` streamed into the reader, the rest skipped.
/// Gives the context and whether there was a `@graph`.
struct DocVisitor<'r>(&'r mut Reader3);

impl<'de> Visitor<'de> for DocVisitor<'_> {
    type Value = (Option<Value>, bool);
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an SPDX 3 JSON-LD document")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut context, mut graph) = (None, false);
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "@context" => context = Some(map.next_value::<Value>()?),
                "@graph" if !graph && self.0.parallel => {
                    let source = self.0.sbom.source.clone();
                    let path = Path::new(&source);
                    map.next_value_seed(
                        crate::par::Array::new(
                            || Reader3::new(path),
                            Reader3::graph_element,
                            &mut *self.0,
                            Reader3::merge,
                        )
                        .array_only(),
                    )?
                    .map_err(de::Error::custom)?;
                    graph = true;
                }
                "@graph" if !graph => {
                    map.next_value_seed(GraphSeed(&mut *self.0))?;
                    graph = true;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok((context, graph))
    }
}

/// The `@graph` array, one element at a time.
struct GraphSeed<'r>(&'r mut Reader3);

impl<'de> de::DeserializeSeed<'de> for GraphSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for GraphSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of elements")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0;
        while let Some(m) = seq.next_element::<Maybe<Element<'de>>>()? {
            self.0.graph_element(i, m);
            i += 1;
        }
        Ok(())
    }
}

/// What an agent element says, for the parties that name it.
struct Agent {
    name: CompactString,
    kind: PartyKind,
    emails: Vec<CompactString>,
    urls: Vec<CompactString>,
}

/// The model being built, element by element.
struct Reader3 {
    sbom: Sbom,
    /// Elements that may be named as suppliers or originators, by identifier.
    agents: HashMap<String, Agent>,
    /// `rootElement` of each document and SBOM element, by identifier.
    collections: HashMap<String, Vec<String>>,
    /// Roots named so far (documents, SBOMs, `describes`).
    roots: Vec<String>,
    /// Parties whose agent is resolved at the end: (component, party, agent identifier).
    pending: Vec<(usize, usize, String)>,
    /// Whether `@graph` is parsed in parallel chunks (a document in memory).
    parallel: bool,
}

impl Reader3 {
    fn new(path: &Path) -> Reader3 {
        Reader3 {
            sbom: Sbom::new(
                path.display().to_string(),
                Format::Spdx3JsonLd,
                String::new(),
            ),
            agents: HashMap::new(),
            collections: HashMap::new(),
            roots: Vec::new(),
            pending: Vec::new(),
            parallel: false,
        }
    }

    /// The reader of one of `@graph`'s chunks, read in parallel (`par`), merged in chunk order:
    /// the same model as [`GraphSeed`] makes (later agents and collections replace earlier ones
    /// of the same identifier, the first name and serial stay, pending parties point at the
    /// merged components).
    fn merge(&mut self, part: Reader3) {
        let base = self.sbom.components.len();
        let Reader3 {
            sbom,
            agents,
            collections,
            roots,
            pending,
            parallel: _,
        } = part;
        let mut sbom = sbom;
        if self.sbom.name.is_none() {
            self.sbom.name = sbom.name.take();
        }
        if self.sbom.serial.is_none() {
            self.sbom.serial = sbom.serial.take();
        }
        crate::par::append(&mut self.sbom, sbom);
        self.agents.extend(agents);
        self.collections.extend(collections);
        self.roots.extend(roots);
        self.pending
            .extend(pending.into_iter().map(|(c, p, id)| (base + c, p, id)));
    }

    /// Element `i` of `@graph` as the JSON readers parse it (anything that is not an element
    /// object reads as an element of no type).
    fn graph_element(&mut self, i: usize, m: Maybe<Element<'_>>) {
        self.element(i, &m.0.unwrap_or_default());
    }

    /// Element `i` of the graph.
    fn element(&mut self, i: usize, e: &Element<'_>) {
        let loc = Location("@graph".into()).index(i);
        let t = e.type_name();
        match t {
            "software_Package"
            | "Package"
            | "ai_AIPackage"
            | "AIPackage"
            | "dataset_DatasetPackage"
            | "DatasetPackage"
            | "software_File"
            | "File" => self.package(t, loc, e),
            "SpdxDocument" | "software_Sbom" | "Sbom" | "Bom" => {
                if self.sbom.name.is_none() {
                    self.sbom.name = e.name.as_deref().map(str::to_owned);
                }
                if t == "SpdxDocument" && self.sbom.serial.is_none() {
                    self.sbom.serial = e.id().map(str::to_owned);
                }
                let roots: Vec<String> = e.root_element.iter().map(|r| r.to_string()).collect();
                self.roots.extend(roots.iter().cloned());
                if let Some(id) = e.id() {
                    self.collections.insert(id.to_owned(), roots);
                }
            }
            "Relationship" | "LifecycleScopedRelationship" | "SoftwareDependencyRelationship" => {
                self.relationship(i, e)
            }
            _ => {
                // Any other named element (Organization, Person, Tool...) may be an agent.
                if let (Some(id), Some(name)) = (e.id(), e.name.as_deref()) {
                    let kind = match t {
                        "Organization" => PartyKind::Organization,
                        "Person" => PartyKind::Person,
                        _ => PartyKind::Unknown,
                    };
                    // E-mail addresses (`externalIdentifier` of type `email`) and web
                    // addresses (`externalRef` locators).
                    let emails = e
                        .external_identifiers()
                        .filter(|(_, _, x)| x.kind.as_deref() == Some("email"))
                        .filter_map(|(_, _, x)| x.identifier.as_deref().map(CompactString::from))
                        .collect();
                    let urls = e
                        .external_ref
                        .iter()
                        .flatten()
                        .filter_map(|r| r.0.as_ref())
                        .flat_map(|r| r.locator.iter().map(|l| CompactString::from(l.as_ref())))
                        .collect();
                    self.agents.insert(
                        id.to_owned(),
                        Agent {
                            name: name.into(),
                            kind,
                            emails,
                            urls,
                        },
                    );
                }
            }
        }
    }

    fn package(&mut self, t: &str, loc: Location, e: &Element<'_>) {
        let Some(id) = e.id() else {
            self.sbom.diagnostics.push(Diagnostic {
                level: DiagnosticLevel::Warning,
                location: loc,
                message: format!("`{t}` without `spdxId`, skipped"),
            });
            return;
        };
        let name = CompactString::from(e.name.as_deref().unwrap_or_default());
        let mut c = Component::new(ComponentRef(id.into()), name, loc);
        c.kind = Some(t.into());
        c.version = e
            .software_package_version
            .as_deref()
            .or(e.package_version.as_deref())
            .map(CompactString::from);
        let index = self.sbom.components.len();
        for (role, key, agents) in [
            (PartyRole::Supplier, "suppliedBy", &e.supplied_by),
            (PartyRole::Originator, "originatedBy", &e.originated_by),
        ] {
            for (j, a) in agents.iter().enumerate() {
                self.pending.push((index, c.parties.len(), a.to_string()));
                c.parties.push(Party {
                    role,
                    kind: PartyKind::Unknown,
                    name: Some(CompactString::from(a.as_ref())),
                    emails: Vec::new(),
                    urls: Vec::new(),
                    country: None,
                    field: Field::at(key, j),
                });
            }
        }
        if let Some(p) = e
            .software_package_url
            .as_deref()
            .or(e.package_url.as_deref())
        {
            c.purl = Some(Purl {
                value: p.into(),
                field: Field::new("software_packageUrl"),
            });
        }
        for (key, j, x) in e.external_identifiers() {
            let Some(value) = x.identifier.as_deref() else {
                continue;
            };
            let field = Field::at(key, j).sub("identifier");
            match x.kind.as_deref().unwrap_or("") {
                "cpe23" | "cpe22" => c.cpes.push(Cpe {
                    value: value.into(),
                    field,
                }),
                "packageUrl" if c.purl.is_none() => {
                    c.purl = Some(Purl {
                        value: value.into(),
                        field,
                    })
                }
                _ => {}
            }
        }
        for (key, value) in [
            ("software_downloadLocation", &e.software_download_location),
            ("software_homePage", &e.software_home_page),
        ] {
            if let Some(u) = value.as_deref() {
                c.external_refs.push(ExternalRef {
                    kind: key.into(),
                    url: u.into(),
                    field: Field::new(key),
                });
            }
        }
        for (j, r) in e.external_ref.iter().flatten().enumerate() {
            let Some(r) = r.0.as_ref() else { continue };
            for l in &r.locator {
                c.external_refs.push(ExternalRef {
                    kind: r.kind.as_deref().unwrap_or("").into(),
                    url: CompactString::from(l.as_ref()),
                    field: Field::at("externalRef", j).sub("locator"),
                });
            }
        }
        c.class = match e.software_primary_purpose.as_deref() {
            Some("firmware" | "device") => ComponentClass::Equipment,
            _ => crate::cyclonedx_json::class_of(None, &c.cpes),
        };
        c.shrink_to_fit();
        self.sbom.components.push(c);
    }

    fn relationship(&mut self, i: usize, e: &Element<'_>) {
        let kind = e.relationship_type.as_deref().unwrap_or("");
        let scope = e
            .scope
            .as_deref()
            .or(e.software_scope.as_deref())
            .unwrap_or("");
        let scoped = |k: EdgeKind| match scope {
            "development" => EdgeKind::DevDependency,
            "build" => EdgeKind::BuildDependency,
            "test" => EdgeKind::TestDependency,
            _ => k,
        };
        let edge = match kind {
            "contains" => Some(scoped(EdgeKind::Contains)),
            "dependsOn" | "hasPrerequisite" => Some(scoped(EdgeKind::DependsOn)),
            "hasStaticLink" => Some(scoped(EdgeKind::StaticLink)),
            "hasDynamicLink" => Some(scoped(EdgeKind::DynamicLink)),
            "hasOptionalDependency" => Some(EdgeKind::OptionalDependency),
            "hasProvidedDependency" => Some(EdgeKind::ProvidedDependency),
            "describes" => {
                self.roots.extend(e.to.iter().map(|r| r.to_string()));
                None
            }
            _ => None,
        };
        if let Some(edge) = edge {
            for f in &e.from {
                for t in &e.to {
                    self.sbom.relationships.push(Relationship {
                        from: ComponentRef(f.as_ref().into()),
                        to: ComponentRef(t.as_ref().into()),
                        kind: edge,
                        origin: RelOrigin::Relationship {
                            index: bomvet_model::idx(i),
                        },
                    });
                }
            }
        }
    }

    /// Resolves agents and roots; the spec version comes from the context.
    fn finish(mut self, context: &str) -> Sbom {
        self.sbom.spec_version = context
            .split("spdx.org/rdf/")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .unwrap_or("3")
            .to_owned();
        let pending = std::mem::take(&mut self.pending);
        let piece = if crate::par::worth_it(pending.len(), crate::par::MIN_ELEMENTS) {
            8 * crate::par::CHUNK
        } else {
            usize::MAX
        };
        resolve_parties(&mut self.sbom.components, &pending, &self.agents, piece);
        // A root that is an SBOM or a document names its own roots: follow them to packages.
        let mut candidates: foldhash::HashSet<String> = foldhash::HashSet::default();
        let mut seen = std::collections::HashSet::new();
        while let Some(r) = self.roots.pop() {
            if !seen.insert(r.clone()) {
                continue;
            }
            if let Some(more) = self.collections.get(&r) {
                self.roots.extend(more.iter().cloned());
            } else {
                candidates.insert(r);
            }
        }
        // The candidates that are components, each once: a set of the few candidates looked up
        // by every component, not a set of every component built to look up the few; on every
        // core (each component's ref read from memory, and hashed with SipHash, was ~5 ms of a
        // 100k-package document on the reading thread alone).
        let mut declared: Vec<ComponentRef> = Vec::new();
        if !candidates.is_empty() {
            use rayon::prelude::*;
            declared = self
                .sbom
                .components
                .par_iter()
                .with_min_len(crate::par::CHUNK)
                .filter(|c| candidates.contains(c.id.as_str()))
                .map(|c| c.id.clone())
                .collect();
        }
        declared.sort();
        declared.dedup();
        self.sbom.declared_roots = declared;
        // What is left of the reader (an agent identifier per party, the agents) freed on
        // another thread, not on this one while the others wait for the model (~7 ms at 100k
        // packages).
        let leftovers = (pending, self.agents, self.collections);
        rayon::spawn(move || drop(leftovers));
        self.sbom
    }
}

/// Fills in the parties that name an agent (`pending`: component, party, agent identifier, in
/// component order) from `agents`, the components cut into pieces of `piece` resolved on every
/// core (all on this thread for `usize::MAX`): on the reading thread alone, with agents and
/// roots, it was 58 ms of a 100,000-package document in a timeline of the loaded VM, while the
/// others waited (issue 7).
fn resolve_parties(
    components: &mut [Component],
    pending: &[(usize, usize, String)],
    agents: &HashMap<String, Agent>,
    piece: usize,
) {
    use rayon::prelude::*;
    let resolve =
        |components: &mut [Component], base: usize, pending: &[(usize, usize, String)]| {
            for (c, p, id) in pending {
                let Some(agent) = agents.get(id) else {
                    continue;
                };
                let Some(party) = components
                    .get_mut(c - base)
                    .and_then(|c| c.parties.get_mut(*p))
                else {
                    continue;
                };
                party.name = Some(agent.name.clone());
                party.kind = agent.kind;
                party.emails.clone_from(&agent.emails);
                party.urls.clone_from(&agent.urls);
            }
        };
    // In component order, as the reader pushes them; otherwise not cut.
    if piece == usize::MAX || !pending.is_sorted_by_key(|(c, _, _)| *c) {
        return resolve(components, 0, pending);
    }
    components
        .par_chunks_mut(piece)
        .enumerate()
        .for_each(|(k, chunk)| {
            let base = k * piece;
            let from = pending.partition_point(|(c, _, _)| *c < base);
            let to = pending.partition_point(|(c, _, _)| *c < base + chunk.len());
            resolve(chunk, base, &pending[from..to]);
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONTEXT: &str = r#""@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld""#;

    fn read_str(text: &str) -> Sbom {
        read(
            Path::new("t.spdx3.json"),
            JsonSource::Bytes(text.as_bytes()),
            usize::MAX,
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    fn package(extra: &str) -> String {
        format!(
            r#"{{"type": "software_Package", "spdxId": "urn:p", "name": " cam ", "software_packageVersion": "1"{extra}}}"#
        )
    }

    #[test]
    fn a_graph_is_read_with_agents_identifiers_and_roots() {
        let text = format!(
            r#"{{{CONTEXT}, "@graph": [
              {},
              {{"type": "Organization", "spdxId": "urn:o", "name": "Camera Team", "externalIdentifier": [{{"type": "ExternalIdentifier", "externalIdentifierType": "email", "identifier": "hsrc@hikvision.com"}}]}},
              {{"type": "SpdxDocument", "spdxId": "urn:d", "name": "doc", "rootElement": ["urn:s"]}},
              {{"type": "software_Sbom", "spdxId": "urn:s", "rootElement": [{{"spdxId": "urn:p"}}]}}
            ]}}"#,
            package(
                r#", "suppliedBy": "urn:o", "externalIdentifier": [{"externalIdentifierType": "cpe23", "identifier": "cpe:2.3:h:hikvision:x:-:*:*:*:*:*:*:*"}]"#
            )
        );
        let sbom = read_str(&text);
        assert_eq!(sbom.spec_version, "3.0.1");
        let c = &sbom.components[0];
        assert_eq!(c.name, "cam");
        assert_eq!(c.parties[0].name.as_deref(), Some("Camera Team"));
        assert_eq!(c.parties[0].emails, ["hsrc@hikvision.com"]);
        assert_eq!(
            c.cpes[0].field.to_string(),
            "externalIdentifier[0].identifier"
        );
        assert_eq!(sbom.declared_roots, [ComponentRef("urn:p".into())]);
        assert_eq!(sbom.serial.as_deref(), Some("urn:d"));
    }

    /// Parties resolved in pieces on several threads are those resolved in one pass: packages
    /// supplied and originated by agents named before and after them, by unknown agents, by
    /// several; the pieces cut between a package's parties' components.
    #[test]
    fn parties_resolved_in_pieces_are_one_pass() {
        let mut graph = Vec::new();
        for i in 0..60 {
            if i % 7 == 0 {
                graph.push(format!(
                    r#"{{"type": "Organization", "spdxId": "urn:o{i}", "name": "Org {i}", "externalIdentifier": [{{"externalIdentifierType": "email", "identifier": "o{i}@x.example"}}]}}"#
                ));
            }
            let by = format!(r#"["urn:o{}", "urn:o{}"]"#, i / 7 * 7, (i + 14) / 7 * 7);
            let origin = if i % 3 == 0 { r#""urn:nobody""# } else { "[]" };
            graph.push(format!(
                r#"{{"type": "software_Package", "spdxId": "urn:p{i}", "name": "p{i}", "suppliedBy": {by}, "originatedBy": {origin}}}"#
            ));
        }
        let text = format!("[{}]", graph.join(","));
        let elements: Vec<Maybe<Element<'_>>> =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
        let mut reader = Reader3::new(Path::new("t.spdx3.json"));
        for (i, e) in elements.into_iter().enumerate() {
            reader.graph_element(i, e);
        }
        assert!(reader.pending.len() > 100, "{}", reader.pending.len());
        let pool = rayon::ThreadPoolBuilder::new().num_threads(4).build();
        let pool = pool.unwrap_or_else(|e| panic!("{e}"));
        let resolved = |piece: usize| {
            let mut components = reader.sbom.components.clone();
            pool.install(|| {
                resolve_parties(&mut components, &reader.pending, &reader.agents, piece)
            });
            components
        };
        let whole = resolved(usize::MAX);
        let named = whole
            .iter()
            .flat_map(|c| &c.parties)
            .filter(|p| p.name.is_some());
        assert!(named.count() > 60);
        for piece in [1, 2, 3, 7, 64] {
            assert!(resolved(piece) == whole, "pieces of {piece}");
        }
    }

    /// Odd values read as absent, as with `serde_json::Value`: a number for a name, an object for
    /// a version, a string where a list of identifiers belongs.
    #[test]
    fn values_of_unexpected_types_are_absent_not_errors() {
        let text = format!(
            r#"{{{CONTEXT}, "@graph": [{{"type": "software_Package", "spdxId": "urn:p", "name": 7, "software_packageVersion": {{"x": 1}}, "externalIdentifier": "cpe", "verifiedUsing": [3, {{"algorithm": "sha256", "hashValue": "ab"}}]}}, 5, "text"]}}"#
        );
        let sbom = read_str(&text);
        assert_eq!(sbom.components.len(), 1);
        let c = &sbom.components[0];
        assert_eq!(c.name, "");
        assert_eq!(c.version, None);
    }

    /// A root that is an array, or a single element, and a document with a duplicated key go the
    /// `serde_json::Value` way and read the same.
    #[test]
    fn other_shapes_take_the_value_path() {
        let array = format!("[{}]", package(""));
        assert_eq!(read_str(&array).components[0].id.0, "urn:p");
        let single = package(&format!(", {CONTEXT}"));
        assert_eq!(read_str(&single).components[0].id.0, "urn:p");
        let duplicated = format!(
            r#"{{{CONTEXT}, "@graph": [{}]}}"#,
            package(r#", "name": "again""#)
        );
        assert_eq!(read_str(&duplicated).components[0].name, "again");
    }

    #[test]
    fn malformed_json_is_located() {
        let e = read(
            Path::new("t.json"),
            JsonSource::Bytes(b"{\"@graph\": [1,]}"),
            0,
        )
        .map(|_| ());
        assert!(
            matches!(e, Err(IngestError::Parse { line: 1, .. })),
            "{e:?}"
        );
        // Inside an element too: it was read as a document of no packages, a silent pass.
        let text = format!(r#"{{{CONTEXT}, "@graph": [{{"type": "software_Package",}}]}}"#);
        let e = read(
            Path::new("t.json"),
            JsonSource::Bytes(text.as_bytes()),
            usize::MAX,
        )
        .map(|s| s.components.len());
        assert!(
            matches!(
                e,
                Err(IngestError::Parse {
                    line: 1,
                    column: 103,
                    ..
                })
            ),
            "{e:?}"
        );
    }
}
