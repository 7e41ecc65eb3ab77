//! Restricted components planted in every evidence field, at depths 1, 2, 5 and 8, in CycloneDX
//! and SPDX; and the false-positive traps of the facts file (section 4). Every planted component
//! must be found with the right entity, field and path; no decoy may be flagged; the traps that
//! call for a lower severity must get exactly that severity.

use std::path::Path;

use bomvet_audit::{AuditOptions, Auditor, Code, Finding, Severity};
use bomvet_policy::Policy;
use serde_json::{json, Value};

/// One plant: the CycloneDX (or SPDX) fields of the restricted component, and what must be found.
struct Plant {
    name: &'static str,
    fields: Value,
    entity: &'static str,
    field_suffix: &'static str,
    severity: Severity,
}

fn cdx_plants() -> Vec<Plant> {
    vec![
        Plant {
            name: "supplier-name",
            fields: json!({"type": "firmware", "supplier": {"name": "Huawei Technologies Co., Ltd."}}),
            entity: "huawei",
            field_suffix: "supplier.name",
            severity: Severity::Block,
        },
        Plant {
            name: "supplier-native-name",
            fields: json!({"type": "firmware", "supplier": {"name": "华为技术有限公司"}}),
            entity: "huawei",
            field_suffix: "supplier.name",
            severity: Severity::Review,
        },
        Plant {
            name: "supplier-url",
            fields: json!({"type": "firmware", "supplier": {"name": "Camera Firmware Team", "url": ["https://www.hikvision.com/en/"]}}),
            entity: "hikvision",
            field_suffix: "supplier.url[0]",
            severity: Severity::NeedsContext,
        },
        Plant {
            name: "supplier-email",
            fields: json!({"type": "firmware", "supplier": {"name": "Modem Team", "contact": [{"email": "psirt@zte.com.cn"}]}}),
            entity: "zte",
            field_suffix: "supplier.email[0]",
            severity: Severity::Review,
        },
        Plant {
            name: "manufacturer",
            fields: json!({"type": "device", "manufacturer": {"name": "Hangzhou Hikvision Digital Technology Co., Ltd."}}),
            entity: "hikvision",
            field_suffix: "manufacturer.name",
            severity: Severity::NeedsContext,
        },
        Plant {
            name: "author",
            fields: json!({"type": "library", "author": "AO Kaspersky Lab"}),
            entity: "kaspersky",
            field_suffix: "author.name",
            severity: Severity::Review,
        },
        Plant {
            name: "authors",
            fields: json!({"type": "library", "authors": [{"name": "Kaspersky Lab"}]}),
            entity: "kaspersky",
            field_suffix: "authors[0].name",
            severity: Severity::Review,
        },
        Plant {
            name: "publisher",
            fields: json!({"type": "library", "publisher": "Kaspersky Lab Switzerland GmbH"}),
            entity: "kaspersky",
            field_suffix: "publisher.name",
            severity: Severity::Block,
        },
        Plant {
            name: "cpe-vendor",
            fields: json!({"type": "firmware", "cpe": "cpe:2.3:o:dahuasecurity:ipc-hx3xxx_firmware:2.8:*:*:*:*:*:*:*"}),
            entity: "dahua",
            field_suffix: "cpe",
            severity: Severity::NeedsContext,
        },
        Plant {
            name: "purl-namespace",
            fields: json!({"type": "library", "purl": "pkg:maven/com.dji/dji-sdk@4.16.4"}),
            entity: "dji",
            field_suffix: "purl",
            severity: Severity::Review,
        },
        Plant {
            name: "external-ref-domain",
            fields: json!({"type": "application", "externalReferences": [{"type": "distribution", "url": "https://products.s.kaspersky-labs.com/kes/12.4/kes.msi"}]}),
            entity: "kaspersky",
            field_suffix: "externalReferences[0].url",
            severity: Severity::Review,
        },
        Plant {
            name: "file-name",
            fields: json!({"type": "file", "name": "libhcnetsdk.so"}),
            entity: "hikvision",
            field_suffix: "name",
            severity: Severity::Info,
        },
        Plant {
            name: "product-name",
            fields: json!({"type": "library", "name": "Kaspersky Scan Engine"}),
            entity: "kaspersky",
            field_suffix: "name",
            severity: Severity::Review,
        },
    ]
}

fn spdx_plants() -> Vec<Plant> {
    vec![
        Plant {
            name: "spdx-supplier",
            fields: json!({"supplier": "Organization: Huawei Technologies Co., Ltd. (psirt@huawei.com)", "primaryPackagePurpose": "FIRMWARE"}),
            entity: "huawei",
            field_suffix: "supplier.name",
            severity: Severity::Block,
        },
        Plant {
            name: "spdx-originator",
            fields: json!({"originator": "Organization: AO Kaspersky Lab"}),
            entity: "kaspersky",
            field_suffix: "originator.name",
            severity: Severity::Block,
        },
        Plant {
            name: "spdx-supplier-email",
            fields: json!({"supplier": "Organization: Video Team (cybersecurity@dahuatech.com)", "primaryPackagePurpose": "DEVICE"}),
            entity: "dahua",
            field_suffix: "supplier.email[0]",
            severity: Severity::NeedsContext,
        },
        Plant {
            name: "spdx-cpe",
            fields: json!({"externalRefs": [{"referenceCategory": "SECURITY", "referenceType": "cpe23Type", "referenceLocator": "cpe:2.3:h:zte:f660:-:*:*:*:*:*:*:*"}]}),
            entity: "zte",
            field_suffix: "externalRefs[0].referenceLocator",
            severity: Severity::Block,
        },
        Plant {
            name: "spdx-purl",
            fields: json!({"externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:npm/%40kaspersky/hexa-ui@1.2.0"}]}),
            entity: "kaspersky",
            field_suffix: "externalRefs[0].referenceLocator",
            severity: Severity::Review,
        },
        Plant {
            name: "spdx-homepage",
            fields: json!({"homepage": "https://www.dahuasecurity.com/products", "primaryPackagePurpose": "FIRMWARE"}),
            entity: "dahua",
            field_suffix: "homepage",
            severity: Severity::NeedsContext,
        },
    ]
}

const DEPTHS: [usize; 4] = [1, 2, 5, 8];

/// A CycloneDX 1.6 document: root -> mid1 -> ... -> planted, by `dependencies` (even depths)
/// or nested `components` (odd depths), so both graph sources are exercised.
fn cdx_doc(plant: &Plant, depth: usize) -> Value {
    let mut planted =
        json!({"bom-ref": "planted", "name": format!("planted-{}", plant.name), "version": "1.0"});
    for (k, v) in plant.fields.as_object().into_iter().flatten() {
        planted[k] = v.clone();
    }
    let mids: Vec<Value> = (1..depth)
        .map(|i| json!({"type": "library", "bom-ref": format!("mid{i}"), "name": format!("mid{i}"), "supplier": {"name": "Acme Corp"}}))
        .collect();
    let chain: Vec<String> = std::iter::once("root".to_owned())
        .chain((1..depth).map(|i| format!("mid{i}")))
        .chain(std::iter::once("planted".to_owned()))
        .collect();
    let (components, dependencies) = if depth % 2 == 0 {
        let mut comps = mids.clone();
        comps.push(planted);
        let deps: Vec<Value> = chain
            .windows(2)
            .map(|w| json!({"ref": w[0], "dependsOn": [w[1]]}))
            .collect();
        (comps, deps)
    } else {
        // Nest: mid1 { mid2 { ... { planted } } }
        let mut inner = planted;
        for m in mids.into_iter().rev() {
            let mut m = m;
            m["components"] = json!([inner]);
            inner = m;
        }
        (vec![inner], vec![])
    };
    json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "metadata": {"component": {"type": "application", "bom-ref": "root", "name": "product", "supplier": {"name": "Acme Corp"}}},
        "components": components,
        "dependencies": dependencies
    })
}

/// An SPDX 2.3 document with the chain written alternately as DEPENDS_ON and reversed
/// DEPENDENCY_OF / CONTAINED_BY, so direction normalisation is exercised.
fn spdx_doc(plant: &Plant, depth: usize) -> Value {
    let mut packages = vec![
        json!({"SPDXID": "SPDXRef-root", "name": "product", "supplier": "Organization: Acme Corp", "downloadLocation": "NOASSERTION"}),
    ];
    for i in 1..depth {
        packages.push(json!({"SPDXID": format!("SPDXRef-mid{i}"), "name": format!("mid{i}"), "supplier": "Organization: Acme Corp", "downloadLocation": "NOASSERTION"}));
    }
    let mut planted = json!({"SPDXID": "SPDXRef-planted", "name": format!("planted-{}", plant.name), "downloadLocation": "NOASSERTION"});
    for (k, v) in plant.fields.as_object().into_iter().flatten() {
        planted[k] = v.clone();
    }
    packages.push(planted);
    let chain: Vec<String> = std::iter::once("SPDXRef-root".to_owned())
        .chain((1..depth).map(|i| format!("SPDXRef-mid{i}")))
        .chain(std::iter::once("SPDXRef-planted".to_owned()))
        .collect();
    let mut rels = vec![
        json!({"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": "SPDXRef-root"}),
    ];
    for (i, w) in chain.windows(2).enumerate() {
        rels.push(match i % 3 {
            0 => json!({"spdxElementId": w[0], "relationshipType": "DEPENDS_ON", "relatedSpdxElement": w[1]}),
            1 => json!({"spdxElementId": w[1], "relationshipType": "DEPENDENCY_OF", "relatedSpdxElement": w[0]}),
            _ => json!({"spdxElementId": w[1], "relationshipType": "CONTAINED_BY", "relatedSpdxElement": w[0]}),
        });
    }
    json!({
        "spdxVersion": "SPDX-2.3",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": "planted",
        "documentNamespace": "https://example.invalid/planted",
        "packages": packages,
        "relationships": rels
    })
}

fn audit(doc: &Value) -> Vec<Finding> {
    let policy = Policy::embedded_default();
    let auditor = Auditor::new(&policy, AuditOptions::default());
    let bytes = serde_json::to_vec(doc).unwrap_or_default();
    let sbom = bomvet_ingest::read_bytes(Path::new("planted.json"), &bytes)
        .unwrap_or_else(|e| panic!("{e}"));
    auditor
        .audit(&sbom)
        .findings
        .into_iter()
        .filter(|f| f.code == Code::RestrictedOrigin)
        .collect()
}

fn check(plant: &Plant, depth: usize, doc: &Value, root: &str, planted: &str, mid: &str) {
    let findings = audit(doc);
    let label = format!("{} at depth {depth}", plant.name);
    assert_eq!(findings.len(), 1, "{label}: {findings:#?}");
    let f = &findings[0];
    assert_eq!(
        f.entity.as_ref().map(|e| e.id.as_str()),
        Some(plant.entity),
        "{label}"
    );
    assert_eq!(f.component.id, planted, "{label}");
    assert_eq!(f.severity, plant.severity, "{label}: {f:#?}");
    assert!(
        f.evidence
            .iter()
            .any(|e| e.field.ends_with(plant.field_suffix)),
        "{label}: no evidence in `{}`: {:#?}",
        plant.field_suffix,
        f.evidence
    );
    let mut expected = vec![root.to_owned()];
    expected.extend((1..depth).map(|i| format!("{mid}{i}")));
    expected.push(planted.to_owned());
    assert_eq!(f.path, expected, "{label}");
    assert_eq!(f.path.len(), depth + 1, "{label}");
}

/// Every CycloneDX field plant is found at every depth with the right path and severity.
#[test]
fn cyclonedx_plants_found_at_every_depth() {
    for plant in cdx_plants() {
        for depth in DEPTHS {
            check(
                &plant,
                depth,
                &cdx_doc(&plant, depth),
                "root",
                "planted",
                "mid",
            );
        }
    }
}

/// Every SPDX field plant is found at every depth, through normalised relationship directions.
#[test]
fn spdx_plants_found_at_every_depth() {
    for plant in spdx_plants() {
        for depth in DEPTHS {
            check(
                &plant,
                depth,
                &spdx_doc(&plant, depth),
                "SPDXRef-root",
                "SPDXRef-planted",
                "SPDXRef-mid",
            );
        }
    }
}

/// One decoy: component fields that must produce no restricted-origin finding at all.
fn decoys() -> Vec<(&'static str, Value)> {
    vec![
        (
            "kaspersky-as-person-author",
            json!({"name": "av-history", "authors": [{"name": "Eugene Kaspersky"}]}),
        ),
        (
            "kaspersky-as-cdx-author-string",
            json!({"name": "talk-notes", "author": "Natalya Kaspersky"}),
        ),
        (
            "kaspersky-third-party-repo",
            json!({"name": "KasperskyLab", "externalReferences": [{"type": "vcs", "url": "https://github.com/andsko1/KasperskyLab"}]}),
        ),
        (
            "kasperskytip-client",
            json!({"name": "kasperskytip", "purl": "pkg:pypi/kasperskytip@0.1.0"}),
        ),
        (
            "aztec-npm-scope",
            json!({"group": "@aztec", "name": "foundation", "purl": "pkg:npm/%40aztec/foundation@0.65.2", "supplier": {"name": "Aztec Labs"}}),
        ),
        (
            "azteam-npm-scope",
            json!({"group": "@azteam", "name": "utils", "purl": "pkg:npm/%40azteam/utils@1.0.0", "supplier": {"name": "Azteam"}}),
        ),
        (
            "lindahua-person",
            json!({"name": "Distributions.jl", "authors": [{"name": "Dahua Lin", "email": "lindahua@users.noreply.github.example"}], "externalReferences": [{"type": "vcs", "url": "https://github.com/lindahua/Distributions.jl"}]}),
        ),
        (
            "dahua-design-patterns",
            json!({"name": "DaHuaDesignMode", "externalReferences": [{"type": "vcs", "url": "https://github.com/jerryliuinfo/DaHuaDesignMode"}]}),
        ),
        (
            "dahua-pypi-joke",
            json!({"name": "dahua", "purl": "pkg:pypi/dahua@0.0.1"}),
        ),
        (
            "dahuang-person",
            json!({"name": "tool", "authors": [{"name": "Dahuang Li"}]}),
        ),
        (
            "django-djinn",
            json!({"name": "djinn", "purl": "pkg:pypi/djinn@0.3.0"}),
        ),
        (
            "django-djimage",
            json!({"name": "djimage", "purl": "pkg:pypi/djimage@1.0"}),
        ),
        (
            "dji-srt-parser",
            json!({"name": "dji-srt-parser", "purl": "pkg:pypi/dji-srt-parser@0.2"}),
        ),
        (
            "hikvision-isapi-client",
            json!({"name": "hikvision-isapi-client", "purl": "pkg:pypi/hikvision-isapi-client@1.2.0", "supplier": {"name": "OpenCam Contributors"}}),
        ),
        (
            "dahua-rpc-api",
            json!({"name": "dahua-rpc-api", "purl": "pkg:npm/dahua-rpc-api@2.0.0"}),
        ),
        (
            "quicknv-wrapper",
            json!({"name": "QuickNV.DahuaNetSDK", "purl": "pkg:nuget/QuickNV.DahuaNetSDK@1.0.0"}),
        ),
        (
            "honor-device",
            json!({"type": "device", "name": "phone", "manufacturer": {"name": "Honor Device Co., Ltd."}}),
        ),
        (
            "zte-substring-in-name",
            json!({"name": "aztec-wallet", "supplier": {"name": "Zteam Ventures"}}),
        ),
    ]
}

/// No decoy of section 4 produces a restricted-origin finding, in CycloneDX.
#[test]
fn no_decoy_is_flagged() {
    for (name, fields) in decoys() {
        let mut c = json!({"type": "library", "bom-ref": "decoy", "version": "1"});
        for (k, v) in fields.as_object().into_iter().flatten() {
            c[k] = v.clone();
        }
        let doc = json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "metadata": {"component": {"bom-ref": "root", "name": "p"}}, "components": [c]});
        let findings = audit(&doc);
        assert!(
            findings.is_empty(),
            "decoy `{name}` was flagged: {findings:#?}"
        );
    }
}

/// A person named Kaspersky as an SPDX supplier is not the company.
#[test]
fn spdx_person_supplier_named_kaspersky_is_not_flagged() {
    let plant = Plant {
        name: "person",
        fields: json!({"supplier": "Person: Eugene Kaspersky (eugene@example.invalid)"}),
        entity: "",
        field_suffix: "",
        severity: Severity::Info,
    };
    assert!(audit(&spdx_doc(&plant, 2)).is_empty());
}

/// The traps whose right outcome is a lower severity, not silence.
#[test]
fn traps_get_the_severity_the_facts_call_for() {
    let cases: Vec<(&str, Value, &str, Severity)> = vec![
        // Section 4.8: kernel drivers by Huawei employees and Huawei Cloud SDKs are software,
        // not telecommunications equipment.
        (
            "huawei-kernel-driver",
            json!({"name": "hns3", "authors": [{"name": "Salil Mehta", "email": "salil.mehta@huawei.com"}]}),
            "huawei",
            Severity::Info,
        ),
        (
            "huawei-cloud-sdk",
            json!({"group": "com.huaweicloud.sdk", "name": "huaweicloud-sdk-core", "purl": "pkg:maven/com.huaweicloud.sdk/huaweicloud-sdk-core@3.1.86"}),
            "huawei",
            Severity::Info,
        ),
        (
            "huaweicloud-pypi-glob",
            json!({"name": "huaweicloudsdkecs", "purl": "pkg:pypi/huaweicloudsdkecs@3.1.86"}),
            "huawei",
            Severity::Info,
        ),
        // Section 4.3: Kaspresso is Kaspersky code but not security software: review.
        (
            "kaspresso",
            json!({"group": "com.kaspersky.android-components", "name": "kaspresso", "purl": "pkg:maven/com.kaspersky.android-components/kaspresso@1.5.3"}),
            "kaspersky",
            Severity::Review,
        ),
        // Section 4.2: threat intelligence that credits Kaspersky: info.
        (
            "yara-rules",
            json!({"type": "data", "name": "apt-yara-rules", "author": "Kaspersky Lab"}),
            "kaspersky",
            Severity::Info,
        ),
        (
            "securelist-link",
            json!({"name": "ioc-feed", "externalReferences": [{"type": "website", "url": "https://securelist.com/apt-report/"}]}),
            "kaspersky",
            Severity::Info,
        ),
        // Section 4.6: a third-party client that bundles the vendor's SDK binary is flagged
        // through the binary, at the purpose-limited level at most.
        (
            "bundled-hcnetsdk",
            json!({"type": "file", "name": "HCNetSDK.dll"}),
            "hikvision",
            Severity::Info,
        ),
        // Section 4.10: Hikvision firmware is purpose-limited under s.889: needs-context.
        (
            "hikvision-firmware",
            json!({"type": "firmware", "cpe": "cpe:2.3:o:hikvision:ds-2cd2026g2-iu\\/sl_firmware:5.7.3:*:*:*:*:*:*:*"}),
            "hikvision",
            Severity::NeedsContext,
        ),
        // Section 2.3: a Kaspersky-branded product that is itself the product under audit is
        // within BOD 17-01 as well.
        (
            "kaspersky-product-as-root",
            json!({}),
            "kaspersky",
            Severity::Block,
        ),
    ];
    for (name, fields, entity, severity) in cases {
        let mut c = json!({"type": "library", "bom-ref": "trap", "version": "1"});
        for (k, v) in fields.as_object().into_iter().flatten() {
            c[k] = v.clone();
        }
        let doc = if name == "kaspersky-product-as-root" {
            json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "metadata": {"component": {"type": "application", "bom-ref": "root", "name": "Kaspersky Endpoint Security", "supplier": {"name": "AO Kaspersky Lab"}}}, "components": []})
        } else {
            json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "metadata": {"component": {"bom-ref": "root", "name": "p"}}, "components": [c]})
        };
        let findings = audit(&doc);
        assert_eq!(findings.len(), 1, "{name}: {findings:#?}");
        let f = &findings[0];
        assert_eq!(
            f.entity.as_ref().map(|e| e.id.as_str()),
            Some(entity),
            "{name}"
        );
        assert_eq!(f.severity, severity, "{name}: {f:#?}");
        if name == "kaspersky-product-as-root" {
            assert!(
                f.rules.iter().any(|r| r.id == "us-bod-17-01" && r.applies),
                "{name}"
            );
        }
    }
}
