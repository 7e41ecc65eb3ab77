//! `bomvet validate`: a document against the official schema of its encoding and version.
//!
//! JSON encodings (CycloneDX 1.2-1.7, SPDX 2.2/2.3 JSON and YAML, SPDX 3.0.1 JSON-LD) are checked
//! against the official JSON Schemas, compiled into the binary from `schemas/` (offline; the
//! CycloneDX schemas' `spdx.schema.json`, `jsf-0.82.schema.json` and `cryptography-defs` are
//! registered under their `$id`s). Every violation is reported with its JSON path.
//!
//! XML and tag-value have no JSON Schema: XML is checked for well-formedness, its CycloneDX
//! namespace, the DTD refusal and what bomvet's reader needs; tag-value for its `Tag: Value`
//! structure. No Rust library validates XSD, so the CycloneDX XSDs are not applied; the result
//! says so.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use bomvet_model::Format;
use serde::Serialize;
use serde_json::Value;

use crate::{decode, detect, IngestError};

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
    let mut opts = jsonschema::options();
    if support {
        for (uri, t) in CDX_SUPPORT {
            let v: Value = serde_json::from_str(t).map_err(|e| format!("schema {uri}: {e}"))?;
            let r = jsonschema::Resource::from_contents(v).map_err(|e| e.to_string())?;
            opts = opts.with_resource(*uri, r);
        }
    }
    let v = Arc::new(
        opts.build(&schema)
            .map_err(|e| format!("schema {key}: {e}"))?,
    );
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
    v.iter_errors(doc)
        .map(|e| Violation {
            location: json_path(&e.instance_path.to_string()),
            message: e.to_string(),
        })
        .collect()
}

/// Validates `bytes`; `path` is for messages.
///
/// # Errors
/// When the document cannot be read at all (not an SBOM encoding, not well-formed, no schema for
/// its version): the error names the file and the place.
pub fn validate(path: &Path, bytes: &[u8]) -> Result<Validation, IngestError> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let raw = crate::gunzip(path, bytes, crate::Limits::default().max_decompressed)?;
        return validate(path, &raw);
    }
    let text = decode(path, bytes)?;
    let invalid = |message: String| IngestError::Invalid {
        path: path.to_owned(),
        json_path: String::new(),
        message,
    };
    match detect(path, &text)? {
        Format::CyclonedxJson => {
            let doc: Value = crate::parse_json(path, &text)?;
            let spec = doc
                .get("specVersion")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let Some((key, schema)) = CDX.iter().find(|(k, _)| *k == spec) else {
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
            let doc: Value = if f == Format::SpdxJson {
                crate::parse_json(path, &text)?
            } else {
                serde_yaml_ng::from_slice(&text).map_err(|e| {
                    let (line, column) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
                    IngestError::Parse {
                        path: path.to_owned(),
                        line,
                        column,
                        json_path: String::new(),
                        message: e.to_string(),
                    }
                })?
            };
            let spec = doc
                .get("spdxVersion")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let Some((key, schema)) = SPDX2.iter().find(|(k, _)| *k == spec) else {
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
            let doc: Value = crate::parse_json(path, &text)?;
            let v = validator("spdx3", SPDX3, false).map_err(invalid)?;
            Ok(Validation {
                format: Format::Spdx3JsonLd,
                spec_version: "3.0.1".into(),
                checked_against: "spdx-json-schema-v3.0.1.json".into(),
                violations: check(&v, &doc),
            })
        }
        Format::CyclonedxXml => {
            let sbom = crate::cyclonedx_xml::read(path, &text)?;
            Ok(Validation {
                format: Format::CyclonedxXml,
                checked_against: "well-formedness, CycloneDX namespace and structure (the XSD is not applied: no Rust XSD validator)".into(),
                violations: reader_warnings(&sbom),
                spec_version: sbom.spec_version,
            })
        }
        Format::SpdxTagValue => {
            let sbom = crate::spdx_tv::read(path, &text)?;
            Ok(Validation {
                format: Format::SpdxTagValue,
                checked_against: "tag-value structure (SPDX has no schema for tag-value)".into(),
                violations: reader_warnings(&sbom),
                spec_version: sbom.spec_version,
            })
        }
    }
}

fn reader_warnings(sbom: &bomvet_model::Sbom) -> Vec<Violation> {
    sbom.diagnostics
        .iter()
        .map(|d| Violation {
            location: d.location.0.clone(),
            message: d.message.clone(),
        })
        .collect()
}
