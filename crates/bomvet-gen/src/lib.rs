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

use std::borrow::Cow;
use std::io::{self, Write};

use serde::Serialize;
use serde_json::{json, Value};

/// Version of the generator's output: raised whenever the same options give other bytes, so that
/// cached files (`make bench` keeps them in `target/bench-data`) are made again.
pub const VERSION: u32 = 2;

/// Encodings the generator writes: every encoding bomvet reads except SPDX YAML (the same
/// document model as SPDX JSON, read by a different parser of the same structs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// CycloneDX 1.6 JSON.
    CyclonedxJson,
    /// CycloneDX 1.6 XML.
    CyclonedxXml,
    /// SPDX 2.3 JSON.
    SpdxJson,
    /// SPDX 2.3 tag-value.
    SpdxTagValue,
    /// SPDX 3.0.1 JSON-LD.
    Spdx3Json,
}

impl Format {
    /// Every encoding, in a stable order.
    pub const ALL: [Format; 5] = [
        Format::CyclonedxJson,
        Format::CyclonedxXml,
        Format::SpdxJson,
        Format::SpdxTagValue,
        Format::Spdx3Json,
    ];

    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::CyclonedxJson => "cdx-json",
            Format::CyclonedxXml => "cdx-xml",
            Format::SpdxJson => "spdx-json",
            Format::SpdxTagValue => "spdx-tv",
            Format::Spdx3Json => "spdx3-json",
        }
    }

    /// The format of a stable name.
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.as_str() == name)
    }

    /// File extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::CyclonedxJson => "cdx.json",
            Format::CyclonedxXml => "cdx.xml",
            Format::SpdxJson => "spdx.json",
            Format::SpdxTagValue => "spdx",
            Format::Spdx3Json => "spdx3.json",
        }
    }

    /// Whether the document is CycloneDX (otherwise SPDX).
    pub fn is_cyclonedx(self) -> bool {
        matches!(self, Format::CyclonedxJson | Format::CyclonedxXml)
    }

    /// The identifier of the product (the root every path starts at).
    pub fn root_id(self) -> String {
        id(self, "root")
    }
}

/// The identifier of element `local` (`c12`, `root`) in `format`.
fn id(format: Format, local: &str) -> String {
    match format {
        Format::CyclonedxJson | Format::CyclonedxXml => local.to_owned(),
        Format::SpdxJson | Format::SpdxTagValue => format!("SPDXRef-{local}"),
        Format::Spdx3Json => format!("{SPDX3_NS}{local}"),
    }
}

/// Namespace of SPDX 3 element identifiers (IRIs).
const SPDX3_NS: &str = "https://generated.invalid/spdx3#";

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
    let format = opts.format;
    let mut doc = Document::start(&mut w, format, opts.seed)?;
    for (i, plant) in planted.iter().enumerate() {
        let mut c = base_component(i, &mut rng);
        let extra = plant.map(|(s, kind)| match (kind, format.is_cyclonedx()) {
            (0, true) => (specs[s].cdx)(),
            (0, false) => (specs[s].spdx)(),
            (_, true) => (decoys[s].0)(),
            (_, false) => (decoys[s].1)(),
        });
        if format.is_cyclonedx() {
            if let Some(extra) = extra {
                overlay(&mut c, extra);
            }
            doc.component(&mut w, i, &c)?;
        } else {
            let mut p = spdx_package(i, &c);
            if let Some(extra) = extra {
                if extra.get("supplier").is_none() && extra.get("originator").is_some() {
                    if let Some(o) = p.as_object_mut() {
                        o.remove("supplier");
                    }
                }
                overlay(&mut p, extra);
            }
            doc.component(&mut w, i, &p)?;
        }
    }
    doc.dependencies(&mut w, "root", &root_deps)?;
    for (i, d) in deps.iter().enumerate() {
        if !d.is_empty() {
            doc.dependencies(&mut w, &format!("c{i}"), d)?;
        }
    }
    doc.finish(&mut w)?;
    w.flush()?;
    Ok(truth)
}

fn id_of(format: Format, i: usize) -> String {
    id(format, &format!("c{i}"))
}

/// The writer of one document: what has been written so far, for separators and SPDX 3 agents.
struct Document {
    format: Format,
    /// Components written (for the separator of JSON arrays).
    written: usize,
    /// Dependency entries written.
    edges_written: usize,
    /// SPDX 3: agent element written for each supplier or originator string.
    agents: std::collections::HashMap<String, String>,
}

impl Document {
    /// Writes the document's head and its root component.
    fn start(w: &mut dyn Write, format: Format, seed: u64) -> io::Result<Document> {
        match format {
            Format::CyclonedxJson => write!(
                w,
                r#"{{"bomFormat":"CycloneDX","specVersion":"1.6","serialNumber":"urn:uuid:00000000-0000-4000-8000-{seed:012x}","version":1,"metadata":{{"component":{{"type":"application","bom-ref":"root","name":"generated-product","version":"1.0.0","supplier":{{"name":"Acme Corp"}}}}}},"components":["#
            )?,
            Format::CyclonedxXml => write!(
                w,
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<bom xmlns=\"http://cyclonedx.org/schema/bom/1.6\" serialNumber=\"urn:uuid:00000000-0000-4000-8000-{seed:012x}\" version=\"1\">\n<metadata><component type=\"application\" bom-ref=\"root\"><supplier><name>Acme Corp</name></supplier><name>generated-product</name><version>1.0.0</version></component></metadata>\n<components>\n"
            )?,
            Format::SpdxJson => write!(
                w,
                r#"{{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"generated-product","documentNamespace":"https://generated.invalid/spdx/{seed}","creationInfo":{{"created":"2026-01-01T00:00:00Z","creators":["Tool: bomvet-gen"]}},"documentDescribes":["SPDXRef-root"],"packages":[{{"SPDXID":"SPDXRef-root","name":"generated-product","versionInfo":"1.0.0","supplier":"Organization: Acme Corp","downloadLocation":"NOASSERTION"}}"#
            )?,
            Format::SpdxTagValue => write!(
                w,
                "SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\nSPDXID: SPDXRef-DOCUMENT\nDocumentName: generated-product\nDocumentNamespace: https://generated.invalid/spdx/{seed}\nCreator: Tool: bomvet-gen\nCreated: 2026-01-01T00:00:00Z\nRelationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-root\n\nPackageName: generated-product\nSPDXID: SPDXRef-root\nPackageVersion: 1.0.0\nPackageSupplier: Organization: Acme Corp\nPackageDownloadLocation: NOASSERTION\nFilesAnalyzed: false\n"
            )?,
            Format::Spdx3Json => {
                write!(
                    w,
                    r#"{{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld","@graph":[{{"type":"CreationInfo","@id":"_:creationinfo","specVersion":"3.0.1","created":"2026-01-01T00:00:00Z","createdBy":["{SPDX3_NS}acme"]}},
{{"type":"Organization","spdxId":"{SPDX3_NS}acme","creationInfo":"_:creationinfo","name":"Acme Corp"}},
{{"type":"software_Package","spdxId":"{SPDX3_NS}root","creationInfo":"_:creationinfo","name":"generated-product","software_packageVersion":"1.0.0","suppliedBy":"{SPDX3_NS}acme","software_primaryPurpose":"application"}}"#
                )?;
            }
        }
        Ok(Document {
            format,
            written: 0,
            edges_written: 0,
            agents: std::collections::HashMap::new(),
        })
    }

    /// Writes component `i`: `v` is its CycloneDX JSON object or its SPDX 2 JSON package.
    fn component(&mut self, w: &mut dyn Write, i: usize, v: &Value) -> io::Result<()> {
        match self.format {
            Format::CyclonedxJson => {
                if self.written > 0 {
                    w.write_all(b",\n")?;
                }
                serde_json::to_writer(&mut *w, v)?;
            }
            Format::CyclonedxXml => cdx_xml_component(w, v)?,
            Format::SpdxJson => {
                w.write_all(b",\n")?;
                serde_json::to_writer(&mut *w, v)?;
            }
            Format::SpdxTagValue => spdx_tv_package(w, v)?,
            Format::Spdx3Json => self.spdx3_package(w, i, v)?,
        }
        self.written += 1;
        Ok(())
    }

    /// Writes that `from` (`root`, `c12`) depends on components `to`.
    fn dependencies(&mut self, w: &mut dyn Write, from: &str, to: &[u32]) -> io::Result<()> {
        let first = self.edges_written == 0;
        self.edges_written += 1;
        match self.format {
            Format::CyclonedxJson => {
                w.write_all(if first {
                    b"],\"dependencies\":[\n"
                } else {
                    b",\n"
                })?;
                write!(w, "{{\"ref\":\"{from}\",\"dependsOn\":[")?;
                for (k, j) in to.iter().enumerate() {
                    let sep = if k > 0 { "," } else { "" };
                    write!(w, "{sep}\"c{j}\"")?;
                }
                w.write_all(b"]}")?;
            }
            Format::CyclonedxXml => {
                if first {
                    w.write_all(b"</components>\n<dependencies>\n")?;
                }
                write!(w, "<dependency ref=\"{from}\">")?;
                for j in to {
                    write!(w, "<dependency ref=\"c{j}\"/>")?;
                }
                w.write_all(b"</dependency>\n")?;
            }
            Format::SpdxJson => {
                if first {
                    w.write_all(b"],\"relationships\":[")?;
                    w.write_all(br#"{"spdxElementId":"SPDXRef-DOCUMENT","relationshipType":"DESCRIBES","relatedSpdxElement":"SPDXRef-root"}"#)?;
                }
                for j in to {
                    write!(w, ",\n{{\"spdxElementId\":\"SPDXRef-{from}\",\"relationshipType\":\"DEPENDS_ON\",\"relatedSpdxElement\":\"SPDXRef-c{j}\"}}")?;
                }
            }
            Format::SpdxTagValue => {
                if first {
                    w.write_all(b"\n")?;
                }
                for j in to {
                    writeln!(w, "Relationship: SPDXRef-{from} DEPENDS_ON SPDXRef-c{j}")?;
                }
            }
            Format::Spdx3Json => {
                write!(w, ",\n{{\"type\":\"Relationship\",\"spdxId\":\"{SPDX3_NS}r-{from}\",\"creationInfo\":\"_:creationinfo\",\"from\":\"{SPDX3_NS}{from}\",\"relationshipType\":\"dependsOn\",\"to\":[")?;
                for (k, j) in to.iter().enumerate() {
                    let sep = if k > 0 { "," } else { "" };
                    write!(w, "{sep}\"{SPDX3_NS}c{j}\"")?;
                }
                w.write_all(b"]}")?;
            }
        }
        Ok(())
    }

    /// Closes the document.
    fn finish(self, w: &mut dyn Write) -> io::Result<()> {
        match self.format {
            Format::CyclonedxJson | Format::SpdxJson => w.write_all(b"]}\n"),
            Format::CyclonedxXml => w.write_all(b"</dependencies>\n</bom>\n"),
            Format::SpdxTagValue => Ok(()),
            Format::Spdx3Json => write!(
                w,
                ",\n{{\"type\":\"software_Sbom\",\"spdxId\":\"{SPDX3_NS}sbom\",\"creationInfo\":\"_:creationinfo\",\"name\":\"generated-product\",\"software_sbomType\":[\"build\"],\"rootElement\":[\"{SPDX3_NS}root\"]}},\n{{\"type\":\"SpdxDocument\",\"spdxId\":\"{SPDX3_NS}document\",\"creationInfo\":\"_:creationinfo\",\"name\":\"generated-product\",\"rootElement\":[\"{SPDX3_NS}sbom\"]}}]}}\n"
            ),
        }
    }

    /// An SPDX 3 `software_Package` from an SPDX 2 package, with an agent element for each
    /// supplier or originator not seen before.
    fn spdx3_package(&mut self, w: &mut dyn Write, i: usize, p: &Value) -> io::Result<()> {
        let mut e = serde_json::Map::new();
        e.insert("type".into(), "software_Package".into());
        e.insert(
            "spdxId".into(),
            id(Format::Spdx3Json, &format!("c{i}")).into(),
        );
        e.insert("creationInfo".into(), "_:creationinfo".into());
        for (from, to) in [
            ("name", "name"),
            ("versionInfo", "software_packageVersion"),
            ("downloadLocation", "software_downloadLocation"),
            ("homepage", "software_homePage"),
            ("description", "description"),
        ] {
            if let Some(v) = p.get(from) {
                e.insert(to.into(), v.clone());
            }
        }
        for key in ["supplier", "originator"] {
            let Some(text) = p.get(key).and_then(Value::as_str) else {
                continue;
            };
            let n = self.agents.len();
            let agent = match self.agents.get(text) {
                Some(a) => a.clone(),
                None => {
                    let a = id(Format::Spdx3Json, &format!("agent-{n}"));
                    let (kind, name, email) = parse_agent(text);
                    let mut el = json!({"type": kind, "spdxId": a, "creationInfo": "_:creationinfo", "name": name});
                    if let Some(email) = email {
                        el["externalIdentifier"] = json!([{"type": "ExternalIdentifier", "externalIdentifierType": "email", "identifier": email}]);
                    }
                    w.write_all(b",\n")?;
                    serde_json::to_writer(&mut *w, &el)?;
                    self.agents.insert(text.to_owned(), a.clone());
                    a
                }
            };
            if key == "supplier" {
                e.insert("suppliedBy".into(), agent.into());
            } else {
                e.insert("originatedBy".into(), json!([agent]));
            }
        }
        if let Some(h) = p.pointer("/checksums/0/checksumValue") {
            e.insert(
                "verifiedUsing".into(),
                json!([{"type": "Hash", "algorithm": "sha256", "hashValue": h}]),
            );
        }
        let mut cpes = Vec::new();
        for r in p
            .get("externalRefs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let locator = r.get("referenceLocator").cloned().unwrap_or_default();
            match r.get("referenceType").and_then(Value::as_str) {
                Some("purl") => {
                    e.insert("software_packageUrl".into(), locator);
                }
                Some("cpe23Type") => cpes.push(json!({"type": "ExternalIdentifier", "externalIdentifierType": "cpe23", "identifier": locator})),
                _ => {}
            }
        }
        if !cpes.is_empty() {
            e.insert("externalIdentifier".into(), cpes.into());
        }
        let purpose = match p.get("primaryPackagePurpose").and_then(Value::as_str) {
            Some("FIRMWARE") => "firmware",
            _ => "library",
        };
        e.insert("software_primaryPurpose".into(), purpose.into());
        w.write_all(b",\n")?;
        serde_json::to_writer(&mut *w, &e)?;
        Ok(())
    }
}

/// `Organization: Name (email)` or `Person: Name` as SPDX 2 writes a supplier: the SPDX 3 agent
/// type, the name and the e-mail address.
fn parse_agent(text: &str) -> (&'static str, &str, Option<&str>) {
    let (kind, rest) = match text.split_once(": ") {
        Some(("Person", r)) => ("Person", r),
        Some((_, r)) => ("Organization", r),
        None => ("Organization", text),
    };
    match rest.strip_suffix(')').and_then(|r| r.rsplit_once(" (")) {
        Some((name, email)) => (kind, name, Some(email)),
        None => (kind, rest, None),
    }
}

/// Escapes text for XML content and attribute values.
fn xml(text: &str) -> Cow<'_, str> {
    if !text.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn str_of<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str)
}

fn items<'v>(v: &'v Value, key: &str) -> impl Iterator<Item = &'v Value> {
    v.get(key).and_then(Value::as_array).into_iter().flatten()
}

/// An organizational entity (`supplier`, `manufacturer`) in the XSD's element order.
fn cdx_xml_org(w: &mut dyn Write, tag: &str, v: &Value) -> io::Result<()> {
    write!(w, "<{tag}>")?;
    if let Some(name) = str_of(v, "name") {
        write!(w, "<name>{}</name>", xml(name))?;
    }
    for u in items(v, "url").filter_map(Value::as_str) {
        write!(w, "<url>{}</url>", xml(u))?;
    }
    for c in items(v, "contact") {
        w.write_all(b"<contact>")?;
        if let Some(e) = str_of(c, "email") {
            write!(w, "<email>{}</email>", xml(e))?;
        }
        w.write_all(b"</contact>")?;
    }
    write!(w, "</{tag}>")
}

/// The JSON array `key` of `c`, when present, as the XML element `<key>` holding one item each.
fn xml_list(
    w: &mut dyn Write,
    c: &Value,
    key: &str,
    mut item: impl FnMut(&mut dyn Write, &Value) -> io::Result<()>,
) -> io::Result<()> {
    if c.get(key).is_none() {
        return Ok(());
    }
    write!(w, "<{key}>")?;
    for v in items(c, key) {
        item(w, v)?;
    }
    write!(w, "</{key}>")
}

/// A CycloneDX JSON component as CycloneDX 1.6 XML, elements in the XSD's order.
fn cdx_xml_component(w: &mut dyn Write, c: &Value) -> io::Result<()> {
    write!(
        w,
        "<component type=\"{}\" bom-ref=\"{}\">",
        xml(str_of(c, "type").unwrap_or("library")),
        xml(str_of(c, "bom-ref").unwrap_or_default())
    )?;
    for tag in ["supplier", "manufacturer"] {
        if let Some(v) = c.get(tag) {
            cdx_xml_org(w, tag, v)?;
        }
    }
    xml_list(w, c, "authors", |w, a| {
        write!(
            w,
            "<author><name>{}</name></author>",
            xml(str_of(a, "name").unwrap_or_default())
        )
    })?;
    for tag in ["group", "name", "version", "description"] {
        if let Some(v) = str_of(c, tag) {
            write!(w, "<{tag}>{}</{tag}>", xml(v))?;
        }
    }
    xml_list(w, c, "hashes", |w, h| {
        write!(
            w,
            "<hash alg=\"{}\">{}</hash>",
            xml(str_of(h, "alg").unwrap_or_default()),
            xml(str_of(h, "content").unwrap_or_default())
        )
    })?;
    xml_list(w, c, "licenses", |w, l| {
        match l.pointer("/license/id").and_then(Value::as_str) {
            Some(id) => write!(w, "<license><id>{}</id></license>", xml(id)),
            None => Ok(()),
        }
    })?;
    for tag in ["cpe", "purl"] {
        if let Some(v) = str_of(c, tag) {
            write!(w, "<{tag}>{}</{tag}>", xml(v))?;
        }
    }
    xml_list(w, c, "externalReferences", |w, r| {
        write!(
            w,
            "<reference type=\"{}\"><url>{}</url></reference>",
            xml(str_of(r, "type").unwrap_or("other")),
            xml(str_of(r, "url").unwrap_or_default())
        )
    })?;
    w.write_all(b"</component>\n")
}

/// An SPDX 2 JSON package as a tag-value package section.
fn spdx_tv_package(w: &mut dyn Write, p: &Value) -> io::Result<()> {
    w.write_all(b"\n")?;
    for (key, tag) in [
        ("name", "PackageName"),
        ("SPDXID", "SPDXID"),
        ("versionInfo", "PackageVersion"),
        ("supplier", "PackageSupplier"),
        ("originator", "PackageOriginator"),
        ("downloadLocation", "PackageDownloadLocation"),
        ("homepage", "PackageHomePage"),
        ("primaryPackagePurpose", "PrimaryPackagePurpose"),
        ("licenseConcluded", "PackageLicenseConcluded"),
        ("licenseDeclared", "PackageLicenseDeclared"),
        ("copyrightText", "PackageCopyrightText"),
        ("description", "PackageDescription"),
    ] {
        if let Some(v) = str_of(p, key) {
            writeln!(w, "{tag}: {v}")?;
        }
    }
    if p.get("downloadLocation").is_none() {
        w.write_all(b"PackageDownloadLocation: NOASSERTION\n")?;
    }
    w.write_all(b"FilesAnalyzed: false\n")?;
    for c in items(p, "checksums") {
        writeln!(
            w,
            "PackageChecksum: {}: {}",
            str_of(c, "algorithm").unwrap_or_default(),
            str_of(c, "checksumValue").unwrap_or_default()
        )?;
    }
    for r in items(p, "externalRefs") {
        writeln!(
            w,
            "ExternalRef: {} {} {}",
            str_of(r, "referenceCategory").unwrap_or_default(),
            str_of(r, "referenceType").unwrap_or_default(),
            str_of(r, "referenceLocator").unwrap_or_default()
        )?;
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
    let mut c = json!({
        "type": "library",
        "bom-ref": format!("c{i}"),
        "supplier": {"name": format!("Vendor {org} Inc."), "url": [format!("https://vendor{org}.example")]},
        "name": format!("pkg-{i}"),
        "version": version,
        "description": format!("Generated package {i} for benchmarks and tests of restricted-origin auditing."),
        "hashes": [{"alg": "SHA-256", "content": hash}],
        "licenses": [{"license": {"id": "MIT"}}],
        "purl": purl,
        "externalReferences": [{"type": "website", "url": format!("https://vendor{org}.example/pkg-{i}")}, {"type": "vcs", "url": format!("https://git.vendor{org}.example/pkg-{i}.git")}]
    });
    if eco == "maven" {
        c["group"] = format!("com.org{org}").into();
    }
    c
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
