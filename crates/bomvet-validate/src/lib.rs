//! `bomvet validate`: a document against the official schema of its encoding and version.
//!
//! JSON encodings (CycloneDX 1.2-1.7, SPDX 2.2/2.3 JSON and YAML, SPDX 3.0.1 JSON-LD) are checked
//! against the official JSON Schemas, compiled into the binary from `schemas/` (offline; the
//! CycloneDX schemas' `spdx.schema.json`, `jsf-0.82.schema.json` and `cryptography-defs` are
//! registered under their `$id`s). Every violation is reported with its JSON path.
//!
//! CycloneDX XML (1.0-1.7) is checked against the official XSD of its namespace's version, with
//! the SPDX license namespace and the 1.x extension schemas (`ext/`) loaded from the committed
//! copies; every violation is reported with line:column and element path. The validator is
//! `xsd-schema` (pure Rust, no network, no C): measured on the CycloneDX conformance suite it
//! accepts all 248 valid XML cases and rejects all 168 invalid ones (the seven whose namespace
//! names no CycloneDX version are reported at the root element before the XSD is chosen).
//! `xmlschema` could not compile the CycloneDX XSDs, and libxml2 (the `libxml` crate) is a C
//! library whose build needs libclang; see `docs/decisions.md` (14).
//!
//! Tag-value has no schema: it is checked for its `Tag: Value` structure; the result says so.
//!
//! A crate of its own, apart from `bomvet-ingest`: the validators' generic code (jsonschema's
//! above all) was a quarter of the reader crate's LLVM IR (`cargo llvm-lines`: 364k of 1.38M
//! lines), compiled again for its unit tests; here it compiles once, beside the readers
//! (decision 30).

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;
use std::sync::{Arc, Mutex, OnceLock};

use bomvet_model::Format;
use serde::Serialize;
use serde_json::Value;

use bomvet_ingest::IngestError;

/// One schema violation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// Where: a JSON path (`components[3].supplier.url`) or `line N`.
    pub location: String,
    /// What is wrong.
    pub message: String,
}

/// The result of validating one document.
#[derive(Debug, Clone, Serialize)]
pub struct Validation {
    /// The encoding.
    pub format: Format,
    /// The spec version as written.
    pub spec_version: String,
    /// The schema checked against, or what was checked instead.
    pub checked_against: String,
    /// Every violation, in document order.
    pub violations: Vec<Violation>,
}

const CDX: &[(&str, &str)] = &[
    (
        "1.2",
        include_str!("../../../schemas/cyclonedx/bom-1.2.schema.json"),
    ),
    (
        "1.3",
        include_str!("../../../schemas/cyclonedx/bom-1.3.schema.json"),
    ),
    (
        "1.4",
        include_str!("../../../schemas/cyclonedx/bom-1.4.schema.json"),
    ),
    (
        "1.5",
        include_str!("../../../schemas/cyclonedx/bom-1.5.schema.json"),
    ),
    (
        "1.6",
        include_str!("../../../schemas/cyclonedx/bom-1.6.schema.json"),
    ),
    (
        "1.7",
        include_str!("../../../schemas/cyclonedx/bom-1.7.schema.json"),
    ),
];
const CDX_SUPPORT: &[(&str, &str)] = &[
    (
        "http://cyclonedx.org/schema/spdx.schema.json",
        include_str!("../../../schemas/cyclonedx/spdx.schema.json"),
    ),
    (
        "http://cyclonedx.org/schema/jsf-0.82.schema.json",
        include_str!("../../../schemas/cyclonedx/jsf-0.82.schema.json"),
    ),
    (
        "http://cyclonedx.org/schema/cryptography-defs.schema.json",
        include_str!("../../../schemas/cyclonedx/cryptography-defs.schema.json"),
    ),
];
const SPDX2: &[(&str, &str)] = &[
    (
        "SPDX-2.2",
        include_str!("../../../schemas/spdx/spdx-schema-v2.2.json"),
    ),
    (
        "SPDX-2.3",
        include_str!("../../../schemas/spdx/spdx-schema-v2.3.json"),
    ),
];
const SPDX3: &str = include_str!("../../../schemas/spdx/spdx-json-schema-v3.0.1.json");

/// The CycloneDX XSDs by version.
const CDX_XSD: &[(&str, &str)] = &[
    (
        "1.0",
        include_str!("../../../schemas/cyclonedx/bom-1.0.xsd"),
    ),
    (
        "1.1",
        include_str!("../../../schemas/cyclonedx/bom-1.1.xsd"),
    ),
    (
        "1.2",
        include_str!("../../../schemas/cyclonedx/bom-1.2.xsd"),
    ),
    (
        "1.3",
        include_str!("../../../schemas/cyclonedx/bom-1.3.xsd"),
    ),
    (
        "1.4",
        include_str!("../../../schemas/cyclonedx/bom-1.4.xsd"),
    ),
    (
        "1.5",
        include_str!("../../../schemas/cyclonedx/bom-1.5.xsd"),
    ),
    (
        "1.6",
        include_str!("../../../schemas/cyclonedx/bom-1.6.xsd"),
    ),
    (
        "1.7",
        include_str!("../../../schemas/cyclonedx/bom-1.7.xsd"),
    ),
];
/// Schemas the CycloneDX XSDs import (under the location they import them from) and the 1.x
/// extension schemas documents may use. Every location is the absolute URL a directive names,
/// so nothing is looked up on disk or on the network.
const CDX_XSD_SUPPORT: &[(&str, &str)] = &[
    (
        "http://cyclonedx.org/schema/spdx",
        include_str!("../../../schemas/cyclonedx/spdx.xsd"),
    ),
    (
        "http://cyclonedx.org/schema/ext/dependency-graph-1.0.xsd",
        include_str!("../../../schemas/cyclonedx/ext/dependency-graph-1.0.xsd"),
    ),
    (
        "http://cyclonedx.org/schema/ext/vulnerability-1.0.xsd",
        include_str!("../../../schemas/cyclonedx/ext/vulnerability-1.0.xsd"),
    ),
];
/// The bom-descriptor extension imports CycloneDX 1.1: it goes with 1.1 only. (Its 0.9 draft
/// uses 1.1 types without importing them, which makes it an invalid schema (`src-resolve`); it
/// is left out, and documents using it are validated laxly in that namespace.)
const CDX_XSD_DESCRIPTORS: &[(&str, &str)] = &[(
    "http://cyclonedx.org/schema/ext/bom-descriptor-1.0.xsd",
    include_str!("../../../schemas/cyclonedx/ext/bom-descriptor-1.0.xsd"),
)];

/// Compiles the XSD of CycloneDX `version` once per thread (5-25 ms each; the compiled set is
/// not `Sync`, so each thread of a parallel batch keeps its own).
fn xsd(version: &'static str, text: &'static str) -> Result<Rc<xsd_schema::SchemaSet>, String> {
    thread_local! {
        static CACHE: RefCell<HashMap<&'static str, Rc<xsd_schema::SchemaSet>>> =
            RefCell::new(HashMap::new());
    }
    if let Some(v) = CACHE.with_borrow(|c| c.get(version).cloned()) {
        return Ok(v);
    }
    let err = |e: xsd_schema::SchemaError| format!("schema bom-{version}.xsd: {e}");
    let mut b = xsd_schema::SchemaSetBuilder::new();
    for (location, t) in CDX_XSD_SUPPORT {
        b = b.add_source(t, location).map_err(err)?;
    }
    if version == "1.1" {
        for (location, t) in CDX_XSD_DESCRIPTORS {
            b = b.add_source(t, location).map_err(err)?;
        }
    }
    let set = Rc::new(
        b.add_source(text, &format!("http://cyclonedx.org/schema/bom/{version}"))
            .map_err(err)?
            .compile()
            .map_err(err)?
            .into_schema_set(),
    );
    CACHE.with_borrow_mut(|c| c.insert(version, set.clone()));
    Ok(set)
}

/// Every violation of `xml` against `set`, with line:column and element path.
fn check_xsd(set: &xsd_schema::SchemaSet, xml: &[u8]) -> Vec<Violation> {
    use xsd_schema::validation::{
        drive_quick_xml_with, ElementStartView, SchemaValidator, ValidationError,
        ValidationEventHandler, ValidationFlags, ValidationSink, ValidationWarning,
    };
    /// Start offsets of the elements open at the moment, shared by the event handler (which
    /// sees offsets) and the sink (which sees errors): an error is placed at the start tag of
    /// the innermost open element.
    type Open = Rc<RefCell<Vec<usize>>>;
    struct Spans(Open);
    impl ValidationEventHandler for Spans {
        type Error = std::convert::Infallible;
        fn before_element(&mut self, _: ElementStartView<'_>) -> Result<(), Self::Error> {
            Ok(())
        }
        fn on_element_start_offset(&mut self, at: usize) -> Result<(), Self::Error> {
            self.0.borrow_mut().push(at);
            Ok(())
        }
        fn on_element_end_offset(&mut self, _: usize) -> Result<(), Self::Error> {
            self.0.borrow_mut().pop();
            Ok(())
        }
    }
    struct Sink {
        open: Open,
        errors: Vec<(Option<usize>, ValidationError)>,
    }
    impl ValidationSink for Sink {
        fn on_error(&mut self, e: ValidationError) {
            let at = self.open.borrow().last().copied();
            self.errors.push((at, e));
        }
        fn on_warning(&mut self, _: ValidationWarning) {}
    }
    let open: Open = Rc::default();
    let validator = SchemaValidator::new(set, ValidationFlags::default());
    let mut runtime = validator.start_run(Sink {
        open: open.clone(),
        errors: Vec::new(),
    });
    let mut fatal = None;
    match drive_quick_xml_with(xml, &mut runtime, set, &mut Spans(open)) {
        Ok(_) => {
            if let Err(e) = runtime.end_validation() {
                fatal = Some(e.to_string());
            }
        }
        Err(e) => fatal = Some(e.to_string()),
    }
    let errors = std::mem::take(&mut runtime.sink.errors);
    let mut out: Vec<Violation> = errors
        .into_iter()
        .map(|(at, e)| {
            let place = at.map(|at| {
                let (line, column) = bomvet_model::line_col(xml, at);
                format!("{line}:{column}")
            });
            let location = match (place, e.element_path()) {
                (Some(p), Some(path)) => format!("{p} {path}"),
                (Some(p), None) => p,
                (None, Some(path)) => path.to_string(),
                (None, None) => "(document)".into(),
            };
            Violation {
                location,
                message: format!("[{}] {}", e.constraint, e.message),
            }
        })
        .collect();
    if let Some(message) = fatal {
        out.push(Violation {
            location: "(document)".into(),
            message,
        });
    }
    out
}

type Cache = Mutex<HashMap<&'static str, Arc<jsonschema::Validator>>>;

/// Compiles a schema once per process.
fn validator(
    key: &'static str,
    text: &'static str,
    support: bool,
) -> Result<Arc<jsonschema::Validator>, String> {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(v) = cache.lock().map_err(|e| e.to_string())?.get(key) {
        return Ok(v.clone());
    }
    let schema: Value = serde_json::from_str(text).map_err(|e| format!("schema {key}: {e}"))?;
    let built = if support {
        let mut registry = jsonschema::Registry::new();
        for (uri, t) in CDX_SUPPORT {
            let v: Value = serde_json::from_str(t).map_err(|e| format!("schema {uri}: {e}"))?;
            registry = registry.add(*uri, v).map_err(|e| e.to_string())?;
        }
        let registry = registry.prepare().map_err(|e| e.to_string())?;
        jsonschema::options()
            .with_registry(&registry)
            .build(&schema)
    } else {
        jsonschema::options().build(&schema)
    };
    let v = Arc::new(built.map_err(|e| format!("schema {key}: {e}"))?);
    cache
        .lock()
        .map_err(|e| e.to_string())?
        .insert(key, v.clone());
    Ok(v)
}

/// `/components/3/supplier` -> `components[3].supplier`.
fn json_path(pointer: &str) -> String {
    let mut out = String::new();
    for seg in pointer.split('/').skip(1) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
            out.push('[');
            out.push_str(&seg);
            out.push(']');
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&seg);
        }
    }
    if out.is_empty() {
        "(document)".into()
    } else {
        out
    }
}

fn check(v: &jsonschema::Validator, doc: &Value) -> Vec<Violation> {
    let mut found = Found::default();
    for e in v.iter_errors(doc) {
        explain(&e, &mut found);
    }
    // `unevaluatedProperties` at a place where a `oneOf`/`anyOf` failed only repeats that failure
    // (no alternative evaluated the properties): the alternative's own errors say what is wrong.
    found
        .violations
        .into_iter()
        .filter(|(v, unevaluated)| !(*unevaluated && found.combinators.contains(&v.location)))
        .map(|(v, _)| v)
        .collect()
}

/// What `explain` collects: each violation (and whether it is an `unevaluatedProperties` one) and
/// the places where a `oneOf`/`anyOf` failed.
#[derive(Default)]
struct Found {
    violations: Vec<(Violation, bool)>,
    combinators: std::collections::HashSet<String>,
}

/// Longest message kept; a schema error quotes the failing value, which can be the whole document.
const MAX_MESSAGE: usize = 300;

/// Depth of a JSON pointer (`/a/0/b` is 3).
fn depth(pointer: &str) -> usize {
    pointer.matches('/').count()
}

/// One violation, or, for a failed `oneOf`/`anyOf`, the violations of the alternative that came
/// closest: not one ruled out by its `type` discriminator (JSON-LD and CycloneDX name the kind of
/// an object in `type`), then the one whose errors reach deepest into the value, then the one
/// with fewest errors, then the first. A document that fails the SPDX 3 schema's top-level `oneOf`
/// is then reported at the element and property that is wrong, not as the whole document quoted
/// in one line.
fn explain(e: &jsonschema::ValidationError<'_>, found: &mut Found) {
    use jsonschema::error::ValidationErrorKind as Kind;
    type Branch<'e> = Vec<jsonschema::ValidationError<'e>>;
    let here = e.instance_path().to_string();
    if let Kind::OneOfNotValid { context } | Kind::AnyOf { context } = e.kind() {
        let rank = |branch: &Branch<'_>| {
            let paths: Vec<String> = branch
                .iter()
                .map(|x| x.instance_path().to_string())
                .collect();
            let ruled_out = paths
                .iter()
                .any(|p| p.ends_with("/type") || p.ends_with("/@type"));
            let deepest = paths.iter().map(|p| depth(p)).max().unwrap_or(0);
            (!ruled_out, deepest, std::cmp::Reverse(branch.len()))
        };
        let mut best: Option<(&Branch<'_>, _)> = None;
        for branch in context {
            let r = rank(branch);
            if best.as_ref().is_none_or(|(_, b)| r > *b) {
                best = Some((branch, r));
            }
        }
        if let Some((branch, (_, deepest, _))) = best {
            if deepest > depth(&here) || (deepest == depth(&here) && !branch.is_empty()) {
                found.combinators.insert(json_path(&here));
                for x in branch {
                    explain(x, found);
                }
                return;
            }
        }
    }
    let mut message = e.to_string();
    if message.len() > MAX_MESSAGE {
        let mut cut = MAX_MESSAGE;
        while !message.is_char_boundary(cut) {
            cut -= 1;
        }
        message.truncate(cut);
        message.push_str("...");
    }
    let unevaluated = matches!(e.kind(), Kind::UnevaluatedProperties { .. });
    found.violations.push((
        Violation {
            location: json_path(&here),
            message,
        },
        unevaluated,
    ));
}

/// Validates `bytes`: the official schema's violations and, for XML and tag-value, what the
/// reader finds (`bomvet validate`); `path` is for messages.
///
/// # Errors
/// When the document cannot be read at all (not an SBOM encoding, not well-formed, no schema for
/// its version): the error names the file and the place.
pub fn validate(path: &Path, bytes: &[u8]) -> Result<Validation, IngestError> {
    run(path, bytes, None)
}

/// The official schema's violations only, for `scan`: `read` is the document the reader
/// already made of `bytes` (its warnings are reported with it, and XML is not read again to
/// learn its version). Tag-value has no schema, and an XML namespace that names no CycloneDX
/// version has no XSD: their results have no violations.
///
/// # Errors
/// As [`validate`].
pub fn schema_violations(
    path: &Path,
    bytes: &[u8],
    read: &bomvet_model::Sbom,
) -> Result<Validation, IngestError> {
    run(path, bytes, Some(read))
}

/// The spec version a JSON document names in `field`, and the schema of that version among
/// `schemas`, if there is one.
fn schema_for(
    doc: &Value,
    field: &str,
    schemas: &'static [(&'static str, &'static str)],
) -> (String, Option<&'static (&'static str, &'static str)>) {
    let spec = doc.get(field).and_then(Value::as_str).unwrap_or("");
    (spec.to_owned(), schemas.iter().find(|(k, _)| *k == spec))
}

/// `read`: the reader's document when the caller has it (then its warnings are not repeated).
fn run(
    path: &Path,
    bytes: &[u8],
    read: Option<&bomvet_model::Sbom>,
) -> Result<Validation, IngestError> {
    let (format, text) = bomvet_ingest::prepare(path, bytes)?;
    let invalid = |message: String| IngestError::Invalid {
        path: path.to_owned(),
        json_path: String::new(),
        message,
    };
    match format {
        Format::CyclonedxJson => {
            let doc = bomvet_ingest::parse_value(path, &text, format)?;
            let (spec, schema) = schema_for(&doc, "specVersion", CDX);
            let Some((key, schema)) = schema else {
                return Err(invalid(format!(
                    "no CycloneDX JSON schema for `specVersion` `{spec}` (JSON exists for 1.2 to 1.7)"
                )));
            };
            let v = validator(key, schema, true).map_err(invalid)?;
            Ok(Validation {
                format: Format::CyclonedxJson,
                checked_against: format!("bom-{key}.schema.json"),
                violations: check(&v, &doc),
                spec_version: spec,
            })
        }
        f @ (Format::SpdxJson | Format::SpdxYaml) => {
            let doc = bomvet_ingest::parse_value(path, &text, f)?;
            let (spec, schema) = schema_for(&doc, "spdxVersion", SPDX2);
            let Some((key, schema)) = schema else {
                return Err(invalid(format!(
                    "no SPDX JSON schema for `spdxVersion` `{spec}` (official schemas exist for SPDX-2.2 and SPDX-2.3)"
                )));
            };
            let v = validator(key, schema, false).map_err(invalid)?;
            Ok(Validation {
                format: f,
                checked_against: format!("spdx-schema-v{}.json", &key[5..]),
                violations: check(&v, &doc),
                spec_version: spec,
            })
        }
        Format::Spdx3JsonLd => {
            let doc = bomvet_ingest::parse_value(path, &text, format)?;
            let v = validator("spdx3", SPDX3, false).map_err(invalid)?;
            Ok(Validation {
                format: Format::Spdx3JsonLd,
                spec_version: "3.0.1".into(),
                checked_against: "spdx-json-schema-v3.0.1.json".into(),
                violations: check(&v, &doc),
            })
        }
        Format::CyclonedxXml => {
            // The reader first: it refuses DTDs and finds the version in the namespace; an
            // unknown namespace is its located warning.
            let owned;
            let sbom = match read {
                Some(s) => s,
                None => {
                    owned = bomvet_ingest::read_as(path, &text, format)?;
                    &owned
                }
            };
            let mut violations = Vec::new();
            let checked_against = match CDX_XSD.iter().find(|(k, _)| *k == sbom.spec_version) {
                Some((key, schema)) => {
                    let set = xsd(key, schema).map_err(invalid)?;
                    violations = check_xsd(&set, &text);
                    format!("bom-{key}.xsd")
                }
                None => "CycloneDX namespaces 1.0-1.7".into(),
            };
            if read.is_none() {
                violations.extend(reader_warnings(sbom));
            }
            Ok(Validation {
                format: Format::CyclonedxXml,
                checked_against,
                violations,
                spec_version: sbom.spec_version.clone(),
            })
        }
        Format::SpdxTagValue => {
            let (violations, spec_version) = match read {
                Some(s) => (Vec::new(), s.spec_version.clone()),
                None => {
                    let sbom = bomvet_ingest::read_as(path, &text, format)?;
                    (reader_warnings(&sbom), sbom.spec_version)
                }
            };
            Ok(Validation {
                format: Format::SpdxTagValue,
                checked_against: "tag-value structure (SPDX has no schema for tag-value)".into(),
                violations,
                spec_version,
            })
        }
    }
}

fn reader_warnings(sbom: &bomvet_model::Sbom) -> Vec<Violation> {
    sbom.diagnostics
        .iter()
        .map(|d| Violation {
            location: d.location.0.to_string(),
            message: d.message.clone(),
        })
        .collect()
}
