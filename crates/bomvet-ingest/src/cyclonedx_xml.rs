//! CycloneDX XML, spec 1.0 to 1.7 (recognised by the `http://cyclonedx.org/schema/bom/1.x`
//! namespace), into the same wire structs as the JSON reader, so both share one conversion.
//!
//! Streamed with `quick-xml`: the document is read event by event and only one top-level
//! `<component>` (with its nested components) or one `<dependency>` is held as a small element
//! tree at a time, its text borrowed from the input where no entity had to be replaced. In a
//! text in memory, each such subtree is first read by a scan of our own that checks what the
//! events check of plain content (tags, attributes, end names, the five predefined entities)
//! and gives up, nothing consumed, at anything else, which the events then read and report
//! exactly (`Xml::subtree_scan`, decision 41: ~300 instructions an event were most of a scan). Measured
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
use quick_xml::events::{BytesRef, BytesStart, Event};
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
/// (always copied when the input is a file read through a buffer), linked to its first child
/// and next sibling in its [`Tree`].
#[derive(Debug, Default)]
struct El<'i> {
    /// The name as written (`cdx:component`).
    qname: Cow<'i, str>,
    /// Where the local name starts in `qname` (after the prefix's `:`).
    local: usize,
    /// What the conversion knows the element as; `None` for the roots of subtrees it does not
    /// read (inside a subtree, such elements are not built: [`Kind`]).
    kind: Option<Kind>,
    /// Its attributes: `attrs[start..end]` of the tree.
    attrs: (usize, usize),
    text: Cow<'i, str>,
    /// Its first child and its next sibling, as indices in the tree; 0 for none (0 is the root,
    /// no one's child or sibling).
    first: usize,
    next: usize,
    /// A component's: the line of its `bom-ref` attribute in the document (decision 33).
    line: Option<std::num::NonZeroU32>,
}

/// A subtree read whole: its elements in document order, the root first, and their attributes.
/// Two vectors, cleared and reused from one subtree to the next, instead of a vector of
/// children and one of attributes per element: allocating, growing and moving those was a
/// sixth of reading a 100,000-component document (decision 27).
#[derive(Debug, Default)]
struct Tree<'i> {
    els: Vec<El<'i>>,
    attrs: Vec<(Cow<'i, str>, Cow<'i, str>)>,
    /// While reading: the open elements, each with its last child so far (0: none yet).
    open: Vec<(usize, usize)>,
}

impl<'i> Tree<'i> {
    fn clear(&mut self) {
        self.els.clear();
        self.attrs.clear();
        self.open.clear();
    }

    fn root(&self) -> Node<'_, 'i> {
        Node { tree: self, at: 0 }
    }

    /// Adds an element (not linked) named `qname`, its attributes `attrs[start..]`; returns its
    /// index.
    fn push(
        &mut self,
        qname: Cow<'i, str>,
        kind: Option<Kind>,
        start: usize,
        line: Option<std::num::NonZeroU32>,
    ) -> usize {
        self.els.push(El {
            local: qname.len() - local_name(qname.as_bytes()).len(),
            qname,
            kind,
            attrs: (start, self.attrs.len()),
            line,
            ..El::default()
        });
        self.els.len() - 1
    }

    /// Back to the root alone, as it was opened (its children and text dropped).
    fn root_only(&mut self) {
        self.els.truncate(1);
        if let Some(root) = self.els.first_mut() {
            self.attrs.truncate(root.attrs.1);
            root.first = 0;
            root.text = Cow::Borrowed("");
        }
        self.open.clear();
    }

    /// Adds element `el` as the last child of the innermost open element.
    fn link(&mut self, el: usize) {
        if let Some((parent, last)) = self.open.last_mut() {
            match *last {
                0 => self.els[*parent].first = el,
                l => self.els[l].next = el,
            }
            *last = el;
        }
    }

    fn push_text(&mut self, piece: Cow<'i, str>) {
        let Some(&(el, _)) = self.open.last() else {
            return;
        };
        // The text of an element the conversion reads only for its children is not kept: in an
        // indented document, the line breaks and indentation between a component's children
        // were joined into a string of their own for every component (decision 39).
        if self.els[el].kind.is_some_and(|k| !k.has_text()) {
            return;
        }
        let text = &mut self.els[el].text;
        if text.is_empty() {
            *text = piece;
        } else {
            text.to_mut().push_str(&piece);
        }
    }
}

/// An element of a [`Tree`], as the conversion reads it.
#[derive(Clone, Copy)]
struct Node<'t, 'i> {
    tree: &'t Tree<'i>,
    at: usize,
}

impl<'t, 'i> Node<'t, 'i> {
    fn el(self) -> &'t El<'i> {
        &self.tree.els[self.at]
    }

    /// The local name (`component`).
    fn name(self) -> &'t str {
        let el = self.el();
        el.qname.get(el.local..).unwrap_or_default()
    }

    fn children(self) -> impl Iterator<Item = Node<'t, 'i>> {
        let tree = self.tree;
        let mut at = self.el().first;
        std::iter::from_fn(move || {
            (at != 0).then(|| {
                let node = Node { tree, at };
                at = tree.els[at].next;
                node
            })
        })
    }

    fn elements(self, kind: Kind) -> impl Iterator<Item = Node<'t, 'i>> {
        self.children().filter(move |c| c.el().kind == Some(kind))
    }

    fn child(self, kind: Kind) -> Option<Node<'t, 'i>> {
        self.children().find(|c| c.el().kind == Some(kind))
    }

    /// The first child of each kind, indexed by `Kind as usize`: found in one pass over the
    /// children (a search per field walked them once for each of a component's fourteen).
    fn firsts(self) -> [Option<Node<'t, 'i>>; KINDS] {
        let mut out = [None; KINDS];
        for c in self.children() {
            if let Some(kind) = c.el().kind {
                out[kind as usize].get_or_insert(c);
            }
        }
        out
    }

    /// Trimmed text, when not empty.
    fn trimmed(self) -> Option<Cow<'i, str>> {
        let t = match &self.el().text {
            Cow::Borrowed(b) => Cow::Borrowed(crate::trim(b)),
            Cow::Owned(o) => Cow::Owned(crate::trim(o).to_owned()),
        };
        (!t.is_empty()).then_some(t)
    }

    /// Trimmed text of a child.
    fn text_of(self, kind: Kind) -> Option<Cow<'i, str>> {
        self.child(kind).and_then(Node::trimmed)
    }

    fn attr(self, name: &str) -> Option<Cow<'i, str>> {
        let (start, end) = self.el().attrs;
        self.tree.attrs[start..end]
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
}

/// The elements the conversion reads ([`component`], [`metadata`], [`dependency`] and what
/// they call), by local name. [`Xml::subtree`] skips the others (`description`, `hashes`,
/// `licenses`, `properties`, `evidence`, ...) after checking them, rather than build them into
/// the tree, and the conversion finds children by kind rather than by comparing names (decision
/// 27).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Address,
    Author,
    Authors,
    Component,
    Components,
    Contact,
    Country,
    Cpe,
    Dependency,
    Email,
    ExternalReferences,
    Group,
    Manufacture,
    Manufacturer,
    Name,
    Publisher,
    Purl,
    Reference,
    Scope,
    Supplier,
    Url,
    Version,
}

use Kind as K;

/// The number of kinds.
const KINDS: usize = Kind::Version as usize + 1;

impl Kind {
    /// Whether the conversion reads the element's text ([`component`], [`org`], [`contact`],
    /// [`metadata`] and [`dependency`] read the others' children and attributes only). `author`
    /// is text in a component and a container in `authors`.
    fn has_text(self) -> bool {
        !matches!(
            self,
            K::Address
                | K::Authors
                | K::Component
                | K::Components
                | K::Contact
                | K::Dependency
                | K::ExternalReferences
                | K::Manufacture
                | K::Manufacturer
                | K::Reference
                | K::Supplier
        )
    }

    /// The kind of an element by its local name.
    fn of(local: &[u8]) -> Option<Kind> {
        Some(match local {
            b"address" => K::Address,
            b"author" => K::Author,
            b"authors" => K::Authors,
            b"component" => K::Component,
            b"components" => K::Components,
            b"contact" => K::Contact,
            b"country" => K::Country,
            b"cpe" => K::Cpe,
            b"dependency" => K::Dependency,
            b"email" => K::Email,
            b"externalReferences" => K::ExternalReferences,
            b"group" => K::Group,
            b"manufacture" => K::Manufacture,
            b"manufacturer" => K::Manufacturer,
            b"name" => K::Name,
            b"publisher" => K::Publisher,
            b"purl" => K::Purl,
            b"reference" => K::Reference,
            b"scope" => K::Scope,
            b"supplier" => K::Supplier,
            b"url" => K::Url,
            b"version" => K::Version,
            _ => return None,
        })
    }
}

/// XML's white space, as `quick-xml` takes it (the end of a tag's name, around an end tag's).
#[inline]
fn blank(b: &u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// The local part of a qualified name: after its last `:` (an ASCII byte, so a character
/// boundary of the name).
fn local_name(qname: &[u8]) -> &[u8] {
    qname.rsplit(|&b| b == b':').next().unwrap_or_default()
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
        reader: Reader<LineEnds<BufReader<File>>>,
        buf: Vec<u8>,
        /// Bytes of a byte-order mark skipped at the start (positions are counted after it).
        skip: u64,
    },
}

/// A buffered reader that can say how many line ends come before what has been consumed from
/// it: where `quick-xml` has read to (for the lines of components' `bom-ref`s in a file read
/// through a buffer, decision 33). `std`'s `BufReader` hides the bytes once consumed, so counting
/// them had to happen at each `consume`, several times per event (a tenth of a streamed XML
/// scan); here they are counted when asked, and the rest of a buffer before it is refilled,
/// each byte once.
struct LineEnds<R> {
    inner: R,
    buf: Box<[u8]>,
    pos: usize,
    filled: usize,
    /// `buf[..counted]` is counted in `ends`.
    counted: std::cell::Cell<usize>,
    ends: std::cell::Cell<usize>,
}

impl<R: std::io::Read> LineEnds<R> {
    fn new(inner: R) -> LineEnds<R> {
        LineEnds {
            inner,
            buf: vec![0; 1 << 16].into_boxed_slice(),
            pos: 0,
            filled: 0,
            counted: std::cell::Cell::new(0),
            ends: std::cell::Cell::new(0),
        }
    }

    /// The line ends before the first byte not consumed yet.
    fn ends(&self) -> usize {
        let counted = self.counted.get();
        let more = memchr::memchr_iter(b'\n', &self.buf[counted..self.pos]).count();
        self.counted.set(self.pos);
        self.ends.set(self.ends.get() + more);
        self.ends.get()
    }
}

impl<R: std::io::Read> std::io::Read for LineEnds<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: std::io::Read> BufRead for LineEnds<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.pos >= self.filled {
            // All consumed: counted before the bytes are replaced.
            self.pos = self.filled;
            self.ends();
            self.filled = self.inner.read(&mut self.buf)?;
            self.pos = 0;
            self.counted.set(0);
        }
        Ok(&self.buf[self.pos..self.filled])
    }

    fn consume(&mut self, amount: usize) {
        self.pos = (self.pos + amount).min(self.filled);
    }
}

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
    /// Whether subtrees of a text in memory are first read by [`Xml::subtree_scan`] (always,
    /// but in tests that compare it with `quick-xml`'s events).
    scan: bool,
    /// For the lines of components' `bom-ref`s in a text in memory ([`Xml::line_at`]): the line
    /// ends before the text (a run's, in the document), and a place in the text with the line
    /// ends before it, moved from one `bom-ref` to the next.
    lines: std::cell::Cell<Lines>,
}

/// A place in a text and the line ends in the document before it ([`Xml::lines`], and the runs'
/// starts in [`Xml::convert_children`]).
#[derive(Clone, Copy, Default)]
struct Lines {
    /// Line ends in the document before the text.
    before: usize,
    at: usize,
    /// Line ends in the text before `at`.
    ends: usize,
}

impl Lines {
    /// Moves on to byte `at` of `text`, counting the line ends passed, each once; returns the
    /// line ends in the document before it (`None` for a place behind: it only moves forward).
    fn advance(&mut self, text: &[u8], at: usize) -> Option<usize> {
        let between = text.get(self.at..at)?;
        self.ends += memchr::memchr_iter(b'\n', between).count();
        self.at = at;
        Some(self.before + self.ends)
    }
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
            scan: true,
            lines: std::cell::Cell::default(),
        }
    }

    /// The line (from 1) in the document of byte `at` of the text in memory: the line ends
    /// between the last place asked for and `at` are counted, each once, as the read asks in
    /// document order (`None` for a place before the last one).
    fn line_at(&self, text: &str, at: usize) -> Option<std::num::NonZeroU32> {
        let mut lines = self.lines.get();
        let ends = lines.advance(text.as_bytes(), at)?;
        self.lines.set(lines);
        crate::line_number(ends + 1)
    }

    /// A file through a buffer ([`crate::open_utf8`]: checked for UTF-8 first, its byte-order
    /// mark skipped).
    fn open_file(path: &'i Path) -> Result<Xml<'i>, IngestError> {
        let (mut file, skip) = crate::open_utf8(path)?;
        // A second mark is `quick-xml`'s to skip (see `base`).
        let base = bom_len(file.fill_buf().map_err(crate::io_error(path))?);
        let mut reader = Reader::from_reader(LineEnds::new(file));
        configure(&mut reader);
        Ok(Xml {
            path,
            base,
            parallel_after: usize::MAX,
            scan: false,
            lines: std::cell::Cell::default(),
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

    /// Adds the element whose start tag `tag` was just read to `tree` (not linked), with its
    /// name and attributes: borrowed from the input in memory (`quick-xml` hands out attribute
    /// values borrowed from the event, not the input), copied from the event when the input is a
    /// file. Returns its index.
    fn open(
        &self,
        tree: &mut Tree<'i>,
        empty: bool,
        tag: &BytesStart<'_>,
    ) -> Result<usize, IngestError> {
        self.open_as(
            tree,
            empty,
            tag,
            Kind::of(local_name(tag.name().into_inner())),
        )
    }

    /// [`Xml::open`] for a tag whose kind is known.
    fn open_as(
        &self,
        tree: &mut Tree<'i>,
        empty: bool,
        tag: &BytesStart<'_>,
        kind: Option<Kind>,
    ) -> Result<usize, IngestError> {
        let at = self.tag_start(empty, tag);
        let reader = match &self.source {
            Source::Text { text, .. } => {
                let raw = text.get(at + 1..at + 1 + tag.len()).unwrap_or_default();
                return self.open_raw(tree, text, at, raw, kind);
            }
            Source::File { reader, .. } => reader,
        };
        let start = tree.attrs.len();
        let attrs = &mut tree.attrs;
        // Where a component's `bom-ref` key starts in the tag's text `raw`, for its line.
        let mut bom_ref = None;
        // The event is the text between `<` and `>` or `/>`, already checked as UTF-8.
        let raw = std::str::from_utf8(tag).unwrap_or_default();
        let name_end = self.each_attr(at, raw, |k, v| {
            if kind == Some(Kind::Component) && k == "bom-ref" {
                bom_ref = crate::offset_within(raw, k.as_bytes());
            }
            attrs.push((Cow::Owned(k.to_owned()), Cow::Owned(v.into_owned())));
        })?;
        // The reader has read up to the tag's `>`: the line ends after the key are in the rest
        // of the tag.
        let line = bom_ref.and_then(|b| {
            let after = memchr::memchr_iter(b'\n', &raw.as_bytes()[b..]).count();
            crate::line_number(reader.get_ref().ends().checked_sub(after)? + 1)
        });
        Ok(tree.push(Cow::Owned(raw[..name_end].to_owned()), kind, start, line))
    }

    /// [`Xml::open_as`] for the start tag at byte `at` of the text in memory, `raw` its text
    /// between `<` and `>` (or `/>`): name and attributes borrowed from the text (`quick-xml`
    /// hands out attribute values borrowed from the event, not the input).
    fn open_raw(
        &self,
        tree: &mut Tree<'i>,
        text: &'i str,
        at: usize,
        raw: &'i str,
        kind: Option<Kind>,
    ) -> Result<usize, IngestError> {
        let start = tree.attrs.len();
        let attrs = &mut tree.attrs;
        // Where a component's `bom-ref` key starts in `raw` (of which the key is a slice), for
        // its line (decision 33). `each_attr` stops at a repeated key.
        let mut bom_ref = None;
        let name_end = self.each_attr(at, raw, |k, v| {
            if kind == Some(Kind::Component) && k == "bom-ref" {
                bom_ref = crate::offset_within(raw, k.as_bytes());
            }
            attrs.push((Cow::Borrowed(k), v));
        })?;
        let line = bom_ref.and_then(|b| self.line_at(text, at + 1 + b));
        Ok(tree.push(Cow::Borrowed(&raw[..name_end]), kind, start, line))
    }

    /// Checks the attributes of a start tag's text `raw` (name, attributes; no `<`, `>` or `/`)
    /// of a tag that began at byte `at`, and hands each to `f`; returns where the name ends.
    fn each_attr<'r>(
        &self,
        at: usize,
        raw: &'r str,
        mut f: impl FnMut(&'r str, Cow<'r, str>),
    ) -> Result<usize, IngestError> {
        let name_end = raw
            .bytes()
            .position(|c| c.is_ascii_whitespace() || c == b'/')
            .unwrap_or(raw.len());
        // Most tags are a name alone (`<name>`, `<version>`): nothing to check, and `quick-xml`'s
        // attribute iterator cost ~150 instructions to say so (~5% of reading a CycloneDX XML).
        if name_end == raw.len() {
            return Ok(name_end);
        }
        // Duplicate keys are checked here: `quick-xml`'s check keeps the keys in a vector
        // allocated and freed per tag (~170 instructions a tag). The first `FEW` keys are kept
        // on the stack and each compared with those before it; past them, in a hash set, so that
        // a tag of thousands of attributes is not checked in quadratic time. The error is
        // `quick-xml`'s: at the first key that repeats an earlier one.
        const FEW: usize = 8;
        let mut attributes = Attributes::new(raw, name_end);
        attributes.with_checks(false);
        let mut few = [""; FEW];
        let mut many: Option<foldhash::HashSet<&str>> = None;
        for (k, a) in attributes.enumerate() {
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
            // Key and value are slices of `raw`, UTF-8 already: cut from it rather than checked
            // again. A value without a character XML 1.0 normalises (`\t`, `\r`, `\n`) or a
            // reference (`&`) is the value `quick-xml` would give, as written.
            let key_bytes = a.key.into_inner();
            let key = crate::within(raw, key_bytes)
                .or_else(|| std::str::from_utf8(key_bytes).ok())
                .unwrap_or_default();
            let repeated = match (k < FEW, &mut many) {
                (true, _) => {
                    let repeated = few[..k].contains(&key);
                    few[k] = key;
                    repeated
                }
                (false, Some(set)) => !set.insert(key),
                (false, None) => {
                    let mut set: foldhash::HashSet<&str> = few.iter().copied().collect();
                    let repeated = !set.insert(key);
                    many = Some(set);
                    repeated
                }
            };
            if repeated {
                // The key is a slice of `raw` (the attributes are read from it).
                let from = crate::offset_within(raw, key_bytes).unwrap_or_default();
                return Err(self.error_at(at + 1 + from, "attribute given twice".into()));
            }
            let plain = match &a.value {
                Cow::Borrowed(v)
                    if !v.iter().any(|b| matches!(b, b'\t' | b'\r' | b'\n' | b'&')) =>
                {
                    crate::within(raw, v)
                }
                _ => None,
            };
            let value = match plain {
                Some(v) => Cow::Borrowed(v),
                None => a
                    .normalized_value(XmlVersion::Implicit1_0)
                    .map_err(|e| self.error_at(at, e.to_string()))?,
            };
            f(key, value);
        }
        Ok(name_end)
    }

    /// Checks the start tag `tag` just read as [`Xml::open`] does, without keeping it; returns
    /// its name as written.
    fn check_tag(&self, empty: bool, tag: &BytesStart<'_>) -> Result<Cow<'i, str>, IngestError> {
        let at = self.tag_start(empty, tag);
        match &self.source {
            Source::Text { text, .. } => {
                let raw = text.get(at + 1..at + 1 + tag.len()).unwrap_or_default();
                let name_end = self.each_attr(at, raw, |_, _| {})?;
                Ok(Cow::Borrowed(&raw[..name_end]))
            }
            Source::File { .. } => {
                let raw = std::str::from_utf8(tag).unwrap_or_default();
                let name_end = self.each_attr(at, raw, |_, _| {})?;
                Ok(Cow::Owned(raw[..name_end].to_owned()))
            }
        }
    }

    /// The text an entity or character reference at byte `at` stands for: XML's five predefined
    /// entities and character references only.
    fn reference(&self, at: usize, r: &BytesRef<'_>) -> Result<Cow<'i, str>, IngestError> {
        match r.resolve_char_ref() {
            Ok(Some(c)) => Ok(Cow::Owned(c.to_string())),
            Ok(None) => {
                let name = r.decode().map_err(|e| self.error_at(at, e.to_string()))?;
                match quick_xml::escape::resolve_predefined_entity(&name) {
                    Some(s) => Ok(Cow::Borrowed(s)),
                    None => Err(self.error_at(
                        at,
                        format!("undefined entity `&{name};` (a document without a DTD can only use XML's five predefined entities)"),
                    )),
                }
            }
            Err(e) => Err(self.error_at(at, e.to_string())),
        }
    }

    /// Where the start tag just read begins: the reader stands just after it, and it is `<`, the
    /// event's text, then `>` (or `/>` for an empty element). The position before the event is
    /// not always it (a byte order mark is skipped without an event), and the last `<` is not
    /// either in a malformed tag (fuzzing found both).
    fn tag_start(&self, empty: bool, tag: &BytesStart<'_>) -> usize {
        let around = if empty { 3 } else { 2 };
        self.position().saturating_sub(tag.len() + around)
    }

    /// Reads the rest of the element just opened as the root of `tree` (children and text).
    /// In a text in memory, by [`Xml::subtree_scan`] first; where it gives up, from the same
    /// place by `quick-xml`'s events.
    fn subtree(&mut self, tree: &mut Tree<'i>) -> Result<(), IngestError> {
        debug_assert_eq!(tree.els.len(), 1, "a subtree is read from its root alone");
        if let Source::Text { text, .. } = self.source {
            if self.scan {
                let from = self.position();
                let lines = self.lines.get();
                if let Some(end) = self.subtree_scan(tree, text, from) {
                    // On to the root's end tag, read by `quick-xml`: its stack of open names
                    // still holds the root's, and checks it against the end tag.
                    self.move_to(end);
                    let (at, event) = self.next()?;
                    return match event {
                        Event::End(_) => Ok(()),
                        _ => {
                            Err(self.error_at(at, "the end tag the scan found was not read".into()))
                        }
                    };
                }
                // Nothing was consumed: read again from the root, the line cursor as it was.
                self.lines.set(lines);
                tree.root_only();
            }
        }
        tree.open.push((0, 0));
        loop {
            let (at, event) = self.next()?;
            match event {
                Event::Start(tag) => {
                    if tree.open.len() >= MAX_ELEMENT_DEPTH {
                        return Err(self.error_at(
                            at,
                            format!("elements nested more than {MAX_ELEMENT_DEPTH} deep"),
                        ));
                    }
                    let Some(kind) = Kind::of(local_name(tag.name().into_inner())) else {
                        self.skip_checked(&tag, tree.open.len() + 1)?;
                        continue;
                    };
                    let el = self.open_as(tree, false, &tag, Some(kind))?;
                    tree.link(el);
                    tree.open.push((el, 0));
                }
                Event::Empty(tag) => {
                    let Some(kind) = Kind::of(local_name(tag.name().into_inner())) else {
                        self.check_tag(true, &tag)?;
                        continue;
                    };
                    let el = self.open_as(tree, true, &tag, Some(kind))?;
                    tree.link(el);
                }
                Event::End(_) => {
                    tree.open.pop();
                    if tree.open.is_empty() {
                        return Ok(());
                    }
                }
                Event::Text(t) => {
                    // In memory, the text is the input's from where the event starts (no second
                    // UTF-8 check) unless its line ends are to be normalised.
                    let piece = match &self.source {
                        Source::Text { text, .. } if memchr::memchr(b'\r', &t).is_none() => {
                            let piece = text.get(at..at + t.len());
                            debug_assert_eq!(piece.map(str::as_bytes), Some(&*t), "text at {at}");
                            piece.map(Cow::Borrowed)
                        }
                        _ => None,
                    };
                    let piece = match piece {
                        Some(p) => p,
                        None => t
                            .xml10_content()
                            .map_err(|e| self.error_at(at, e.to_string()))?,
                    };
                    tree.push_text(piece);
                }
                Event::CData(t) => {
                    let piece = t.decode().map_err(|e| self.error_at(at, e.to_string()))?;
                    tree.push_text(piece);
                }
                Event::GeneralRef(r) => {
                    let replaced = self.reference(at, &r)?;
                    tree.push_text(replaced);
                }
                Event::Eof => {
                    return Err(self.error_at(
                        at,
                        format!(
                            "unexpected end of document: `<{}>` is not closed",
                            tree.open
                                .last()
                                .map_or("", |&(at, _)| Node { tree, at }.name())
                        ),
                    ))
                }
                Event::Comment(_) | Event::PI(_) | Event::Decl(_) | Event::DocType(_) => {}
            }
        }
    }

    /// Moves the reader of a text in memory on to byte `at` (ahead of it), past bytes a scan
    /// has read. Only where `quick-xml` stands between events: after a start or end tag, not
    /// after text (it then stands at the markup that ended the text).
    fn move_to(&mut self, at: usize) {
        let from = self.position();
        if let Source::Text { reader, .. } = &mut self.source {
            reader.stream().consume(at.saturating_sub(from));
        }
    }

    /// Reads the rest of the element just opened as the root of `tree`, as [`Xml::subtree`]
    /// does by `quick-xml`'s events, by a scan of `text` from byte `from` (where the reader
    /// stands); returns where the root's end tag starts, for `quick-xml` to read it. `None`
    /// where the content holds anything the scan does not read (a comment, CDATA, an
    /// instruction, a character reference, a carriage return in text, a quote in an end tag,
    /// more than 64 levels) or that does not check: `tree` and the line cursor are then as they
    /// were, nothing has been consumed, and [`Xml::subtree`] reads the content by events, which
    /// accept all the scan accepts and give the exact error of the rest (decision 41).
    ///
    /// It checks what `quick-xml` and [`Xml::subtree`] check of the markup it reads: every start
    /// tag's attributes ([`Xml::each_attr`]), every end tag's name against its start tag's (as
    /// `quick-xml` takes names: up to the first white space), every reference to be one of XML's
    /// five predefined entities; and it builds the elements [`Xml::subtree`] builds, with the same
    /// names, attributes, lines and text. Each event of `quick-xml`'s reader cost ~300
    /// instructions, and a CycloneDX component is some 40 events.
    fn subtree_scan(&self, tree: &mut Tree<'i>, text: &'i str, from: usize) -> Option<usize> {
        const OPEN: usize = 64;
        let bytes = text.as_bytes();
        // The names of the elements open below the root, innermost last; the innermost
        // `skipped` of them are not built (an element the conversion does not read, and what is
        // in it).
        let mut names: [&[u8]; OPEN] = [&[]; OPEN];
        let (mut n, mut skipped) = (0usize, 0usize);
        tree.open.push((0, 0));
        let mut at = from;
        loop {
            let lt = at + memchr::memchr2(b'<', b'&', bytes.get(at..)?)?;
            if lt > at && skipped == 0 {
                let piece = text.get(at..lt)?;
                if memchr::memchr(b'\r', piece.as_bytes()).is_some() {
                    return None;
                }
                tree.push_text(Cow::Borrowed(piece));
            }
            let rest = bytes.get(lt + 1..)?;
            if bytes[lt] == b'&' {
                // `quick-xml` takes a reference up to `;`, and fails at a `&` or `<` before it.
                let end = memchr::memchr3(b';', b'&', b'<', rest)?;
                let replaced = match (rest[end], &rest[..end]) {
                    (b';', b"lt") => "<",
                    (b';', b"gt") => ">",
                    (b';', b"amp") => "&",
                    (b';', b"apos") => "'",
                    (b';', b"quot") => "\"",
                    _ => return None,
                };
                if skipped == 0 {
                    tree.push_text(Cow::Borrowed(replaced));
                }
                at = lt + 1 + end + 1;
                continue;
            }
            match *rest.first()? {
                b'!' | b'?' => return None,
                b'/' => {
                    let (name, gt) = end_tag(&rest[1..])?;
                    if n == 0 {
                        tree.open.clear();
                        return Some(lt);
                    }
                    n -= 1;
                    if names[n] != name {
                        return None;
                    }
                    if skipped > 0 {
                        skipped -= 1;
                    } else {
                        tree.open.pop();
                    }
                    at = lt + 2 + gt + 1;
                }
                _ => {
                    let (raw, empty, name, after) = start_tag_at(text, lt)?;
                    if !empty && n + 1 >= OPEN {
                        return None;
                    }
                    match (skipped, Kind::of(local_name(name))) {
                        (0, Some(kind)) => {
                            let el = self.open_raw(tree, text, lt, raw, Some(kind)).ok()?;
                            tree.link(el);
                            if !empty {
                                tree.open.push((el, 0));
                            }
                        }
                        _ => {
                            self.each_attr(lt, raw, |_, _| {}).ok()?;
                            skipped += usize::from(!empty);
                        }
                    }
                    if !empty {
                        names[n] = name;
                        n += 1;
                    }
                    at = after;
                }
            }
        }
    }

    /// The next element of a text in memory, read whole into `tree` (cleared first) as
    /// [`Xml::element`] reads it after `quick-xml` gave its start tag, by a scan: its start tag
    /// (found after blanks), then [`Xml::subtree_scan`], then its end tag, checked against its
    /// start tag's name as `quick-xml` checks it. The reader is moved past it. `false`, with
    /// nothing consumed and the line cursor as it was, where the next thing is not such an
    /// element (text, a reference, other markup, the end) or the scan gives up: the caller then
    /// reads on by events. In a run of a parallel read, this spares the three events around
    /// each child.
    fn element_scan(&mut self, tree: &mut Tree<'i>) -> bool {
        let Source::Text { text, .. } = self.source else {
            return false;
        };
        let from = self.position();
        let lines = self.lines.get();
        match self.element_scan_at(tree, text, from) {
            Some(end) => {
                self.move_to(end);
                true
            }
            None => {
                self.lines.set(lines);
                tree.clear();
                false
            }
        }
    }

    /// [`Xml::element_scan`] from byte `from` of `text`: where the element ends (after its end
    /// tag's `>`).
    fn element_scan_at(&self, tree: &mut Tree<'i>, text: &'i str, from: usize) -> Option<usize> {
        let bytes = text.as_bytes();
        let lt = from
            + bytes
                .get(from..)?
                .iter()
                .position(|b| !b.is_ascii_whitespace())?;
        let rest = bytes.get(lt + 1..)?;
        if bytes[lt] != b'<' || matches!(rest.first()?, b'/' | b'!' | b'?') {
            return None;
        }
        // The name as `quick-xml` takes it, to check the end tag against.
        let (raw, empty, name, after) = start_tag_at(text, lt)?;
        tree.clear();
        self.open_raw(tree, text, lt, raw, Kind::of(local_name(name)))
            .ok()?;
        if empty {
            return Some(after);
        }
        let close = self.subtree_scan(tree, text, after)?;
        let (closed, end) = end_tag(bytes.get(close + 2..)?)?;
        (closed == name).then_some(close + 2 + end + 1)
    }

    /// Skips the rest of an element whose start tag `start` was just read at depth `depth` (1 for
    /// the root) and which the conversion does not read, checking what [`Xml::subtree`] would
    /// (attributes, references, depth), so that an element left out fails as it would if read.
    fn skip_checked(&mut self, start: &BytesStart<'_>, depth: usize) -> Result<(), IngestError> {
        // The names of the open elements, for the error at an unexpected end.
        let mut open = vec![self.check_tag(false, start)?];
        while !open.is_empty() {
            let (at, event) = self.next()?;
            match event {
                Event::Start(tag) => {
                    if depth + open.len() > MAX_ELEMENT_DEPTH {
                        return Err(self.error_at(
                            at,
                            format!("elements nested more than {MAX_ELEMENT_DEPTH} deep"),
                        ));
                    }
                    open.push(self.check_tag(false, &tag)?);
                }
                Event::Empty(tag) => {
                    self.check_tag(true, &tag)?;
                }
                Event::End(_) => {
                    open.pop();
                }
                Event::GeneralRef(r) => {
                    self.reference(at, &r)?;
                }
                Event::Eof => {
                    let name = open
                        .last()
                        .map_or("", |n| &n[n.len() - local_name(n.as_bytes()).len()..]);
                    return Err(self.error_at(
                        at,
                        format!("unexpected end of document: `<{name}>` is not closed"),
                    ));
                }
                // Text and CDATA are UTF-8 already (checked before reading); nothing else fails.
                _ => {}
            }
        }
        Ok(())
    }

    /// The element whose start tag `tag` was just read, whole, into `tree` (cleared first): its
    /// attributes, and its children and text unless it is empty (`<x/>`).
    fn element(
        &mut self,
        tree: &mut Tree<'i>,
        empty: bool,
        tag: &BytesStart<'_>,
    ) -> Result<(), IngestError> {
        tree.clear();
        self.open(tree, empty, tag)?;
        if empty {
            Ok(())
        } else {
            self.subtree(tree)
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
    fn children(&mut self, mut f: impl FnMut(Node<'_, 'i>)) -> Result<(), IngestError> {
        let mut tree = Tree::default();
        while let Some((tag, empty)) = self.next_child()? {
            self.element(&mut tree, empty, &tag)?;
            f(tree.root());
        }
        Ok(())
    }

    /// Each child element named `wanted` of the element whose start tag was just read,
    /// converted into `conv` by `each` with its index among them (other children are read and
    /// left), as [`Xml::children`] reads them. In a document in memory read in parallel, the
    /// children are only found here by a scan for their start tags ([`scan_children`]); once
    /// there are more than `parallel_after`, they are handed to rayon in runs of 512, each run
    /// read and converted into a part of its own on another core while this thread scans on, and
    /// the parts are appended in order (decisions 22, 24 and 27); with fewer, the runs are read
    /// on this thread.
    /// A run that does not read fails the whole read, which [`read`] then does again
    /// sequentially for the exact error.
    ///
    /// `size(sbom, n)` makes room in a document for about `n` children named `wanted`: the
    /// document's vectors are sized once by the count of `<wanted` in the bytes they will hold
    /// (a size, not a finding: a prefixed name is not counted and the vector grows), each
    /// part's by the elements named `wanted` the search for children counted in its run. Grown
    /// by pushes and appends instead, they were copied again and again into fresh pages (a
    /// tenth of reading 100k components, issue 7).
    fn convert_children(
        &mut self,
        conv: &mut Converter,
        wanted: &str,
        size: fn(&mut Sbom, usize),
        each: &(dyn Fn(&mut Converter, usize, Node<'_, 'i>) + Sync),
    ) -> Result<(), IngestError> {
        let mut i = 0usize;
        let text = match &self.source {
            Source::Text { text, .. } if self.parallel_after < usize::MAX => *text,
            _ => {
                return self.children(|c| {
                    if c.name() == wanted {
                        each(conv, i, c);
                        i += 1;
                    }
                })
            }
        };
        // The children found by a cheap scan for their start tags (not tokenised here,
        // [`scan_children`]) and read in runs: held until the scan has seen more than
        // `parallel_after` of them, then each read on rayon's threads and its part appended as
        // soon as the ones before it are in (decision 24; after a part that did not read, none
        // is). With no more children than that, the runs are read here, in order.
        let (path, source) = (self.path, conv.sbom.source.clone());
        let (parallel_after, scan) = (self.parallel_after, self.scan);
        let from = self.position();
        size(
            &mut conv.sbom,
            crate::par::count(&text.as_bytes()[from..], format!("<{wanted}").as_bytes()),
        );
        let finder = memchr::memmem::Finder::new(wanted.as_bytes());
        let mut failed = false;
        let mut held: Vec<Run> = Vec::new();
        let mut into = (&mut conv.sbom, &mut failed);
        let done = crate::par::InOrder::new(&mut into, crate::par::append_unless_failed);
        let end = rayon::in_place_scope(|s| {
            let (done, source) = (&done, &source);
            let mut parts = 0usize;
            let mut send = |run: Run| {
                let k = parts;
                parts += 1;
                s.spawn(move |_| {
                    let mut part = Converter::part(source);
                    size(&mut part.sbom, run.all);
                    let read = convert_run(&mut part, (path, scan), text, run, wanted, each);
                    done.push(k, read.map(|()| part.sbom));
                });
            };
            // The line ends before each run, counted on from one run's start to the next: only
            // for components, whose `bom-ref` lines are kept (decision 33).
            let mut counted = Lines::default();
            let mut ends_before = |at: usize| {
                if wanted == "component" {
                    // The runs' starts come in document order: the cursor only moves forward.
                    counted.advance(text.as_bytes(), at);
                }
                counted.ends
            };
            // The run being gathered: its start, children, and children named `wanted`.
            let mut run = Run {
                start: from,
                end: from,
                first: i,
                wanted: 0,
                all: 0,
                lines_before: ends_before(from),
            };
            let (mut children, mut seen) = (0usize, 0usize);
            let mut handed = false;
            let mut child = |at: usize, named: bool, all: usize| {
                if children == crate::par::CHUNK {
                    run.end = at;
                    held.push(run);
                    if seen > parallel_after {
                        handed = true;
                        held.drain(..).for_each(&mut send);
                    }
                    run = Run {
                        start: at,
                        end: at,
                        first: run.first + run.wanted,
                        wanted: 0,
                        all: 0,
                        lines_before: ends_before(at),
                    };
                    children = 0;
                }
                children += 1;
                seen += 1;
                run.wanted += usize::from(named);
                run.all += all;
            };
            let bytes = text.as_bytes();
            let end = match find_children(bytes, from, wanted.as_bytes(), &finder, &mut child) {
                Ok(end) => Some(end),
                Err(at) => scan_children(bytes, at, wanted.as_bytes(), &mut child),
            };
            if let Some(end) = end {
                run.end = end;
                held.push(run);
                if handed || seen > parallel_after {
                    held.drain(..).for_each(&mut send);
                }
            }
            end
        });
        done.finish();
        // A document the scan cannot follow is malformed: read again in order for the error.
        let Some(end) = end else {
            return Err(self.error_at(from, "read again in order".into()));
        };
        for run in held {
            if convert_run(conv, (path, scan), text, run, wanted, each).is_none() {
                failed = true;
                break;
            }
        }
        // On to the end tag; the reader's stack of open names still holds this element's.
        self.move_to(end);
        if failed || self.next_child()?.is_some() {
            return Err(self.error_at(self.position(), "read again in order".into()));
        }
        Ok(())
    }
}

/// A run of children handed to another core: the bytes `start..end` of the text (children, and
/// the text and comments between them), the index among the `wanted` children of its first
/// one, and how many it holds by [`scan_children`]'s count.
#[derive(Clone, Copy)]
struct Run {
    start: usize,
    end: usize,
    first: usize,
    wanted: usize,
    /// The elements named `wanted` in it, nested ones too: the size of its part's vector.
    all: usize,
    /// Line ends in the document before `start`.
    lines_before: usize,
}

/// Finds, from byte `at` (between the children of an element), each child (calling `child`
/// with the position of its start tag, whether its local name is `wanted` and how many elements
/// named `wanted` it holds, itself and nested ones, once it ends) and the element's end tag,
/// whose position it returns: a search for `<` that follows depth, quotes in tags, comments,
/// CDATA and processing instructions, without checking or tokenising anything, at a small part
/// of what `quick-xml`'s events cost (decision 27). `None` where it cannot follow the bytes (a
/// DTD, markup not closed). [`find_children`] does it first where it can, faster.
///
/// It only proposes where runs start and end: each run is read by `quick-xml` on its own and
/// must come out as whole elements ending at the run's end, with the count of `wanted` children
/// found here ([`convert_run`]). Runs read so are contiguous and each ends between two events, so
/// their events are those of one read of the whole, and a wrong proposal only fails the read
/// (which is then done again in order).
fn scan_children(
    bytes: &[u8],
    at: usize,
    wanted: &[u8],
    child: &mut impl FnMut(usize, bool, usize),
) -> Option<usize> {
    use memchr::memmem;
    let mut depth = 0usize;
    // The child being scanned: where it starts, whether it is named `wanted`, and the elements
    // named `wanted` in it so far.
    let mut current = (at, false, 0usize);
    // Where markup that may hold a `<` (a comment, CDATA, an instruction) ended: a `<` before
    // it is not a tag. Start and end tags hold none (`<` is not allowed in attribute values).
    let mut resume = at;
    for lt in memchr::memchr_iter(b'<', bytes.get(at..)?).map(|i| at + i) {
        if lt < resume {
            continue;
        }
        let rest = &bytes[lt + 1..];
        match rest.first()? {
            // An end tag: nothing in it to find (the next `<` is past it).
            b'/' => {
                if depth == 0 {
                    return Some(lt);
                }
                depth -= 1;
                if depth == 0 {
                    child(current.0, current.1, current.2);
                }
            }
            b'!' => {
                let (open, close): (&[u8], &[u8]) = if rest.starts_with(b"!--") {
                    (b"!--", b"-->")
                } else if rest.starts_with(b"![CDATA[") {
                    (b"![CDATA[", b"]]>")
                } else {
                    return None;
                };
                let from = lt + 1 + open.len();
                resume = from + memmem::find(bytes.get(from..)?, close)? + close.len();
            }
            b'?' => resume = lt + 2 + memmem::find(rest.get(1..)?, b"?>")? + 2,
            _ => {
                let gt = tag_end(rest)?;
                let tag = &rest[..gt];
                let name = tag
                    .iter()
                    .position(|&b| b.is_ascii_whitespace() || b == b'/')
                    .map_or(tag, |e| &tag[..e]);
                let named = local_name(name) == wanted;
                if depth == 0 {
                    current = (lt, named, 0);
                }
                current.2 += usize::from(named);
                if gt == 0 || rest[gt - 1] != b'/' {
                    depth += 1;
                } else if depth == 0 {
                    child(lt, named, current.2);
                }
                resume = lt + 1 + gt + 1;
            }
        }
    }
    None
}

/// Where the start tag whose text (after `<`) is `rest` ends: its `>`, the first one outside
/// quoted attribute values.
#[inline(always)]
fn tag_end(rest: &[u8]) -> Option<usize> {
    let mut j = 0;
    loop {
        match *rest.get(j)? {
            b'>' => return Some(j),
            quote @ (b'"' | b'\'') => {
                j += 1 + memchr::memchr(quote, rest.get(j + 1..)?)?;
            }
            _ => {}
        }
        j += 1;
    }
}

/// The start tag at byte `lt` of `text` (a `<` followed by none of `/`, `!`, `?`) as `quick-xml`
/// reads it: its text between `<` and `>` (or `/>`), whether it is empty (`/>`), its name (up to
/// the first white space) and where it ends (after `>`). It, [`end_tag`] and [`tag_end`] are
/// always inlined: left as calls in the scans' loops they cost 2.6% of a 20k XML scan's
/// instructions.
#[inline(always)]
fn start_tag_at(text: &str, lt: usize) -> Option<(&str, bool, &[u8], usize)> {
    let rest = text.as_bytes().get(lt + 1..)?;
    let gt = tag_end(rest)?;
    let (len, empty) = match rest[..gt].strip_suffix(b"/") {
        Some(raw) => (raw.len(), true),
        None => (gt, false),
    };
    let raw = text.get(lt + 1..lt + 1 + len)?;
    let name = &raw.as_bytes()[..raw.bytes().position(|b| blank(&b)).unwrap_or(len)];
    Some((raw, empty, name, lt + 1 + gt + 1))
}

/// The name an end tag whose text after `</` is `rest` closes, as `quick-xml` compares it (its
/// text less the white space before `>`), and where its `>` is in `rest`; `None` for an end tag
/// with a quote in it (`quick-xml` looks for its `>` outside quotes) or no name.
#[inline(always)]
fn end_tag(rest: &[u8]) -> Option<(&[u8], usize)> {
    let gt = memchr::memchr(b'>', rest)?;
    let content = &rest[..gt];
    if content.iter().any(|&b| b == b'"' || b == b'\'') {
        return None;
    }
    Some((&content[..content.iter().rposition(|b| !blank(b))? + 1], gt))
}

/// [`scan_children`]'s work where the children are elements named `wanted`, unprefixed, and
/// nothing else (CycloneDX's components and dependencies), done by a search for the name alone
/// (`finder`, of `wanted`) that jumps over everything else in a child: only the elements named
/// `wanted` in it change where it ends (a component's nested components, a dependency's
/// dependencies), and between children the next markup must be a child or the parent's end
/// tag. `scan_children` looked at every `<` of the document on the thread that hands out the
/// runs: a seventh of the instructions of a two-thread XML scan (decision 42). Returns the
/// parent's end tag's position, or `Err(at)` where the search cannot go on (other markup
/// between children, a prefixed name, the end of the bytes): the children from `at` on, none
/// of them reported, are left to `scan_children`. It only proposes too: the name in a comment
/// or CDATA inside a child miscounts, and the runs' reads then fail.
fn find_children(
    bytes: &[u8],
    at: usize,
    wanted: &[u8],
    finder: &memchr::memmem::Finder<'_>,
    child: &mut impl FnMut(usize, bool, usize),
) -> Result<usize, usize> {
    let ends_name = |b: Option<&u8>| b.is_some_and(|b| blank(b) || matches!(b, b'>' | b'/'));
    let mut pos = at;
    loop {
        // Between children: the next markup is a child or the parent's end tag.
        let lt = pos + memchr::memchr(b'<', bytes.get(pos..).ok_or(pos)?).ok_or(pos)?;
        let rest = &bytes[lt + 1..];
        if rest.first() == Some(&b'/') {
            return Ok(lt);
        }
        if !(rest.starts_with(wanted) && ends_name(rest.get(wanted.len()))) {
            return Err(lt);
        }
        let start = lt;
        // From the child's start tag, each element named `wanted` that opens or closes in it,
        // until it closes.
        let (mut depth, mut all) = (0usize, 0usize);
        let mut tag = Some(lt + 1);
        loop {
            if let Some(name) = tag.take() {
                all += 1;
                let gt = name + tag_end(&bytes[name..]).ok_or(start)?;
                if bytes[gt - 1] != b'/' {
                    depth += 1;
                }
                pos = gt + 1;
            }
            if depth == 0 {
                break;
            }
            let k = pos + finder.find(bytes.get(pos..).ok_or(start)?).ok_or(start)?;
            pos = k + wanted.len();
            if !ends_name(bytes.get(pos)) {
                // A longer name or word (`components`).
                continue;
            }
            match (bytes[k - 1], bytes.get(k.wrapping_sub(2))) {
                (b'<', _) => tag = Some(k),
                (b'/', Some(b'<')) => depth -= 1,
                (b':', _) => return Err(start),
                // The word in text or in an attribute value.
                _ => {}
            }
        }
        child(start, true, all);
    }
}

/// The children in `run` of `text`, read as [`Xml::children`] reads them, the ones named
/// `wanted` converted into `conv` by `each` with their index among them; `None` when the run
/// does not read as whole elements or holds another count of `wanted` children than the scan
/// found (the sequential read then finds the error, or the same model).
/// `scan`: as [`Xml::scan`].
fn convert_run<'i>(
    conv: &mut Converter,
    (path, scan): (&'i Path, bool),
    text: &'i str,
    run: Run,
    wanted: &str,
    each: &(dyn Fn(&mut Converter, usize, Node<'_, 'i>) + Sync),
) -> Option<()> {
    let mut xml = Xml::new(path, text.get(run.start..run.end)?);
    xml.scan = scan;
    xml.lines.set(Lines {
        before: run.lines_before,
        ..Lines::default()
    });
    let mut i = run.first;
    let mut tree = Tree::default();
    // Whether `quick-xml` stands between events, where bytes may be consumed past it: not after
    // a text event (it then stands at the markup that ended the text).
    let mut between = true;
    loop {
        // The next child whole by a scan where it can be (decision 41), else by events.
        if !(xml.scan && between && xml.element_scan(&mut tree)) {
            let event = xml.next().ok()?.1;
            between = !matches!(event, Event::Text(_));
            match event {
                Event::Start(tag) => xml.element(&mut tree, false, &tag).ok()?,
                Event::Empty(tag) => xml.element(&mut tree, true, &tag).ok()?,
                Event::End(_) => return None,
                Event::Eof => break,
                _ => continue,
            };
        }
        let el = tree.root();
        if el.name() == wanted {
            each(conv, i, el);
            i += 1;
        }
    }
    (i - run.first == run.wanted).then_some(())
}

fn is_blank(t: &[u8]) -> bool {
    t.iter().all(u8::is_ascii_whitespace)
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
    let mut tree = Tree::default();
    let (root_at, empty) = loop {
        let (at, event) = xml.next()?;
        match event {
            Event::Start(tag) => {
                xml.open(&mut tree, false, &tag)?;
                break (xml.tag_start(false, &tag), false);
            }
            Event::Empty(tag) => {
                xml.open(&mut tree, true, &tag)?;
                break (xml.tag_start(true, &tag), true);
            }
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
    let root = tree.root();
    let qname = &root.el().qname;
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
    let mut tree = Tree::default();
    while let Some((tag, empty)) = xml.next_child()? {
        tree.clear();
        xml.open(&mut tree, empty, &tag)?;
        match (tree.root().name(), empty) {
            (_, true) => {}
            ("metadata", false) => {
                xml.subtree(&mut tree)?;
                conv.metadata(metadata(tree.root()));
            }
            ("components", false) => {
                let base = Location("components".into());
                let size: fn(&mut Sbom, usize) = |s, n| s.components.reserve(n);
                xml.convert_children(conv, "component", size, &|conv, i, c| {
                    conv.component(component(c), base.index(i), None);
                })?;
            }
            ("dependencies", false) => {
                let size: fn(&mut Sbom, usize) = |s, n| s.relationships.reserve(n);
                xml.convert_children(conv, "dependency", size, &|conv, i, d| {
                    conv.dependency(i, Some(dependency(d)));
                })?;
            }
            // Checked as the elements a component leaves out are: skipped by events alone, an
            // undefined entity in `<services>` passed.
            _ => xml.skip_checked(&tag, 1)?,
        }
    }
    Ok(())
}

fn org<'i>(n: Node<'_, 'i>) -> OrgEntity<'i> {
    OrgEntity {
        name: n.text_of(K::Name),
        url: n.elements(K::Url).filter_map(Node::trimmed).collect(),
        contact: Some(n.elements(K::Contact).map(contact).collect()),
        address: n.child(K::Address).map(|a| Address {
            country: a.text_of(K::Country),
        }),
    }
}

/// A `<contact>` or `<author>`: name and e-mail.
fn contact<'i>(n: Node<'_, 'i>) -> Contact<'i> {
    Contact {
        name: n.text_of(K::Name),
        email: n.text_of(K::Email),
    }
}

fn metadata<'i>(n: Node<'_, 'i>) -> Metadata<'i> {
    Metadata {
        component: n.child(K::Component).map(component),
        supplier: n.child(K::Supplier).map(org),
        manufacture: n.child(K::Manufacture).map(org),
        manufacturer: n.child(K::Manufacturer).map(org),
    }
}

fn component<'i>(n: Node<'_, 'i>) -> CdxComponent<'i> {
    let firsts = n.firsts();
    let child = |kind: Kind| firsts[kind as usize];
    let text_of = |kind: Kind| child(kind).and_then(Node::trimmed);
    CdxComponent {
        line: n.el().line,
        kind: n.attr("type"),
        bom_ref: n.attr("bom-ref"),
        supplier: child(K::Supplier).map(org),
        manufacturer: child(K::Manufacturer).map(org),
        author: text_of(K::Author),
        authors: child(K::Authors).map(|a| a.elements(K::Author).map(contact).collect()),
        publisher: text_of(K::Publisher),
        group: text_of(K::Group),
        name: text_of(K::Name),
        version: text_of(K::Version),
        scope: text_of(K::Scope),
        cpe: text_of(K::Cpe),
        purl: text_of(K::Purl),
        external_references: child(K::ExternalReferences).map(|r| {
            r.elements(K::Reference)
                .map(|c| CdxExtRef {
                    url: c.text_of(K::Url),
                    kind: c.attr("type"),
                })
                .collect()
        }),
        components: child(K::Components).map(|cs| {
            cs.elements(K::Component)
                .map(|c| Some(component(c)))
                .collect()
        }),
    }
}

fn dependency<'i>(n: Node<'_, 'i>) -> Dependency<'i> {
    Dependency {
        reference: n.attr("ref"),
        depends_on: Some(
            n.elements(K::Dependency)
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

    /// An indented document makes the model of the same document written on one line: the
    /// text between the children of an element read for its children is dropped (decision 39),
    /// and the text of a value is kept whole, spaces and references inside it included.
    #[test]
    fn indentation_between_children_is_not_text() {
        let body = "<metadata><authors><author><name> Ann &amp; Bo </name><email>a@x</email></author></authors></metadata>\
            <components><component type=\"library\" bom-ref=\"a\"><supplier><name>Acme &amp; \
            &#x4B;aspersky</name><url>https://x</url><contact><email>s@x</email></contact></supplier>\
            <author>A &lt; B</author><name>&amp; &amp;</name><version> 1 </version>\
            <externalReferences><reference type=\"vcs\"><url>https://v</url></reference></externalReferences>\
            <components><component bom-ref=\"b\"><name>b</name><manufacturer><name>M</name>\
            <address><country>RU</country></address></manufacturer></component></components>\
            </component></components><dependencies><dependency ref=\"a\"><dependency ref=\"b\"/></dependency></dependencies>";
        let compact = read_str(&doc(body)).unwrap_or_else(|e| panic!("{e}"));
        // Every `><` between tags given a line break and indentation.
        let indented = doc(&body.replace("><", ">\n      <"));
        let indented = read_str(&indented).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(compact.components.len(), 2);
        let a = &compact.components[0];
        assert_eq!(a.name.as_str(), "& &");
        assert_eq!(a.parties[0].name.as_deref(), Some("Acme & Kaspersky"));
        for (x, y) in compact.components.iter().zip(&indented.components) {
            assert_eq!(
                (&x.id, &x.name, &x.version, &x.parties, &x.external_refs),
                (&y.id, &y.name, &y.version, &y.parties, &y.external_refs)
            );
        }
        assert_eq!(compact.relationships, indented.relationships);
    }

    /// Reads `text` in memory with children read in parallel after the first `after`.
    fn read_parallel(text: &str, after: usize) -> Result<Sbom, IngestError> {
        read_scanned(text, after, true)
    }

    /// [`read_parallel`], with subtrees first read by [`Xml::subtree_scan`] or not.
    fn read_scanned(text: &str, after: usize, scan: bool) -> Result<Sbom, IngestError> {
        let mut xml = Xml::new(Path::new("t.xml"), text);
        xml.parallel_after = after;
        xml.scan = scan;
        read_document(xml)
    }

    /// The model, or the error as reported.
    fn outcome(read: Result<Sbom, IngestError>) -> Result<Sbom, String> {
        read.map_err(|e| e.to_string())
    }

    /// The scan reads a plain component whole, and gives up (with the tree and the line cursor
    /// as they were) at what it does not read, nothing consumed.
    #[test]
    fn subtree_scan_reads_plain_content_and_gives_up_on_the_rest() {
        let component = |inner: &str| {
            doc(&format!(
                "<components>\n<component bom-ref=\"a\" type=\"library\"><name>n &amp; m</name>{inner}\
                 <hashes><hash alg=\"SHA-256\">ab</hash></hashes><purl>pkg:npm/n@1</purl></component></components>"
            ))
        };
        let scanned = |text: &str| {
            let mut xml = Xml::new(Path::new("t.xml"), text);
            let mut tree = Tree::default();
            loop {
                match xml.next().map(|(_, e)| e) {
                    Ok(Event::Start(tag)) if tag.local_name().as_ref() == b"component" => {
                        xml.open(&mut tree, false, &tag)
                            .unwrap_or_else(|e| panic!("{e}"));
                        break;
                    }
                    Ok(Event::Eof) | Err(_) => panic!("no component in {text}"),
                    _ => {}
                }
            }
            // As `Xml::subtree` does with what the scan gives.
            let lines = xml.lines.get();
            let from = xml.position();
            let end = xml.subtree_scan(&mut tree, text, from);
            if end.is_none() {
                tree.root_only();
                xml.lines.set(lines);
            }
            (end, tree.els.len(), xml.lines.get().at != lines.at)
        };
        let plain = component("<description>d</description><x></x >");
        // Component, name, purl (description, hashes and `x` skipped).
        assert_eq!(scanned(&plain), (plain.find("</component>"), 3, false));
        // A nested component's bom-ref moves the line cursor.
        let nested = component("<components><component bom-ref=\"z\"/></components>");
        assert_eq!(scanned(&nested), (nested.find("</component>"), 5, true));
        for inner in [
            "<components><component bom-ref=\"z\"/></components><!-- c -->",
            "<!-- c -->",
            "<![CDATA[x]]>",
            "<?pi x?>",
            "<version>&#49;</version>",
            "<version>1\r\n</version>",
            "<x></y>",
            "<version a=\"1\" a=\"2\">1</version>",
            "<x>&bogus;</x>",
        ] {
            let text = component(inner);
            assert_eq!(scanned(&text), (None, 1, false), "{inner}");
        }
    }

    /// Documents read with subtrees scanned make the model (or the error) the events make: every
    /// XML document of the fixtures, and 3,000 mutants of them and of a generated one, each with
    /// a piece of markup or text inserted or a byte deleted, in order and in parallel runs.
    #[test]
    fn subtrees_scanned_make_what_events_make() {
        let mut texts = crate::fixture_texts("xml");
        let mut body = String::from("<components>\n");
        for i in 0..40 {
            body.push_str(&format!(
                "<component type=\"library\" bom-ref=\"c{i}\"><supplier><name>S &amp; {i}</name>\
                 <url>https://s{i}</url><contact><email>e@s</email></contact></supplier><name> n{i} </name>\
                 <description>d &lt; e</description><hashes><hash alg=\"SHA-1\">ab</hash></hashes>\
                 <externalReferences><reference type=\"vcs\"><url>u{i}</url></reference></externalReferences>\
                 <components><component bom-ref=\"c{i}.1\"><name>in</name></component></components></component>\n"
            ));
        }
        body.push_str("</components><dependencies><dependency ref=\"c1\"><dependency ref=\"c2\"/></dependency></dependencies>");
        texts.push(("generated".into(), doc(&body)));
        let pieces = [
            "<",
            ">",
            "&",
            "/",
            "\"",
            "'",
            "&amp;",
            "&#65;",
            "&bogus;",
            "<!-- c -->",
            "<![CDATA[x]]>",
            "\r\n",
            "</x>",
            "<x>",
            "<x/>",
            "<name>",
            "</name>",
            " a=\"1\"",
            "<a b=\"1\" b=\"2\">",
            "<?p?>",
            "\u{e9}",
            "</component>",
            "<component>",
        ];
        let mut rng = fastrand::Rng::with_seed(41);
        let (mut compared, mut errors) = (0, 0);
        for (name, text) in &texts {
            let mut variants = vec![text.clone()];
            for _ in 0..3_000 / texts.len() {
                let mut at = rng.usize(..text.len());
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                let mut v = text.clone();
                if rng.bool() {
                    v.insert_str(at, pieces[rng.usize(..pieces.len())]);
                } else if let Some(c) = v[at..].chars().next() {
                    v.replace_range(at..at + c.len_utf8(), "");
                }
                variants.push(v);
            }
            for v in &variants {
                for after in [usize::MAX, 0] {
                    let events = outcome(read_scanned(v, after, false));
                    let scanned = outcome(read_scanned(v, after, true));
                    errors += usize::from(events.is_err());
                    assert!(
                        events == scanned,
                        "{name}, after {after}:\n{v}\n{events:?}\n{scanned:?}"
                    );
                    compared += 1;
                }
            }
        }
        assert!(compared > 5_000 && errors > 500, "{compared} {errors}");
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

    /// Each component keeps the line of its `bom-ref` attribute: the line the search of the text
    /// for the lines of findings gives its reference (`ref_lines`, which reports fall back on),
    /// read in order, in runs on every core from the first child or after a head, and through
    /// a buffer; for every XML document of the fixtures and a generated one with line ends in
    /// tags, text, comments and CDATA, and nested components.
    #[test]
    fn components_keep_the_line_of_their_bom_ref() {
        let mut body = String::from("<components>\n");
        for i in 0..1_300 {
            match i % 4 {
                0 => body.push_str(&format!(
                    "<component\n  type=\"library\"\n  bom-ref=\"c{i}\">"
                )),
                1 => body.push_str(&format!(
                    "<!-- a\ncomment -->\n<component bom-ref=\"c{i}\"\n>"
                )),
                2 => body.push_str("<component type=\"library\">"),
                _ => body.push_str(&format!("<component bom-ref=\"c{i}\" type=\"library\">")),
            }
            body.push_str(&format!(
                "<name>n{i}\n</name><description><![CDATA[x\n\ny]]></description>\n"
            ));
            if i % 5 == 0 {
                body.push_str(&format!("<components>\n<component bom-ref=\"c{i}.1\">\n<name>inner</name></component></components>"));
            }
            body.push_str("</component>\n");
        }
        body.push_str("</components>\n");
        let mut texts = vec![("generated".to_owned(), doc(&body))];
        texts.extend(crate::fixture_texts("xml"));
        let (mut checked, mut files) = (0, 0);
        for (name, text) in &texts {
            let found = crate::ref_lines(text.as_bytes(), Format::CyclonedxXml, |_| true);
            let file = crate::TempFile::new("t.xml", text.as_bytes());
            let reads = [
                read_parallel(text, usize::MAX),
                read_parallel(text, 0),
                read_parallel(text, 700),
                read_file(&file.0),
            ];
            for sbom in reads.into_iter().flatten() {
                checked += crate::assert_lines_as_searched(name, &sbom, &found);
            }
            files += 1;
        }
        assert!(checked > 5_000 && files > 20, "{checked} {files}");
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

    /// Attribute values are normalised as XML says (a tab or line end is a space, `\r\n` one
    /// space, references resolved) whether or not they need it, characters outside ASCII kept.
    #[test]
    fn attribute_values_are_normalised() {
        for (written, read) in [
            ("plain-ref", "plain-ref"),
            ("é-ref 😀", "é-ref 😀"),
            ("a\tb", "a b"),
            ("a\nb", "a b"),
            ("a\r\nb", "a b"),
            ("a\rb", "a b"),
            ("é&amp;\t&#x41;", "é& A"),
        ] {
            let sbom = read_str(&doc(&format!(
                r#"<components><component type="library" bom-ref="{written}"><name>n</name></component></components>"#
            )))
            .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(sbom.components[0].id.0, read, "{written:?}");
        }
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
        // Duplicates among the first 8 keys (kept on the stack), past them (in a set), and
        // with values holding `=`: the same error at the same place as `quick-xml`'s own check
        // gave (positions from the reader before decision 35).
        for (attributes, expected) in [
            (
                r#"a1="1" a2="2" a3="3" a4="4" a5="5" a6="6" a7="7" a8="8" a1="9""#,
                "2:129: attribute given twice",
            ),
            (
                r#"a="x=y=z=w=v=u=t=s=r" a="2""#,
                "2:95: attribute given twice",
            ),
            (r#"b="1" a="1" c="2" a="2""#, "2:91: attribute given twice"),
        ] {
            assert_eq!(
                error(&doc(&format!(
                    "<components><component {attributes}><name>a</name></component></components>"
                ))),
                expected,
                "{attributes}"
            );
        }
        assert!(
            error(&format!("<!DOCTYPE bom [<!ENTITY x \"y\">]>{}", doc("")))
                .starts_with("1:1: a DTD (`<!DOCTYPE`) is not allowed")
        );
    }

    /// Elements the conversion does not read are skipped, not built, but fail as they would if
    /// read: an undefined entity, a broken or doubled attribute, a bad character reference, an
    /// element left open, a nesting bomb (the errors of the reader that built them all).
    #[test]
    fn elements_not_read_are_checked_as_if_read() {
        let cases = [
            (
                "<description>a &nope; b</description>",
                "2:88: undefined entity `&nope;` (a document without a DTD can only use XML's five predefined entities)",
            ),
            (
                "<hashes><hash alg=SHA-256>x</hash></hashes>",
                "2:91: an attribute value must be quoted",
            ),
            (
                r#"<licenses><license a="1" a="2"/></licenses>"#,
                "2:98: attribute given twice",
            ),
            (
                r#"<evidence x="&bad;"/>"#,
                "2:73: at 1..4: unrecognized entity `bad`",
            ),
            (
                r#"<properties><property name="a">&#0;</property></properties>"#,
                "2:104: invalid character reference: 0x0 character is not permitted in XML",
            ),
        ];
        for (bad, expected) in cases {
            let text = doc(&format!(
                "<components><component>{bad}</component></components>"
            ));
            assert_eq!(error(&text), expected, "{bad}");
        }
        // A child of `<bom>` that is not read is checked too.
        assert_eq!(
            error(&doc("<services><service><name>&bogus;</name></service></services>")),
            "2:75: undefined entity `&bogus;` (a document without a DTD can only use XML's five predefined entities)"
        );
        assert_eq!(
            error(&format!(
                "{HEAD}<components><component><description>abc <b>x"
            )),
            "2:94: unexpected end of document: `<b>` is not closed"
        );
        let deep = format!("{}{}", "<a>".repeat(1_100), "</a>".repeat(1_100));
        assert_eq!(
            error(&doc(&format!(
                "<components><component><description>{deep}</description></component></components>"
            ))),
            "2:3152: elements nested more than 1024 deep"
        );
    }

    /// The scan for children finds each child's start tag (and whether it is the one wanted)
    /// and the end tag of their parent, past comments, CDATA and processing instructions that
    /// hold tags, `>` and the other quote in attribute values, prefixes and empty elements;
    /// it gives up on what it cannot follow.
    #[test]
    fn the_scan_finds_each_child_and_the_end() {
        let text = concat!(
            "<x/>\n<!-- <component> </components> --><c:component a='>\"' b=\"'>\">",
            "<component><components/></component><![CDATA[</components>]]><?pi </x> ?>",
            "</c:component> text <component\n/><other x='1'></other></components> tail"
        );
        let mut found = Vec::new();
        let end = scan_children(text.as_bytes(), 0, b"component", &mut |at, named, all| {
            found.push((at, named, all));
        });
        let starts: Vec<usize> = ["<x/>", "<c:component", "<component\n/>", "<other"]
            .iter()
            .map(|t| text.find(t).unwrap_or(usize::MAX))
            .collect();
        assert_eq!(
            found,
            [
                (starts[0], false, 0),
                // Itself and the `component` in it.
                (starts[1], true, 2),
                (starts[2], true, 1),
                (starts[3], false, 0)
            ]
        );
        assert_eq!(end, text.find("</components> tail"));
        for cannot in [
            "<a><!DOCTYPE x></a></components>",
            "<a><!-- open </a></components>",
            "<a b=\"open></a></components>",
            "<a></a>",
        ] {
            assert_eq!(
                scan_children(cannot.as_bytes(), 0, b"a", &mut |_, _, _| {}),
                None,
                "{cannot}"
            );
        }
    }

    /// The search for the children's name finds what the scan of every `<` finds where the
    /// children are all unprefixed elements of that name, nested ones in them included, the
    /// name in text, attribute values and longer names passed over; and stops, with the children
    /// before reported and none after, at other markup between children or a prefixed name.
    #[test]
    fn the_name_search_finds_what_the_scan_finds() {
        let finder = memchr::memmem::Finder::new(b"component");
        let both = |text: &str, at: usize| {
            let (mut by_name, mut by_scan) = (Vec::new(), Vec::new());
            let found = find_children(
                text.as_bytes(),
                at,
                b"component",
                &finder,
                &mut |a, n, c| by_name.push((a, n, c)),
            );
            let scanned = scan_children(text.as_bytes(), at, b"component", &mut |a, n, c| {
                by_scan.push((a, n, c))
            });
            (found, by_name, scanned, by_scan)
        };
        let plain = "\n<component a=\"1\"><name>component</name><components>\
            <component b='x/component' c=\">\"/><component\n>a/component</component\n></components>\
            </component>\n<component/>\n</components>";
        let (found, by_name, scanned, by_scan) = both(plain, 0);
        assert_eq!((found.ok(), &by_name), (scanned, &by_scan));
        assert_eq!(by_name.iter().map(|c| c.2).collect::<Vec<_>>(), [3, 1]);
        assert_eq!(found.ok(), plain.rfind("</components>"));
        for stop in [
            "<!-- c -->",
            "<other/>",
            "<component><x:component/></component>",
        ] {
            let text = plain.replace("<component/>", &format!("<component/>{stop}"));
            let (found, by_name, _, _) = both(&text, 0);
            // At the markup or child where it stopped, after the two children before it.
            let at = text.find(stop).unwrap_or_default();
            assert_eq!((found, by_name.len()), (Err(at), 2), "{stop}");
        }
    }

    /// Every CycloneDX XML document of the fixtures (real ones and the conformance suites)
    /// reads in runs from its first child exactly as in order, and one that does not read in
    /// order does not read in runs either (so [`read`] reports the sequential error).
    #[test]
    fn real_documents_read_in_runs_as_in_order() {
        let all = crate::fixture_files("xml");
        let (mut same, mut failed) = (0, 0);
        for path in &all {
            let bytes = std::fs::read(path).unwrap_or_default();
            let Ok(text) = std::str::from_utf8(&bytes) else {
                continue;
            };
            let text = text.trim_start_matches('\u{feff}');
            match (read_parallel(text, 0), read_parallel(text, usize::MAX)) {
                (Ok(runs), Ok(in_order)) => {
                    assert_eq!(runs, in_order, "{}", path.display());
                    same += 1;
                }
                (Err(_), Err(_)) => failed += 1,
                (runs, in_order) => panic!(
                    "{}: in runs {:?}, in order {:?}",
                    path.display(),
                    runs.map(|_| ()),
                    in_order.map(|_| ())
                ),
            }
        }
        assert!(same >= 400 && failed >= 1, "{same} read, {failed} failed");
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
