//! CycloneDX XML, spec 1.0 to 1.7 (recognised by the `http://cyclonedx.org/schema/bom/1.x`
//! namespace), into the same wire structs as the JSON reader, so both share one conversion.
//!
//! Parsed with `roxmltree`: read-only, fast, and it refuses documents with a DTD, so external
//! entities (XXE) and entity expansion ("billion laughs") are rejected with a located error before
//! anything is expanded or fetched. Real CycloneDX documents have no DTD.
//! (`cyclonedx-bom` 0.8 reads XML through xml-rs at ~20 MB/s and only for 1.3-1.5.)

use std::borrow::Cow;
use std::path::Path;

use bomvet_model::{Diagnostic, DiagnosticLevel, Format, Location, Sbom};
use roxmltree::{Document, Node};

use crate::cyclonedx_json::{
    Address, CdxComponent, CdxExtRef, CdxHash, Contact, Converter, Dependency, Metadata, OrgEntity,
};
use crate::de::Str;
use crate::IngestError;

/// Reads a CycloneDX XML document.
pub(crate) fn read(path: &Path, bytes: &[u8]) -> Result<Sbom, IngestError> {
    let text = crate::utf8(path, bytes)?;
    let doc = Document::parse(text).map_err(|e| {
        if matches!(e, roxmltree::Error::DtdDetected) {
            // roxmltree reports this at 1:1; point at the DOCTYPE itself.
            let at = text.find("<!DOCTYPE").unwrap_or(0);
            let (line, column) = crate::line_col(bytes, at);
            return IngestError::Parse {
                path: path.to_owned(),
                line,
                column,
                json_path: String::new(),
                message: "a DTD (`<!DOCTYPE`) is not allowed: external entities and entity expansion are refused, never resolved".into(),
            };
        }
        let pos = e.pos();
        IngestError::Parse {
            path: path.to_owned(),
            line: pos.row as usize,
            column: pos.col as usize,
            json_path: String::new(),
            message: e.to_string(),
        }
    })?;
    let bom = doc.root_element();
    let ns = bom.tag_name().namespace().unwrap_or("");
    let Some(version) = ns.strip_prefix("http://cyclonedx.org/schema/bom/") else {
        return Err(IngestError::UnknownFormat {
            path: path.to_owned(),
            reason: format!(
                "an XML document whose root is not a CycloneDX `bom` (namespace `{ns}`)"
            ),
        });
    };
    if bom.tag_name().name() != "bom" {
        return Err(IngestError::Invalid {
            path: path.to_owned(),
            json_path: String::new(),
            message: format!(
                "root element is `{}`, expected `bom`",
                bom.tag_name().name()
            ),
        });
    }
    let mut conv = Converter::new(path);
    conv.sbom.format = Format::CyclonedxXml;
    conv.sbom.spec_version = version.to_owned();
    if !matches!(
        version,
        "1.0" | "1.1" | "1.2" | "1.3" | "1.4" | "1.5" | "1.6" | "1.7"
    ) {
        let (line, column) = bomvet_model::line_col(text.as_bytes(), bom.range().start);
        conv.sbom.diagnostics.push(Diagnostic {
            level: DiagnosticLevel::Warning,
            location: Location(format!("{line}:{column} bom")),
            message: format!("the namespace `{ns}` names no CycloneDX version (1.0 to 1.7)"),
        });
    }
    conv.sbom.serial = bom.attribute("serialNumber").map(str::to_owned);
    for child in elements(bom) {
        match child.tag_name().name() {
            "metadata" => conv.metadata(metadata(child)),
            "components" => {
                let base = Location("components".into());
                for (i, c) in elements(child).filter(|c| is(c, "component")).enumerate() {
                    conv.component(component(c), base.index(i), None);
                }
            }
            "dependencies" => {
                for (i, d) in elements(child).filter(|c| is(c, "dependency")).enumerate() {
                    conv.dependency(i, Some(dependency(d)));
                }
            }
            _ => {}
        }
    }
    Ok(conv.sbom)
}

fn elements<'a, 'i>(n: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    n.children().filter(Node::is_element)
}

fn is(n: &Node<'_, '_>, name: &str) -> bool {
    n.tag_name().name() == name
}

fn child<'a, 'i>(n: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    elements(n).find(|c| is(c, name))
}

fn org(n: Node<'_, '_>) -> OrgEntity<'static> {
    OrgEntity {
        name: n_text(n, "name"),
        url: elements(n)
            .filter(|c| is(c, "url"))
            .filter_map(|c| c.text().map(|t| Cow::Owned(t.trim().to_owned())))
            .collect(),
        contact: Some(
            elements(n)
                .filter(|c| is(c, "contact"))
                .map(contact)
                .collect(),
        ),
        address: child(n, "address").map(|a| Address {
            country: n_text(a, "country"),
        }),
    }
}

/// Owned text of a named child (the wire structs outlive the borrowed tree here).
fn n_text(n: Node<'_, '_>, name: &str) -> Option<Cow<'static, str>> {
    child(n, name)
        .and_then(|c| c.text())
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| Cow::Owned(t.to_owned()))
}

fn n_attr(n: Node<'_, '_>, name: &str) -> Option<Cow<'static, str>> {
    n.attribute(name).map(|v| Cow::Owned(v.to_owned()))
}

/// A `<contact>` or `<author>`: name and e-mail.
fn contact(n: Node<'_, '_>) -> Contact<'static> {
    Contact {
        name: n_text(n, "name"),
        email: n_text(n, "email"),
    }
}

fn metadata(n: Node<'_, '_>) -> Metadata<'static> {
    Metadata {
        component: child(n, "component").map(component),
        supplier: child(n, "supplier").map(org),
        manufacture: child(n, "manufacture").map(org),
        manufacturer: child(n, "manufacturer").map(org),
    }
}

fn component(n: Node<'_, '_>) -> CdxComponent<'static> {
    CdxComponent {
        kind: n_attr(n, "type"),
        bom_ref: n_attr(n, "bom-ref"),
        supplier: child(n, "supplier").map(org),
        manufacturer: child(n, "manufacturer").map(org),
        author: n_text(n, "author"),
        authors: child(n, "authors").map(|a| {
            elements(a)
                .filter(|c| is(c, "author"))
                .map(contact)
                .collect()
        }),
        publisher: n_text(n, "publisher"),
        group: n_text(n, "group"),
        name: n_text(n, "name"),
        version: n_text(n, "version"),
        scope: n_text(n, "scope"),
        hashes: child(n, "hashes").map(|h| {
            elements(h)
                .filter(|c| is(c, "hash"))
                .map(|c| CdxHash {
                    alg: n_attr(c, "alg"),
                    content: c.text().map(|t| Cow::Owned(t.trim().to_owned())),
                })
                .collect()
        }),
        cpe: n_text(n, "cpe"),
        purl: n_text(n, "purl"),
        external_references: child(n, "externalReferences").map(|r| {
            elements(r)
                .filter(|c| is(c, "reference"))
                .map(|c| CdxExtRef {
                    url: n_text(c, "url"),
                    kind: n_attr(c, "type"),
                })
                .collect()
        }),
        components: child(n, "components").map(|cs| {
            elements(cs)
                .filter(|c| is(c, "component"))
                .map(|c| Some(component(c)))
                .collect()
        }),
    }
}

fn dependency(n: Node<'_, '_>) -> Dependency<'static> {
    Dependency {
        reference: n_attr(n, "ref"),
        depends_on: Some(
            elements(n)
                .filter(|c| is(c, "dependency"))
                .map(|c| Str(n_attr(c, "ref")))
                .collect(),
        ),
    }
}
