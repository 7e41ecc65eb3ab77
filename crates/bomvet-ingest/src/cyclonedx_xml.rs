//! CycloneDX XML, spec 1.0 to 1.7 (recognised by the `http://cyclonedx.org/schema/bom/1.x`
//! namespace), into the same wire structs as the JSON reader, so both share one conversion.
//!
//! Streamed with `quick-xml`: the document is read event by event and only one top-level
//! `<component>` (with its nested components) or one `<dependency>` is held as a small element
//! tree at a time, its text borrowed from the input where no entity had to be replaced. Measured
//! on a generated 100,000-component document (81 MB, issue 7): `roxmltree`, which builds the whole
//! document as a tree first, took 2.0 s and 530 MB; streaming takes a fraction of that (README
//! "Benchmarks"). Above `--stream-above` the file is read through a buffer instead
//! ([`read_file`], decision 19): the same events, copied out of the buffer. A document with a DTD
//! (`<!DOCTYPE`) is refused with a located error before anything in it is expanded or fetched: no
//! external entities (XXE), no entity expansion ("billion laughs"); only XML's five predefined
//! entities and character references are replaced.
//! Real CycloneDX documents have no DTD. (`cyclonedx-bom` 0.8 reads XML through xml-rs at
//! ~20 MB/s and only for 1.3-1.5.)

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use bomvet_model::{format_compact, Diagnostic, DiagnosticLevel, Format, Location, Sbom};
use quick_xml::events::attributes::Attributes;
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use crate::cyclonedx_json::{
    Address, CdxComponent, CdxExtRef, Contact, Converter, Dependency, Metadata, OrgEntity,
};
use crate::de::Str;
use crate::IngestError;

/// Elements nested deeper than this are refused (a nesting bomb must not exhaust the stack of the
/// conversion, which recurses through nested components). Far above `--max-depth`'s default:
/// each level of component nesting is two XML levels.
const MAX_ELEMENT_DEPTH: usize = 1_024;

/// One element of a subtree: name, attributes and text borrowed from the input where possible
/// (always copied when the input is a file read through a buffer), child elements in order.
#[derive(Debug, Default)]
struct El<'i> {
    /// The name as written (`cdx:component`).
    qname: Cow<'i, str>,
    /// Where the local name starts in `qname` (after the prefix's `:`): found once, since the
    /// conversion looks children up by name a dozen times per component (searching for the `:`
    /// on each lookup was a sixth of reading a 100k-component document).
    local: usize,
    attrs: Vec<(Cow<'i, str>, Cow<'i, str>)>,
    text: Cow<'i, str>,
    children: Vec<El<'i>>,
}

impl<'i> El<'i> {
    /// The local name (`component`).
    fn name(&self) -> &str {
        self.qname.get(self.local..).unwrap_or_default()
    }

    fn elements<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s El<'i>> + 's {
        self.children.iter().filter(move |c| c.name() == name)
    }

    fn child(&self, name: &str) -> Option<&El<'i>> {
        self.children.iter().find(|c| c.name() == name)
    }

    /// Trimmed text, when not empty.
    fn trimmed(&self) -> Option<Cow<'i, str>> {
        let t = self.text.trim();
        if t.is_empty() {
            return None;
        }
        Some(match &self.text {
            Cow::Borrowed(b) => Cow::Borrowed(b.trim()),
            Cow::Owned(_) => Cow::Owned(t.to_owned()),
        })
    }

    /// Trimmed text of a named child.
    fn text_of(&self, name: &str) -> Option<Cow<'i, str>> {
        self.child(name).and_then(El::trimmed)
    }

    fn attr(&self, name: &str) -> Option<Cow<'i, str>> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
}

/// Where the local part of a qualified name starts: after its last `:`, or at 0.
fn local_start(qname: &str) -> usize {
    qname.rfind(':').map_or(0, |i| i + 1)
}

/// Where the events come from.
enum Source<'i> {
    /// The whole text in memory: names, attribute values and text are borrowed from it.
    Text {
        text: &'i str,
        reader: Reader<&'i [u8]>,
    },
    /// A file read through a buffer ([`read_file`]), already checked for UTF-8: each event is
    /// copied out of the buffer.
    File {
        reader: Reader<BufReader<File>>,
        buf: Vec<u8>,
        /// Bytes of a byte-order mark skipped at the start (positions are counted after it).
        skip: u64,
    },
}

/// A start tag's name as written and its attributes (name, normalised value).
type Tag<'r> = (&'r str, Vec<(&'r str, Cow<'r, str>)>);

/// The streaming reader over one document.
struct Xml<'i> {
    path: &'i Path,
    source: Source<'i>,
    /// 3 when the input starts with a byte-order mark, which `quick-xml` skips without counting
    /// it in its positions; 0 otherwise. Added to them, so that every position is a byte offset
    /// into the input.
    base: u64,
    /// Children of `<components>` and `<dependencies>` after this many are read in parallel
    /// ([`Xml::convert_children`]); `usize::MAX`: never.
    parallel_after: usize,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The bytes `quick-xml` skips at the start of `input`.
fn bom_len(input: &[u8]) -> u64 {
    if input.starts_with(BOM) {
        3
    } else {
        0
    }
}

/// The checks bomvet asks of `quick-xml` whatever the input.
fn configure<R>(reader: &mut Reader<R>) {
    let config = reader.config_mut();
    config.check_end_names = true;
    config.check_comments = true;
}

impl<'i> Xml<'i> {
    fn new(path: &'i Path, text: &'i str) -> Xml<'i> {
        let mut reader = Reader::from_str(text);
        configure(&mut reader);
        Xml {
            path,
            base: bom_len(text.as_bytes()),
            source: Source::Text { text, reader },
            parallel_after: usize::MAX,
        }
    }

    /// A file through a buffer ([`crate::open_utf8`]: checked for UTF-8 first, its byte-order
    /// mark skipped).
    fn open_file(path: &'i Path) -> Result<Xml<'i>, IngestError> {
        let (mut file, skip) = crate::open_utf8(path)?;
        // A second mark is `quick-xml`'s to skip (see `base`).
        let base = bom_len(file.fill_buf().map_err(crate::io_error(path))?);
        let mut reader = Reader::from_reader(file);
        configure(&mut reader);
        Ok(Xml {
            path,
            base,
            parallel_after: usize::MAX,
            source: Source::File {
                reader,
                buf: Vec::new(),
                skip,
            },
        })
    }

    /// The reader's position: where the next event starts.
    fn position(&self) -> usize {
        let p = match &self.source {
            Source::Text { reader, .. } => reader.buffer_position(),
            Source::File { reader, .. } => reader.buffer_position(),
        };
        usize::try_from(p + self.base).unwrap_or(usize::MAX)
    }

    /// `line:column` of byte `at` (`0:0` if a file can no longer be read to find it).
    fn line_col(&self, at: usize) -> (usize, usize) {
        match &self.source {
            Source::Text { text, .. } => crate::line_col(text.as_bytes(), at),
            Source::File { skip, .. } => {
                crate::line_col_in_file(self.path, *skip, at).unwrap_or((0, 0))
            }
        }
    }

    /// A parse error at byte `at`.
    fn error_at(&self, at: usize, message: String) -> IngestError {
        let (line, column) = self.line_col(at);
        IngestError::Parse {
            path: self.path.to_owned(),
            line,
            column,
            json_path: String::new(),
            message,
        }
    }

    /// The next event; a DTD is refused here, wherever it is.
    fn next(&mut self) -> Result<(usize, Event<'i>), IngestError> {
        let at = self.position();
        let (event, error_position) = match &mut self.source {
            Source::Text { reader, .. } => (reader.read_event(), reader.error_position()),
            Source::File { reader, buf, .. } => {
                buf.clear();
                let event = reader.read_event_into(buf).map(Event::into_owned);
                (event, reader.error_position())
            }
        };
        match event {
            Ok(Event::DocType(_)) => Err(self.error_at(
                at,
                "a DTD (`<!DOCTYPE`) is not allowed: external entities and entity expansion are refused, never resolved".into(),
            )),
            Ok(e) => Ok((at, e)),
            Err(e) => {
                let pos = usize::try_from(error_position + self.base).unwrap_or(at);
                Err(self.error_at(pos, e.to_string()))
            }
        }
    }

    /// Name and attributes of the start tag `tag` just read: borrowed from the input in memory
    /// (`quick-xml` hands out attribute values borrowed from the event, not the input), copied
    /// from the event when the input is a file.
    fn open(&self, empty: bool, tag: &BytesStart<'_>) -> Result<El<'i>, IngestError> {
        let at = self.tag_start(empty, tag);
        match &self.source {
            Source::Text { text, .. } => {
                let raw = text.get(at + 1..at + 1 + tag.len()).unwrap_or_default();
                let (qname, attrs) = self.tag(at, raw)?;
                Ok(El {
                    local: local_start(qname),
                    qname: Cow::Borrowed(qname),
                    attrs: attrs
                        .into_iter()
                        .map(|(k, v)| (Cow::Borrowed(k), v))
                        .collect(),
                    ..El::default()
                })
            }
            Source::File { .. } => {
                // The event is the text between `<` and `>` or `/>`, already checked as UTF-8.
                let raw = std::str::from_utf8(tag).unwrap_or_default();
                let (qname, attrs) = self.tag(at, raw)?;
                Ok(El {
                    local: local_start(qname),
                    qname: Cow::Owned(qname.to_owned()),
                    attrs: attrs
                        .into_iter()
                        .map(|(k, v)| (Cow::Owned(k.to_owned()), Cow::Owned(v.into_owned())))
                        .collect(),
                    ..El::default()
                })
            }
        }
    }

    /// The name and attributes of a start tag's text `raw` (name, attributes; no `<`, `>` or
    /// `/`), for a tag that began at byte `at`.
    fn tag<'r>(&self, at: usize, raw: &'r str) -> Result<Tag<'r>, IngestError> {
        let name_end = raw
            .find(|c: char| c.is_ascii_whitespace() || c == '/')
            .unwrap_or(raw.len());
        let qname = &raw[..name_end];
        let mut attrs = Vec::new();
        for a in Attributes::new(raw, name_end) {
            let a = a.map_err(|e| {
                use quick_xml::events::attributes::AttrError as A;
                // Positions are counted from the tag name; say them as line:column.
                let (pos, message) = match e {
                    A::ExpectedEq(p) => (p, "an attribute name must be followed by `=`".into()),
                    A::ExpectedValue(p) => (p, "`=` must be followed by a quoted value".into()),
                    A::UnquotedValue(p) => (p, "an attribute value must be quoted".into()),
                    A::ExpectedQuote(p, q) => (
                        p,
                        format!("attribute value not closed: `{}` missing", q as char),
                    ),
                    A::Duplicated(p, _) => (p, "attribute given twice".into()),
                };
                self.error_at(at + 1 + pos, message)
            })?;
            let key = std::str::from_utf8(a.key.into_inner()).unwrap_or_default();
            let value = a
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|e| self.error_at(at, e.to_string()))?;
            attrs.push((key, value));
        }
        Ok((qname, attrs))
    }

    /// Where the start tag just read begins: the reader stands just after it, and it is `<`, the
    /// event's text, then `>` (or `/>` for an empty element). The position before the event is
    /// not always it (a byte order mark is skipped without an event), and the last `<` is not
    /// either in a malformed tag (fuzzing found both).
    fn tag_start(&self, empty: bool, tag: &BytesStart<'_>) -> usize {
        let around = if empty { 3 } else { 2 };
        self.position().saturating_sub(tag.len() + around)
    }

    /// Reads the rest of an element whose start tag was `start` (children and text) into a tree.
    fn subtree(&mut self, start: El<'i>) -> Result<El<'i>, IngestError> {
        let mut stack = vec![start];
        loop {
            let (at, event) = self.next()?;
            match event {
                Event::Start(tag) => {
                    if stack.len() >= MAX_ELEMENT_DEPTH {
                        return Err(self.error_at(
                            at,
                            format!("elements nested more than {MAX_ELEMENT_DEPTH} deep"),
                        ));
                    }
                    let el = self.open(false, &tag)?;
                    stack.push(el);
                }
                Event::Empty(tag) => {
                    let el = self.open(true, &tag)?;
                    if let Some(top) = stack.last_mut() {
                        top.children.push(el);
                    }
                }
                Event::End(_) => {
                    let Some(done) = stack.pop() else {
                        return Err(self.error_at(at, "unexpected end tag".into()));
                    };
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(done),
                        None => return Ok(done),
                    }
                }
                Event::Text(t) => {
                    let piece = t
                        .xml10_content()
                        .map_err(|e| self.error_at(at, e.to_string()))?;
                    push_text(stack.last_mut(), piece);
                }
                Event::CData(t) => {
                    let piece = t.decode().map_err(|e| self.error_at(at, e.to_string()))?;
                    push_text(stack.last_mut(), piece);
                }
                Event::GeneralRef(r) => {
                    let replaced: Cow<'i, str> = match r.resolve_char_ref() {
                        Ok(Some(c)) => Cow::Owned(c.to_string()),
                        Ok(None) => {
                            let name = r.decode().map_err(|e| self.error_at(at, e.to_string()))?;
                            match quick_xml::escape::resolve_predefined_entity(&name) {
                                Some(s) => Cow::Borrowed(s),
                                None => {
                                    return Err(self.error_at(
                                        at,
                                        format!("undefined entity `&{name};` (a document without a DTD can only use XML's five predefined entities)"),
                                    ))
                                }
                            }
                        }
                        Err(e) => return Err(self.error_at(at, e.to_string())),
                    };
                    push_text(stack.last_mut(), replaced);
                }
                Event::Eof => {
                    return Err(self.error_at(
                        at,
                        format!(
                            "unexpected end of document: `<{}>` is not closed",
                            stack.last().map_or("", El::name)
                        ),
                    ))
                }
                Event::Comment(_) | Event::PI(_) | Event::Decl(_) | Event::DocType(_) => {}
            }
        }
    }

    /// Skips the rest of an element whose start tag was just read.
    fn skip(&mut self) -> Result<(), IngestError> {
        let mut depth = 1usize;
        while depth > 0 {
            let (at, event) = self.next()?;
            match event {
                Event::Start(_) => depth += 1,
                Event::End(_) => depth -= 1,
                Event::Eof => {
                    return Err(self.error_at(at, "unexpected end of document".into()));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The element whose start tag `tag` was just read, whole: its attributes, and its children
    /// and text unless it is empty (`<x/>`).
    fn element(&mut self, empty: bool, tag: &BytesStart<'_>) -> Result<El<'i>, IngestError> {
        let el = self.open(empty, tag)?;
        if empty {
            Ok(el)
        } else {
            self.subtree(el)
        }
    }

    /// The start tag of the next child of the element whose start tag was read, and whether it
    /// is empty (`<x/>`); `None` at the element's end. Text, comments and instructions between
    /// children carry nothing and are passed over.
    fn next_child(&mut self) -> Result<Option<(BytesStart<'i>, bool)>, IngestError> {
        loop {
            let (at, event) = self.next()?;
            match event {
                Event::Start(tag) => return Ok(Some((tag, false))),
                Event::Empty(tag) => return Ok(Some((tag, true))),
                Event::End(_) => return Ok(None),
                Event::Eof => {
                    return Err(self.error_at(at, "unexpected end of document".into()));
                }
                _ => {}
            }
        }
    }

    /// Each child element of the element whose start tag was just read, as a whole subtree.
    /// Returns when the element ends.
    fn children(&mut self, mut f: impl FnMut(El<'i>)) -> Result<(), IngestError> {
        while let Some((tag, empty)) = self.next_child()? {
            f(self.element(empty, &tag)?);
        }
        Ok(())
    }

    /// Each child element named `wanted` of the element whose start tag was just read,
    /// converted into `conv` by `each` with its index among them (other children are read and
    /// left), as [`Xml::children`] reads them. In a document in memory, the children after the
    /// first `parallel_after` are only skipped here (tokenised, end tags checked) and their spans
    /// handed to rayon 512 at a time, each run read and converted into a part of its own on
    /// another core while this thread skips on; the parts are appended in order (decisions 22
    /// and 24).
    /// A run that does not read fails the whole read, which [`read`] then does again
    /// sequentially for the exact error.
    fn convert_children(
        &mut self,
        conv: &mut Converter,
        wanted: &str,
        each: &(dyn Fn(&mut Converter, usize, &El<'i>) + Sync),
    ) -> Result<(), IngestError> {
        let mut i = 0usize;
        let text = match &self.source {
            Source::Text { text, .. } if self.parallel_after < usize::MAX => *text,
            _ => {
                return self.children(|c| {
                    if c.name() == wanted {
                        each(conv, i, &c);
                        i += 1;
                    }
                })
            }
        };
        // The first `parallel_after` children, read and converted here.
        let mut seen = 0usize;
        while seen < self.parallel_after {
            let Some((tag, empty)) = self.next_child()? else {
                return Ok(());
            };
            seen += 1;
            let el = self.element(empty, &tag)?;
            if el.name() == wanted {
                each(conv, i, &el);
                i += 1;
            }
        }
        // The rest only skipped here, read on rayon's threads, and each part appended as soon as
        // the ones before it are in (decision 24); after a part that did not read, none is.
        let (path, source) = (self.path, conv.sbom.source.clone());
        let mut failed = false;
        let mut into = (&mut conv.sbom, &mut failed);
        let done = crate::par::InOrder::new(
            &mut into,
            |(sbom, failed): &mut (&mut Sbom, &mut bool), part: Option<Converter>| match part {
                Some(part) if !**failed => crate::par::append(sbom, part.sbom),
                Some(_) => {}
                None => **failed = true,
            },
        );
        let read = rayon::in_place_scope(|s| -> Result<(), IngestError> {
            let (done, source) = (&done, &source);
            let mut parts = 0usize;
            let mut send = |spans: Vec<(usize, usize)>, first: usize| {
                let k = parts;
                parts += 1;
                s.spawn(move |_| {
                    done.push(
                        k,
                        convert_spans(path, text, &spans, first, wanted, each, source),
                    );
                });
            };
            let mut spans: Vec<(usize, usize)> = Vec::new();
            let mut first = 0usize;
            while let Some((tag, empty)) = self.next_child()? {
                if spans.is_empty() {
                    first = i;
                }
                let start = self.tag_start(empty, &tag);
                if tag.local_name().as_ref() == wanted.as_bytes() {
                    i += 1;
                }
                if !empty {
                    self.skip()?;
                }
                spans.push((start, self.position()));
                if spans.len() == crate::par::CHUNK {
                    send(std::mem::take(&mut spans), first);
                }
            }
            if !spans.is_empty() {
                send(spans, first);
            }
            Ok(())
        });
        done.finish();
        read?;
        if failed {
            return Err(self.error_at(self.position(), "read again in order".into()));
        }
        Ok(())
    }
}

/// The elements at `spans` of `text`, each read on its own as [`Xml::children`] reads it, the
/// ones named `wanted` converted by `each` with their index among them from `first`; `None` when
/// one does not read (its error is found again by the sequential read).
fn convert_spans<'i>(
    path: &'i Path,
    text: &'i str,
    spans: &[(usize, usize)],
    first: usize,
    wanted: &str,
    each: &(dyn Fn(&mut Converter, usize, &El<'i>) + Sync),
    source: &str,
) -> Option<Converter> {
    let mut part = Converter::part(source);
    let mut i = first;
    for &(start, end) in spans {
        let mut xml = Xml::new(path, text.get(start..end)?);
        let el = match xml.next().ok()?.1 {
            Event::Start(tag) => xml.element(false, &tag).ok()?,
            Event::Empty(tag) => xml.element(true, &tag).ok()?,
            _ => return None,
        };
        if !matches!(xml.next().ok()?.1, Event::Eof) {
            return None;
        }
        if el.name() == wanted {
            each(&mut part, i, &el);
            i += 1;
        }
    }
    Some(part)
}

fn is_blank(t: &[u8]) -> bool {
    t.iter().all(u8::is_ascii_whitespace)
}

fn push_text<'i>(el: Option<&mut El<'i>>, piece: Cow<'i, str>) {
    let Some(el) = el else { return };
    if el.text.is_empty() {
        el.text = piece;
    } else {
        el.text.to_mut().push_str(&piece);
    }
}

/// Reads a CycloneDX XML document.
///
/// With more than one thread, the children of `<components>` and `<dependencies>` after the
/// first `parallel_above` are read on every core ([`Xml::convert_children`]); whatever fails
/// there is read again sequentially, which reports the error exactly.
pub(crate) fn read(path: &Path, bytes: &[u8], parallel_above: usize) -> Result<Sbom, IngestError> {
    let text = crate::utf8(path, bytes)?;
    if rayon::current_num_threads() > 1 && parallel_above < usize::MAX {
        let mut xml = Xml::new(path, text);
        xml.parallel_after = parallel_above;
        if let Ok(sbom) = read_document(xml) {
            return Ok(sbom);
        }
    }
    read_document(Xml::new(path, text))
}

/// Reads a CycloneDX XML file through a buffer instead of holding its bytes (above
/// `--stream-above`, decision 19): the same model and the same located errors as [`read`],
/// with every string copied out of the buffer.
pub(crate) fn read_file(path: &Path) -> Result<Sbom, IngestError> {
    read_document(Xml::open_file(path)?)
}

fn read_document(mut xml: Xml<'_>) -> Result<Sbom, IngestError> {
    let path = xml.path;
    // The root element: the first start tag.
    let (root_at, root, empty) = loop {
        let (at, event) = xml.next()?;
        match event {
            Event::Start(tag) => break (xml.tag_start(false, &tag), xml.open(false, &tag)?, false),
            Event::Empty(tag) => break (xml.tag_start(true, &tag), xml.open(true, &tag)?, true),
            Event::Eof => {
                return Err(xml.error_at(at, "no root element".into()));
            }
            Event::Text(t) if !is_blank(&t) => {
                return Err(xml.error_at(at, "text before the root element".into()));
            }
            _ => {}
        }
    };
    // The root's namespace: `xmlns`, or `xmlns:prefix` for a prefixed root.
    let qname = &root.qname;
    let ns_attr = match qname.split_once(':') {
        Some((prefix, _)) => format!("xmlns:{prefix}"),
        None => "xmlns".to_owned(),
    };
    let ns = root.attr(&ns_attr).unwrap_or_default();
    let Some(version) = ns.strip_prefix("http://cyclonedx.org/schema/bom/") else {
        return Err(IngestError::UnknownFormat {
            path: path.to_owned(),
            reason: format!(
                "an XML document whose root is not a CycloneDX `bom` (namespace `{ns}`)"
            ),
        });
    };
    if root.name() != "bom" {
        return Err(IngestError::Invalid {
            path: path.to_owned(),
            json_path: String::new(),
            message: format!("root element is `{}`, expected `bom`", root.name()),
        });
    }
    let mut conv = Converter::new(path);
    conv.sbom.format = Format::CyclonedxXml;
    conv.sbom.spec_version = version.to_owned();
    if !matches!(
        version,
        "1.0" | "1.1" | "1.2" | "1.3" | "1.4" | "1.5" | "1.6" | "1.7"
    ) {
        let (line, column) = xml.line_col(root_at);
        conv.sbom.diagnostics.push(Diagnostic {
            level: DiagnosticLevel::Warning,
            location: Location(format_compact!("{line}:{column} bom")),
            message: format!("the namespace `{ns}` names no CycloneDX version (1.0 to 1.7)"),
        });
    }
    conv.sbom.serial = root.attr("serialNumber").map(Cow::into_owned);
    if !empty {
        read_bom(&mut xml, &mut conv)?;
    }
    // Nothing but comments, processing instructions and blanks may follow the root.
    loop {
        let (at, event) = xml.next()?;
        match event {
            Event::Eof => break,
            Event::Start(_) | Event::Empty(_) | Event::End(_) | Event::CData(_) => {
                return Err(xml.error_at(at, "content after the root element".into()));
            }
            Event::Text(t) if !is_blank(&t) => {
                return Err(xml.error_at(at, "text after the root element".into()));
            }
            _ => {}
        }
    }
    Ok(conv.sbom)
}

/// The children of `<bom>`: metadata whole, components and dependencies one at a time.
fn read_bom<'i>(xml: &mut Xml<'i>, conv: &mut Converter) -> Result<(), IngestError> {
    while let Some((tag, empty)) = xml.next_child()? {
        let el = xml.open(empty, &tag)?;
        match (el.name(), empty) {
            (_, true) => {}
            ("metadata", false) => {
                let el = xml.subtree(el)?;
                conv.metadata(metadata(&el));
            }
            ("components", false) => {
                let base = Location("components".into());
                xml.convert_children(conv, "component", &|conv, i, c| {
                    conv.component(component(c), base.index(i), None);
                })?;
            }
            ("dependencies", false) => {
                xml.convert_children(conv, "dependency", &|conv, i, d| {
                    conv.dependency(i, Some(dependency(d)));
                })?;
            }
            _ => xml.skip()?,
        }
    }
    Ok(())
}

fn org<'i>(n: &El<'i>) -> OrgEntity<'i> {
    OrgEntity {
        name: n.text_of("name"),
        url: n.elements("url").filter_map(El::trimmed).collect(),
        contact: Some(n.elements("contact").map(contact).collect()),
        address: n.child("address").map(|a| Address {
            country: a.text_of("country"),
        }),
    }
}

/// A `<contact>` or `<author>`: name and e-mail.
fn contact<'i>(n: &El<'i>) -> Contact<'i> {
    Contact {
        name: n.text_of("name"),
        email: n.text_of("email"),
    }
}

fn metadata<'i>(n: &El<'i>) -> Metadata<'i> {
    Metadata {
        component: n.child("component").map(component),
        supplier: n.child("supplier").map(org),
        manufacture: n.child("manufacture").map(org),
        manufacturer: n.child("manufacturer").map(org),
    }
}

fn component<'i>(n: &El<'i>) -> CdxComponent<'i> {
    CdxComponent {
        kind: n.attr("type"),
        bom_ref: n.attr("bom-ref"),
        supplier: n.child("supplier").map(org),
        manufacturer: n.child("manufacturer").map(org),
        author: n.text_of("author"),
        authors: n
            .child("authors")
            .map(|a| a.elements("author").map(contact).collect()),
        publisher: n.text_of("publisher"),
        group: n.text_of("group"),
        name: n.text_of("name"),
        version: n.text_of("version"),
        scope: n.text_of("scope"),
        cpe: n.text_of("cpe"),
        purl: n.text_of("purl"),
        external_references: n.child("externalReferences").map(|r| {
            r.elements("reference")
                .map(|c| CdxExtRef {
                    url: c.text_of("url"),
                    kind: c.attr("type"),
                })
                .collect()
        }),
        components: n.child("components").map(|cs| {
            cs.elements("component")
                .map(|c| Some(component(c)))
                .collect()
        }),
    }
}

fn dependency<'i>(n: &El<'i>) -> Dependency<'i> {
    Dependency {
        reference: n.attr("ref"),
        depends_on: Some(
            n.elements("dependency")
                .map(|c| Str(c.attr("ref")))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str =
        "<?xml version=\"1.0\"?>\n<bom xmlns=\"http://cyclonedx.org/schema/bom/1.6\">";

    fn doc(body: &str) -> String {
        format!("{HEAD}{body}</bom>\n")
    }

    /// Reads `text` in memory, and from a file through a buffer ([`read_file`], which removes a
    /// byte-order mark first): the two must give the same model or the same error.
    fn read_str(text: &str) -> Result<Sbom, IngestError> {
        read_both(text.as_bytes())
    }

    fn read_both(bytes: &[u8]) -> Result<Sbom, IngestError> {
        let unmarked = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        // In memory: children read in parallel from the first (with more than one thread);
        // through a buffer: in order.
        let expected = read(Path::new("t.xml"), unmarked, 0);
        crate::assert_file_read_agrees("t.xml", bytes, read_file, &expected);
        read(Path::new("t.xml"), bytes, 0)
    }

    /// The error's `line:column: message`.
    fn error(text: &str) -> String {
        match read_str(text) {
            Err(IngestError::Parse {
                line,
                column,
                message,
                ..
            }) => format!("{line}:{column}: {message}"),
            other => panic!("expected a parse error, got {other:?}"),
        }
    }

    /// Reads `text` in memory with children read in parallel after the first `after`.
    fn read_parallel(text: &str, after: usize) -> Result<Sbom, IngestError> {
        let mut xml = Xml::new(Path::new("t.xml"), text);
        xml.parallel_after = after;
        read_document(xml)
    }

    /// Children of `<components>` and `<dependencies>` read in runs on rayon's threads make the
    /// model an in-order read makes (components, nested ones, locations, warnings,
    /// relationships, in order), from the first child or after a sequential head, for runs of
    /// 512 and a short last one; other children and text between them are left as before.
    #[test]
    fn children_read_in_parallel_make_the_same_model() {
        let mut body = String::from("<components>");
        for i in 0..1_300 {
            if i % 100 == 0 {
                body.push_str("<!-- c --> text <other><x>&amp;</x></other><empty/>");
            }
            if i % 13 == 0 {
                // No bom-ref: a warning of the conversion.
                body.push_str(&format!(
                    "<component type=\"library\"><name>n{i}</name></component>"
                ));
            } else {
                body.push_str(&format!(
                    "<component type=\"library\" bom-ref=\"c{i}\"><supplier><name>S &amp; {i}</name></supplier><name>n{i}</name><purl>pkg:npm/n{i}@1</purl><components><component bom-ref=\"c{i}.1\"><name>inner</name></component></components></component>"
                ));
            }
        }
        body.push_str("</components><dependencies>");
        for i in 1..1_300 {
            body.push_str(&format!(
                "<dependency ref=\"c{i}\"><dependency ref=\"c{}\"/></dependency><dependency/>",
                i - 1
            ));
        }
        body.push_str("</dependencies>");
        let text = doc(&body);
        let sequential = read_parallel(&text, usize::MAX).unwrap_or_else(|e| panic!("{e}"));
        assert!(sequential.components.len() > 2_000);
        assert!(
            sequential.diagnostics.len() > 100,
            "{}",
            sequential.diagnostics.len()
        );
        for after in [0, 700, 1_299, 5_000] {
            let parallel = read_parallel(&text, after).unwrap_or_else(|e| panic!("{e}"));
            assert!(parallel == sequential, "after {after}");
        }
    }

    /// A late child that does not read (an undefined entity, a broken attribute) fails the
    /// parallel read; [`read`] then gives the sequential read's located error.
    #[test]
    fn a_child_that_does_not_read_gives_the_sequential_error() {
        for bad in ["<name>&nope;</name>", "<name a=b>x</name>"] {
            let mut body = String::from("<components>");
            for i in 0..1_000 {
                body.push_str(&format!(
                    "<component bom-ref=\"c{i}\"><name>n</name></component>\n"
                ));
            }
            body.push_str(&format!("<component>{bad}</component></components>"));
            let text = doc(&body);
            assert!(read_parallel(&text, 0).is_err(), "{bad}");
            let expected = read_parallel(&text, usize::MAX)
                .map(|_| ())
                .unwrap_err()
                .to_string();
            let got = read(Path::new("t.xml"), text.as_bytes(), 0)
                .map(|_| ())
                .unwrap_err()
                .to_string();
            assert_eq!(got, expected);
            assert!(got.contains(":1002:"), "{got}");
        }
    }

    #[test]
    fn entities_char_refs_and_cdata_are_text() {
        let sbom = read_str(&doc(
            r#"<components><component type="library" bom-ref="a&amp;b"><name> A&amp;B &#x41;&#66; <![CDATA[<c>]]> </name><supplier><name>  AO Kaspersky Lab </name><url>https://kaspersky.com</url></supplier></component></components>"#,
        ))
        .unwrap_or_else(|e| panic!("{e}"));
        let c = &sbom.components[0];
        assert_eq!(c.id.0, "a&b");
        assert_eq!(c.name, "A&B AB <c>");
        assert_eq!(c.parties[0].name.as_deref(), Some("AO Kaspersky Lab"));
        assert_eq!(c.parties[0].urls, ["https://kaspersky.com"]);
    }

    #[test]
    fn nested_components_prefixed_root_and_dependencies() {
        let text = r#"<c:bom xmlns:c="http://cyclonedx.org/schema/bom/1.5" serialNumber="urn:uuid:1"><c:components><c:component type="device" bom-ref="r"><c:name>cam</c:name><c:components><c:component type="firmware" bom-ref="n"><c:name>fw</c:name></c:component></c:components></c:component></c:components><c:dependencies><c:dependency ref="r"><c:dependency ref="n"/></c:dependency></c:dependencies></c:bom>"#;
        let sbom = read_str(text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sbom.spec_version, "1.5");
        assert_eq!(sbom.serial.as_deref(), Some("urn:uuid:1"));
        let ids: Vec<&str> = sbom.components.iter().map(|c| c.id.0.as_str()).collect();
        assert_eq!(ids, ["r", "n"]);
        assert_eq!(sbom.components[1].location.0, "components[0].components[0]");
        assert!(sbom
            .relationships
            .iter()
            .any(|r| r.from.0 == "r" && r.to.0 == "n"));
    }

    #[test]
    fn malformed_documents_are_located() {
        assert_eq!(
            error(&doc("<components><component><name>a&foo;</name></component></components>")),
            "2:80: undefined entity `&foo;` (a document without a DTD can only use XML's five predefined entities)"
        );
        assert!(error(&doc(
            "<components><component><name>a</nam></component></components>"
        ))
        .starts_with("2:80: ill-formed document: expected `</name>`"),);
        assert_eq!(
            error(&format!("{HEAD}<components>")),
            "2:62: unexpected end of document"
        );
        assert_eq!(
            error(&format!("{}<bom/>", doc(""))),
            "3:1: content after the root element"
        );
        assert_eq!(
            error(&doc(
                r#"<components><component a="1" a="2"><name>a</name></component></components>"#
            )),
            "2:79: attribute given twice"
        );
        assert!(
            error(&format!("<!DOCTYPE bom [<!ENTITY x \"y\">]>{}", doc("")))
                .starts_with("1:1: a DTD (`<!DOCTYPE`) is not allowed")
        );
    }

    /// Fuzzing found a panic on two byte order marks before the root (the position before an
    /// event is not where its tag starts); now an error, and one mark reads as usual.
    #[test]
    fn byte_order_marks_before_the_root() {
        assert!(read_str("\u{feff}\u{feff}<.1.1</purl>\n").is_err());
        // The mark is removed before the reader (`decode`), as for every encoding.
        let text = format!("\u{feff}{}", doc(""));
        let sbom = crate::read_bytes(Path::new("t.xml"), text.as_bytes());
        assert_eq!(sbom.map(|s| s.spec_version).ok().as_deref(), Some("1.6"));
    }

    /// A byte that is not UTF-8 is refused at its place, read whole or through a buffer (where
    /// the check runs chunk by chunk).
    #[test]
    fn invalid_utf8_is_located() {
        let mut bytes = format!("{HEAD}<components><component><name>caf").into_bytes();
        bytes.extend_from_slice(b"\xe9</name></component></components></bom>\n");
        match read_both(&bytes) {
            Err(e) => assert!(e.to_string().ends_with(":2:82: invalid UTF-8"), "{e}"),
            Ok(_) => panic!("read"),
        }
        // Before an error earlier in the document, as read whole (fuzzing: the buffered read
        // reported the earlier error).
        let mut bytes = doc("<components><component><name>a</nam>").into_bytes();
        bytes.extend_from_slice(b"\n<!-- \xff -->\n");
        match read_both(&bytes) {
            Err(e) => assert!(e.to_string().ends_with(":4:6: invalid UTF-8"), "{e}"),
            Ok(_) => panic!("read"),
        }
    }

    /// A malformed start tag with `<` inside it is located from its real start (fuzzing: the
    /// reader in memory took the last `<` for the tag's start and named a later line).
    #[test]
    fn malformed_tag_with_a_less_than_sign() {
        assert_eq!(
            error("<bom b\n c=\"<\">"),
            "2:2: an attribute name must be followed by `=`"
        );
    }

    #[test]
    fn nesting_bombs_stop_at_the_depth_limit() {
        let deep = "<components><component><components>".repeat(600);
        let e = error(&doc(&deep));
        assert!(e.contains("elements nested more than 1024 deep"), "{e}");
    }
}
