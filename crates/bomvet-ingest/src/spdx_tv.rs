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
use crate::{trim, IngestError};

#[derive(Clone, Copy)]
enum Current {
    Document,
    Package(usize),
    File(usize),
    Other,
    /// At the start of a segment that starts at a `Relationship:` line ([`read_segments`]):
    /// what came before is not known here.
    Unknown,
}

/// Reads an SPDX tag-value document. Once a document has `parallel_above` packages, each
/// finished run of packages is converted to components on another core while the scanner goes
/// on (decision 22): the conversion was a third of reading a 100,000-package document.
pub(crate) fn read(path: &Path, bytes: &[u8], parallel_above: usize) -> Result<Sbom, IngestError> {
    let parallel_above = if rayon::current_num_threads() > 1 {
        parallel_above
    } else {
        usize::MAX
    };
    let mut checked = None;
    if parallel_above < usize::MAX && bytes.len() >= 2 * MIN_SEGMENT {
        // Sixteen segments a thread: the segments' costs differ (packages, the relationships at
        // the end), and with four one thread ran on alone after the other was done for 4-47 ms
        // (mean 17, five timelines of a 100k-package document); with sixteen 6-18 ms (mean
        // 10), for +0.6% instructions (a part and a scan set up per segment).
        let segment = (bytes.len() / (16 * rayon::current_num_threads())).max(MIN_SEGMENT);
        if let Some(bounds) = segment_bounds(bytes, segment) {
            // Not UTF-8: the check of the whole text below gives the error.
            if let Some((text, counts)) = count_segments(bytes, &bounds) {
                if let Some(sbom) = read_segments(path, text, &bounds, counts, parallel_above) {
                    return sbom;
                }
                checked = Some(text);
            }
        }
    }
    let text = match checked {
        Some(text) => text,
        None => crate::utf8(path, bytes)?,
    };
    read_lines(
        path,
        lines(text).map(|l| Ok(Cow::Borrowed(l))),
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
/// Inlined into the scan, its one caller: left to the compiler, whether it was depended on
/// unrelated changes elsewhere in the crate, and as a call it cost ~9M more instructions at 20k
/// packages (2% of a scan).
#[inline(always)]
fn split_line(line: &str) -> Option<(&str, &str)> {
    // A byte search: `:` is ASCII, so the index is a character boundary. The line's ends are
    // trimmed already, so only the inner sides are (four whole-line trims and a `char` search
    // per line were a fifth of reading a 100k-package document).
    let colon = memchr::memchr(b':', line.as_bytes())?;
    Some((trim(&line[..colon]), trim(&line[colon + 1..])))
}

/// The lines of `text` as [`str::lines`] cuts them (at `\n`, a `\r` before it dropped), found
/// by one `memchr` iterator instead of a search per line (`str::lines` was an eighth of reading
/// a 20k-package document).
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut start = 0;
    let mut ends = memchr::memchr_iter(b'\n', text.as_bytes());
    std::iter::from_fn(move || match ends.next() {
        Some(end) => {
            let line = &text[start..end];
            start = end + 1;
            Some(line.strip_suffix('\r').unwrap_or(line))
        }
        None if start < text.len() => {
            let line = &text[start..];
            start = text.len();
            Some(line)
        }
        None => None,
    })
}

/// The words of `value` as [`str::split_whitespace`] cuts them. A value of printable ASCII and
/// spaces only (almost every one) has no other whitespace, so it is cut at each space, found by
/// `memchr`; others are cut by decoded characters. (`split_whitespace` tested every character,
/// decoded: ~5% of the CPU of a 100k-package scan, in `Relationship:` and `ExternalRef:` lines.)
fn words(value: &str) -> impl Iterator<Item = &str> {
    use rayon::iter::Either;
    // Without an early exit, so that the test is vectorised.
    let spaced = value.bytes().fold(true, |spaced, b| {
        spaced & (b == b' ' || b.is_ascii_graphic())
    });
    if spaced {
        // The spaces found by the `memchr` crate (`str::split`'s search is core's, slower).
        let mut start = 0;
        let mut ends = memchr::memchr_iter(b' ', value.as_bytes()).chain([value.len()]);
        Either::Left(std::iter::from_fn(move || loop {
            let end = ends.next()?;
            let word = &value[start..end];
            start = end + 1;
            if !word.is_empty() {
                return Some(word);
            }
        }))
    } else {
        Either::Right(value.split_whitespace())
    }
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
        scan(path, lines, 0, Current::Document, |first, chunk| {
            if first + chunk.len() < parallel_above.max(crate::par::CHUNK) {
                return Some(chunk);
            }
            let (done, source, k) = (&done, &source, parts);
            parts += 1;
            s.spawn(move |_| {
                let mut part = Sbom::new(source.clone(), Format::SpdxTagValue, String::new());
                crate::spdx_json::convert_packages(&mut part, first, chunk);
                done.push(k, part);
            });
            None
        })
    });
    done.finish();
    let scanned = scanned?;
    let diagnostics = scanned.diagnostics().collect();
    finish(
        path,
        sbom,
        (scanned.first, scanned.doc),
        diagnostics,
        parallel_above,
    )
}

/// The model of a scanned document: `doc`'s packages from index `first` on (those before are in
/// `sbom` already), its files and relationships converted into `sbom` (on every core from
/// `parallel_above` relationships on), the scanner's `diagnostics` first; an error when it has
/// no `SPDXVersion`.
fn finish(
    path: &Path,
    mut sbom: Sbom,
    (first, doc): (usize, Doc<'_>),
    diagnostics: Vec<Diagnostic>,
    parallel_above: usize,
) -> Result<Sbom, IngestError> {
    if doc.spdx_version.is_none() {
        return Err(IngestError::Invalid {
            path: path.to_owned(),
            json_path: String::new(),
            message: "no `SPDXVersion:` line".into(),
        });
    }
    crate::spdx_json::convert_into(&mut sbom, first, doc, parallel_above);
    sbom.diagnostics.splice(0..0, diagnostics);
    Ok(sbom)
}

/// The segments a document in memory is read in by [`read_segments`]: each but the first starts
/// at a `PackageName:` or `Relationship:` line, about `segment` bytes apart; `None` for one
/// segment.
fn segment_bounds(bytes: &[u8], segment: usize) -> Option<Vec<(usize, usize)>> {
    const PACKAGE: &[u8] = b"\nPackageName:";
    const RELATIONSHIP: &[u8] = b"\nRelationship:";
    let package = memchr::memmem::Finder::new(PACKAGE);
    let relationship = memchr::memmem::Finder::new(RELATIONSHIP);
    let mut starts = vec![0];
    let mut from = segment;
    while from < bytes.len() {
        // The first `PackageName:` or `Relationship:` line from `from` on, searched for in
        // windows that double from 64 KiB. The relationships sit together at the end of most
        // documents: a search for the next package from the first boundary among them crossed
        // all of them on this thread while the others waited (a search for the next
        // relationship up to the next package, 14 ms of a 75 MB document, before decision 44).
        let mut end = from;
        let mut window = 64 * 1024;
        let at = loop {
            // Each window starts early enough to find a line that starts before its end.
            let start = (end + 1).saturating_sub(RELATIONSHIP.len()).max(from);
            end = (end + window).min(bytes.len());
            window *= 2;
            let window = &bytes[start..end];
            let p = package.find(window).unwrap_or(window.len());
            if let Some(r) =
                relationship.find(&window[..(p + RELATIONSHIP.len() - 1).min(window.len())])
            {
                if r < p {
                    break Some(start + r);
                }
            }
            if p < window.len() {
                break Some(start + p);
            }
            if end == bytes.len() {
                break None;
            }
        };
        let Some(at) = at else { break };
        starts.push(at + 1);
        from = at + 1 + segment;
    }
    if starts.len() < 2 {
        return None;
    }
    Some(
        starts
            .iter()
            .copied()
            .zip(starts[1..].iter().copied().chain([bytes.len()]))
            .collect(),
    )
}

/// For each segment, the `PackageName:` lines that start in it and its line ends.
type SegmentCounts = (Vec<usize>, Vec<usize>);

/// The document as text, and for each segment of `bounds` the `PackageName:` lines that start
/// in it (and so the index of its first package) and its line ends (and so the number of its
/// first line: each segment but the last ends after one), counted on every core in the same
/// pass as the UTF-8 check, block by block while each block is in cache (decision 38). `None`
/// when the text is not UTF-8.
fn count_segments<'a>(
    bytes: &'a [u8],
    bounds: &[(usize, usize)],
) -> Option<(&'a str, SegmentCounts)> {
    count_segments_in_blocks(bytes, bounds, crate::par::CACHED_BLOCK)
}

/// [`count_segments`] in blocks of about `block` bytes.
fn count_segments_in_blocks<'a>(
    bytes: &'a [u8],
    bounds: &[(usize, usize)],
    block: usize,
) -> Option<(&'a str, SegmentCounts)> {
    const NEEDLE: &[u8] = b"\nPackageName:";
    let finder = memchr::memmem::Finder::new(NEEDLE);
    let head = usize::from(bytes.starts_with(&NEEDLE[1..]));
    let (text, counts) = crate::par::utf8_segments(
        bytes,
        bounds,
        block,
        || (0usize, 0usize),
        |(packages, ends), start, end| {
            // The matches whose `\n` is in `start - 1 .. end - 1`: the lines that start in the
            // block. (The needle holds one line end, at its start, and each segment but the
            // last ends with one, so no match found here crosses into the next segment.) A
            // match that ends at the document's last byte is not counted, as before blocks.
            let from = start.saturating_sub(1);
            let to = (end - 1 + NEEDLE.len() - 1).min(bytes.len() - 1);
            if from < to {
                *packages += finder.find_iter(&bytes[from..to]).count();
            }
            *ends += memchr::memchr_iter(b'\n', &bytes[start..end]).count();
        },
    )?;
    let (mut packages, ends): (Vec<usize>, Vec<usize>) = counts.into_iter().unzip();
    packages[0] += head;
    Some((text, (packages, ends)))
}

/// Segments of at least this many bytes are scanned on every core ([`read_segments`]).
const MIN_SEGMENT: usize = 256 * 1024;

/// Reads a document in memory in segments on every core (decision 28). Each segment but the
/// first starts at a `PackageName:` line (where the scanner's state is a new package whatever
/// came before), about `segment` bytes apart. The `PackageName:` lines of each segment are
/// counted first (so that each knows the index of its first package and how many it holds);
/// then each segment is scanned and its packages converted, 512 at a time, on every core, the
/// components written straight into their places in the model's vector, the warnings and
/// `hasFiles` relationships into a part of the segment's own. The parts are appended in order,
/// the rest joined as one scan would have left it: a later
/// document-level value wins, lists and warnings are concatenated, a warning's line counted
/// from its segment's first. `None` when a segment does not read on its own: a `<text>` value
/// not closed in it runs on into the next (the boundary was inside it), or it holds another
/// number of packages than its `PackageName:` lines (an indented one); the document is then
/// scanned in one piece.
fn read_segments(
    path: &Path,
    text: &str,
    bounds: &[(usize, usize)],
    (counts, ends): SegmentCounts,
    parallel_above: usize,
) -> Option<Result<Sbom, IngestError>> {
    let lines_before = sums_before(&ends);
    let firsts = sums_before(&counts);
    let source = path.display().to_string();
    let last = bounds.len() - 1;
    let mut sbom = Sbom::new(source.clone(), Format::SpdxTagValue, String::new());
    // Each segment's components written in place into the model (`par::fill_slots`); a part
    // of its own keeps the segment's warnings and `hasFiles` relationships, appended in order,
    // and lends its vector to each run of packages converted (reused: it stays in cache).
    let mut components = Vec::new();
    let mut failed = false;
    let mut into = (&mut sbom, &mut failed);
    let done = crate::par::InOrder::new(&mut into, crate::par::append_unless_failed);
    let runs = counts.iter().map(|&n| (n, ())).collect();
    let (scans, full) = crate::par::fill_slots(&mut components, runs, |k, (), run| {
        let (start, end) = bounds[k];
        let mut part = Sbom::new(source.clone(), Format::SpdxTagValue, String::new());
        let first = firsts[k];
        let lines = lines(&text[start..end]).map(|l| Ok(Cow::Borrowed(l)));
        let start = if k == 0 {
            Current::Document
        } else {
            Current::Unknown
        };
        // More components than the segment's `PackageName:` lines: it does not read alone.
        let mut over = false;
        let mut convert = |part: &mut Sbom, i: usize, packages| {
            crate::spdx_json::convert_packages(part, first + i, packages);
            for c in part.components.drain(..) {
                over |= run.push(c).is_err();
            }
        };
        let scanned = scan(path, lines, lines_before[k], start, |i, packages| {
            convert(&mut part, i, packages);
            None
        });
        // Every part is pushed, `None` for a segment that does not read on its own.
        let scanned = scanned.ok().filter(|s| {
            let rest = s.doc.packages.as_ref().map_or(0, Vec::len);
            (k == last || !s.open_text) && !s.unsure && s.first + rest == counts[k]
        });
        let Some(mut scanned) = scanned else {
            done.push(k, None);
            return None;
        };
        let rest = scanned.doc.packages.take().unwrap_or_default();
        convert(&mut part, scanned.first, rest);
        if over {
            done.push(k, None);
            return None;
        }
        done.push(k, Some(part));
        Some(scanned)
    });
    done.finish();
    if failed || !full {
        return None;
    }
    sbom.components = components;
    let scans: Vec<Scanned<'_>> = scans.into_iter().collect::<Option<_>>()?;
    // The rest of the segments joined as one scan would have read them.
    let mut doc = Doc::default();
    let (mut files, mut rels) = (Vec::new(), crate::par::Pieces::default());
    let mut diagnostics = Vec::new();
    for mut scanned in scans {
        let d = &mut scanned.doc;
        for (into, value) in [
            (&mut doc.spdx_version, d.spdx_version.take()),
            (&mut doc.spdx_id, d.spdx_id.take()),
            (&mut doc.name, d.name.take()),
            (&mut doc.namespace, d.namespace.take()),
        ] {
            if value.is_some() {
                *into = value;
            }
        }
        if let Some(refs) = d.external_documents.take() {
            doc.external_documents
                .get_or_insert_with(Vec::new)
                .extend(refs);
        }
        files.extend(d.files.take().unwrap_or_default());
        rels.append(d.relationships.take().unwrap_or_default());
        diagnostics.extend(scanned.diagnostics());
    }
    doc.files = Some(files);
    doc.relationships = Some(rels);
    let count = firsts[last] + counts[last];
    Some(finish(
        path,
        sbom,
        (count, doc),
        diagnostics,
        parallel_above,
    ))
}

/// The sum of the counts before each: each segment's first package or line end in the document.
fn sums_before(counts: &[usize]) -> Vec<usize> {
    counts
        .iter()
        .scan(0, |n, c| {
            let before = *n;
            *n += c;
            Some(before)
        })
        .collect()
}

/// What a scan found.
struct Scanned<'a> {
    /// The document, with the packages not handed off.
    doc: Doc<'a>,
    /// The index of the first of those packages.
    first: usize,
    /// The scanner's warnings: line (from 1, in the document) and message.
    warnings: Vec<(usize, String)>,
    /// Whether the last `<text>` value was not closed.
    open_text: bool,
    /// Whether a line read from a start at [`Current::Unknown`] needed to know what came before
    /// (an `SPDXID` or a package's tag before any `PackageName` or `FileName`).
    unsure: bool,
}

impl Scanned<'_> {
    /// The warnings as diagnostics.
    fn diagnostics(&self) -> impl Iterator<Item = Diagnostic> + '_ {
        self.warnings.iter().map(|(line, message)| Diagnostic {
            level: DiagnosticLevel::Warning,
            location: Location(format_compact!("line {line}")),
            message: message.clone(),
        })
    }
}

/// The scan itself. `hand_off(first, packages)` is offered the finished packages before each
/// new one, [`crate::par::CHUNK`] or more at a time, and gives them back when they are to stay.
/// `before` lines of the document come before `lines` (a segment's): lines are counted in the
/// document, a warning's and each package's and file's `SPDXID`. Fails only when a line cannot
/// be read.
fn scan<'a>(
    path: &Path,
    lines: impl Iterator<Item = std::io::Result<Cow<'a, str>>>,
    before: usize,
    start: Current,
    mut hand_off: impl FnMut(usize, Vec<Option<Package<'a>>>) -> Option<Vec<Option<Package<'a>>>>,
) -> Result<Scanned<'a>, IngestError> {
    let io = crate::io_error(path);
    // Index of `packages[0]` in the document: packages before it were handed off.
    let mut first = 0usize;
    let mut doc = Doc::default();
    let mut packages: Vec<Option<Package<'a>>> = Vec::new();
    let mut files: Vec<Option<File<'a>>> = Vec::new();
    let mut rels: crate::par::Pieces<Option<Rel<'a>>> = crate::par::Pieces::default();
    let mut warnings = Vec::new();
    let mut warn = |line: usize, message: String| warnings.push((line, message));
    let mut cur = start;
    // Whether a line's meaning depended on what came before the scan (`Current::Unknown`).
    let mut unsure = false;
    let mut lines = lines.enumerate();
    // Whether the last `<text>` value ran to the end unclosed.
    let mut open_text = false;
    while let Some((i, raw)) = lines.next() {
        let raw = raw.map_err(&io)?;
        // The line's number in the document.
        let n = before + i + 1;
        // Borrowed from text in memory; a line read from a file is gone at the next one, so
        // its value is copied.
        let owned: String;
        let (line, in_text): (&str, Option<&'a str>) = match raw {
            Cow::Borrowed(r) => {
                let line = trim(r);
                (line, Some(line))
            }
            Cow::Owned(o) => {
                owned = o;
                (trim(&owned), None)
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
                    open_text = true;
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
                let mut parts = words(&value);
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
                        p.line = crate::line_number(n);
                    }
                }
                Current::File(k) => {
                    if let Some(f) = files[k].as_mut() {
                        f.spdx_id = v();
                        f.line = crate::line_number(n);
                    }
                }
                Current::Other => {}
                Current::Unknown => unsure = true,
            },
            "PackageName" => {
                if packages.len() >= crate::par::CHUNK {
                    let n = packages.len();
                    if let Some(kept) = hand_off(first, std::mem::take(&mut packages)) {
                        packages = kept;
                    } else {
                        first += n;
                        packages.reserve(crate::par::CHUNK + 1);
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
                let mut words = words(&value);
                let (Some(a), Some(kind), Some(b), None) =
                    (words.next(), words.next(), words.next(), words.next())
                else {
                    warn(
                        n,
                        format!("`Relationship: {}` needs `A TYPE B`, ignored", clip(&value)),
                    );
                    continue;
                };
                rels.push(Some(Rel {
                    element: Some(part_of(&value, a)),
                    kind: Some(part_of(&value, kind)),
                    related: Some(part_of(&value, b)),
                }));
            }
            _ => {
                let mut scratch;
                let p = match cur {
                    Current::Package(k) => match packages[k].as_mut() {
                        Some(p) => p,
                        None => continue,
                    },
                    // Whether a package is open is not known here: a package's tag is read
                    // into nothing and the segment marked (below).
                    Current::Unknown => {
                        scratch = Package::default();
                        &mut scratch
                    }
                    _ => continue,
                };
                let unknown = matches!(cur, Current::Unknown);
                match tag {
                    "PackageVersion" => p.version = v(),
                    "PackageSupplier" => p.supplier = v(),
                    "PackageOriginator" => p.originator = v(),
                    "PackageDownloadLocation" => p.download_location = v(),
                    "PackageHomePage" => p.homepage = v(),
                    "PrimaryPackagePurpose" => p.purpose = v(),
                    "ExternalRef" => {
                        let mut words = words(&value);
                        let (Some(_), Some(kind), Some(locator)) =
                            (words.next(), words.next(), words.next())
                        else {
                            unsure |= unknown;
                            warn(
                                n,
                                format!(
                                    "`ExternalRef: {}` needs `CATEGORY TYPE LOCATOR`",
                                    clip(&value)
                                ),
                            );
                            continue;
                        };
                        // The locator's words joined by one space (one word: as written).
                        let locator = match words.next() {
                            None => part_of(&value, locator),
                            Some(more) => {
                                let mut joined = format!("{locator} {more}");
                                for w in words {
                                    joined.push(' ');
                                    joined.push_str(w);
                                }
                                Cow::Owned(joined)
                            }
                        };
                        p.external_refs
                            .get_or_insert_with(Vec::new)
                            .push(SpdxExtRef {
                                kind: Some(part_of(&value, kind)),
                                locator: Some(locator),
                            });
                    }
                    "HasFile" => p
                        .has_files
                        .get_or_insert_with(Vec::new)
                        .push(Str(Some(value.clone()))),
                    _ => continue,
                }
                unsure |= unknown;
            }
        }
    }
    doc.packages = Some(packages);
    doc.files = Some(files);
    doc.relationships = Some(rels);
    Ok(Scanned {
        doc,
        first,
        warnings,
        open_text,
        unsure,
    })
}

/// `part` (a slice of `value`) as a string of `value`'s lifetime: borrowed from the input when
/// `value` is, copied when `value` was copied out of a line.
fn part_of<'a>(value: &Cow<'a, str>, part: &str) -> Cow<'a, str> {
    match value {
        Cow::Borrowed(v) => crate::within(v, part.as_bytes())
            .map_or_else(|| Cow::Owned(part.to_owned()), Cow::Borrowed),
        Cow::Owned(_) => Cow::Owned(part.to_owned()),
    }
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

    /// Reads `text` in segments of about `segment` bytes, as [`read`] does; `None` for one
    /// segment or one that does not read on its own.
    fn in_segments(
        path: &Path,
        text: &str,
        segment: usize,
        parallel_above: usize,
    ) -> Option<Result<Sbom, IngestError>> {
        let bounds = segment_bounds(text.as_bytes(), segment)?;
        let (text, counts) = count_segments(text.as_bytes(), &bounds)?;
        read_segments(path, text, &bounds, counts, parallel_above)
    }

    /// The `PackageName:` lines and line ends of each segment, counted block by block with the
    /// UTF-8 check, are those of each segment counted whole: blocks of 1 to 40 bytes cut the
    /// lines at every place, segments of every size, `PackageName:` at the very start and a
    /// document ending in a bare `\nPackageName:` (not counted, as before blocks).
    #[test]
    fn segments_counted_in_blocks_as_whole() {
        let mut text = String::from("PackageName: first\nSPDXVersion: SPDX-2.3\n");
        for i in 0..60 {
            text.push_str(&format!("PackageName: p{i}\nPackageVersion: {i}\n"));
            if i % 7 == 0 {
                text.push_str("PackageComment: <text>é PackageName: not a line\n</text>\n");
            }
            if i % 3 == 0 {
                text.push_str(&format!("Relationship: SPDXRef-a CONTAINS SPDXRef-p{i}\n"));
            }
        }
        for ending in ["", "\nPackageName:", "PackageName: last"] {
            let text = format!("{text}{ending}");
            let bytes = text.as_bytes();
            let finder = memchr::memmem::Finder::new(b"\nPackageName:");
            for segment in [1, 17, 100, 1_000] {
                let Some(bounds) = segment_bounds(bytes, segment) else {
                    continue;
                };
                let expected: Vec<(usize, usize)> = bounds
                    .iter()
                    .map(|&(start, end)| {
                        let head = usize::from(start == 0 && text.starts_with("PackageName:"));
                        let from = start.saturating_sub(1);
                        let packages = head + finder.find_iter(&bytes[from..end - 1]).count();
                        let ends = memchr::memchr_iter(b'\n', &bytes[start..end]).count();
                        (packages, ends)
                    })
                    .collect();
                for block in 1..=40 {
                    let (_, (packages, ends)) = count_segments_in_blocks(bytes, &bounds, block)
                        .unwrap_or_else(|| panic!("valid text, block {block}"));
                    let got: Vec<(usize, usize)> = packages.into_iter().zip(ends).collect();
                    assert_eq!(
                        got, expected,
                        "segment {segment}, block {block}, {ending:?}"
                    );
                }
            }
        }
        let mut bad = text.clone().into_bytes();
        bad[text.len() / 2] = 0xFF;
        let bounds = segment_bounds(&bad, 100).unwrap_or_default();
        assert!(bounds.len() > 2 && count_segments(&bad, &bounds).is_none());
    }

    /// Each boundary is the first `PackageName:` or `Relationship:` line a segment's length
    /// after the last, as a search of the rest of the text finds it: lines far apart (a 300 KB
    /// `<text>` value, runs of relationships with no package after them) so that the windows
    /// double several times, needles across window ends, and a text that ends in one.
    #[test]
    fn segment_bounds_are_the_next_package_or_relationship() {
        let mut rng = fastrand::Rng::with_seed(11);
        let mut text = String::from("SPDXVersion: SPDX-2.3\n");
        for i in 0..400 {
            match rng.u32(..10) {
                0 => text.push_str(&format!(
                    "PackageName: p{i}\nPackageComment: <text>{}</text>\n",
                    "x".repeat(rng.usize(..300_000))
                )),
                1..=5 => text.push_str(&format!("PackageName: p{i}\nPackageVersion: {i}\n")),
                _ => {
                    for _ in 0..rng.usize(..2_000) {
                        text.push_str("Relationship: SPDXRef-a CONTAINS SPDXRef-b\n");
                    }
                }
            }
        }
        for ending in ["", "\nPackageName:", "\nRelationship:"] {
            let text = format!("{text}{ending}");
            let bytes = text.as_bytes();
            let next = |from: usize| {
                let rest = &bytes[from..];
                let p = memchr::memmem::find(rest, b"\nPackageName:");
                let r = memchr::memmem::find(rest, b"\nRelationship:");
                p.into_iter().chain(r).min().map(|at| from + at)
            };
            for segment in [1, 13, 1_000, 50_000, 200_000] {
                let mut starts = vec![0];
                while let Some(at) = starts
                    .last()
                    .map(|&s| s + segment)
                    .filter(|&from| from < bytes.len())
                    .and_then(next)
                {
                    starts.push(at + 1);
                }
                let got = segment_bounds(bytes, segment);
                let got: Vec<usize> = got.iter().flatten().map(|&(start, _)| start).collect();
                if starts.len() < 2 {
                    assert!(got.is_empty(), "segment {segment}, {ending:?}");
                } else {
                    assert_eq!(got, starts, "segment {segment}, {ending:?}");
                }
            }
        }
    }

    /// [`words`] cuts every value as `split_whitespace` does: spaces in runs and at the ends,
    /// tabs, vertical tabs, form feeds, carriage returns, no-break and ideographic spaces,
    /// control characters and non-ASCII letters, on random values too.
    #[test]
    fn words_are_split_whitespace() {
        let cases = [
            "",
            " ",
            "a",
            "SPDXRef-A DEPENDS_ON SPDXRef-B",
            "  a   b  ",
            "a\tb",
            "a\u{0B}b",
            "a\u{0C}b\rc",
            "a\u{A0}b",
            "a\u{3000}b c",
            "é b",
            "a\u{1}b c",
        ];
        let alphabet = [
            " ", " ", "a", "B", "-", ":", "/", "\t", "\u{0B}", "\u{0C}", "\r", "\u{A0}", "é",
            "\u{3000}", "\u{7F}",
        ];
        let mut rng = fastrand::Rng::with_seed(7);
        let random = (0..2000).map(|_| {
            (0..rng.usize(0..24))
                .map(|_| alphabet[rng.usize(..alphabet.len())])
                .collect::<String>()
        });
        for value in cases.iter().map(|c| c.to_string()).chain(random) {
            assert_eq!(
                words(&value).collect::<Vec<_>>(),
                value.split_whitespace().collect::<Vec<_>>(),
                "{value:?}"
            );
        }
    }

    /// `text` read in memory and line by line from a file: the same model (warnings and their
    /// lines included) or the same error.
    fn read_both(bytes: &[u8]) -> Result<Sbom, IngestError> {
        let whole = read(Path::new("t.spdx"), bytes, 0);
        crate::assert_file_read_agrees("t.spdx", bytes, read_file, &whole);
        whole
    }

    /// `text` read in one scan, in order.
    fn one_scan(text: &str) -> Result<Sbom, IngestError> {
        read_lines(
            Path::new("t.spdx"),
            lines(text).map(|l| Ok(Cow::Borrowed(l))),
            usize::MAX,
        )
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

    /// A document scanned in segments on every core makes the model one scan makes (packages,
    /// files, relationships, document values set late, warnings with their lines), for
    /// segments of every size; a `<text>` value that a boundary falls in is not read in
    /// segments (the caller then scans the whole).
    #[test]
    fn segments_scanned_apart_make_the_model_of_one_scan() {
        let mut text = String::from(
            "SPDXVersion: SPDX-2.3\nDocumentName: first\nSPDXID: SPDXRef-DOCUMENT\n\n",
        );
        for i in 0..300 {
            text.push_str(&format!("PackageName: p{i}\n"));
            if i % 7 != 0 {
                text.push_str(&format!("SPDXID: SPDXRef-p{i}\n"));
            }
            if i % 11 == 0 {
                text.push_str("ExternalRef: broken\nnot a tag line\n# comment\n\n");
            }
            if i % 3 == 0 {
                text.push_str(&format!("PackageSupplier: Organization: Vendor {i}\nPackageComment: <text>two\nlines {i}</text>\nExternalRef: PACKAGE-MANAGER purl pkg:npm/p{i}@1\n"));
            }
            if i % 50 == 0 {
                text.push_str(&format!("FileName: ./f{i}.bin\nSPDXID: SPDXRef-f{i}\nDocumentName: renamed at {i}\nExternalDocumentRef: DocumentRef-{i} https://x/{i} SHA1: 0\n"));
            }
            text.push_str(&format!(
                "Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-p{i}\n"
            ));
        }
        let whole = one_scan(&text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(whole.components.len(), 306);
        assert!(whole.diagnostics.len() > 80, "{}", whole.diagnostics.len());
        for segment in [1, 10, 100, 1_000, 5_000, text.len() / 2] {
            let segmented = in_segments(Path::new("t.spdx"), &text, segment, 0);
            let segmented = segmented.unwrap_or_else(|| panic!("segment {segment}: not read"));
            assert!(
                segmented.unwrap_or_else(|e| panic!("{e}")) == whole,
                "segment {segment}"
            );
        }
        // A package's tag or an SPDXID after a `Relationship:` line (a boundary) belongs to
        // the package before it: not read in segments.
        for late in [
            "PackageVersion: 9",
            "SPDXID: SPDXRef-late",
            "ExternalRef: broken",
        ] {
            let text = text.replacen(
                "Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-p5\n",
                &format!("Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-p5\n{late}\n"),
                1,
            );
            assert!(
                in_segments(Path::new("t.spdx"), &text, 1, 0).is_none(),
                "{late}"
            );
            assert!(in_segments(Path::new("t.spdx"), &text, text.len() / 2, 0).is_some());
        }
        // A boundary inside a <text> value, and one after a value never closed.
        let open = text.replacen(
            "<text>two\nlines 3</text>",
            "<text>two\nPackageName: x\nlines 3</text>",
            1,
        );
        assert!(in_segments(Path::new("t.spdx"), &open, 1, 0).is_none());
        let unclosed = text.replacen("<text>two\nlines 297</text>", "<text>two\nlines 297", 1);
        let whole = one_scan(&unclosed);
        assert!(in_segments(Path::new("t.spdx"), &unclosed, 1, 0).is_none());
        assert!(whole.is_ok_and(|w| w
            .diagnostics
            .iter()
            .any(|d| d.message.contains("never closed"))));
        // Unclosed in the last segment: read in segments, with the warning.
        let end = format!("{text}PackageName: last\nPackageComment: <text>never closed\nstill\n");
        let whole = one_scan(&end).unwrap_or_else(|e| panic!("{e}"));
        let segmented = in_segments(Path::new("t.spdx"), &end, 1, 0);
        assert!(segmented.is_some_and(|s| s.is_ok_and(|s| s == whole)));
        // No SPDXVersion: the same error.
        let none = text.replacen("SPDXVersion: SPDX-2.3", "", 1);
        let e = in_segments(Path::new("t.spdx"), &none, 1, 0)
            .map(|r| r.map(|_| ()).unwrap_err().to_string());
        assert!(e.is_some_and(|e| e.contains("no `SPDXVersion:` line")));
    }

    /// Every tag-value document of the fixtures (real ones and the conformance suites) read in
    /// segments as small as they come (one per package or relationship) makes the model of one
    /// scan, or is refused for a whole scan (a value a boundary falls in).
    #[test]
    fn real_documents_read_in_segments_as_in_one_scan() {
        let all = crate::fixture_files("spdx");
        let (mut same, mut whole) = (0, 0);
        for path in &all {
            let bytes = std::fs::read(path).unwrap_or_default();
            let Ok(text) = std::str::from_utf8(&bytes) else {
                continue;
            };
            let one = read_lines(path, lines(text).map(|l| Ok(Cow::Borrowed(l))), usize::MAX);
            match in_segments(path, text, 1, 0) {
                Some(segmented) => {
                    match (segmented, one) {
                        (Ok(s), Ok(o)) => assert!(s == o, "{}", path.display()),
                        (Err(s), Err(o)) => assert_eq!(s.to_string(), o.to_string()),
                        (s, o) => panic!("{}: {:?} {:?}", path.display(), s.is_ok(), o.is_ok()),
                    }
                    same += 1;
                }
                None => whole += 1,
            }
        }
        assert!(same >= 20, "{same} read in segments, {whole} whole");
    }

    /// Each package and file keeps the line of its `SPDXID`: the line the search of the text for
    /// the lines of findings gives its reference (`ref_lines`, which reports fall back on),
    /// whether the document is read in one scan or in segments of one package each; for every
    /// tag-value document of the fixtures and a generated one with warnings, comments, blank
    /// lines and multi-line values before the references.
    #[test]
    fn components_keep_the_line_of_their_spdxid() {
        let mut generated = String::from("SPDXVersion: SPDX-2.3\nSPDXID: SPDXRef-DOCUMENT\n");
        for i in 0..200 {
            generated.push_str(&format!("PackageName: p{i}\n"));
            if i % 5 == 0 {
                generated.push_str("# comment\n\nnot a tag\nPackageComment: <text>a\nb\n</text>\n");
            }
            if i % 9 != 0 {
                generated.push_str(&format!("SPDXID: SPDXRef-p{i}\n"));
            }
            if i % 40 == 0 {
                generated.push_str(&format!("FileName: ./f{i}\nSPDXID: SPDXRef-f{i}\n"));
            }
        }
        let mut texts: Vec<(String, String)> = vec![("generated".into(), generated)];
        texts.extend(crate::fixture_texts("spdx"));
        let (mut checked, mut segmented) = (0, 0);
        for (name, text) in &texts {
            let found = crate::ref_lines(text.as_bytes(), Format::SpdxTagValue, |_| true);
            let mut reads = vec![one_scan(text)];
            if let Some(s) = in_segments(Path::new("t.spdx"), text, 1, 0) {
                reads.push(s);
                segmented += 1;
            }
            for sbom in reads.into_iter().flatten() {
                checked += crate::assert_lines_as_searched(name, &sbom, &found);
            }
        }
        assert!(checked > 1_000 && segmented > 20, "{checked} {segmented}");
    }

    /// The scanner's own `lines` and `trim` cut as `str::lines` and `str::trim` do, on strings
    /// of line ends, ASCII and Unicode whitespace (a vertical tab, no-break and ideographic
    /// spaces), letters and colons.
    #[test]
    fn lines_and_trim_are_the_standard_ones() {
        let alphabet = [
            '\n', '\r', ' ', '\t', '\x0B', '\u{a0}', '\u{3000}', 'a', ':', '\u{e9}',
        ];
        let mut seed = 7u64;
        for len in 0..400 {
            let text: String = (0..len % 40)
                .map(|_| {
                    seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                    alphabet[(seed >> 33) as usize % alphabet.len()]
                })
                .collect();
            assert_eq!(
                lines(&text).collect::<Vec<_>>(),
                text.lines().collect::<Vec<_>>(),
                "{text:?}"
            );
            assert_eq!(trim(&text), text.trim(), "{text:?}");
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
