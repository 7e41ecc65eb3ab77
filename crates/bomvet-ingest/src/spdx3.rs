//! SPDX 3.0 JSON-LD into the model: `software_Package` (and the AI and dataset packages),
//! `software_File`, agents (`Organization`, `Person`) named by `suppliedBy` and `originatedBy`
//! (with their `email` external identifiers and `externalRef` web addresses),
//! `Relationship` and `LifecycleScopedRelationship` with direction normalised, and the roots named
//! by `SpdxDocument`/`software_Sbom` `rootElement` or `describes`.
//!
//! Read through `serde_json::Value`: an SPDX 3 element refers to others anywhere in the graph (an
//! agent may come after the package it supplies), so the graph is held whole; SPDX 3 documents are
//! small today. `spdx-rs` has no SPDX 3. Element and type names of the 3.0 drafts (`@id`,
//! unprefixed `Package`) are accepted too.

use std::collections::HashMap;
use std::path::Path;

use bomvet_model::{
    Component, ComponentClass, ComponentRef, Cpe, Diagnostic, DiagnosticLevel, EdgeKind,
    ExternalRef, Field, Format, Hash, Location, Party, PartyKind, PartyRole, Purl, RelOrigin,
    Relationship, Sbom,
};
use serde_json::Value;

use crate::{parse_json, IngestError};

fn s(v: &Value) -> Option<&str> {
    v.as_str().map(str::trim).filter(|t| !t.is_empty())
}

/// A string, or every string of an array, or the `spdxId` of inline objects.
fn ids(v: &Value) -> Vec<String> {
    match v {
        Value::String(x) => vec![x.clone()],
        Value::Array(a) => a.iter().flat_map(ids).collect(),
        Value::Object(o) => o
            .get("spdxId")
            .or_else(|| o.get("@id"))
            .and_then(Value::as_str)
            .map(|x| vec![x.to_owned()])
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

fn type_of(e: &Value) -> &str {
    let t = e
        .get("type")
        .or_else(|| e.get("@type"))
        .and_then(Value::as_str)
        .unwrap_or("");
    t.rsplit(['/', '#']).next().unwrap_or(t)
}

fn id_of(e: &Value) -> Option<&str> {
    e.get("spdxId")
        .or_else(|| e.get("@id"))
        .and_then(Value::as_str)
}

/// Reads an SPDX 3 JSON-LD document.
pub(crate) fn read(path: &Path, bytes: &[u8]) -> Result<Sbom, IngestError> {
    let root: Value = parse_json(path, bytes)?;
    let context = match root.get("@context") {
        Some(Value::String(c)) => c.clone(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" "),
        _ => String::new(),
    };
    let spec = context
        .split("spdx.org/rdf/")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or("3")
        .to_owned();
    let graph: Vec<&Value> = match (&root, root.get("@graph")) {
        (_, Some(Value::Array(g))) => g.iter().collect(),
        (Value::Array(a), _) => a.iter().collect(),
        (Value::Object(_), _) => vec![&root],
        _ => Vec::new(),
    };
    let mut sbom = Sbom::new(path.display().to_string(), Format::Spdx3JsonLd, spec);
    let by_id: HashMap<&str, &Value> = graph
        .iter()
        .filter_map(|e| id_of(e).map(|i| (i, *e)))
        .collect();
    // An agent's name, kind, e-mail addresses (`externalIdentifier` of type `email`) and web
    // addresses (`externalRef` locators).
    let agent = |id: &str| -> Option<(String, PartyKind, Vec<String>, Vec<String>)> {
        let e = by_id.get(id)?;
        let kind = match type_of(e) {
            "Organization" => PartyKind::Organization,
            "Person" => PartyKind::Person,
            _ => PartyKind::Unknown,
        };
        let emails = e
            .get("externalIdentifier")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|x| x.get("externalIdentifierType").and_then(Value::as_str) == Some("email"))
            .filter_map(|x| x.get("identifier").and_then(s).map(str::to_owned))
            .collect();
        let urls = e
            .get("externalRef")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .flat_map(|r| r.get("locator").map(ids).unwrap_or_default())
            .collect();
        Some((s(e.get("name")?)?.to_owned(), kind, emails, urls))
    };
    let mut roots: Vec<String> = Vec::new();
    for (i, e) in graph.iter().enumerate() {
        let loc = Location("@graph".into()).index(i);
        let t = type_of(e);
        match t {
            "software_Package"
            | "Package"
            | "ai_AIPackage"
            | "AIPackage"
            | "dataset_DatasetPackage"
            | "DatasetPackage"
            | "software_File"
            | "File" => {
                let Some(id) = id_of(e) else {
                    sbom.diagnostics.push(Diagnostic {
                        level: DiagnosticLevel::Warning,
                        location: loc,
                        message: format!("`{t}` without `spdxId`, skipped"),
                    });
                    continue;
                };
                let name = e.get("name").and_then(s).unwrap_or_default().to_owned();
                let mut c = Component::new(ComponentRef(id.to_owned()), name, loc);
                c.kind = Some(t.to_owned());
                c.version = ["software_packageVersion", "packageVersion"]
                    .iter()
                    .find_map(|k| e.get(*k).and_then(s))
                    .map(str::to_owned);
                for (role, key) in [
                    (PartyRole::Supplier, "suppliedBy"),
                    (PartyRole::Originator, "originatedBy"),
                ] {
                    for (j, a) in e.get(key).map(ids).unwrap_or_default().iter().enumerate() {
                        let (name, kind, emails, urls) = agent(a).unwrap_or((
                            a.clone(),
                            PartyKind::Unknown,
                            Vec::new(),
                            Vec::new(),
                        ));
                        c.parties.push(Party {
                            role,
                            kind,
                            name: Some(name),
                            emails,
                            urls,
                            country: None,
                            field: Field::at(key, j),
                        });
                    }
                }
                if let Some(p) = ["software_packageUrl", "packageUrl"]
                    .iter()
                    .find_map(|k| e.get(*k).and_then(s))
                {
                    c.purl = Some(Purl {
                        value: p.to_owned(),
                        field: Field::new("software_packageUrl"),
                    });
                }
                for key in ["externalIdentifier", "externalIdentifiers"] {
                    for (j, x) in e
                        .get(key)
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .enumerate()
                    {
                        let kind = x
                            .get("externalIdentifierType")
                            .and_then(Value::as_str)
                            .unwrap_or("");
                        let Some(value) = x.get("identifier").and_then(s) else {
                            continue;
                        };
                        let field = Field::at(key, j).sub("identifier");
                        match kind {
                            "cpe23" | "cpe22" => c.cpes.push(Cpe {
                                value: value.to_owned(),
                                field,
                            }),
                            "packageUrl" if c.purl.is_none() => {
                                c.purl = Some(Purl {
                                    value: value.to_owned(),
                                    field,
                                })
                            }
                            _ => {}
                        }
                    }
                }
                for key in ["software_downloadLocation", "software_homePage"] {
                    if let Some(u) = e.get(key).and_then(s) {
                        c.external_refs.push(ExternalRef {
                            kind: key.to_owned(),
                            url: u.to_owned(),
                            field: Field::new(key),
                        });
                    }
                }
                for (j, r) in e
                    .get("externalRef")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    for (k, l) in r
                        .get("locator")
                        .map(ids)
                        .unwrap_or_default()
                        .into_iter()
                        .enumerate()
                    {
                        let _ = k;
                        c.external_refs.push(ExternalRef {
                            kind: r
                                .get("externalRefType")
                                .and_then(Value::as_str)
                                .unwrap_or("")
                                .to_owned(),
                            url: l,
                            field: Field::at("externalRef", j).sub("locator"),
                        });
                    }
                }
                for h in e
                    .get("verifiedUsing")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let (Some(alg), Some(v)) = (
                        h.get("algorithm").and_then(s),
                        h.get("hashValue").and_then(s),
                    ) {
                        c.hashes.push(Hash {
                            alg: alg.to_owned(),
                            value: v.to_owned(),
                        });
                    }
                }
                let purpose = e.get("software_primaryPurpose").and_then(s);
                c.class = match purpose {
                    Some("firmware" | "device") => ComponentClass::Equipment,
                    _ => crate::cyclonedx_json::class_of(None, &c.cpes),
                };
                c.shrink_to_fit();
                sbom.components.push(c);
            }
            "SpdxDocument" | "software_Sbom" | "Sbom" | "Bom" => {
                if sbom.name.is_none() {
                    sbom.name = e.get("name").and_then(s).map(str::to_owned);
                }
                if t == "SpdxDocument" && sbom.serial.is_none() {
                    sbom.serial = id_of(e).map(str::to_owned);
                }
                roots.extend(e.get("rootElement").map(ids).unwrap_or_default());
            }
            "Relationship" | "LifecycleScopedRelationship" | "SoftwareDependencyRelationship" => {
                let from = e.get("from").map(ids).unwrap_or_default();
                let to = e.get("to").map(ids).unwrap_or_default();
                let kind = e
                    .get("relationshipType")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let scope = e
                    .get("scope")
                    .or_else(|| e.get("software_scope"))
                    .and_then(Value::as_str)
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
                        roots.extend(to.iter().cloned());
                        None
                    }
                    _ => None,
                };
                if let Some(edge) = edge {
                    for f in &from {
                        for t in &to {
                            sbom.relationships.push(Relationship {
                                from: ComponentRef(f.clone()),
                                to: ComponentRef(t.clone()),
                                kind: edge,
                                origin: RelOrigin::Relationship {
                                    index: bomvet_model::idx(i),
                                },
                            });
                        }
                    }
                }
            }
            _ => {}
        }
    }
    // A root that is an SBOM or a document names its own roots: follow them to packages.
    let mut seen = std::collections::HashSet::new();
    while let Some(r) = roots.pop() {
        if !seen.insert(r.clone()) {
            continue;
        }
        match by_id.get(r.as_str()).map(|e| type_of(e)) {
            Some("SpdxDocument" | "software_Sbom" | "Sbom" | "Bom") => {
                roots.extend(
                    by_id[r.as_str()]
                        .get("rootElement")
                        .map(ids)
                        .unwrap_or_default(),
                );
            }
            Some(_) if sbom.components.iter().any(|c| c.id.0 == r) => {
                let id = ComponentRef(r);
                if !sbom.declared_roots.contains(&id) {
                    sbom.declared_roots.push(id);
                }
            }
            _ => {}
        }
    }
    sbom.declared_roots.sort();
    Ok(sbom)
}
