//! The elements of a large top-level array (CycloneDX `components` and `dependencies`, SPDX
//! `packages`, `files` and `relationships`, SPDX 3 `@graph`) parsed on every core.
//!
//! A document read from memory is parsed once by `serde_json` as usual, except that the big
//! array is only split into its elements (`&RawValue` slices of the input: `serde_json` skips
//! each one, checking its syntax, without building anything). Each chunk of 512 elements is
//! handed to rayon as soon as it is skipped ([`Array`]; `rayon::in_place_scope`, since the reading
//! thread keeps the reader, which is not `Send`), so splitting overlaps parsing; each chunk is
//! parsed and converted into a part of its own, and each part is appended to the document by the
//! thread that finishes it as soon as the parts before it are in ([`InOrder`]): the model, its
//! warnings and their order are those of the sequential read. Appending as they come, rather than
//! all at once after the parse, moved ~17 ms of copying off the reading thread at 100k
//! components and frees each part while the next ones are made, so their memory is reused
//! (decision 24).
//!
//! This is a fast path only. When anything fails (an element that does not parse, a document that
//! is not well-formed) the caller reads the document again sequentially, so that errors are
//! reported exactly as before, with their line, column and JSON path. Measured on a generated
//! 100,000-component CycloneDX JSON file on 2 cores (README "Benchmarks", decision 22).

use serde::de::Error as _;
use serde::Deserialize;
use serde_json::value::RawValue;

/// Documents of fewer components are parsed sequentially by default (`Limits::parallel_above`):
/// splitting costs a pass of its own, and in a portfolio every core is busy with a file anyway.
pub(crate) const MIN_ELEMENTS: usize = 4096;

/// Elements per task.
pub(crate) const CHUNK: usize = 512;

/// Nesting that an element may reach here and still be sure to parse within `serde_json`'s
/// recursion limit (128) where the sequential read meets it, a few levels further down.
const MAX_NESTING: usize = 100;

/// Whether a document of about `components` components is worth parsing in parallel.
pub(crate) fn worth_it(components: usize, parallel_above: usize) -> bool {
    components >= parallel_above && rayon::current_num_threads() > 1
}

/// What a chunk's reader made, appended to the document's in order: its components,
/// relationships and warnings (the only lists a chunk of elements adds to). The fold of
/// [`InOrder`] for parts that are documents.
pub(crate) fn append(into: &mut bomvet_model::Sbom, mut part: bomvet_model::Sbom) {
    into.components.append(&mut part.components);
    into.relationships.append(&mut part.relationships);
    into.diagnostics.append(&mut part.diagnostics);
}

/// Parts made on rayon's threads, numbered 0, 1, 2... in document order, each folded into
/// `into` as soon as every part before it is in: what a sequential read makes, in its order,
/// with each part freed as soon as it is folded (its memory reused by the next ones) and the
/// appending shared among the threads instead of done by one after the parse. The collector of
/// every reader that reads a document on several cores ([`Array`], the tag-value packages, the
/// XML children).
pub(crate) struct InOrder<'o, O, P, F> {
    state: std::sync::Mutex<Pending<'o, O, P>>,
    fold: F,
}

struct Pending<'o, O, P> {
    into: &'o mut O,
    next: usize,
    /// Parts that came before one they follow (few: the threads finish about in order).
    waiting: Vec<(usize, P)>,
}

impl<'o, O, P, F: Fn(&mut O, P)> InOrder<'o, O, P, F> {
    pub(crate) fn new(into: &'o mut O, fold: F) -> Self {
        InOrder {
            state: std::sync::Mutex::new(Pending {
                into,
                next: 0,
                waiting: Vec::new(),
            }),
            fold,
        }
    }

    /// Part `k`, folded now if it is the next, else kept until its turn. Goes on from a poisoned
    /// lock: a part missing would be components missing (a panic in a part is re-raised by the
    /// scope anyway).
    pub(crate) fn push(&self, k: usize, part: P) {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let state = &mut *state;
        state.waiting.push((k, part));
        while let Some(at) = state.waiting.iter().position(|(i, _)| *i == state.next) {
            let (_, part) = state.waiting.swap_remove(at);
            (self.fold)(state.into, part);
            state.next += 1;
        }
    }

    /// How many parts were folded; every part pushed was, when they were numbered from 0
    /// without a gap.
    pub(crate) fn finish(self) -> usize {
        let state = self
            .state
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        debug_assert!(state.waiting.is_empty(), "a part was never folded");
        state.next
    }
}

/// One chunk: every element parsed as a `T` and folded into a part made by `part`.
fn parse_chunk<'a, T, P>(
    first: usize,
    chunk: &[&'a RawValue],
    part: &(impl Fn() -> P + Sync),
    each: &(impl Fn(&mut P, usize, T) + Sync),
) -> Result<P, serde_json::Error>
where
    T: Deserialize<'a>,
{
    let mut p = part();
    for (j, r) in chunk.iter().enumerate() {
        let text = r.get();
        if nesting(text.as_bytes()) > MAX_NESTING {
            return Err(serde_json::Error::custom(
                "nested too deeply to parse apart",
            ));
        }
        each(&mut p, first + j, serde_json::from_str(text)?);
    }
    Ok(p)
}

/// A seed for an array (or `null`) whose elements are handed to rayon a chunk at a time as
/// serde_json skips them, so that splitting the array overlaps parsing it. Each chunk's elements
/// go through `each` into a part made by `part`, and the parts are folded by `fold` into `into`
/// in order as they are done ([`InOrder`]). Gives the number of elements, or the first element
/// that failed (the outer error is the array's own: not well-formed); after a failure `into` holds
/// the parts before it only, and the caller reads the document again.
pub(crate) struct Array<'o, N, E, F, T, O> {
    part: N,
    each: E,
    fold: F,
    into: &'o mut O,
    /// Whether `null` is refused, as `deserialize_seq` refuses it (else it reads as empty).
    array_only: bool,
    element: std::marker::PhantomData<fn() -> T>,
}

impl<'o, N, E, F, T, O> Array<'o, N, E, F, T, O> {
    /// An array, or `null` for none.
    pub(crate) fn new(part: N, each: E, into: &'o mut O, fold: F) -> Self {
        Array {
            part,
            each,
            fold,
            into,
            array_only: false,
            element: std::marker::PhantomData,
        }
    }

    /// An array only: `null` is an error.
    pub(crate) fn array_only(mut self) -> Self {
        self.array_only = true;
        self
    }
}

/// What [`Array`] gives: how many elements there were, or the first element that failed.
pub(crate) type Parsed = Result<usize, serde_json::Error>;

impl<'de, N, E, F, T, O, P> serde::de::DeserializeSeed<'de> for Array<'_, N, E, F, T, O>
where
    N: Fn() -> P + Sync,
    E: Fn(&mut P, usize, T) + Sync,
    F: Fn(&mut O, P) + Sync,
    T: Deserialize<'de>,
    O: Send,
    P: Send,
{
    type Value = Parsed;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Parsed, D::Error> {
        if self.array_only {
            d.deserialize_seq(self)
        } else {
            d.deserialize_any(self)
        }
    }
}

impl<'de, N, E, F, T, O, P> serde::de::Visitor<'de> for Array<'_, N, E, F, T, O>
where
    N: Fn() -> P + Sync,
    E: Fn(&mut P, usize, T) + Sync,
    F: Fn(&mut O, P) + Sync,
    T: Deserialize<'de>,
    O: Send,
    P: Send,
{
    type Value = Parsed;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an array")
    }
    fn visit_unit<X: serde::de::Error>(self) -> Result<Parsed, X> {
        Ok(Ok(0))
    }
    fn visit_none<X: serde::de::Error>(self) -> Result<Parsed, X> {
        Ok(Ok(0))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Parsed, A::Error> {
        let (part, each, fold) = (&self.part, &self.each, &self.fold);
        // The first failure, in order, stops the folding: what follows it is not kept.
        let mut failed: Option<serde_json::Error> = None;
        let mut into = (&mut *self.into, &mut failed);
        let done = InOrder::new(
            &mut into,
            |(into, failed): &mut (&mut O, &mut Option<serde_json::Error>),
             part: Result<P, serde_json::Error>| match part {
                Ok(part) if failed.is_none() => fold(into, part),
                Ok(_) => {}
                Err(e) => {
                    failed.get_or_insert(e);
                }
            },
        );
        let mut count = 0usize;
        // `in_place_scope`: this thread keeps reading the array (the reader is not `Send`)
        // while rayon's threads parse the chunks already read.
        let read: Result<(), A::Error> = rayon::in_place_scope(|s| {
            let mut chunk: Vec<&'de RawValue> = Vec::with_capacity(CHUNK);
            let mut k = 0usize;
            let send = |chunk: Vec<&'de RawValue>, k: usize| {
                let done = &done;
                s.spawn(move |_| done.push(k, parse_chunk(k * CHUNK, &chunk, part, each)));
            };
            while let Some(r) = seq.next_element::<&'de RawValue>()? {
                chunk.push(r);
                count += 1;
                if chunk.len() == CHUNK {
                    send(std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK)), k);
                    k += 1;
                }
            }
            if !chunk.is_empty() {
                send(chunk, k);
            }
            Ok(())
        });
        done.finish();
        read?;
        Ok(match failed {
            Some(e) => Err(e),
            None => Ok(count),
        })
    }
}

/// Texts of at least this many bytes are searched on every core, in blocks of [`BLOCK`] bytes:
/// below it, handing blocks to rayon costs about what it saves.
const PAR_BYTES: usize = 8 << 20;

/// Bytes per block of a search made on every core.
const BLOCK: usize = 2 << 20;

/// How many times `needle` occurs in `bytes` (a SIMD search; to size vectors and to decide
/// whether a document is large enough to be read in parallel), a large text's blocks searched on
/// every core. Each block counts the matches that start in it, looking `needle.len() - 1` bytes
/// past its end. A needle that overlaps itself may be counted once more across a boundary than
/// a search of the whole counts: the count is a size, not a finding.
pub(crate) fn count(bytes: &[u8], needle: &[u8]) -> usize {
    use rayon::prelude::*;
    if bytes.len() < PAR_BYTES || rayon::current_num_threads() < 2 {
        return memchr::memmem::find_iter(bytes, needle).count();
    }
    let finder = memchr::memmem::Finder::new(needle);
    let reach = needle.len().saturating_sub(1);
    (0..bytes.len())
        .into_par_iter()
        .step_by(BLOCK)
        .map(|start| {
            let end = (start + BLOCK + reach).min(bytes.len());
            finder.find_iter(&bytes[start..end]).count()
        })
        .sum()
}

/// How deep arrays and objects may nest in `json`: its number of `{` and `[` (a SIMD count) when
/// that bound is low, else the exact depth, counted outside strings.
fn nesting(json: &[u8]) -> usize {
    let bound = memchr::memchr2_iter(b'{', b'[', json).count();
    if bound <= MAX_NESTING {
        return bound;
    }
    let (mut depth, mut max, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &b in json {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                max = max.max(depth);
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{read_bytes_with, IngestError, Limits};
    use bomvet_model::Sbom;
    use std::path::Path;

    /// The document read with its arrays parsed in parallel (two threads) and sequentially.
    fn both(name: &str, json: &str) -> (Result<Sbom, IngestError>, Result<Sbom, IngestError>) {
        let read = |parallel_above| {
            let limits = Limits {
                parallel_above,
                ..Limits::default()
            };
            read_bytes_with(Path::new(name), json.as_bytes(), &limits)
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        pool.install(|| (read(0), read(usize::MAX)))
    }

    fn same(name: &str, json: &str) -> Sbom {
        match both(name, json) {
            (Ok(a), Ok(b)) => {
                assert_eq!(a, b);
                a
            }
            (a, b) => panic!("in parallel {a:?}, sequentially {b:?}"),
        }
    }

    fn same_error(name: &str, json: &str) -> String {
        match both(name, json) {
            (Err(a), Err(b)) => {
                assert_eq!(a.to_string(), b.to_string());
                a.to_string()
            }
            (a, b) => panic!("in parallel {a:?}, sequentially {b:?}"),
        }
    }

    /// Several chunks of components, with nested ones, `null`s, warnings (no name, unknown scope),
    /// `components` written twice and dependencies with `null` entries: the same model, with the
    /// same warnings in the same order.
    #[test]
    fn cyclonedx_in_parallel_is_the_sequential_read() {
        let mut comps = Vec::new();
        for i in 0..1500 {
            comps.push(match i % 50 {
                7 => "null".to_owned(),
                11 => format!(r#"{{"bom-ref": "c{i}", "scope": "sometimes"}}"#),
                13 => format!(
                    r#"{{"bom-ref": "c{i}", "name": "n{i}", "components": [{{"bom-ref": "c{i}.1", "name": "inner", "components": [null, {{"name": "deeper"}}]}}]}}"#
                ),
                _ => format!(
                    r#"{{"bom-ref": "c{i}", "name": "n{i}", "purl": "pkg:npm/n{i}@1", "supplier": {{"name": "S{i}", "url": ["https://s{i}.example"]}}, "externalReferences": [{{"type": "vcs", "url": "https://github.com/o/n{i}"}}]}}"#
                ),
            });
        }
        let deps: Vec<String> = (0..1500)
            .map(|i| match i % 40 {
                3 => "null".to_owned(),
                5 => r#"{"dependsOn": ["c1"]}"#.to_owned(),
                _ => format!(
                    r#"{{"ref": "c{i}", "dependsOn": ["c{}", "c{}"]}}"#,
                    i + 1,
                    i + 2
                ),
            })
            .collect();
        let json = format!(
            r#"{{"bomFormat": "CycloneDX", "specVersion": "1.6", "metadata": {{"component": {{"bom-ref": "root", "name": "root"}}}},
              "components": [{}], "dependencies": [{}], "components": [{{"bom-ref": "late", "name": "late"}}]}}"#,
            comps.join(",\n"),
            deps.join(",\n")
        );
        let sbom = same("big.cdx.json", &json);
        assert_eq!(sbom.components.len(), 1 + 1500 - 30 + 30 * 2 + 1);
        assert!(sbom.diagnostics.len() > 60, "{}", sbom.diagnostics.len());
    }

    #[test]
    fn spdx_in_parallel_is_the_sequential_read() {
        let packages: Vec<String> = (0..1200)
            .map(|i| match i % 30 {
                4 => "null".to_owned(),
                9 => format!(r#"{{"name": "no id {i}"}}"#),
                _ => format!(
                    r#"{{"SPDXID": "SPDXRef-p{i}", "name": "p{i}", "supplier": "Organization: S{i}", "hasFiles": ["SPDXRef-f{i}"], "externalRefs": [{{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:pypi/p{i}@1"}}]}}"#
                ),
            })
            .collect();
        let files: Vec<String> = (0..700)
            .map(|i| match i % 25 {
                2 => "null".to_owned(),
                _ => format!(r#"{{"SPDXID": "SPDXRef-f{i}", "fileName": "./f{i}"}}"#),
            })
            .collect();
        let rels: Vec<String> = (0..1300)
            .map(|i| match i % 35 {
                1 => "null".to_owned(),
                2 => r#"{"spdxElementId": "SPDXRef-p1"}"#.to_owned(),
                3 => r#"{"spdxElementId": "SPDXRef-p1", "relationshipType": "LIKES", "relatedSpdxElement": "SPDXRef-p2"}"#.to_owned(),
                _ => format!(
                    r#"{{"spdxElementId": "SPDXRef-p{i}", "relationshipType": "DEPENDS_ON", "relatedSpdxElement": "SPDXRef-p{}"}}"#,
                    i + 1
                ),
            })
            .collect();
        let json = format!(
            r#"{{"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "name": "big", "documentNamespace": "https://example.com/big",
              "packages": [{}], "relationships": [{}], "files": [{}], "documentDescribes": ["SPDXRef-p0"],
              "packages": [{{"name": "late, no id"}}]}}"#,
            packages.join(",\n"),
            rels.join(",\n"),
            files.join(",\n")
        );
        let sbom = same("big.spdx.json", &json);
        assert_eq!(sbom.components.len(), 1200 - 40 + 700 - 28 + 1);
        assert!(sbom.diagnostics.len() > 100, "{}", sbom.diagnostics.len());
    }

    /// SPDX 3: agents named before and after the packages that name them, an agent defined
    /// twice (the later one counts), two documents (the first name counts), roots through an
    /// SBOM element, relationships, non-objects in `@graph`: the same model in several chunks.
    #[test]
    fn spdx3_in_parallel_is_the_sequential_read() {
        let id = |s: &str| format!("https://example.com/x#{s}");
        let mut g: Vec<String> = vec![format!(
            r#"{{"type": "Organization", "spdxId": "{}", "name": "Early Org"}}"#,
            id("org")
        )];
        for i in 0..1500 {
            g.push(match i % 60 {
                5 => "7".to_owned(),
                6 => format!(
                    r#"{{"type": "Relationship", "spdxId": "{}", "from": "{}", "relationshipType": "dependsOn", "to": ["{}", "{}"]}}"#,
                    id(&format!("r{i}")),
                    id(&format!("p{}", i - 1)),
                    id(&format!("p{}", i + 1)),
                    id(&format!("p{}", i + 2))
                ),
                7 => format!(
                    r#"{{"type": "Person", "spdxId": "{}", "name": "Person {i}"}}"#,
                    id(&format!("a{i}"))
                ),
                _ => format!(
                    r#"{{"type": "software_Package", "spdxId": "{}", "name": "p{i}", "suppliedBy": "{}", "originatedBy": ["{}"]}}"#,
                    id(&format!("p{i}")),
                    id("org"),
                    id(&format!("a{}", i - i % 60 + 67))
                ),
            });
        }
        g.push(format!(
            r#"{{"type": "Organization", "spdxId": "{}", "name": "Late Org"}}"#,
            id("org")
        ));
        g.push(format!(
            r#"{{"type": "software_Sbom", "spdxId": "{}", "name": "the sbom", "rootElement": ["{}"]}}"#,
            id("sbom"),
            id("p0")
        ));
        g.push(format!(
            r#"{{"type": "SpdxDocument", "spdxId": "{}", "name": "first", "rootElement": ["{}"]}}"#,
            id("doc"),
            id("sbom")
        ));
        g.push(format!(
            r#"{{"type": "SpdxDocument", "spdxId": "{}", "name": "second"}}"#,
            id("doc2")
        ));
        let json = format!(
            r#"{{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": [{}]}}"#,
            g.join(",\n")
        );
        let sbom = same("big.spdx3.json", &json);
        assert_eq!(sbom.components.len(), 1500 - 3 * 25);
        assert!(sbom.components[1]
            .parties
            .iter()
            .any(|p| p.name.as_deref() == Some("Late Org")));
        assert_eq!(sbom.declared_roots.len(), 1);
    }

    /// A document that fails in parallel is read again sequentially: the error is the one the
    /// sequential read reports, with its line and column; one nested too deeply for the parallel
    /// path is read sequentially too.
    #[test]
    fn what_fails_in_parallel_is_read_sequentially() {
        let comps: Vec<String> = (0..1100)
            .map(|i| format!(r#"{{"bom-ref": "c{i}", "name": "n{i}"}}"#))
            .collect();
        let mut bad = comps.clone();
        bad[900] = r#"{"bom-ref": "x", "externalReferences": 5}"#.into();
        let doc = |c: &[String]| {
            format!(
                "{{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.6\", \"components\": [\n{}\n]}}",
                c.join(",\n")
            )
        };
        let err = same_error("bad.cdx.json", &doc(&bad));
        assert!(err.contains(":902:"), "{err}");
        let mut cut = doc(&comps);
        cut.truncate(cut.len() - 10);
        same_error("cut.cdx.json", &cut);

        let mut deep = comps;
        deep[600] = format!(
            r#"{{"bom-ref": "deep", "name": "deep", "x": {}{}}}"#,
            "[".repeat(110),
            "]".repeat(110)
        );
        let sbom = same("deep.cdx.json", &doc(&deep));
        assert_eq!(sbom.components.len(), 1100);
    }

    #[test]
    fn nesting_counts_levels_outside_strings() {
        assert_eq!(nesting(br#"{"a": 1}"#), 1);
        // Low counts are the bound itself: every `{` and `[`, four levels here.
        assert_eq!(nesting(br#"{"a": [{"b": []}, {}]}"#), 5);
        let deep = format!("{}{}", "[".repeat(150), "]".repeat(150));
        assert_eq!(nesting(deep.as_bytes()), 150);
        // Brackets in strings are text: the bound is high, the exact count is not.
        let text = format!(r#"{{"name": "{}"}}"#, "[{".repeat(80));
        assert_eq!(nesting(text.as_bytes()), 1);
        let escaped = format!(r#"{{"a": "\"{}", "b": [[]]}}"#, "[".repeat(120));
        assert_eq!(nesting(escaped.as_bytes()), 3);
    }

    /// The elements of `json` (an array) with their indices, through [`Array`] on four threads
    /// (so that chunks finish out of order), and how many there were.
    #[allow(clippy::type_complexity)]
    fn elements<'a, T: Deserialize<'a> + Send>(
        json: &'a str,
    ) -> Result<Result<(Vec<(usize, T)>, usize), serde_json::Error>, serde_json::Error> {
        // Outer: the array's own error; inner: an element's.
        use serde::de::DeserializeSeed;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap();
        let mut de = serde_json::Deserializer::from_str(json);
        let mut all: Vec<(usize, T)> = Vec::new();
        let n = pool.install(|| {
            Array::new(
                Vec::new,
                |p: &mut Vec<(usize, T)>, i, v: T| p.push((i, v)),
                &mut all,
                |all: &mut Vec<(usize, T)>, mut p: Vec<(usize, T)>| all.append(&mut p),
            )
            .deserialize(&mut de)
        })?;
        Ok(n.map(|n| (all, n)))
    }

    #[test]
    fn parts_come_back_in_order_and_errors_stop_the_parse() {
        let doc: Vec<String> = (0..5000).map(|i| format!("{i}")).collect();
        let json = format!("[{}]", doc.join(","));
        let (all, n) = elements::<u32>(&json).unwrap().unwrap();
        assert_eq!(n, 5000);
        assert_eq!(all.len(), 5000);
        assert!(all
            .iter()
            .enumerate()
            .all(|(k, &(i, v))| k == i && i == v as usize));
        // An element of the wrong type: the inner error.
        let json = format!("[{}, \"x\"]", doc.join(","));
        assert!(elements::<u32>(&json).unwrap().is_err());
        // An array that is not well-formed: the outer error.
        let json = format!("[{}, ]", doc.join(","));
        assert!(elements::<u32>(&json).is_err());
        // Nested past what the parallel path takes: the inner error (the caller reads it again).
        let deep = format!("[{}{}]", "[".repeat(120), "]".repeat(120));
        assert!(elements::<serde::de::IgnoredAny>(&deep).unwrap().is_err());
        // `null` is no elements; refused where only an array will do.
        let (all, n) = elements::<u32>("null").unwrap().unwrap();
        assert_eq!((all.len(), n), (0, 0));
        let mut de = serde_json::Deserializer::from_str("null");
        let mut into: Vec<u32> = Vec::new();
        let only = Array::new(
            Vec::new,
            |p: &mut Vec<u32>, _, v: u32| p.push(v),
            &mut into,
            |into: &mut Vec<u32>, mut p: Vec<u32>| into.append(&mut p),
        )
        .array_only();
        assert!(serde::de::DeserializeSeed::deserialize(only, &mut de).is_err());
    }

    /// Parts pushed from many threads in any order are folded in their order, each once.
    #[test]
    fn parts_are_folded_in_order_whatever_order_they_come_in() {
        let mut folded: Vec<usize> = Vec::new();
        let done = InOrder::new(&mut folded, |f: &mut Vec<usize>, k: usize| f.push(k));
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap();
        // Pushed in reverse within blocks of 7 and spread over the threads.
        let order: Vec<usize> = (0..700)
            .collect::<Vec<_>>()
            .chunks(7)
            .rev()
            .flat_map(|c| c.iter().rev().copied())
            .collect();
        pool.install(|| {
            use rayon::prelude::*;
            order.par_iter().for_each(|&k| done.push(k, k));
        });
        assert_eq!(done.finish(), 700);
        assert_eq!(folded, (0..700).collect::<Vec<_>>());
    }

    /// A large text's needle count, made block by block on several threads, is the count of a
    /// search of the whole, with matches across every block boundary.
    #[test]
    fn counts_on_every_core_agree_with_one_search() {
        let mut text = Vec::new();
        let mut i = 0usize;
        while text.len() < PAR_BYTES + 3 * BLOCK {
            text.extend_from_slice(&b"x".repeat(i % 11));
            text.extend_from_slice(b"\"bom-ref\"");
            i += 1;
        }
        // A match cut by each block boundary, at every offset of the needle (between `x`s, so
        // that it shares no quote with another: see `count` on needles that overlap).
        for (k, at) in (BLOCK..text.len()).step_by(BLOCK).enumerate() {
            let cut = at - (k % 9);
            text[cut - 1..cut + 10].copy_from_slice(b"x\"bom-ref\"x");
        }
        let expected = memchr::memmem::find_iter(&text, b"\"bom-ref\"").count();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        assert_eq!(pool.install(|| count(&text, b"\"bom-ref\"")), expected);
        assert_eq!(
            count(&text[..1000], b"\"bom-ref\""),
            memchr::memmem::find_iter(&text[..1000], b"\"bom-ref\"").count()
        );
    }
}
