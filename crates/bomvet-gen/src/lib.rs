//! Generates SBOMs of any size (1k to 1M components and more) with a realistic dependency graph,
//! restricted components planted in every evidence field at many depths, decoys from the facts
//! file's section 4, and a [`Truth`] of what an auditor must find. Deterministic for a seed.
//!
//! The graph has `depth` layers (10 to 20, growing with size); each component depends on one to
//! four components of the next layer (so sub-dependencies are shared), the root depends on the
//! first layer, and one component in 500 has a back edge to the layer above (a cycle).
//!
//! ```
//! let mut out = Vec::new();
//! let opts = bomvet_gen::Options { components: 2_000, ..Default::default() };
//! let truth = bomvet_gen::generate(&opts, &mut out).unwrap();
//! assert!(truth.planted.len() > 20);
//! ```

use std::io::{self, Write};

use serde::Serialize;
use serde_json::{json, Value};

/// Encodings the generator writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// CycloneDX 1.6 JSON.
    CyclonedxJson,
    /// SPDX 2.3 JSON.
    SpdxJson,
}

impl Format {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::CyclonedxJson => "cdx-json",
            Format::SpdxJson => "spdx-json",
        }
    }

    /// File extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::CyclonedxJson => "cdx.json",
            Format::SpdxJson => "spdx.json",
        }
    }
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    /// Number of components besides the root.
    pub components: usize,
    /// PRNG seed.
    pub seed: u64,
    /// Encoding.
    pub format: Format,
    /// Plant restricted components and decoys.
    pub plants: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            components: 1_000,
            seed: 1,
            format: Format::CyclonedxJson,
            plants: true,
        }
    }
}

/// One planted restricted component and what must be reported for it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Planted {
    /// Its bom-ref / SPDXID.
    #[serde(rename = "ref")]
    pub id: String,
    /// Plant kind (the evidence field).
    pub kind: String,
    /// Entity id that must be found.
    pub entity: String,
    /// Severity that must be reported.
    pub severity: String,
    /// Its layer (distance from the root along the layered graph).
    pub layer: usize,
}

/// What an auditor must find in a generated SBOM.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Truth {
    /// Components in the document, the root included.
    pub components: usize,
    /// Edges written (dependencies or relationships, without DESCRIBES).
    pub edges: usize,
    /// Layers of the graph.
    pub depth: usize,
    /// Back edges written, each closing a cycle of three components.
    pub cycles: usize,
    /// Planted restricted components.
    pub planted: Vec<Planted>,
    /// Refs of decoys that must not be flagged.
    pub decoys: Vec<String>,
}

struct PlantSpec {
    kind: &'static str,
    entity: &'static str,
    severity: &'static str,
    cdx: fn() -> Value,
    spdx: fn() -> Value,
}

fn plant_specs() -> Vec<PlantSpec> {
    vec![
        PlantSpec {
            kind: "supplier-name",
            entity: "kaspersky",
            severity: "block",
            cdx: || json!({"name": "kav-sdk", "supplier": {"name": "AO Kaspersky Lab"}}),
            spdx: || json!({"name": "kav-sdk", "supplier": "Organization: AO Kaspersky Lab"}),
        },
        PlantSpec {
            kind: "supplier-affiliate",
            entity: "kaspersky",
            severity: "block",
            cdx: || json!({"name": "scan-engine", "supplier": {"name": "Kaspersky Lab Switzerland GmbH"}}),
            spdx: || json!({"name": "scan-engine", "supplier": "Organization: Kaspersky Lab Switzerland GmbH"}),
        },
        PlantSpec {
            kind: "originator-or-manufacturer",
            entity: "huawei",
            severity: "block",
            cdx: || json!({"type": "firmware", "name": "modem-fw", "manufacturer": {"name": "Huawei Technologies Co., Ltd."}}),
            spdx: || json!({"name": "modem-fw", "primaryPackagePurpose": "FIRMWARE", "originator": "Organization: Huawei Technologies Co., Ltd."}),
        },
        PlantSpec {
            kind: "cpe-vendor",
            entity: "zte",
            severity: "block",
            cdx: || json!({"type": "device", "name": "f660", "cpe": "cpe:2.3:h:zte:f660:-:*:*:*:*:*:*:*"}),
            spdx: || json!({"name": "f660", "externalRefs": [{"referenceCategory": "SECURITY", "referenceType": "cpe23Type", "referenceLocator": "cpe:2.3:h:zte:f660:-:*:*:*:*:*:*:*"}]}),
        },
        PlantSpec {
            kind: "purl-namespace",
            entity: "dji",
            severity: "review",
            cdx: || json!({"name": "dji-sdk", "purl": "pkg:maven/com.dji/dji-sdk@4.16.4"}),
            spdx: || json!({"name": "dji-sdk", "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:maven/com.dji/dji-sdk@4.16.4"}]}),
        },
        PlantSpec {
            kind: "email-domain",
            entity: "hikvision",
            severity: "needs-context",
            cdx: || json!({"type": "firmware", "name": "ipc-fw", "supplier": {"name": "Camera Team", "contact": [{"email": "hsrc@hikvision.com"}]}}),
            spdx: || json!({"name": "ipc-fw", "primaryPackagePurpose": "FIRMWARE", "supplier": "Organization: Camera Team (hsrc@hikvision.com)"}),
        },
        PlantSpec {
            kind: "url-domain",
            entity: "dahua",
            severity: "needs-context",
            cdx: || json!({"type": "firmware", "name": "nvr-fw", "supplier": {"name": "Video Team", "url": ["https://www.dahuasecurity.com"]}}),
            spdx: || json!({"name": "nvr-fw", "primaryPackagePurpose": "FIRMWARE", "homepage": "https://www.dahuasecurity.com"}),
        },
        PlantSpec {
            kind: "native-name",
            entity: "huawei",
            severity: "review",
            cdx: || json!({"type": "firmware", "name": "baseband", "supplier": {"name": "华为技术有限公司"}}),
            spdx: || json!({"name": "baseband", "primaryPackagePurpose": "FIRMWARE", "supplier": "Organization: 华为技术有限公司"}),
        },
        PlantSpec {
            kind: "file-name",
            entity: "hikvision",
            severity: "info",
            cdx: || json!({"type": "file", "name": "HCNetSDK.dll"}),
            spdx: || json!({"name": "HCNetSDK.dll"}),
        },
    ]
}

/// A decoy: its CycloneDX fields and its SPDX fields.
type DecoySpec = (fn() -> Value, fn() -> Value);

fn decoy_specs() -> Vec<DecoySpec> {
    vec![
        (
            || json!({"name": "av-history", "authors": [{"name": "Eugene Kaspersky"}]}),
            || json!({"name": "av-history", "originator": "Person: Eugene Kaspersky"}),
        ),
        (
            || json!({"group": "@aztec", "name": "foundation", "purl": "pkg:npm/%40aztec/foundation@0.65.2", "supplier": {"name": "Aztec Labs"}}),
            || json!({"name": "@aztec/foundation", "supplier": "Organization: Aztec Labs"}),
        ),
        (
            || json!({"name": "djinn", "purl": "pkg:pypi/djinn@0.3.0", "supplier": {"name": "Django Community"}}),
            || json!({"name": "djinn", "supplier": "Organization: Django Community"}),
        ),
        (
            || json!({"name": "Distributions.jl", "authors": [{"name": "Dahua Lin"}]}),
            || json!({"name": "Distributions.jl", "originator": "Person: Dahua Lin"}),
        ),
        (
            || json!({"name": "hikvision-isapi-client", "supplier": {"name": "OpenCam Contributors"}}),
            || json!({"name": "hikvision-isapi-client", "supplier": "Organization: OpenCam Contributors"}),
        ),
    ]
}

/// Writes one SBOM to `out` and returns what must be found in it.
///
/// # Errors
/// Only I/O errors of `out`.
pub fn generate(opts: &Options, out: &mut dyn Write) -> io::Result<Truth> {
    let n = opts.components.max(1);
    let mut rng = fastrand::Rng::with_seed(opts.seed);
    let depth = (usize::BITS - n.leading_zeros()) as usize; // log2(n) + 1
    let depth = depth.clamp(10, 20).min(n);
    // Layer of component i (1-based layers, components 0..n).
    let layer_start: Vec<usize> = (0..=depth).map(|k| k * n / depth).collect();
    let layer_of = |i: usize| -> usize { layer_start.partition_point(|&s| s <= i) };
    let mut deps: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut parent: Vec<usize> = vec![usize::MAX; n];
    let mut edges = 0;
    for k in 1..depth {
        let (a, b) = (layer_start[k - 1], layer_start[k]);
        let (c, d) = (layer_start[k], layer_start[k + 1]);
        if a == b || c == d {
            continue;
        }
        // Every component of the next layer gets a parent, then extra shared edges.
        for (j, par) in parent.iter_mut().enumerate().take(d).skip(c) {
            let p = rng.usize(a..b);
            deps[p].push(j as u32);
            *par = p;
            edges += 1;
        }
        for dep in &mut deps[a..b] {
            for _ in 0..rng.usize(0..3) {
                let j = rng.usize(c..d) as u32;
                if !dep.contains(&j) {
                    dep.push(j);
                    edges += 1;
                }
            }
        }
    }
    // Cycles: one component in 500 depends back on its grandparent (a three-component cycle).
    let mut cycles = 0;
    for i in (layer_start[1.min(depth)]..n).step_by(500).skip(1) {
        let p = parent[i];
        if p != usize::MAX && parent[p] != usize::MAX && layer_of(i) >= 3 {
            deps[i].push(parent[p] as u32);
            edges += 1;
            cycles += 1;
        }
    }
    let root_deps: Vec<u32> = (0..layer_start[1]).map(|i| i as u32).collect();
    edges += root_deps.len();

    // Plants: each kind at layers 1, 2, 5, 10, 15 and the last (when they exist), spread over
    // positions; decoys likewise at a few layers.
    let mut planted: Vec<Option<(usize, usize)>> = vec![None; n]; // (spec index, 0 plant / 1 decoy)
    let specs = plant_specs();
    let decoys = decoy_specs();
    let mut truth = Truth {
        components: n + 1,
        edges,
        depth,
        cycles,
        ..Truth::default()
    };
    if opts.plants {
        let mut layers: Vec<usize> = [1, 2, 5, 10, 15, depth]
            .into_iter()
            .filter(|&l| l <= depth)
            .collect();
        layers.dedup();
        for (s, spec) in specs.iter().enumerate() {
            for &l in &layers {
                let (a, b) = (layer_start[l - 1], layer_start[l]);
                if a == b {
                    continue;
                }
                let i = a + (s * 7919 + l * 104_729) % (b - a);
                if planted[i].is_some() {
                    continue;
                }
                planted[i] = Some((s, 0));
                truth.planted.push(Planted {
                    id: id_of(opts.format, i),
                    kind: spec.kind.to_owned(),
                    entity: spec.entity.to_owned(),
                    severity: spec.severity.to_owned(),
                    layer: l,
                });
            }
        }
        for (s, _) in decoys.iter().enumerate() {
            for &l in &layers {
                let (a, b) = (layer_start[l - 1], layer_start[l]);
                if a == b {
                    continue;
                }
                let i = a + (s * 6007 + l * 15_485_863 + 1) % (b - a);
                if planted[i].is_some() {
                    continue;
                }
                planted[i] = Some((s, 1));
                truth.decoys.push(id_of(opts.format, i));
            }
        }
    }

    let mut w = io::BufWriter::with_capacity(1 << 20, out);
    match opts.format {
        Format::CyclonedxJson => {
            write!(
                w,
                r#"{{"bomFormat":"CycloneDX","specVersion":"1.6","serialNumber":"urn:uuid:00000000-0000-4000-8000-{:012x}","version":1,"metadata":{{"component":{{"type":"application","bom-ref":"root","name":"generated-product","version":"1.0.0","supplier":{{"name":"Acme Corp"}}}}}},"components":["#,
                opts.seed
            )?;
            for (i, plant) in planted.iter().enumerate() {
                if i > 0 {
                    w.write_all(b",\n")?;
                }
                let mut c = base_component(i, &mut rng);
                if let Some((s, kind)) = *plant {
                    let extra = if kind == 0 {
                        (specs[s].cdx)()
                    } else {
                        (decoys[s].0)()
                    };
                    overlay(&mut c, extra);
                }
                serde_json::to_writer(&mut w, &c)?;
            }
            w.write_all(b"],\"dependencies\":[")?;
            write!(w, r#"{{"ref":"root","dependsOn":["#)?;
            write_refs(&mut w, opts.format, &root_deps)?;
            w.write_all(b"]}")?;
            for (i, d) in deps.iter().enumerate() {
                if d.is_empty() {
                    continue;
                }
                write!(w, ",\n{{\"ref\":\"c{i}\",\"dependsOn\":[")?;
                write_refs(&mut w, opts.format, d)?;
                w.write_all(b"]}")?;
            }
            w.write_all(b"]}\n")?;
        }
        Format::SpdxJson => {
            write!(
                w,
                r#"{{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"generated-product","documentNamespace":"https://generated.invalid/spdx/{}","creationInfo":{{"created":"2026-01-01T00:00:00Z","creators":["Tool: bomvet-gen"]}},"documentDescribes":["SPDXRef-root"],"packages":[{{"SPDXID":"SPDXRef-root","name":"generated-product","versionInfo":"1.0.0","supplier":"Organization: Acme Corp","downloadLocation":"NOASSERTION"}}"#,
                opts.seed
            )?;
            for (i, plant) in planted.iter().enumerate() {
                w.write_all(b",\n")?;
                let c = base_component(i, &mut rng);
                let mut p = spdx_package(i, &c);
                if let Some((s, kind)) = *plant {
                    let extra = if kind == 0 {
                        (specs[s].spdx)()
                    } else {
                        (decoys[s].1)()
                    };
                    if extra.get("supplier").is_none() && extra.get("originator").is_some() {
                        if let Some(o) = p.as_object_mut() {
                            o.remove("supplier");
                        }
                    }
                    overlay(&mut p, extra);
                }
                serde_json::to_writer(&mut w, &p)?;
            }
            w.write_all(b"],\"relationships\":[")?;
            w.write_all(br#"{"spdxElementId":"SPDXRef-DOCUMENT","relationshipType":"DESCRIBES","relatedSpdxElement":"SPDXRef-root"}"#)?;
            for &j in &root_deps {
                write!(w, ",\n{{\"spdxElementId\":\"SPDXRef-root\",\"relationshipType\":\"DEPENDS_ON\",\"relatedSpdxElement\":\"SPDXRef-c{j}\"}}")?;
            }
            for (i, d) in deps.iter().enumerate() {
                for &j in d {
                    write!(w, ",\n{{\"spdxElementId\":\"SPDXRef-c{i}\",\"relationshipType\":\"DEPENDS_ON\",\"relatedSpdxElement\":\"SPDXRef-c{j}\"}}")?;
                }
            }
            w.write_all(b"]}\n")?;
        }
    }
    w.flush()?;
    Ok(truth)
}

fn id_of(format: Format, i: usize) -> String {
    match format {
        Format::CyclonedxJson => format!("c{i}"),
        Format::SpdxJson => format!("SPDXRef-c{i}"),
    }
}

fn write_refs(w: &mut dyn Write, format: Format, refs: &[u32]) -> io::Result<()> {
    for (k, j) in refs.iter().enumerate() {
        if k > 0 {
            w.write_all(b",")?;
        }
        match format {
            Format::CyclonedxJson => write!(w, "\"c{j}\"")?,
            Format::SpdxJson => write!(w, "\"SPDXRef-c{j}\"")?,
        }
    }
    Ok(())
}

fn overlay(base: &mut Value, extra: Value) {
    if let (Some(b), Value::Object(e)) = (base.as_object_mut(), extra) {
        for (k, v) in e {
            b.insert(k, v);
        }
    }
}

const ECOSYSTEMS: [&str; 4] = ["npm", "maven", "pypi", "golang"];

/// An ordinary component of a realistic size (~700 bytes of CycloneDX JSON).
fn base_component(i: usize, rng: &mut fastrand::Rng) -> Value {
    let org = i % 4_999;
    let eco = ECOSYSTEMS[i % 4];
    let version = format!("{}.{}.{}", i % 9, i % 50, i % 7);
    let purl = match eco {
        "npm" => format!("pkg:npm/%40org{org}/pkg-{i}@{version}"),
        "maven" => format!("pkg:maven/com.org{org}/pkg-{i}@{version}"),
        "pypi" => format!("pkg:pypi/org{org}-pkg-{i}@{version}"),
        _ => format!("pkg:golang/github.com/org{org}/pkg-{i}@v{version}"),
    };
    let hash: String = (0..4).map(|_| format!("{:016x}", rng.u64(..))).collect();
    json!({
        "type": "library",
        "bom-ref": format!("c{i}"),
        "supplier": {"name": format!("Vendor {org} Inc."), "url": [format!("https://vendor{org}.example")]},
        "group": if eco == "maven" { Value::from(format!("com.org{org}")) } else { Value::Null },
        "name": format!("pkg-{i}"),
        "version": version,
        "description": format!("Generated package {i} for benchmarks and tests of restricted-origin auditing."),
        "hashes": [{"alg": "SHA-256", "content": hash}],
        "licenses": [{"license": {"id": "MIT"}}],
        "purl": purl,
        "externalReferences": [{"type": "website", "url": format!("https://vendor{org}.example/pkg-{i}")}, {"type": "vcs", "url": format!("https://git.vendor{org}.example/pkg-{i}.git")}]
    })
}

fn spdx_package(i: usize, c: &Value) -> Value {
    let s = |k: &str| {
        c.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let org = i % 4_999;
    json!({
        "SPDXID": format!("SPDXRef-c{i}"),
        "name": s("name"),
        "versionInfo": s("version"),
        "supplier": format!("Organization: Vendor {org} Inc. (security@vendor{org}.example)"),
        "downloadLocation": format!("https://vendor{org}.example/pkg-{i}.tgz"),
        "homepage": format!("https://vendor{org}.example/pkg-{i}"),
        "filesAnalyzed": false,
        "licenseConcluded": "MIT",
        "licenseDeclared": "MIT",
        "copyrightText": "NOASSERTION",
        "description": s("description"),
        "checksums": [{"algorithm": "SHA256", "checksumValue": c["hashes"][0]["content"].clone()}],
        "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": s("purl")}]
    })
}
