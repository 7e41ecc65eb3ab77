//! Reads SBOM documents into the bomvet model: detects the encoding from the content (never the
//! file name), parses it with located errors, and converts it to [`bomvet_model::Sbom`].
//!
//! Supported now: CycloneDX JSON (spec 1.0-1.7 field set), CycloneDX XML 1.0-1.7 (by namespace),
//! SPDX 2.2/2.3 JSON and YAML, SPDX 2.1-2.3 tag-value and SPDX 3.0 JSON-LD.
//!
//! How they are read, for speed and memory (`docs/decisions.md` 17, 19 and 22): every reader
//! converts as it parses, one element at a time; very large files are parsed through a buffer
//! ([`read_streamed`]); a large JSON document in memory has its big arrays parsed on every core
//! ([`Limits::parallel_above`]), with the sequential read as the exact fallback for errors.
//!
//! ```
//! let bytes = br#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"name":"x"}]}"#;
//! let sbom = bomvet_ingest::read_bytes(std::path::Path::new("x.json"), bytes).unwrap();
//! assert_eq!(sbom.components.len(), 1);
//! ```

mod cyclonedx_json;
mod cyclonedx_xml;
mod de;
mod error;
mod par;
mod spdx3;
mod spdx_json;
mod spdx_tv;

use std::borrow::Cow;
use std::path::Path;

use bomvet_model::{Format, Sbom};
use serde::Deserialize;

pub use crate::error::IngestError;

/// Limits that keep a hostile document from using unbounded time or memory. Every limit has a
/// clear error and a flag to raise it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest size a gzip-compressed input may decompress to.
    pub max_decompressed: u64,
    /// Most components a document may have.
    pub max_components: usize,
    /// Deepest nesting of components (CycloneDX `components` inside components).
    pub max_depth: usize,
    /// Not a limit but the size from which a JSON document in memory has its big arrays
    /// (CycloneDX `components` and `dependencies`, SPDX `packages`, `files` and
    /// `relationships`, SPDX 3 `@graph`) parsed on every core, counted in components or
    /// elements (`bom-ref`s, `SPDXID`s, `spdxId`s).
    /// The result is the same either way; `usize::MAX` never, 0 always (tests compare the two).
    pub parallel_above: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_decompressed: 4 << 30,
            max_components: 5_000_000,
            max_depth: 64,
            parallel_above: par::MIN_ELEMENTS,
        }
    }
}

/// Reads and converts the file at `path`.
///
/// # Errors
/// Fails when the file cannot be read, is empty, is not a recognised SBOM encoding, or is not
/// well-formed; the error names the file and, for parse errors, line, column and JSON path.
pub fn read_path(path: &Path) -> Result<Sbom, IngestError> {
    let bytes = std::fs::read(path).map_err(io_error(path))?;
    read_bytes(path, &bytes)
}

/// Converts a document already in memory with the default [`Limits`]; `path` is used for
/// messages only.
///
/// # Errors
/// As [`read_path`], without the I/O error.
pub fn read_bytes(path: &Path, bytes: &[u8]) -> Result<Sbom, IngestError> {
    read_bytes_with(path, bytes, &Limits::default())
}

/// Converts a document already in memory within `limits`. A gzip-compressed document
/// (recognised by its magic bytes) is decompressed first, never beyond
/// `limits.max_decompressed`.
///
/// # Errors
/// As [`read_path`], and [`IngestError::Limit`] when a limit is exceeded.
pub fn read_bytes_with(path: &Path, bytes: &[u8], limits: &Limits) -> Result<Sbom, IngestError> {
    let (format, text) = prepare_within(path, bytes, limits.max_decompressed)?;
    let sbom = read_decoded(path, &text, format, limits)?;
    check_limits(path, sbom, limits)
}

/// The component-count and nesting limits, applied to a document once it is read.
fn check_limits(path: &Path, sbom: Sbom, limits: &Limits) -> Result<Sbom, IngestError> {
    if sbom.components.len() > limits.max_components {
        return Err(IngestError::Limit {
            path: path.to_owned(),
            message: format!(
                "{} components, more than the limit of {} (raise it with `--max-components`)",
                sbom.components.len(),
                limits.max_components
            ),
        });
    }
    // Only CycloneDX nests components: an SPDX document's are all at depth 1, and searching
    // their locations was ~5% of the CPU of auditing a 100k-package tag-value document (issue 7).
    // One searcher for every location (`matches` built one per component), on every core: a pass
    // over a large model's components, which are no longer in cache, was ~6 ms of a 100k read
    // that no other thread could share.
    use rayon::prelude::*;
    let nests = matches!(sbom.format, Format::CyclonedxJson | Format::CyclonedxXml);
    let depth = if nests {
        let nested = memchr::memmem::Finder::new(".components[");
        sbom.components
            .par_iter()
            .with_min_len(par::CHUNK)
            .map(|c| nested.find_iter(c.location.0.as_bytes()).count() + 1)
            .max()
            .unwrap_or(0)
    } else {
        usize::from(!sbom.components.is_empty())
    };
    if depth > limits.max_depth {
        return Err(IngestError::Limit {
            path: path.to_owned(),
            message: format!(
                "components nested {depth} levels deep, more than the limit of {} (raise it with `--max-depth`)",
                limits.max_depth
            ),
        });
    }
    Ok(sbom)
}

/// Reads a CycloneDX JSON or XML, SPDX JSON, tag-value or SPDX 3 JSON-LD file through a buffer
/// instead of holding its bytes, for files so large that memory matters more than time (decision 19: the
/// peak is the model alone, not the model and the file; JSON parses about 1.5x slower that way).
/// `Ok(None)` when the file is not one of those encodings by its first 64 KiB, is compressed or
/// UTF-16, or is CycloneDX or SPDX JSON that does not parse: read it whole with
/// [`read_bytes_with`] instead (which locates the error exactly). Errors are those of
/// [`read_bytes_with`].
pub fn read_streamed(path: &Path, limits: &Limits) -> Result<Option<Sbom>, IngestError> {
    use std::io::Read;
    let io = io_error(path);
    let mut head = Vec::with_capacity(SNIFF_WINDOW);
    std::fs::File::open(path)
        .map_err(&io)?
        .take(SNIFF_WINDOW as u64)
        .read_to_end(&mut head)
        .map_err(&io)?;
    if is_gzip_or_utf16(&head) {
        return Ok(None);
    }
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head);
    let format = detect(path, text);
    let read = match format {
        Ok(Format::CyclonedxJson) => cyclonedx_json::read(path, JsonSource::File(path), usize::MAX),
        Ok(Format::SpdxJson) => spdx_json::read(path, JsonSource::File(path), usize::MAX),
        Ok(Format::Spdx3JsonLd) => spdx3::read(path, JsonSource::File(path), usize::MAX),
        Ok(Format::CyclonedxXml) => cyclonedx_xml::read_file(path),
        Ok(Format::SpdxTagValue) => spdx_tv::read_file(path),
        _ => return Ok(None),
    };
    match read {
        Ok(mut sbom) => {
            if matches!(
                format,
                Ok(Format::CyclonedxJson | Format::SpdxJson | Format::Spdx3JsonLd)
            ) {
                // serde_json's buffered reader checks the strings it reads, not those it skips;
                // a pass of its own over the file finds a bad byte there (as `read_decoded` does
                // in memory). Read again from the page cache: about 5% of a buffered scan (100k
                // SPDX JSON with `--stream-above 0`: median of 10, 0.83 -> 0.89 s).
                let (file, skip) = open_after_bom(path)?;
                if let Some((line, column)) = invalid_utf8_in_file(path, file, skip)? {
                    sbom.diagnostics.push(not_utf8(line, column));
                }
            }
            check_limits(path, sbom, limits).map(Some)
        }
        // serde_json's reader places some errors a column, or a line, off where its slice reader
        // does (a newline inside a string: `5:0` for `4:81`). Such a file is read whole to report
        // its error exactly as an in-memory read would: the memory is spent on failure only. (The
        // SPDX 3 reader does that itself; the XML and tag-value readers' errors are exact either way.)
        Err(IngestError::Parse { .. })
            if matches!(format, Ok(Format::CyclonedxJson | Format::SpdxJson)) =>
        {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// The error of a failed read of `path`.
fn io_error(path: &Path) -> impl Fn(std::io::Error) -> IngestError + '_ {
    move |source| IngestError::Io {
        path: path.to_owned(),
        source,
    }
}

/// True when a file starting with `head` must be read whole before it can be read as text:
/// gzip, or UTF-16 (by its byte-order mark).
fn is_gzip_or_utf16(head: &[u8]) -> bool {
    head.starts_with(&[0x1f, 0x8b])
        || head.starts_with(&[0xff, 0xfe])
        || head.starts_with(&[0xfe, 0xff])
}

/// The offset of the first byte of `file` that is not UTF-8 (or of a character cut by the end of
/// the file), read in 1 MiB chunks: where [`utf8`] stops on the same bytes in memory.
fn first_invalid_utf8(file: impl std::io::Read) -> std::io::Result<Option<u64>> {
    let (mut done, mut invalid) = (0u64, None);
    read_in_chunks(file, |held, eof| {
        if invalid.is_some() {
            return held.len();
        }
        match simdutf8::compat::from_utf8(held) {
            Ok(_) => {
                done += held.len() as u64;
                held.len()
            }
            // A character cut by the chunk's end: kept for the next round.
            Err(e) if e.error_len().is_none() && !eof => {
                done += e.valid_up_to() as u64;
                e.valid_up_to()
            }
            Err(e) => {
                invalid = Some(done + e.valid_up_to() as u64);
                held.len()
            }
        }
    })?;
    Ok(invalid)
}

/// Opens a text file to be read through a 64 KiB buffer (decision 19), positioned after any
/// UTF-8 byte-order mark, whose length is returned (positions are counted after it, as
/// [`read_bytes`] removes it). The whole file is checked for UTF-8 first, in a pass of its own,
/// so that a byte that is not UTF-8 is the error reported whatever else is wrong, as it is for a
/// document read whole ([`utf8`]).
pub(crate) fn open_utf8(
    path: &Path,
) -> Result<(std::io::BufReader<std::fs::File>, u64), IngestError> {
    use std::io::Seek;
    let (mut file, skip) = open_after_bom(path)?;
    if let Some((line, column)) = invalid_utf8_in_file(path, &mut file, skip)? {
        return Err(IngestError::Parse {
            path: path.to_owned(),
            line,
            column,
            json_path: String::new(),
            message: "invalid UTF-8".into(),
        });
    }
    file.seek(std::io::SeekFrom::Start(skip))
        .map_err(io_error(path))?;
    Ok((file, skip))
}

/// [`str::trim`]: ASCII whitespace cut byte by byte, and characters decoded only when an end is
/// then not ASCII or is a vertical tab (which `char::is_whitespace` counts and
/// `u8::is_ascii_whitespace` does not); almost every line has neither.
pub(crate) fn trim(s: &str) -> &str {
    let t = s.trim_ascii();
    let plain = |b: Option<&u8>| b.is_none_or(|&b| b.is_ascii() && b != 0x0B);
    if plain(t.as_bytes().first()) && plain(t.as_bytes().last()) {
        t
    } else {
        t.trim()
    }
}

/// Where `part` starts in `text`, when it is a slice of it (`None` otherwise): the place of a
/// value a parser hands out as a slice of its input.
pub(crate) fn offset_within(text: &str, part: &[u8]) -> Option<usize> {
    let from = (part.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
    (from <= text.len() && part.len() <= text.len() - from).then_some(from)
}

/// `part` as the slice of `text` it is, with `text`'s lifetime (`None` when it is not a slice of
/// it, or not at character boundaries): for values a parser hands out as slices of the input,
/// borrowed rather than copied or checked as UTF-8 again.
pub(crate) fn within<'t>(text: &'t str, part: &[u8]) -> Option<&'t str> {
    let from = offset_within(text, part)?;
    text.get(from..from + part.len())
}

/// A line number (from 1) as the model keeps a component's (decision 33); `None` for 0 and past
/// `u32::MAX` lines (the search of the file then finds it, as for the JSON encodings).
pub(crate) fn line_number(n: usize) -> Option<std::num::NonZeroU32> {
    u32::try_from(n).ok().and_then(std::num::NonZeroU32::new)
}

/// The line and column of the first byte of `file` (`path` opened after its byte-order mark of
/// `skip` bytes) that is not UTF-8, found in a pass to its end. [`open_utf8`] refuses such a file;
/// a JSON file read through a buffer is only warned about (the byte is in a string serde_json
/// skipped).
fn invalid_utf8_in_file(
    path: &Path,
    file: impl std::io::Read,
    skip: u64,
) -> Result<Option<(usize, usize)>, IngestError> {
    let io = io_error(path);
    match first_invalid_utf8(file).map_err(&io)? {
        Some(at) => {
            let at = usize::try_from(at).unwrap_or(usize::MAX);
            Ok(Some(line_col_in_file(path, skip, at).map_err(&io)?))
        }
        None => Ok(None),
    }
}

/// A reader over `path` through a 64 KiB buffer, after any UTF-8 byte-order mark, and the
/// mark's length.
fn open_after_bom(path: &Path) -> Result<(std::io::BufReader<std::fs::File>, u64), IngestError> {
    use std::io::BufRead;
    let io = io_error(path);
    let mut r = std::io::BufReader::with_capacity(1 << 16, std::fs::File::open(path).map_err(&io)?);
    if r.fill_buf().map_err(&io)?.starts_with(b"\xEF\xBB\xBF") {
        r.consume(3);
        return Ok((r, 3));
    }
    Ok((r, 0))
}

/// The `line:column` of byte `offset` of a file whose first `skip` bytes (a byte-order mark) are
/// not counted: [`line_col`] for a document read through a buffer, found again only for an error.
pub(crate) fn line_col_in_file(
    path: &Path,
    skip: u64,
    offset: usize,
) -> std::io::Result<(usize, usize)> {
    use std::io::{Read, Seek};
    let mut file = std::fs::File::open(path)?;
    file.seek(std::io::SeekFrom::Start(skip))?;
    let (mut line, mut column) = (1, 1);
    // Each round gives back everything up to its last newline: what is held is the line so far.
    read_in_chunks(file.take(offset as u64), |held, eof| {
        if eof {
            column = String::from_utf8_lossy(held).chars().count() + 1;
            return held.len();
        }
        match memchr::memrchr(b'\n', held) {
            Some(last) => {
                line += memchr::memchr_iter(b'\n', &held[..=last]).count();
                last + 1
            }
            None => 0,
        }
    })?;
    Ok((line, column))
}

/// Reads `file` in rounds of 1 MiB: `f(held, eof)` sees the bytes held (what earlier rounds left
/// plus the new chunk; at end of file, only what was left) and returns how many of them, from the
/// start, it is done with; the rest is held for the next round.
fn read_in_chunks(
    mut file: impl std::io::Read,
    mut f: impl FnMut(&[u8], bool) -> usize,
) -> std::io::Result<()> {
    use std::io::Read;
    const CHUNK: usize = 1 << 20;
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK);
    loop {
        // `read_to_end` into the spare capacity: no zeroing of a fresh megabyte each round
        // (`resize` did, for every chunk of every file read this way).
        let n = (&mut file).take(CHUNK as u64).read_to_end(&mut buf)?;
        let eof = n == 0;
        let done = f(&buf, eof);
        if eof {
            return Ok(());
        }
        buf.drain(..done);
    }
}

/// Decompresses gzip, refusing to produce more than `max` bytes (a gzip bomb stops there).
pub(crate) fn gunzip(path: &Path, bytes: &[u8], max: u64) -> Result<Vec<u8>, IngestError> {
    use std::io::Read;
    let mut out = Vec::new();
    let mut d = flate2::read::MultiGzDecoder::new(bytes).take(max.saturating_add(1));
    d.read_to_end(&mut out).map_err(|e| IngestError::Invalid {
        path: path.to_owned(),
        json_path: String::new(),
        message: format!("not valid gzip: {e}"),
    })?;
    if out.len() as u64 > max {
        return Err(IngestError::Limit {
            path: path.to_owned(),
            message: format!(
                "decompresses to more than {max} bytes (raise the limit with `--max-decompressed-size`)"
            ),
        });
    }
    Ok(out)
}

/// The reader of each encoding, for text already decoded to UTF-8.
fn read_decoded(
    path: &Path,
    text: &[u8],
    format: Format,
    limits: &Limits,
) -> Result<Sbom, IngestError> {
    let parallel_above = limits.parallel_above;
    let json = |read: fn(&Path, JsonSource<'_>, usize) -> Result<Sbom, IngestError>| {
        let (source, invalid) = json_source(text);
        let mut sbom = read(path, source, parallel_above)?;
        // It parsed: serde_json checks the strings it reads, so the byte is in one it skipped.
        if let Some(at) = invalid {
            let (line, column) = bomvet_model::line_col(text, at);
            sbom.diagnostics.push(not_utf8(line, column));
        }
        Ok(sbom)
    };
    match format {
        Format::CyclonedxJson => json(cyclonedx_json::read),
        Format::SpdxJson => json(spdx_json::read),
        Format::CyclonedxXml => cyclonedx_xml::read(path, text, parallel_above),
        Format::SpdxTagValue => spdx_tv::read(path, text, parallel_above),
        Format::Spdx3JsonLd => json(spdx3::read),
        Format::SpdxYaml => spdx_json::read_yaml(path, text),
    }
}

/// `bytes` made ready for a schema check (`bomvet-validate`): gzip undone (within the default
/// [`Limits::max_decompressed`]), a byte-order mark removed or UTF-16 converted to UTF-8, and the
/// encoding recognised from the content.
///
/// # Errors
/// Gzip that is not valid or too large, UTF-16 that is not valid, and what [`detect`] refuses.
pub fn prepare<'a>(path: &Path, bytes: &'a [u8]) -> Result<(Format, Cow<'a, [u8]>), IngestError> {
    prepare_within(path, bytes, Limits::default().max_decompressed)
}

/// [`prepare`], decompressing no more than `max` bytes (the readers' first step too).
fn prepare_within<'a>(
    path: &Path,
    bytes: &'a [u8],
    max: u64,
) -> Result<(Format, Cow<'a, [u8]>), IngestError> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut raw = gunzip(path, bytes, max)?;
        let (format, text) = prepare_within(path, &raw, max)?;
        // The decompressed bytes themselves, not a copy (less a byte-order mark, if any).
        let text = match text {
            Cow::Borrowed(t) => {
                let skip = raw.len() - t.len();
                raw.drain(..skip);
                raw
            }
            Cow::Owned(t) => t,
        };
        return Ok((format, Cow::Owned(text)));
    }
    let text = decode(path, bytes)?;
    Ok((detect(path, &text)?, text))
}

/// A JSON (or, for [`Format::SpdxYaml`], YAML) document as a [`serde_json::Value`], for a schema
/// check: a syntax error has the line, the column and the JSON path, as the readers' errors do.
///
/// # Errors
/// [`IngestError::Parse`] when the text is not well-formed.
pub fn parse_value(
    path: &Path,
    text: &[u8],
    format: Format,
) -> Result<serde_json::Value, IngestError> {
    if format == Format::SpdxYaml {
        parse_yaml(path, utf8(path, text)?)
    } else {
        parse_json(path, text)
    }
}

/// True when `bytes` could be an SBOM in some encoding bomvet knows: a JSON object, XML, SPDX
/// tag-value or YAML, or gzip (after any byte-order mark), and is not an HTML page or a report
/// (bomvet's JSON report, a SARIF log, a JUnit report). Used to skip, never to drop silently, the
/// other files found when walking a directory (READMEs, licences, checksums, decision 13). A
/// file that starts with `[` is not one (decision 36): no SBOM encoding is a JSON array, and TOML
/// and INI files (`Cargo.toml`, `.git/config`) start so. The pages and reports are those a run
/// writes into the folder it audits. Any other XML or JSON object is a candidate and fails when
/// read, as it may be an SBOM in an encoding bomvet does not read (SPDX RDF/XML).
pub fn is_candidate(bytes: &[u8]) -> bool {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        return true;
    }
    let Ok(text) = decode(std::path::Path::new(""), bytes) else {
        return false;
    };
    let Some(start) = text.iter().position(|b| !b.is_ascii_whitespace()) else {
        return false;
    };
    match text[start] {
        b'{' => !is_report_json(&text[start..]),
        b'<' => !is_page_or_junit(&text[start..]),
        b'[' => false,
        _ => {
            let head = String::from_utf8_lossy(&text[..text.len().min(4096)]);
            head.lines().any(|l| {
                let l = l.trim_start_matches(['-', ' ']);
                l.starts_with("SPDXVersion:") || l.starts_with("spdxVersion:")
            })
        }
    }
}

/// Whether a JSON object is bomvet's JSON report (its first key `schema_version`, then `tool`
/// named `bomvet`) or a SARIF log (a `$schema` first that names SARIF), by its first bytes with
/// the whitespace taken out (pretty or compact, as `jq -c` writes it).
fn is_report_json(object: &[u8]) -> bool {
    let head: Vec<u8> = object
        .iter()
        .take(1024)
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let has = |needle: &[u8]| memchr::memmem::find(&head, needle).is_some();
    (head.starts_with(br#"{"schema_version":"#) && has(br#","tool":{"name":"bomvet""#))
        || (head.starts_with(br#"{"$schema":""#)
            && head
                .get(12..)
                .and_then(|rest| rest.split(|&b| b == b'"').next())
                .is_some_and(|url| memchr::memmem::find(url, b"sarif").is_some()))
}

/// Whether markup is an HTML page or a JUnit report: its first element (after an XML
/// declaration, processing instructions and comments) is `<!DOCTYPE html` or `<html` in any
/// case, or `<testsuites` or `<testsuite`.
fn is_page_or_junit(markup: &[u8]) -> bool {
    let mut rest = markup;
    loop {
        let Some(at) = rest.iter().position(|b| !b.is_ascii_whitespace()) else {
            return false;
        };
        rest = &rest[at..];
        let skip_past = |end: &[u8]| memchr::memmem::find(rest, end).map(|at| at + end.len());
        let next = if rest.starts_with(b"<?") {
            skip_past(b"?>")
        } else if rest.starts_with(b"<!--") {
            skip_past(b"-->")
        } else {
            break;
        };
        match next {
            Some(at) => rest = &rest[at..],
            None => return false,
        }
    }
    let starts = |tag: &[u8], any_case: bool| {
        rest.len() > tag.len()
            && (if any_case {
                rest[..tag.len()].eq_ignore_ascii_case(tag)
            } else {
                &rest[..tag.len()] == tag
            })
            && matches!(rest[tag.len()], b'>' | b'/' | b' ' | b'\t' | b'\r' | b'\n')
    };
    starts(b"<!doctype html", true)
        || starts(b"<html", true)
        || starts(b"<testsuites", false)
        || starts(b"<testsuite", false)
}

/// Reads `bytes` as `format` without recognising the encoding first (for callers that know it,
/// and for the per-format fuzz targets).
///
/// # Errors
/// As [`read_bytes`].
pub fn read_as(path: &Path, bytes: &[u8], format: Format) -> Result<Sbom, IngestError> {
    read_decoded(path, &decode(path, bytes)?, format, &Limits::default())
}

/// The bytes as UTF-8 text, or a parse error at the first invalid byte.
pub(crate) fn utf8<'a>(path: &Path, bytes: &'a [u8]) -> Result<&'a str, IngestError> {
    par::utf8(bytes).map_err(|e| {
        let (line, column) = line_col(bytes, e.valid_up_to());
        IngestError::Parse {
            path: path.to_owned(),
            line,
            column,
            json_path: String::new(),
            message: "invalid UTF-8".into(),
        }
    })
}

pub(crate) use bomvet_model::line_col;

/// Removes a UTF-8 byte-order mark and converts UTF-16 (with its byte-order mark) to UTF-8.
fn decode<'a>(path: &Path, bytes: &'a [u8]) -> Result<Cow<'a, [u8]>, IngestError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return Ok(Cow::Borrowed(rest));
    }
    let utf16 = |le: bool, rest: &[u8]| -> Result<Cow<'a, [u8]>, IngestError> {
        if rest.len() % 2 != 0 {
            return Err(IngestError::Invalid {
                path: path.to_owned(),
                json_path: String::new(),
                message: "UTF-16 text with an odd number of bytes".into(),
            });
        }
        let units = rest.chunks_exact(2).map(|c| {
            if le {
                u16::from_le_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], c[1]])
            }
        });
        let s: String = char::decode_utf16(units)
            .collect::<Result<_, _>>()
            .map_err(|e| IngestError::Invalid {
                path: path.to_owned(),
                json_path: String::new(),
                message: format!("invalid UTF-16: {e}"),
            })?;
        Ok(Cow::Owned(s.into_bytes()))
    };
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return utf16(true, rest);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return utf16(false, rest);
    }
    Ok(Cow::Borrowed(bytes))
}

/// How far into a document the sniffer looks for its format markers before it falls back to a
/// full (but cheap, nothing kept) parse of the top-level keys.
const SNIFF_WINDOW: usize = 64 * 1024;

/// Recognises the encoding of `bytes` from their content.
///
/// # Errors
/// [`IngestError::Empty`] for an empty or blank document, [`IngestError::UnknownFormat`] when no
/// SBOM encoding is recognised.
pub fn detect(path: &Path, bytes: &[u8]) -> Result<Format, IngestError> {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace());
    let Some(start) = start else {
        return Err(IngestError::Empty {
            path: path.to_owned(),
        });
    };
    let head = &bytes[start..bytes.len().min(start + SNIFF_WINDOW)];
    let unknown = |reason: &str| IngestError::UnknownFormat {
        path: path.to_owned(),
        reason: reason.to_owned(),
    };
    match head[0] {
        b'{' => {
            let has = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
            let cdx = has(b"\"bomFormat\"");
            let spdx2 = has(b"\"spdxVersion\"");
            let spdx3 = has(b"\"@context\"") && has(b"spdx.org/rdf/3");
            match (cdx, spdx2, spdx3) {
                (true, false, false) => return Ok(Format::CyclonedxJson),
                (false, true, false) => return Ok(Format::SpdxJson),
                (false, false, true) => return Ok(Format::Spdx3JsonLd),
                _ => {}
            }
            // Markers not in the window, or ambiguous: read just the top-level keys.
            #[derive(Deserialize)]
            struct Probe {
                #[serde(rename = "bomFormat")]
                bom_format: Option<serde::de::IgnoredAny>,
                #[serde(rename = "spdxVersion")]
                spdx_version: Option<serde::de::IgnoredAny>,
                #[serde(rename = "@context")]
                context: Option<serde::de::IgnoredAny>,
            }
            let probe: Probe = parse_json(path, bytes)?;
            match (
                probe.bom_format.is_some(),
                probe.spdx_version.is_some(),
                probe.context.is_some(),
            ) {
                (true, _, _) => Ok(Format::CyclonedxJson),
                (false, true, _) => Ok(Format::SpdxJson),
                (false, false, true) if spdx3 => Ok(Format::Spdx3JsonLd),
                _ => Err(unknown(
                    "a JSON object with neither `bomFormat` (CycloneDX) nor `spdxVersion` (SPDX)",
                )),
            }
        }
        b'<' => {
            let has = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
            if has(b"cyclonedx.org/schema/bom") {
                Ok(Format::CyclonedxXml)
            } else {
                Err(unknown("an XML document without the CycloneDX namespace"))
            }
        }
        b'[' => Err(unknown(
            "a JSON array or a TOML/INI file, not an SBOM document",
        )),
        _ => {
            let text = String::from_utf8_lossy(&head[..head.len().min(4096)]);
            if text
                .lines()
                .any(|l| l.trim_start().starts_with("SPDXVersion:"))
            {
                Ok(Format::SpdxTagValue)
            } else if text.lines().any(|l| {
                let l = l.trim_start_matches(['-', ' ']);
                l.starts_with("spdxVersion:") || l.starts_with("\"spdxVersion\":")
            }) {
                Ok(Format::SpdxYaml)
            } else {
                Err(unknown("neither JSON, XML nor SPDX tag-value"))
            }
        }
    }
}

/// Where a JSON document is read from: its bytes in memory, or a file read through a buffer so
/// that its bytes are never all held (decision 19, [`read_streamed`]).
#[derive(Clone, Copy)]
pub(crate) enum JsonSource<'a> {
    /// Text in memory, known to be UTF-8 (checked once as a whole, [`json_source`]), any
    /// byte-order mark already removed: parsed from a `str`.
    Text(&'a str),
    /// Bytes in memory that are not all UTF-8 (or were not checked): parsed as bytes, so that
    /// serde_json locates a bad byte in a string it reads.
    Bytes(&'a [u8]),
    /// A UTF-8 file (a leading byte-order mark is skipped).
    File(&'a Path),
}

impl JsonSource<'_> {
    /// How many times `needle` occurs (to size vectors once): a SIMD search of the bytes, or of
    /// the file read again in chunks.
    pub(crate) fn count(&self, needle: &[u8]) -> usize {
        match self {
            JsonSource::Text(t) => par::count(t.as_bytes(), needle),
            JsonSource::Bytes(b) => par::count(b, needle),
            JsonSource::File(p) => count_in_file(p, needle).unwrap_or(0),
        }
    }
}

/// The source of a JSON document in memory: checked to be UTF-8 once, as a whole (`simdutf8`,
/// ~25 GB/s on mostly-ASCII text against std's ~7 GB/s, with the same answer and offset), then
/// parsed from a `str`. serde_json's byte reader checks every string it reads on its own instead,
/// which was 7% of the instructions of reading a 20,000-component CycloneDX document (issue 7,
/// decisions 23 and 24). Text that is not UTF-8 is parsed as bytes, so that serde_json reports
/// where, as before; for UTF-8 text both readers give the same values and errors. With the offset
/// of the first byte that is not UTF-8, if any.
pub(crate) fn json_source(text: &[u8]) -> (JsonSource<'_>, Option<usize>) {
    match par::utf8(text) {
        Ok(t) => (JsonSource::Text(t), None),
        Err(e) => (JsonSource::Bytes(text), Some(e.valid_up_to())),
    }
}

/// The warning for a JSON document that parsed although it is not UTF-8 (RFC 8259 requires
/// UTF-8), the first bad byte at `line`:`column`: the bad bytes are in strings bomvet does not
/// read (serde_json checks those it reads), so nothing it audits is wrong, but the document is
/// not what its producer meant to write. `--strict` refuses the document.
fn not_utf8(line: usize, column: usize) -> bomvet_model::Diagnostic {
    bomvet_model::Diagnostic {
        level: bomvet_model::DiagnosticLevel::Warning,
        location: bomvet_model::Location::default(),
        message: format!(
            "line {line}, column {column}: not UTF-8, which JSON requires; the byte is in a \
             string bomvet does not read, so the audit stands, but the document is damaged"
        ),
    }
}

/// Occurrences of `needle` in the file, read in 1 MiB chunks; 0 when it cannot be read (the
/// parse that follows reports that).
fn count_in_file(path: &Path, needle: &[u8]) -> std::io::Result<usize> {
    // The last `needle.len() - 1` bytes of a round cannot hold a whole match: they are kept, so
    // that a match across the chunk boundary is found (once) in the next round.
    let keep = needle.len().saturating_sub(1);
    let mut count = 0;
    read_in_chunks(std::fs::File::open(path)?, |buf, _| {
        count += memchr::memmem::find_iter(buf, needle).count();
        buf.len().saturating_sub(keep)
    })?;
    Ok(count)
}

/// A buffered reader over `path` after any UTF-8 byte-order mark.
fn open_json(
    path: &Path,
) -> Result<serde_json::de::IoRead<std::io::BufReader<std::fs::File>>, IngestError> {
    Ok(serde_json::de::IoRead::new(open_after_bom(path)?.0))
}

/// Parses JSON with a seed that converts as it reads (so a large document's wire structs never
/// exist all at once); on failure parses again with a fresh seed and path tracking so the error
/// carries the JSON path as well as line and column.
pub(crate) fn parse_json_seed<'de, S, F>(
    path: &Path,
    source: JsonSource<'de>,
    make: F,
) -> Result<S::Value, IngestError>
where
    S: serde::de::DeserializeSeed<'de>,
    F: Fn() -> S,
{
    match source {
        JsonSource::Text(text) => {
            parse_json_seed_from(path, || Ok(serde_json::de::StrRead::new(text)), make)
        }
        JsonSource::Bytes(bytes) => {
            parse_json_seed_from(path, || Ok(serde_json::de::SliceRead::new(bytes)), make)
        }
        JsonSource::File(file) => parse_json_seed_from(path, || open_json(file), make),
    }
}

/// The fast reads of a large document in memory, in order: in place for UTF-8 text
/// (`in_place`, [`par::object`]), then one parse with `seed`, whose big arrays are skipped on one
/// thread and parsed on the others ([`par::Array`]). `None` for a document below the size that
/// is worth it, a file, or when both fail: the sequential read follows and reports the error.
pub(crate) fn read_fast<'de, S>(
    source: JsonSource<'de>,
    worth_it: bool,
    in_place: impl FnOnce(&'de str) -> Option<S::Value>,
    seed: impl FnOnce() -> S,
) -> Option<S::Value>
where
    S: serde::de::DeserializeSeed<'de>,
{
    match source {
        _ if !worth_it => None,
        JsonSource::Text(text) => in_place(text).or_else(|| parse_json_seed_once(source, seed())),
        JsonSource::Bytes(_) => parse_json_seed_once(source, seed()),
        JsonSource::File(_) => None,
    }
}

/// One parse of a document in memory with `seed` and nothing more: for a fast path whose failure
/// is answered by the exact sequential read ([`parse_json_seed`]), which reports the error.
/// `None` for a file.
pub(crate) fn parse_json_seed_once<'de, S>(source: JsonSource<'de>, seed: S) -> Option<S::Value>
where
    S: serde::de::DeserializeSeed<'de>,
{
    fn once<'de, R: serde_json::de::Read<'de>, S: serde::de::DeserializeSeed<'de>>(
        mut de: serde_json::Deserializer<R>,
        seed: S,
    ) -> Option<S::Value> {
        let v = seed.deserialize(&mut de).ok()?;
        de.end().ok()?;
        Some(v)
    }
    match source {
        JsonSource::Text(text) => once(serde_json::Deserializer::from_str(text), seed),
        JsonSource::Bytes(bytes) => once(serde_json::Deserializer::from_slice(bytes), seed),
        JsonSource::File(_) => None,
    }
}

fn parse_json_seed_from<'de, R, S, F>(
    path: &Path,
    read: impl Fn() -> Result<R, IngestError>,
    make: F,
) -> Result<S::Value, IngestError>
where
    R: serde_json::de::Read<'de>,
    S: serde::de::DeserializeSeed<'de>,
    F: Fn() -> S,
{
    let mut de = serde_json::Deserializer::new(read()?);
    let first = match make().deserialize(&mut de) {
        Ok(v) => match de.end() {
            Ok(()) => return Ok(v),
            Err(e) => e,
        },
        Err(e) => e,
    };
    let mut de = serde_json::Deserializer::new(read()?);
    let mut track = serde_path_to_error::Track::new();
    let json_path =
        match make().deserialize(serde_path_to_error::Deserializer::new(&mut de, &mut track)) {
            Err(_) => track.path().to_string(),
            Ok(_) => String::new(),
        };
    Err(json_error(path, &first, json_path))
}

fn json_error(path: &Path, e: &serde_json::Error, json_path: String) -> IngestError {
    let msg = e.to_string();
    let message = humanize(match msg.rfind(" at line ") {
        Some(i) => &msg[..i],
        None => &msg,
    });
    IngestError::Parse {
        path: path.to_owned(),
        line: e.line(),
        column: e.column(),
        json_path,
        message,
    }
}

/// Parses JSON into `T`; on failure parses again with path tracking so the error carries the
/// JSON path of the offending value as well as line and column. The fast path pays nothing for
/// locations.
/// Parses YAML text, with the error's line and column.
pub(crate) fn parse_yaml<'de, T: Deserialize<'de>>(
    path: &Path,
    text: &'de str,
) -> Result<T, IngestError> {
    serde_yaml_ng::from_str(text).map_err(|e| {
        let (line, column) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
        IngestError::Parse {
            path: path.to_owned(),
            line,
            column,
            json_path: String::new(),
            message: e.to_string(),
        }
    })
}

pub(crate) fn parse_json<'de, T: Deserialize<'de>>(
    path: &Path,
    bytes: &'de [u8],
) -> Result<T, IngestError> {
    let parsed = match json_source(bytes).0 {
        JsonSource::Text(text) => serde_json::from_str::<T>(text),
        _ => serde_json::from_slice::<T>(bytes),
    };
    match parsed {
        Ok(v) => Ok(v),
        Err(first) => {
            let mut de = serde_json::Deserializer::from_slice(bytes);
            let json_path = match serde_path_to_error::deserialize::<_, T>(&mut de) {
                Err(e) => e.path().to_string(),
                Ok(_) => String::new(),
            };
            let msg = first.to_string();
            let message = humanize(match msg.rfind(" at line ") {
                Some(i) => &msg[..i],
                None => &msg,
            });
            Err(IngestError::Parse {
                path: path.to_owned(),
                line: first.line(),
                column: first.column(),
                json_path,
                message,
            })
        }
    }
}

/// serde names the private wire structs in its messages; say what the spec calls them instead.
fn humanize(msg: &str) -> String {
    const NAMES: &[(&str, &str)] = &[
        ("struct OrgEntity", "an organizational entity object"),
        ("struct CdxComponent", "a component object"),
        ("struct Contact", "a contact object"),
        ("struct Metadata", "a metadata object"),
        ("struct Dependency", "a dependency object"),
        ("struct Address", "an address object"),
        ("struct CdxExtRef", "an external reference object"),
        ("struct Bom", "a CycloneDX document object"),
        ("struct Doc", "an SPDX document object"),
        ("struct Package", "a package object"),
        ("struct File", "a file object"),
        ("struct Rel", "a relationship object"),
        ("struct SpdxExtRef", "an external reference object"),
        ("struct Probe", "a JSON object"),
    ];
    let mut out = msg.to_owned();
    for (from, to) in NAMES {
        if out.contains(from) {
            out = out.replace(from, to);
        }
    }
    out
}

/// [`ref_lines`] over a file read again in segments, so that the file need not be in memory while
/// its findings are rendered (issue 7: the bytes of a large SBOM were a quarter of the peak, and
/// its mapped pages would count as much). The segments of [`ref_lines`] are read on rayon's
/// threads, each into a buffer of its thread with the byte before it and 64 KiB after it: a ref
/// is found in the segment where its key starts, so keys and values up to 64 KiB long are never
/// cut, and the byte before tells a key at the segment's first byte apart. UTF-16 and gzip files
/// are read whole and handed to [`ref_lines`].
///
/// # Errors
/// When the file cannot be read (or was cut short while it was).
pub fn ref_lines_in_file(
    path: &Path,
    format: Format,
    wanted: impl Fn(&str) -> bool + Sync,
) -> std::io::Result<std::collections::HashMap<String, usize>> {
    segmented_ref_lines_in_file(path, REF_LINES_SEGMENT, format, wanted)
}

/// [`ref_lines_in_file`] in segments of `segment` bytes.
fn segmented_ref_lines_in_file(
    path: &Path,
    segment: usize,
    format: Format,
    wanted: impl Fn(&str) -> bool + Sync,
) -> std::io::Result<std::collections::HashMap<String, usize>> {
    use rayon::prelude::*;
    use std::io::{Read, Seek, SeekFrom};
    const KEEP: usize = 64 << 10;
    let mut file = std::fs::File::open(path)?;
    let mut head = Vec::new();
    (&mut file).take(2).read_to_end(&mut head)?;
    if is_gzip_or_utf16(&head) {
        file.rewind()?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        return Ok(ref_lines(&bytes, format, wanted));
    }
    let len = usize::try_from(file.metadata()?.len()).map_err(std::io::Error::other)?;
    let segments = (0..len.div_ceil(segment))
        .into_par_iter()
        .map_init(Vec::new, |buf, k| {
            let start = k * segment;
            let from = start.saturating_sub(1);
            let to = len.min(start + segment + KEEP);
            buf.resize(to - from, 0);
            let mut file = std::fs::File::open(path)?;
            file.seek(SeekFrom::Start(from as u64))?;
            file.read_exact(buf)?;
            let (prev, held) = match start {
                0 => (None, &buf[..]),
                _ => (Some(buf[0]), &buf[1..]),
            };
            let limit = segment.min(len - start);
            let (lines, found) = segment_ref_lines(held, limit, prev, format, &wanted);
            let found: Vec<(usize, String)> =
                found.into_iter().map(|(l, v)| (l, v.to_owned())).collect();
            Ok((lines, found))
        })
        .collect::<std::io::Result<Vec<_>>>()?;
    Ok(join_ref_lines(segments))
}

/// Every ref written in `buf` whose key starts before `limit`, with the key's position, in order,
/// in the forms a document of `format` writes them: CycloneDX's `bom-ref` as a JSON key
/// (`"bom-ref": "x"`) or XML attribute (`bom-ref="x"`), SPDX 2's `SPDXID` as a JSON or YAML key
/// or a tag-value tag (`SPDXID: x` at the start of a line), SPDX 3's `spdxId` as a JSON key.
///
/// One search, for the format's key, each occurrence told apart by the bytes around it: a search
/// per written form passed over the file four times, and a search for the other format's key
/// twice (issue 7).
fn refs_in(buf: &[u8], limit: usize, prev: Option<u8>, format: Format) -> Vec<(usize, &str)> {
    let mut found = Vec::new();
    // The byte before `pos`: `prev` (the byte before the buffer, if any) for the first.
    let byte_before = |pos: usize| match pos.checked_sub(1) {
        Some(i) => Some(buf[i]),
        None => prev,
    };
    // A key that starts before `limit` may end after it (the caller keeps the bytes from
    // `limit` on for the next round, so such a key would not be found there either).
    let searched = &buf[..(limit + 8).min(buf.len())];
    let key: &[u8] = match format {
        Format::CyclonedxJson | Format::CyclonedxXml => b"bom-ref",
        Format::SpdxJson | Format::SpdxTagValue | Format::SpdxYaml => b"SPDXID",
        Format::Spdx3JsonLd => b"spdxId",
    };
    for pos in memchr::memmem::find_iter(searched, key) {
        let before = byte_before(pos);
        let after = pos + key.len();
        // A quoted key whose `"` is the byte before the buffer started in the previous round,
        // which found it.
        let value = if before == Some(b'"') && buf.get(after) == Some(&b'"') {
            pos.checked_sub(1)
                .and_then(|k| ref_value(&buf[after + 1..]).map(|v| (k, v)))
        } else if format == Format::CyclonedxXml || format == Format::CyclonedxJson {
            before
                .is_none_or(|b| b.is_ascii_whitespace())
                .then(|| xml_attribute_value(&buf[after..]).map(|v| (pos, v)))
                .flatten()
        } else if format != Format::Spdx3JsonLd
            && before.is_none_or(|b| b == b'\n')
            && buf.get(after) == Some(&b':')
        {
            tag_value(&buf[after + 1..]).map(|v| (pos, v))
        } else {
            None
        };
        found.extend(value);
    }
    found.retain(|&(pos, _)| pos < limit);
    found
}

/// The string value after a JSON key (`: "value"`), when it is a plain string on the same bytes.
fn ref_value(rest: &[u8]) -> Option<&str> {
    let rest = rest.trim_ascii_start().strip_prefix(b":")?;
    let rest = rest.trim_ascii_start().strip_prefix(b"\"")?;
    // Refs with escapes are rare; they are matched in their escaped form.
    let end = memchr::memchr(b'"', rest)?;
    std::str::from_utf8(&rest[..end]).ok()
}

/// The value of an XML attribute after its name (`="value"` or `='value'`).
fn xml_attribute_value(rest: &[u8]) -> Option<&str> {
    let rest = rest
        .trim_ascii_start()
        .strip_prefix(b"=")?
        .trim_ascii_start();
    let (&quote, rest) = rest.split_first()?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    // Entities are matched in their escaped form, as JSON escapes are.
    let end = memchr::memchr(quote, rest)?;
    std::str::from_utf8(&rest[..end]).ok()
}

/// The rest of a tag-value line, trimmed.
fn tag_value(rest: &[u8]) -> Option<&str> {
    let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
    let value = rest[..end].trim_ascii();
    std::str::from_utf8(value).ok().filter(|v| !v.is_empty())
}

/// The 1-based line of each ref that `wanted` accepts, in a document of `format`: the line of its
/// `bom-ref` (JSON key or XML attribute), `SPDXID` (JSON or YAML key, tag-value tag) or SPDX 3
/// `spdxId` (JSON key). Serde and the XML reader give no positions for elements that read well,
/// so reports look up the refs of their findings here, in one pass. The first occurrence of a ref
/// wins; only wanted refs are copied.
///
/// Searched in segments of 2 MiB on rayon's threads: each finds the refs whose key starts in it
/// (reading on past its end for the value) and counts its lines; the segments are then joined in
/// order.
pub fn ref_lines(
    bytes: &[u8],
    format: Format,
    wanted: impl Fn(&str) -> bool + Sync,
) -> std::collections::HashMap<String, usize> {
    let text = match decode(Path::new(""), bytes) {
        Ok(t) => t,
        Err(_) => return std::collections::HashMap::new(),
    };
    segmented_ref_lines(&text, REF_LINES_SEGMENT, format, &wanted)
}

/// [`ref_lines`] of decoded text in segments of `segment` bytes.
fn segmented_ref_lines(
    text: &[u8],
    segment: usize,
    format: Format,
    wanted: &(impl Fn(&str) -> bool + Sync),
) -> std::collections::HashMap<String, usize> {
    use rayon::prelude::*;
    let segments: Vec<_> = (0..text.len().div_ceil(segment))
        .into_par_iter()
        .map(|k| {
            let start = k * segment;
            let prev = start.checked_sub(1).map(|i| text[i]);
            let limit = segment.min(text.len() - start);
            segment_ref_lines(&text[start..], limit, prev, format, wanted)
        })
        .collect();
    join_ref_lines(segments)
}

/// The lines of `buf[..limit]` and the wanted refs whose key starts there, each with its line
/// counted from 0, in order; `buf` goes on past `limit` for the values, after the byte `prev`.
fn segment_ref_lines<'b>(
    buf: &'b [u8],
    limit: usize,
    prev: Option<u8>,
    format: Format,
    wanted: &impl Fn(&str) -> bool,
) -> (usize, Vec<(usize, &'b str)>) {
    let (mut line, mut last) = (0, 0);
    let mut found = Vec::new();
    for (pos, value) in refs_in(buf, limit, prev, format) {
        line += memchr::memchr_iter(b'\n', &buf[last..pos]).count();
        last = pos;
        if wanted(value) {
            found.push((line, value));
        }
    }
    (
        line + memchr::memchr_iter(b'\n', &buf[last..limit]).count(),
        found,
    )
}

/// The segments of [`segment_ref_lines`], in document order, joined: each ref at its first line.
fn join_ref_lines<S: AsRef<str>>(
    segments: Vec<(usize, Vec<(usize, S)>)>,
) -> std::collections::HashMap<String, usize> {
    let mut out = std::collections::HashMap::new();
    let mut first_line = 1;
    for (lines, found) in segments {
        for (line, value) in found {
            let value = value.as_ref();
            if !out.contains_key(value) {
                out.insert(value.to_owned(), first_line + line);
            }
        }
        first_line += lines;
    }
    out
}

/// The bytes of a segment of [`ref_lines`]: large enough that a 100,000-component SBOM (64 MB)
/// is a few dozen tasks, small enough that two threads share it evenly.
const REF_LINES_SEGMENT: usize = 2 << 20;

/// A temporary file for the tests of readers that take a path.
#[cfg(test)]
pub(crate) struct TempFile(pub(crate) std::path::PathBuf);

#[cfg(test)]
impl TempFile {
    /// A file of `bytes`, named after `name`, the process and a count (tests run in parallel),
    /// removed when dropped.
    pub(crate) fn new(name: &str, bytes: &[u8]) -> TempFile {
        static COUNT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("bomvet-{}-{n}-{name}", std::process::id()));
        std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{e}"));
        TempFile(path)
    }
}

#[cfg(test)]
impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The files under `fixtures/` of this repository (recursively) whose extension is `ext`, sorted.
#[cfg(test)]
pub(crate) fn fixture_files(ext: &str) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")];
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == ext) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The fixtures of [`fixture_files`] that are UTF-8, with their names.
#[cfg(test)]
pub(crate) fn fixture_texts(ext: &str) -> Vec<(String, String)> {
    fixture_files(ext)
        .into_iter()
        .filter_map(|path| {
            let text = String::from_utf8(std::fs::read(&path).ok()?).ok()?;
            Some((path.display().to_string(), text))
        })
        .collect()
}

/// Writes `bytes` to a file named like `name`, reads it with `read_file` (a reader through a
/// buffer) and checks that it agrees with `expected` (the reader in memory on the same bytes,
/// read as `name`): the same model, or the same error.
#[cfg(test)]
pub(crate) fn assert_file_read_agrees(
    name: &str,
    bytes: &[u8],
    read_file: impl Fn(&Path) -> Result<Sbom, IngestError>,
    expected: &Result<Sbom, IngestError>,
) {
    let file = TempFile::new(name, bytes);
    let streamed = read_file(&file.0).map(|mut s| {
        s.source = name.into();
        s
    });
    let file_name = file.0.display().to_string();
    match (expected, &streamed) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(a), Err(b)) => {
            assert_eq!(a.to_string(), b.to_string().replace(&file_name, name));
        }
        _ => panic!("in memory {expected:?}, through a buffer {streamed:?}"),
    }
}

/// Checks that each component of `sbom` (read from `name`) with a reference written once has
/// the line `found` by the search of the text (`ref_lines`) and one without a reference none;
/// returns how many lines it compared. A reference written twice is searched at its first line,
/// and the search compares a value as written (an XML `a&amp;b`), the reader as read: those
/// are left out.
#[cfg(test)]
pub(crate) fn assert_lines_as_searched(
    name: &str,
    sbom: &Sbom,
    found: &std::collections::HashMap<String, usize>,
) -> usize {
    let mut checked = 0;
    for c in &sbom.components {
        if c.synthetic_ref {
            assert_eq!(c.line, None, "{name}: {}", c.id.0);
            continue;
        }
        let once = sbom.components.iter().filter(|o| o.id == c.id).count() == 1;
        if let Some(&line) = found.get(c.id.0.as_str()).filter(|_| once) {
            assert_eq!(
                c.line.map(|l| l.get() as usize),
                Some(line),
                "{name}: {}",
                c.id.0
            );
            checked += 1;
        }
    }
    checked
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a directory walk reads and what it skips (decisions 13 and 36).
    #[test]
    fn candidates_found_in_a_directory() {
        for (bytes, candidate) in [
            (&b"{\"bomFormat\": \"CycloneDX\"}"[..], true),
            (b"\xEF\xBB\xBF  {}", true),
            (
                b"<?xml version=\"1.0\"?>\n<bom xmlns=\"http://cyclonedx.org/schema/bom/1.6\"/>",
                true,
            ),
            (b"<project><groupId>x</groupId></project>", true),
            (
                b"<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"/>",
                true,
            ),
            (b"<html-like/>", true),
            (b"SPDXVersion: SPDX-2.3\n", true),
            (b"spdxVersion: SPDX-2.3\n", true),
            (b"\x1f\x8b\x08\x00", true),
            (b"[package]\nname = \"bomvet\"\n", false),
            (b"[core]\n\trepositoryformatversion = 0\n", false),
            (b"  [{\"bomFormat\": \"CycloneDX\"}]", false),
            (b"<!DOCTYPE html>\n<html lang=\"en\">", false),
            (b"\n<!doctype HTML>", false),
            (b"<?xml version=\"1.0\"?><!-- a report --><HTML>", false),
            (b"<html\n>", false),
            (b"<!-- never closed <html>", true),
            (b"<?xml version=\"1.0\"?>\n<testsuites name=\"bomvet\">", false),
            (b"<testsuite name=\"x\"/>", false),
            (b"<testsuitesx/>", true),
            (b"{\n  \"schema_version\": 1,\n  \"tool\": {\n    \"name\": \"bomvet\",", false),
            (b"{\"schema_version\":1,\"tool\":{\"name\":\"bomvet\",\"version\":\"0.1.0\"}}", false),
            (b"{\"schema_version\":1,\"tool\":{\"name\":\"other\"}}", true),
            (b"{\"bomFormat\":\"CycloneDX\",\"tool\":{\"name\":\"bomvet\"}}", true),
            (b"{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n  \"runs\": []", false),
            (b"{\"$schema\":\"http://cyclonedx.org/schema/bom-1.6.schema.json\",\"bomFormat\":\"CycloneDX\"}", true),
            (b"# README\n", false),
            (b"  \n\t", false),
            (b"", false),
        ] {
            assert_eq!(
                is_candidate(bytes),
                candidate,
                "{}",
                String::from_utf8_lossy(bytes)
            );
        }
    }

    /// Refs are found in every encoding that writes them: JSON keys, XML attributes (not
    /// `ref=` or `xbom-ref=`), tag-value lines (not an `SPDXID:` inside a line).
    #[test]
    fn ref_lines_in_every_encoding() {
        let xml = "<bom>\n<component bom-ref=\"a\">\n<dependency ref=\"b\"/>\n<c xbom-ref=\"c\" bom-ref = 'd'/>\n";
        let lines = ref_lines(xml.as_bytes(), Format::CyclonedxXml, |_| true);
        assert_eq!(lines.get("a"), Some(&2));
        assert_eq!(lines.get("d"), Some(&4));
        assert_eq!(lines.len(), 2, "{lines:?}");
        let tv = "SPDXVersion: SPDX-2.3\nSPDXID: SPDXRef-DOCUMENT\nPackageName: x\nSPDXID:  SPDXRef-x \nPackageComment: SPDXID: SPDXRef-y\n";
        let lines = ref_lines(tv.as_bytes(), Format::SpdxTagValue, |_| true);
        assert_eq!(lines.get("SPDXRef-x"), Some(&4));
        assert_eq!(lines.get("SPDXRef-DOCUMENT"), Some(&2));
        assert_eq!(lines.len(), 2, "{lines:?}");
        // Each format's key only.
        let json = "{\n \"bom-ref\" : \"j\",\n \"SPDXID\": \"SPDXRef-k\",\n\"spdxId\":\"l\"}";
        let lines = |format| ref_lines(json.as_bytes(), format, |_| true);
        assert_eq!(lines(Format::CyclonedxJson), [("j".into(), 2)].into());
        assert_eq!(lines(Format::SpdxJson), [("SPDXRef-k".into(), 3)].into());
        assert_eq!(lines(Format::Spdx3JsonLd), [("l".into(), 4)].into());
    }

    /// A buffer cut at any byte: the refs whose keys start before the cut, then those of the
    /// bytes from the cut on, are the refs of the whole, in every written form (the chunked
    /// reader keeps the bytes from the cut for its next round; a key cut in two was lost).
    #[test]
    fn refs_are_found_across_every_cut() {
        // The last line's `SPDXID:` is not at the start of a line: not a ref, wherever the cut.
        let text = "{\"bom-ref\": \"a\", \"SPDXID\": \"SPDXRef-b\"}\n<c bom-ref=\"c\"/>\nSPDXID: SPDXRef-d\nPackageComment: SPDXID: SPDXRef-e\n";
        let buf = text.as_bytes();
        for format in [Format::CyclonedxJson, Format::SpdxTagValue] {
            let whole: Vec<(usize, &str)> = refs_in(buf, buf.len(), None, format);
            assert_eq!(whole.len(), 2, "{whole:?}");
            for cut in 0..=buf.len() {
                let mut parts = refs_in(buf, cut, None, format);
                let rest = &buf[cut..];
                let prev = cut.checked_sub(1).map(|i| buf[i]);
                let after = refs_in(rest, rest.len(), prev, format);
                parts.extend(after.into_iter().map(|(p, v)| (p + cut, v)));
                assert_eq!(parts, whole, "cut at {cut}");
            }
        }
    }

    /// The buffered read of a file gives the document the in-memory read gives, for every
    /// encoding but YAML, with a byte-order mark too; gzip and UTF-16 are left to the in-memory
    /// read (`None`).
    #[test]
    fn streamed_read_agrees_with_bytes() {
        let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/demo");
        for (name, streams) in [
            ("secureedge-ngfw.cdx.json", true),
            ("secureedge-ngfw.spdx.json", true),
            ("secureedge-ngfw.cdx.xml", true),
            ("secureedge-ngfw.spdx", true),
            ("secureedge-ngfw.spdx3.json", true),
        ] {
            let bytes = std::fs::read(demo.join(name)).unwrap_or_else(|e| panic!("{e}"));
            let mut with_bom = b"\xEF\xBB\xBF".to_vec();
            with_bom.extend_from_slice(&bytes);
            for (k, variant) in [bytes.clone(), with_bom].iter().enumerate() {
                let file = TempFile::new(&format!("{k}-{name}"), variant);
                let streamed = read_streamed(&file.0, &Limits::default())
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(streamed.is_some(), streams, "{name}");
                if let Some(s) = streamed {
                    let whole = read_bytes(&file.0, variant).unwrap_or_else(|e| panic!("{e}"));
                    assert_eq!(s, whole, "{name}");
                    assert!(s.components.len() > 5, "{name}");
                }
            }
        }
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, b"{\"bomFormat\": \"CycloneDX\"}")
            .unwrap_or_else(|e| panic!("{e}"));
        let gz = TempFile::new("x.json.gz", &gz.finish().unwrap_or_default());
        assert!(matches!(read_streamed(&gz.0, &Limits::default()), Ok(None)));
        let utf16 = TempFile::new("u16.json", &[0xff, 0xfe, b'{', 0, b'}', 0]);
        assert!(matches!(
            read_streamed(&utf16.0, &Limits::default()),
            Ok(None)
        ));
    }

    /// An SPDX 3 document the buffered pass refuses (a duplicated key, malformed JSON) is read
    /// whole instead: the same model, or the same located error.
    #[test]
    fn streamed_spdx3_falls_back_to_the_whole_read() {
        const CONTEXT: &str = r#""@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld""#;
        let package = r#"{"type": "software_Package", "spdxId": "urn:p", "name": "p"}"#;
        for (name, text, reads) in [
            (
                "graph",
                format!("{{{CONTEXT}, \"@graph\": [{package}]}}"),
                true,
            ),
            (
                "duplicate",
                format!("{{{CONTEXT}, \"@graph\": [{package}], \"@graph\": []}}"),
                true,
            ),
            (
                "broken",
                format!("{{{CONTEXT},\n \"@graph\": [{package},]}}"),
                false,
            ),
        ] {
            let file = TempFile::new(&format!("{name}.spdx3.json"), text.as_bytes());
            let whole = read_bytes(&file.0, text.as_bytes());
            match read_streamed(&file.0, &Limits::default()) {
                Ok(Some(streamed)) => {
                    let whole = whole.unwrap_or_else(|e| panic!("{name}: {e}"));
                    assert_eq!(streamed, whole, "{name}");
                    assert_eq!(streamed.components.len(), 1, "{name}");
                    assert!(reads, "{name}");
                }
                Ok(None) => panic!("{name}: not read through a buffer"),
                Err(e) => {
                    let whole = whole.map(|_| ()).unwrap_err();
                    assert_eq!(e.to_string(), whole.to_string(), "{name}");
                    assert!(e.to_string().contains(":2:"), "{name}: {e}");
                    assert!(!reads, "{name}");
                }
            }
        }
    }

    /// Malformed CycloneDX or SPDX JSON read through a buffer is left to the in-memory read
    /// (`None`), which locates the error; the component limit applies as well.
    #[test]
    fn streamed_read_errors_are_located() {
        let text = b"{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.6\",\n \"components\": [\n  {\"bom-ref\": \"a\", \"name\": \"a\"},\n  {\"bom-ref\": \"b\", \"name\": 7,}\n]}";
        let file = TempFile::new("bad.cdx.json", text);
        assert!(matches!(
            read_streamed(&file.0, &Limits::default()),
            Ok(None)
        ));
        let ok = TempFile::new(
            "two.cdx.json",
            b"{\"bomFormat\": \"CycloneDX\", \"components\": [{\"name\": \"a\"}, {\"name\": \"b\"}]}",
        );
        let limits = Limits {
            max_components: 1,
            ..Limits::default()
        };
        let err = read_streamed(&ok.0, &limits).map(|_| ()).unwrap_err();
        assert!(
            err.to_string().contains("more than the limit of 1"),
            "{err}"
        );
    }

    /// Counting a needle in a file read in chunks finds the matches that straddle a chunk
    /// boundary, once each.
    #[test]
    fn count_in_file_across_chunks() {
        let mut text = Vec::new();
        let mut i = 0usize;
        while text.len() < 3 * (1 << 20) + 100 {
            text.extend_from_slice(&b"x".repeat(i % 13));
            text.extend_from_slice(b"\"bom-ref\"");
            i += 1;
        }
        let file = TempFile::new("count.json", &text);
        assert_eq!(
            count_in_file(&file.0, b"\"bom-ref\"").unwrap_or(0),
            memchr::memmem::find_iter(&text, b"\"bom-ref\"").count()
        );
        assert_eq!(count_in_file(&file.0, b"\"bom-ref\"").unwrap_or(0), i);
    }

    /// Searched in segments, in memory or read from the file, the refs are found at the lines a
    /// search of the whole text finds: for keys and values on both sides of every boundary, a
    /// key's quote as the byte before a segment, XML and tag-value refs at a segment's first byte,
    /// and a ref written twice (its first line wins).
    #[test]
    fn refs_found_in_segments_are_those_of_the_whole_text() {
        let mut text = String::from("{\"components\": [\n");
        let mut i = 0;
        while text.len() < 3 * (1 << 20) + 1000 {
            // Lines of varying length, so that keys land at every offset of a segment.
            let pad = "x".repeat(i % 97);
            text.push_str(&format!(
                "{{\"bom-ref\": \"c{i}\", \"name\": \"{pad}\"{}}},\n  {{\"SPDXID\" :\n \"SPDXRef-{i}\"}},\n",
                if i % 3 == 0 { format!(", \"spdxId\": \"s{i}\"") } else { String::new() }
            ));
            if i % 5 == 0 {
                text.push_str(&format!("<c bom-ref=\"x{i}\"/>\nSPDXID: SPDXRef-t{i}\n"));
            }
            // Not refs: another attribute, an `SPDXID:` inside a line.
            text.push_str(&format!(
                "<c xbom-ref=\"no{i}\"/> Comment: SPDXID: SPDXRef-no{i}\n"
            ));
            i += 1;
        }
        // A ref written twice: its first line is the one reported.
        text.push_str("{\"bom-ref\": \"c7\", \"SPDXID\": \"SPDXRef-7\", \"spdxId\": \"s6\"}]}\n");
        let file = TempFile::new("ref-lines.json", text.as_bytes());
        let cut = &text[..20_000];
        let cut_file = TempFile::new("ref-lines-cut.json", cut.as_bytes());
        let wanted = |r: &str| !r.ends_with('3');
        // Each format's refs (every i, every fifth i), and the lines of three: line 1 opens the
        // list; four lines per i, two more every fifth; a JSON key's line, not its value's.
        let formats = [
            (
                Format::CyclonedxJson,
                ["c", "x"],
                [("c7", 34), ("x5", 27), ("c0", 2)],
            ),
            (
                Format::SpdxJson,
                ["SPDXRef-", "SPDXRef-t"],
                [("SPDXRef-7", 35), ("SPDXRef-t5", 28), ("SPDXRef-0", 3)],
            ),
            (
                Format::Spdx3JsonLd,
                ["s", "none"],
                [("s6", 30), ("s0", 2), ("s9", 42)],
            ),
        ];
        for (format, [every_one, every_fifth], known) in formats {
            let whole = segmented_ref_lines(text.as_bytes(), text.len(), format, &wanted);
            let every = (0..i).flat_map(|k| {
                let mut refs = vec![format!("{every_one}{k}")];
                if k % 5 == 0 {
                    refs.push(format!("{every_fifth}{k}"));
                }
                refs
            });
            let every = every.filter(|r| !r.starts_with("none") && wanted(r));
            let every = if format == Format::Spdx3JsonLd {
                every
                    .filter(|r| r[1..].parse::<usize>().is_ok_and(|k| k % 3 == 0))
                    .count()
            } else {
                every.count()
            };
            assert_eq!(whole.len(), every, "{format:?}");
            for (r, line) in known {
                assert_eq!(whole.get(r), Some(&line), "{format:?} {r}");
            }
            assert_eq!(ref_lines(text.as_bytes(), format, wanted), whole);
            let read = ref_lines_in_file(&file.0, format, wanted);
            assert_eq!(read.ok().as_ref(), Some(&whole));
            // Small segments put boundaries everywhere (checked on a prefix: a segment is a
            // task).
            let whole = segmented_ref_lines(cut.as_bytes(), cut.len(), format, &wanted);
            assert!(whole.len() > 30, "{format:?} {}", whole.len());
            assert!(whole.keys().all(|r| !r.contains("no")), "{whole:?}");
            for segment in [1, 2, 7, 8, 9, 64, 1000] {
                let parts = segmented_ref_lines(cut.as_bytes(), segment, format, &wanted);
                assert_eq!(parts, whole, "{format:?} in segments of {segment}");
                let read = segmented_ref_lines_in_file(&cut_file.0, segment, format, wanted);
                let read = read.ok();
                assert_eq!(read.as_ref(), Some(&whole), "{format:?} file, {segment}");
            }
        }
    }

    /// A reader that hands out at most `step` bytes per read, to cut characters at every place.
    struct Trickle<'a>(&'a [u8], usize);

    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(buf.len()).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    /// A JSON document in memory is parsed as a `str` once it is known to be UTF-8, and as bytes
    /// otherwise: a byte that is not UTF-8 in a value that is read is still reported where it is
    /// (the line and column of the string holding it), in every JSON encoding and on both the
    /// sequential and the parallel path; the same document with the byte replaced reads.
    #[test]
    fn json_that_is_not_utf8_is_located() {
        let cases: [(&str, String, &str); 3] = [
            (
                "a.cdx.json",
                "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.6\",\n\"components\": [{\"bom-ref\": \"a\", \"name\": \"BAD\"}]}".into(),
                ":2:42:",
            ),
            (
                "a.spdx.json",
                "{\"spdxVersion\": \"SPDX-2.3\", \"SPDXID\": \"SPDXRef-DOCUMENT\",\n\"packages\": [{\"SPDXID\": \"SPDXRef-a\", \"name\": \"BAD\"}]}".into(),
                ":2:47:",
            ),
            (
                "a.spdx3.json",
                "{\"@context\": \"https://spdx.org/rdf/3.0.1/spdx-context.jsonld\", \"@graph\": [\n{\"type\": \"software_Package\", \"spdxId\": \"urn:a\", \"name\": \"BAD\"}]}".into(),
                ":2:58:",
            ),
        ];
        for (name, doc, at) in cases {
            let (before, after) = doc.split_once("BAD").unwrap_or_default();
            let bad_bytes = [before.as_bytes(), b"\xff", after.as_bytes()].concat();
            for parallel_above in [0, usize::MAX] {
                let limits = Limits {
                    parallel_above,
                    ..Limits::default()
                };
                let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build();
                let pool = pool.unwrap_or_else(|e| panic!("{e}"));
                pool.install(|| {
                    let e = read_bytes_with(Path::new(name), &bad_bytes, &limits)
                        .map(|_| ())
                        .unwrap_err()
                        .to_string();
                    assert!(e.contains(at), "{name}: {e}");
                    let good = doc.replace("BAD", "\u{e9}");
                    let sbom = read_bytes_with(Path::new(name), good.as_bytes(), &limits);
                    let sbom = sbom.unwrap_or_else(|e| panic!("{name}: {e}"));
                    assert!(sbom.components.iter().any(|c| c.name == "\u{e9}"), "{name}");
                });
            }
        }
    }

    /// A byte that is not UTF-8 in a string bomvet does not read (serde_json does not check
    /// those) does not pass unnoticed: the document reads, with a warning at the byte's line and
    /// column, in the three JSON encodings, sequentially and in parallel; the same document in
    /// UTF-8 has no such warning.
    #[test]
    fn json_that_is_not_utf8_where_it_is_not_read_is_flagged() {
        let cases = [
            (
                "b.cdx.json",
                "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.6\",\n\"components\": [{\"bom-ref\": \"a\", \"name\": \"a\", \"description\": \"BAD\"}]}",
                "line 2, column 63:",
            ),
            (
                "b.spdx.json",
                "{\"spdxVersion\": \"SPDX-2.3\", \"SPDXID\": \"SPDXRef-DOCUMENT\",\n\"packages\": [{\"SPDXID\": \"SPDXRef-a\", \"name\": \"a\", \"comment\": \"BAD\"}]}",
                "line 2, column 64:",
            ),
            (
                "b.spdx3.json",
                "{\"@context\": \"https://spdx.org/rdf/3.0.1/spdx-context.jsonld\", \"@graph\": [\n{\"type\": \"software_Package\", \"spdxId\": \"urn:a\", \"name\": \"a\", \"comment\": \"BAD\"}]}",
                "line 2, column 75:",
            ),
        ];
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build();
        let pool = pool.unwrap_or_else(|e| panic!("{e}"));
        for (name, doc, at) in cases {
            let (before, after) = doc.split_once("BAD").unwrap_or_default();
            let bad = [before.as_bytes(), b"x\xffy", after.as_bytes()].concat();
            let good = doc.replace("BAD", "x\u{e9}y");
            for parallel_above in [0, usize::MAX] {
                let limits = Limits {
                    parallel_above,
                    ..Limits::default()
                };
                let read = |bytes: &[u8]| {
                    pool.install(|| read_bytes_with(Path::new(name), bytes, &limits))
                        .unwrap_or_else(|e| panic!("{name}: {e}"))
                };
                let flagged = |sbom: &Sbom| {
                    sbom.diagnostics
                        .iter()
                        .filter(|d| d.message.contains("not UTF-8"))
                        .map(|d| (d.level, d.message.clone()))
                        .collect::<Vec<_>>()
                };
                let warned = flagged(&read(&bad));
                assert_eq!(warned.len(), 1, "{name}: {warned:?}");
                assert_eq!(warned[0].0, bomvet_model::DiagnosticLevel::Warning);
                assert!(warned[0].1.starts_with(at), "{name}: {warned:?}");
                assert!(flagged(&read(good.as_bytes())).is_empty(), "{name}");
            }
        }
    }

    /// The UTF-8 check of a file read in chunks stops at the byte `str::from_utf8` stops at,
    /// however the reads cut the characters (two-, three- and four-byte ones, an invalid byte, a
    /// stray continuation byte, a character cut by the end).
    #[test]
    fn first_invalid_utf8_agrees_with_from_utf8() {
        let good = "a\u{e9}\u{20ac}\u{1f600}b".repeat(3);
        let mut cases: Vec<Vec<u8>> = vec![good.as_bytes().to_vec()];
        for (at, bad) in [
            (1, &b"\xff"[..]),
            (4, b"\x80"),
            (9, b"\xe2\x82"),
            (0, b"\xf0\x9f\x98"),
        ] {
            let mut b = good.as_bytes()[..at].to_vec();
            b.extend_from_slice(bad);
            b.extend_from_slice(b"tail");
            cases.push(b.clone());
            // The same bytes cut short at the end of the input.
            b.truncate(at + bad.len());
            cases.push(b);
        }
        for bytes in &cases {
            let expected = std::str::from_utf8(bytes)
                .err()
                .map(|e| e.valid_up_to() as u64);
            for step in 1..=7 {
                let got = first_invalid_utf8(Trickle(bytes, step)).unwrap_or(Some(u64::MAX));
                assert_eq!(got, expected, "{bytes:?} in steps of {step}");
            }
        }
    }

    /// The line and column of an offset in a file, counted after a skipped byte-order mark and
    /// across chunks, are those of the text in memory.
    #[test]
    fn line_col_in_file_agrees_with_line_col() {
        let mut text = b"\xEF\xBB\xBF".to_vec();
        for i in 0..40_000 {
            text.extend_from_slice(format!("line {i} \u{e9}t\u{e9}\n").as_bytes());
        }
        let file = TempFile::new("lines.txt", &text);
        for offset in [0, 1, 17, 1 << 20, (1 << 20) + 5, text.len() - 4] {
            assert_eq!(
                line_col_in_file(&file.0, 3, offset).unwrap_or((0, 0)),
                line_col(&text[3..], offset),
                "{offset}"
            );
        }
    }
}
