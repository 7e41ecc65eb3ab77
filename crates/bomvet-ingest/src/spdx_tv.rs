//! SPDX 2.1-2.3 tag-value into the model: a line scanner that builds the same wire structs as
//! the JSON reader, so both encodings share one conversion (and give the same model).
//!
//! Why not `spdx-rs`'s tag-value parser: it fails whole documents on tags it does not know and
//! on the lowercase relationship types real tools write (REUSE), and it owns every string. This
//! scanner keeps what the audit needs, borrows from the input (copies from each line when a large
//! file is read through a buffer, decision 19), and reports malformed lines with their line
//! number.

use std::borrow::Cow;
use std::path::Path;

use bomvet_model::{format_compact, Diagnostic, DiagnosticLevel, Format, Location, Sbom};

use crate::de::Str;
use crate::spdx_json::{Doc, File, Package, Rel, SpdxExtRef};
use crate::IngestError;

#[derive(Clone, Copy)]
enum Current {
    Document,
    Package(usize),
    File(usize),
    Other,
}

/// Reads an SPDX tag-value document. Once a document has `parallel_above` packages, each
/// finished run of packages is converted to components on another core while the scanner goes
/// on (decision 22): the conversion was a third of reading a 100,000-package document.
pub(crate) fn read(path: &Path, bytes: &[u8], parallel_above: usize) -> Result<Sbom, IngestError> {
    let text = crate::utf8(path, bytes)?;
    let parallel_above = if rayon::current_num_threads() > 1 {
        parallel_above
    } else {
        usize::MAX
    };
    read_lines(
        path,
        text.lines().map(|l| Ok(Cow::Borrowed(l))),
        parallel_above,
    )
}

/// Reads an SPDX tag-value file line by line through a buffer instead of holding its bytes
/// (above `--stream-above`, decision 19): the same model and errors as [`read`], with every
/// value kept copied out of its line.
pub(crate) fn read_file(path: &Path) -> Result<Sbom, IngestError> {
    use std::io::BufRead;
    let (file, _) = crate::open_utf8(path)?;
    // Sequential: parts converted apart and then appended hold the components twice for a
    // moment, and a file this large is read through a buffer to keep memory down.
    read_lines(path, file.lines().map(|l| l.map(Cow::Owned)), usize::MAX)
}

/// `Tag: value` of a line already trimmed, with both trimmed; `None` for a line without a colon.
fn split_line(line: &str) -> Option<(&str, &str)> {
    // A byte search: `:` is ASCII, so the index is a character boundary. The line's ends are
    // trimmed already, so only the inner sides are (four whole-line trims and a `char` search
    // per line were a fifth of reading a 100k-package document).
    let colon = memchr::memchr(b':', line.as_bytes())?;
    Some((line[..colon].trim_end(), line[colon + 1..].trim_start()))
}

/// The scanner over the lines of a document, borrowed from text in memory or read from a file.
/// From the `parallel_above`th package on, the packages before the current one are converted
/// on rayon's threads [`crate::par::CHUNK`] at a time (a package is finished once the next one
/// starts); the parts are appended in order, so the model is the one a sequential conversion
/// makes.
fn read_lines<'a>(
    path: &Path,
    lines: impl Iterator<Item = std::io::Result<Cow<'a, str>>>,
    parallel_above: usize,
) -> Result<Sbom, IngestError> {
    let source = path.display().to_string();
    let mut sbom = Sbom::new(source.clone(), Format::SpdxTagValue, String::new());
    // Each part appended as soon as the ones before it are in (decision 24).
    let done = crate::par::InOrder::new(&mut sbom, crate::par::append);
    let mut parts = 0usize;
    let scanned = rayon::in_place_scope(|s| {
        scan(path, lines, |first, chunk| {
            if first + chunk.len() < parallel_above.max(crate::par::CHUNK) {
                return Some(chunk);
            }
            let (done, source, k) = (&done, &source, parts);
            parts += 1;
            s.spawn(move |_| {
                let mut part = Sbom::new(source.clone(), Format::SpdxTagValue, String::new());
                for (j, p) in chunk.into_iter().enumerate() {
                    crate::spdx_json::package(&mut part, first + j, p);
                }
                done.push(k, part);
            });
            None
        })
    });
    done.finish();
    let (doc, first, diagnostics) = scanned?;
    crate::spdx_json::convert_into(&mut sbom, first, doc);
    sbom.diagnostics.splice(0..0, diagnostics);
    Ok(sbom)
}

/// The scan itself: the document with the packages not handed to `hand_off`, the index of
/// the first of them, and the scanner's warnings. `hand_off(first, packages)` is offered the
/// finished packages before each new one, [`crate::par::CHUNK`] or more at a time, and gives
/// them back when they are to stay.
#[allow(clippy::type_complexity)]
fn scan<'a>(
    path: &Path,
    lines: impl Iterator<Item = std::io::Result<Cow<'a, str>>>,
    mut hand_off: impl FnMut(usize, Vec<Option<Package<'a>>>) -> Option<Vec<Option<Package<'a>>>>,
) -> Result<(Doc<'a>, usize, Vec<Diagnostic>), IngestError> {
    let io = crate::io_error(path);
    // Index of `packages[0]` in the document: packages before it were handed off.
    let mut first = 0usize;
    let mut doc = Doc::default();
    let mut packages: Vec<Option<Package<'a>>> = Vec::new();
    let mut files: Vec<Option<File<'a>>> = Vec::new();
    let mut rels: Vec<Option<Rel<'a>>> = Vec::new();
    let mut diagnostics = Vec::new();
    let mut warn = |line: usize, message: String| {
        diagnostics.push(Diagnostic {
            level: DiagnosticLevel::Warning,
            location: Location(format_compact!("line {line}")),
            message,
        });
    };
    let mut cur = Current::Document;
    let mut lines = lines.enumerate();
    while let Some((i, raw)) = lines.next() {
        let raw = raw.map_err(&io)?;
        let n = i + 1;
        // Borrowed from text in memory; a line read from a file is gone at the next one, so
        // its value is copied.
        let owned: String;
        let (line, in_text): (&str, Option<&'a str>) = match raw {
            Cow::Borrowed(r) => {
                let line = r.trim();
                (line, Some(line))
            }
            Cow::Owned(o) => {
                owned = o;
                (owned.trim(), None)
            }
        };
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((tag, rest)) = split_line(line) else {
            warn(
                n,
                format!("`{}` is not a `Tag: Value` line, ignored", clip(line)),
            );
            continue;
        };
        // `rest` ends where the line ends: the same bytes of the text in memory.
        let mut value: Cow<'a, str> = match in_text {
            Some(line) => Cow::Borrowed(&line[line.len() - rest.len()..]),
            None => Cow::Owned(rest.to_owned()),
        };
        // Multi-line values: <text> ... </text>.
        if let Some(after) = value.strip_prefix("<text>") {
            if let Some(end) = after.find("</text>") {
                value = Cow::Owned(after[..end].to_owned());
            } else {
                let mut acc = after.to_owned();
                let mut closed = false;
                for (_, l) in lines.by_ref() {
                    let l = l.map_err(&io)?;
                    if let Some(end) = l.find("</text>") {
                        acc.push('\n');
                        acc.push_str(&l[..end]);
                        closed = true;
                        break;
                    }
                    acc.push('\n');
                    acc.push_str(&l);
                }
                if !closed {
                    warn(n, format!("`{tag}`: <text> is never closed"));
                }
                value = Cow::Owned(acc);
            }
        }
        let v = || Some(value.clone());
        match tag {
            "SPDXVersion" => doc.spdx_version = v(),
            "DocumentName" => doc.name = v(),
            "DocumentNamespace" => doc.namespace = v(),
            // `ExternalDocumentRef: DocumentRef-X <namespace URI> SHA1: <hex>`.
            "ExternalDocumentRef" => {
                let mut parts = value.split_whitespace();
                match (parts.next(), parts.next()) {
                    (Some(id), Some(uri)) => doc
                        .external_documents
                        .get_or_insert_with(Vec::new)
                        .push(crate::spdx_json::ExtDoc {
                            id: Some(Cow::Owned(id.to_owned())),
                            document: Some(Cow::Owned(uri.to_owned())),
                        }),
                    _ => warn(
                        n,
                        format!(
                            "`ExternalDocumentRef: {}` needs `DocumentRef-X URI`, ignored",
                            clip(&value)
                        ),
                    ),
                }
            }
            "SPDXID" => match cur {
                Current::Document => doc.spdx_id = v(),
                Current::Package(k) => {
                    if let Some(p) = packages[k].as_mut() {
                        p.spdx_id = v();
                    }
                }
                Current::File(k) => {
                    if let Some(f) = files[k].as_mut() {
                        f.spdx_id = v();
                    }
                }
                Current::Other => {}
            },
            "PackageName" => {
                if packages.len() >= crate::par::CHUNK {
                    let n = packages.len();
                    if let Some(kept) = hand_off(first, std::mem::take(&mut packages)) {
                        packages = kept;
                    } else {
                        first += n;
                    }
                }
                packages.push(Some(Package {
                    name: v(),
                    ..Package::default()
                }));
                cur = Current::Package(packages.len() - 1);
            }
            "FileName" => {
                files.push(Some(File {
                    file_name: v(),
                    ..File::default()
                }));
                cur = Current::File(files.len() - 1);
            }
            "SnippetSPDXID" | "LicenseID" => cur = Current::Other,
            "Relationship" => {
                let parts: Vec<&str> = value.split_whitespace().collect();
                if parts.len() != 3 {
                    warn(
                        n,
                        format!("`Relationship: {}` needs `A TYPE B`, ignored", clip(&value)),
                    );
                    continue;
                }
                rels.push(Some(Rel {
                    element: Some(Cow::Owned(parts[0].to_owned())),
                    kind: Some(Cow::Owned(parts[1].to_owned())),
                    related: Some(Cow::Owned(parts[2].to_owned())),
                }));
            }
            _ => {
                let Current::Package(k) = cur else { continue };
                let Some(p) = packages[k].as_mut() else {
                    continue;
                };
                match tag {
                    "PackageVersion" => p.version = v(),
                    "PackageSupplier" => p.supplier = v(),
                    "PackageOriginator" => p.originator = v(),
                    "PackageDownloadLocation" => p.download_location = v(),
                    "PackageHomePage" => p.homepage = v(),
                    "PrimaryPackagePurpose" => p.purpose = v(),
                    "ExternalRef" => {
                        let parts: Vec<&str> = value.split_whitespace().collect();
                        if parts.len() < 3 {
                            warn(
                                n,
                                format!(
                                    "`ExternalRef: {}` needs `CATEGORY TYPE LOCATOR`",
                                    clip(&value)
                                ),
                            );
                            continue;
                        }
                        p.external_refs
                            .get_or_insert_with(Vec::new)
                            .push(SpdxExtRef {
                                kind: Some(Cow::Owned(parts[1].to_owned())),
                                locator: Some(Cow::Owned(parts[2..].join(" "))),
                            });
                    }
                    "HasFile" => p
                        .has_files
                        .get_or_insert_with(Vec::new)
                        .push(Str(Some(value.clone()))),
                    _ => {}
                }
            }
        }
    }
    if doc.spdx_version.is_none() {
        return Err(IngestError::Invalid {
            path: path.to_owned(),
            json_path: String::new(),
            message: "no `SPDXVersion:` line".into(),
        });
    }
    doc.packages = Some(packages);
    doc.files = Some(files);
    doc.relationships = Some(rels);
    Ok((doc, first, diagnostics))
}

fn clip(s: &str) -> String {
    let mut t: String = s.chars().take(80).collect();
    if s.chars().count() > 80 {
        t.push('…');
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `text` read in memory and line by line from a file: the same model (warnings and their
    /// lines included) or the same error.
    fn read_both(bytes: &[u8]) -> Result<Sbom, IngestError> {
        let whole = read(Path::new("t.spdx"), bytes, 0);
        crate::assert_file_read_agrees("t.spdx", bytes, read_file, &whole);
        whole
    }

    #[test]
    fn lines_from_a_file_read_as_lines_in_memory() {
        let text = "SPDXVersion: SPDX-2.3\r\nDocumentName: d\nSPDXID: SPDXRef-DOCUMENT\n\n# a comment\nnot a tag line\nPackageName: AVP SDK\nSPDXID: SPDXRef-a\nPackageSupplier: Organization: AO Kaspersky Lab\nPackageComment: <text>two\nlines</text>\nExternalRef: PACKAGE-MANAGER purl pkg:generic/kaspersky/avp-sdk@1\nExternalRef: broken\nFileName: ./a.bin\nSPDXID: SPDXRef-f\nRelationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-a\nRelationship: SPDXRef-a CONTAINS\nPackageComment: <text>never closed\nstill";
        let sbom = read_both(text.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sbom.components.len(), 2);
        assert_eq!(sbom.components[0].name, "AVP SDK");
        assert_eq!(
            sbom.components[0].parties[0].name.as_deref(),
            Some("AO Kaspersky Lab")
        );
        let lines: Vec<&str> = sbom
            .diagnostics
            .iter()
            .map(|d| d.location.0.as_str())
            .collect();
        assert_eq!(lines[..4], ["line 6", "line 13", "line 17", "line 18"]);
    }

    /// Packages converted in runs on rayon's threads while the scan goes on make the model a
    /// sequential conversion makes: components, their locations, warnings of the scanner and of
    /// the conversion, relationships, all in order; and so from the first run of 512 on.
    #[test]
    fn packages_converted_in_parallel_make_the_same_model() {
        let mut text = String::from("SPDXVersion: SPDX-2.3\nSPDXID: SPDXRef-DOCUMENT\n");
        for i in 0..1_300 {
            text.push_str(&format!("PackageName: p{i}\n"));
            // Some without an SPDXID (a conversion warning), some with a broken line (a
            // scanner warning), some with a supplier and a purl.
            if i % 7 != 0 {
                text.push_str(&format!("SPDXID: SPDXRef-p{i}\n"));
            }
            if i % 11 == 0 {
                text.push_str("ExternalRef: broken\n");
            }
            if i % 3 == 0 {
                text.push_str(&format!("PackageSupplier: Organization: Vendor {i}\nExternalRef: PACKAGE-MANAGER purl pkg:npm/p{i}@1\n"));
            }
            text.push_str(&format!(
                "Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-p{i}\n"
            ));
        }
        let read = |parallel_above| {
            read_lines(
                Path::new("t.spdx"),
                text.lines().map(|l| Ok(Cow::Borrowed(l))),
                parallel_above,
            )
            .unwrap_or_else(|e| panic!("{e}"))
        };
        let sequential = read(usize::MAX);
        assert_eq!(sequential.components.len(), 1_300);
        assert!(
            sequential.diagnostics.len() > 300,
            "{}",
            sequential.diagnostics.len()
        );
        for parallel_above in [0, 600, 1_299] {
            assert!(
                read(parallel_above) == sequential,
                "parallel_above {parallel_above}"
            );
        }
    }

    #[test]
    fn errors_are_the_same_either_way() {
        let e = read_both(b"DocumentName: d\n").map(|_| ()).unwrap_err();
        assert!(e.to_string().contains("no `SPDXVersion:` line"), "{e}");
        let e = read_both(b"SPDXVersion: SPDX-2.3\nPackageName: caf\xe9\n")
            .map(|_| ())
            .unwrap_err();
        assert!(e.to_string().ends_with(":2:17: invalid UTF-8"), "{e}");
    }
}
