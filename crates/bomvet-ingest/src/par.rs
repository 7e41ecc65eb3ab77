//! The elements of a large top-level array (CycloneDX `components` and `dependencies`, SPDX
//! `packages`, `files` and `relationships`, SPDX 3 `@graph`) parsed on every core.
//!
//! Two ways, both fast paths. A document in memory that is UTF-8 text is read *in place*
//! ([`object`], [`Cursor::array`]): its top level is walked here, every other value parsed by
//! `serde_json` where it lies, and each big array cut at the separator its elements are written
//! with (found with `memchr` on every core), into runs of [`CHUNK`] elements parsed on rayon's
//! threads; each run checks that its elements end exactly at the separators, so a layout the
//! search misread is read one element at a time up to the next separator, where the runs start
//! again (decision 25). A document that does not read that way (bytes that are not UTF-8, a
//! one-line document whose elements start with many different keys) is parsed by
//! `serde_json` as usual, except that the big array is only split into its elements (`&RawValue`
//! slices of the input: `serde_json` skips each one, checking its syntax, without building
//! anything), each chunk of 512 handed to rayon as soon as it is skipped ([`Array`];
//! `rayon::in_place_scope`, since the reading thread keeps the reader, which is not `Send`).
//! Either way each chunk is parsed and converted into a part of its own, and each part is
//! appended to the document by the thread that finishes it as soon as the parts before it are in
//! ([`InOrder`]): the model, its warnings and their order are those of the sequential read.
//! Appending as they come, rather than all at once after the parse, moved ~17 ms of copying off
//! the reading thread at 100k components and frees each part while the next ones are made, so
//! their memory is reused (decision 24). Where the number of elements of each part is known
//! before it is made (the components of each tag-value segment, counted from its `PackageName:`
//! lines), each part is written in place into the document's vector instead ([`fill_slots`],
//! decision 46), and parts whose lengths are known only once made are moved into place on every
//! core ([`append_in_place`]).
//!
//! When anything fails (an element that does not parse, a document that is not well-formed) the
//! caller reads the document another way, and at last sequentially, so that errors are reported
//! exactly as before, with their line, column and JSON path. Measured on a generated
//! 100,000-component CycloneDX JSON file on 2 cores (README "Benchmarks", decision 22).

use serde::de::Error as _;
use serde::Deserialize;
use serde_json::value::RawValue;

/// Documents of fewer components are parsed sequentially by default (`Limits::parallel_above`):
/// splitting costs a pass of its own, and in a portfolio every core is busy with a file anyway.
pub(crate) const MIN_ELEMENTS: usize = 4096;

/// Elements per task.
pub(crate) const CHUNK: usize = 512;

/// Nesting that an element may reach here and still be sure to parse within `serde_json`'s
/// recursion limit (128) where the sequential read meets it, a few levels further down.
const MAX_NESTING: usize = 100;

/// Whether a document of about `components` components is worth parsing in parallel.
pub(crate) fn worth_it(components: usize, parallel_above: usize) -> bool {
    components >= parallel_above && rayon::current_num_threads() > 1
}

/// An element kept as it is, in a part that is a list (SPDX relationships, kept as wire structs).
pub(crate) fn push<T>(part: &mut Vec<T>, _: usize, element: T) {
    part.push(element);
}

/// A long list kept in the pieces it was read in, in order (the runs of a parallel read, the
/// segments of a tag-value scan), never copied into one vector: concatenating the wire structs of
/// the SPDX `relationships` of a 100,000-package document (16 MB) was ~20 ms of copying and
/// page faults under the lock of [`InOrder`], while the other threads waited (issue 7); and
/// they are converted a piece at a time on every core anyway.
#[derive(Debug)]
pub(crate) struct Pieces<T>(Vec<Vec<T>>);

impl<T> Default for Pieces<T> {
    fn default() -> Self {
        Pieces(Vec::new())
    }
}

impl<T> From<Vec<T>> for Pieces<T> {
    fn from(list: Vec<T>) -> Self {
        let mut pieces = Pieces::default();
        pieces.push_piece(list);
        pieces
    }
}

impl<T> Pieces<T> {
    /// Elements in all.
    pub(crate) fn len(&self) -> usize {
        self.0.iter().map(Vec::len).sum()
    }

    /// `element` after the others, in pieces of [`CHUNK`] (a list pushed to is never copied to
    /// grow: the tag-value scanner's relationships).
    pub(crate) fn push(&mut self, element: T) {
        match self.0.last_mut() {
            Some(last) if last.len() < CHUNK => last.push(element),
            _ => {
                let mut piece = Vec::with_capacity(CHUNK);
                piece.push(element);
                self.0.push(piece);
            }
        }
    }

    /// `piece`'s elements after the others (also the fold of [`InOrder`] for [`push`]'s parts).
    pub(crate) fn push_piece(&mut self, piece: Vec<T>) {
        if !piece.is_empty() {
            self.0.push(piece);
        }
    }

    /// `other`'s elements after these.
    pub(crate) fn append(&mut self, other: Pieces<T>) {
        self.0.extend(other.0);
    }

    /// Frees the pieces, on rayon's threads.
    pub(crate) fn drop_on_every_core(&mut self)
    where
        T: Send,
    {
        use rayon::prelude::*;
        std::mem::take(&mut self.0).into_par_iter().for_each(drop);
    }

    /// The elements in slices of at most `max` (and not across pieces), each with the index of
    /// its first element in the whole list, in order; mutable, so that each element can be taken
    /// out and dropped as soon as it is used.
    pub(crate) fn slices_mut(&mut self, max: usize) -> Vec<(usize, &mut [T])> {
        let mut out = Vec::new();
        let mut first = 0;
        for piece in &mut self.0 {
            for slice in piece.chunks_mut(max.max(1)) {
                let n = slice.len();
                out.push((first, slice));
                first += n;
            }
        }
        out
    }
}

/// Read as a `Vec` is (the same errors), as one piece.
impl<'de, T: Deserialize<'de>> Deserialize<'de> for Pieces<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::deserialize(d).map(Pieces::from)
    }
}

/// What a chunk's reader made, appended to the document's in order: its components,
/// relationships and warnings (the only lists a chunk of elements adds to). The fold of
/// [`InOrder`] for parts that are documents.
pub(crate) fn append(into: &mut bomvet_model::Sbom, mut part: bomvet_model::Sbom) {
    into.components.append(&mut part.components);
    into.relationships.append(&mut part.relationships);
    into.diagnostics.append(&mut part.diagnostics);
}

/// The fold of a read whose parts may fail: each part appended to the model while none before
/// it failed; a failed part (`None`) sets the flag and no later part is appended (the read is
/// then done again another way).
pub(crate) fn append_unless_failed(
    (sbom, failed): &mut (&mut bomvet_model::Sbom, &mut bool),
    part: Option<bomvet_model::Sbom>,
) {
    match part {
        Some(part) if !**failed => append(sbom, part),
        Some(_) => {}
        None => **failed = true,
    }
}

/// A run of slots past a vector's length, filled in order by one thread ([`fill_slots`]).
pub(crate) struct Slots<'v, T> {
    slots: &'v mut [std::mem::MaybeUninit<T>],
    /// The first `filled` slots are written; they are this run's to drop until the vector takes
    /// them (then 0).
    filled: usize,
}

impl<T> Slots<'_, T> {
    /// `value` into the next slot; given back when the run is full.
    pub(crate) fn push(&mut self, value: T) -> Result<(), T> {
        match self.slots.get_mut(self.filled) {
            Some(slot) => {
                slot.write(value);
                self.filled += 1;
                Ok(())
            }
            None => Err(value),
        }
    }

    fn is_full(&self) -> bool {
        self.filled == self.slots.len()
    }
}

impl<T> Drop for Slots<'_, T> {
    #[allow(unsafe_code)]
    fn drop(&mut self) {
        let written: *mut [std::mem::MaybeUninit<T>] = &mut self.slots[..self.filled];
        // SAFETY: the first `filled` slots were each written once by `push` and are not read or
        // dropped anywhere else: the vector owns them only after `fill_slots` set `filled` to 0.
        unsafe { std::ptr::drop_in_place(written as *mut [T]) }
    }
}

/// Fills `vec` past its length, in place, with runs of `runs[k].0` elements each, by
/// `fill(k, runs[k].1, slots)` for each run on rayon's threads; gives each fill's result and
/// whether the vector took the elements: only when every run was filled to its length
/// (otherwise what was written is dropped and the vector is as it was, with room reserved).
/// The tag-value segments write their components straight into the model this way: converted
/// into parts of their own and appended in order, every component was written twice and its
/// new page faulted in twice, and the parts of the segments the second thread took waited, then
/// were copied by one thread while the other had nothing left to do (a timeline of a
/// 100,000-package document, issue 7).
pub(crate) fn fill_slots<S: Send, T: Send, R: Send>(
    vec: &mut Vec<T>,
    runs: Vec<(usize, S)>,
    fill: impl Fn(usize, S, &mut Slots<'_, T>) -> R + Sync,
) -> (Vec<R>, bool) {
    use rayon::prelude::*;
    let total: usize = runs.iter().map(|r| r.0).sum();
    vec.reserve_exact(total);
    let mut spare = &mut vec.spare_capacity_mut()[..total];
    let mut slots = Vec::with_capacity(runs.len());
    let mut sources = Vec::with_capacity(runs.len());
    for (n, source) in runs {
        let (run, rest) = std::mem::take(&mut spare).split_at_mut(n);
        slots.push(Slots {
            slots: run,
            filled: 0,
        });
        sources.push(source);
        spare = rest;
    }
    let results: Vec<R> = slots
        .par_iter_mut()
        .zip(sources)
        .enumerate()
        .map(|(k, (run, source))| fill(k, source, run))
        .collect();
    let full = slots.iter().all(Slots::is_full);
    if full {
        for run in &mut slots {
            run.filled = 0;
        }
    }
    drop(slots);
    if full {
        // SAFETY: the runs cut the `total` slots past the length without a gap, every run was
        // full (each of its slots written once, by `push`), and their borrows ended with `slots`;
        // the runs gave up their elements (`filled` 0), so the vector alone drops them.
        #[allow(unsafe_code)]
        unsafe {
            vec.set_len(vec.len() + total)
        }
    }
    (results, full)
}

/// `parts`' elements after `vec`'s, in order, each part moved into its place by a thread of its
/// own: appended one after the other under [`InOrder`]'s lock, the parts of a 100,000-package
/// document's relationships (16 MB) were copied by one thread while the other waited for the
/// lock.
pub(crate) fn append_in_place<T: Send>(vec: &mut Vec<T>, parts: Vec<Vec<T>>) {
    let runs = parts.into_iter().map(|p| (p.len(), p)).collect();
    let (_, full) = fill_slots(vec, runs, |_, part, slots| {
        for x in part {
            // Never full before the part's end: the run is the part's length.
            let _ = slots.push(x);
        }
    });
    debug_assert!(full, "a run is as long as its part");
}

/// Parts made on rayon's threads, numbered 0, 1, 2... in document order, each folded into
/// `into` as soon as every part before it is in: what a sequential read makes, in its order,
/// with each part freed as soon as it is folded (its memory reused by the next ones) and the
/// appending shared among the threads instead of done by one after the parse. The collector of
/// every reader that reads a document on several cores ([`Array`], [`Cursor::array`]'s runs, the
/// tag-value packages, the XML children).
pub(crate) struct InOrder<'o, O, P, F> {
    state: std::sync::Mutex<Pending<'o, O, P>>,
    fold: F,
}

struct Pending<'o, O, P> {
    into: &'o mut O,
    next: usize,
    /// Parts that came before one they follow, by their distance from `next`: usually few (the
    /// threads finish about in order), but the runs after the end of an array that are not
    /// started are pushed quickly and may wait, hundreds of them, for the run that ends it.
    waiting: std::collections::VecDeque<Option<P>>,
}

impl<'o, O, P, F: Fn(&mut O, P)> InOrder<'o, O, P, F> {
    pub(crate) fn new(into: &'o mut O, fold: F) -> Self {
        InOrder {
            state: std::sync::Mutex::new(Pending {
                into,
                next: 0,
                waiting: std::collections::VecDeque::new(),
            }),
            fold,
        }
    }

    /// Part `k`, folded now if it is the next, else kept until its turn. Goes on from a poisoned
    /// lock: a part missing would be components missing (a panic in a part is re-raised by the
    /// scope anyway).
    pub(crate) fn push(&self, k: usize, part: P) {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let state = &mut *state;
        let at = k - state.next;
        if state.waiting.len() <= at {
            state.waiting.resize_with(at + 1, || None);
        }
        state.waiting[at] = Some(part);
        while let Some(Some(_)) = state.waiting.front() {
            if let Some(Some(part)) = state.waiting.pop_front() {
                (self.fold)(state.into, part);
            }
            state.next += 1;
        }
    }

    /// How many parts were folded; every part pushed was, when they were numbered from 0
    /// without a gap.
    pub(crate) fn finish(self) -> usize {
        let state = self
            .state
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        debug_assert!(
            state.waiting.iter().all(Option::is_none),
            "a part was never folded"
        );
        state.next
    }
}

/// One chunk: every element parsed as a `T` and folded into a part made by `part`.
fn parse_chunk<'a, T, P>(
    first: usize,
    chunk: &[&'a RawValue],
    part: &(impl Fn() -> P + Sync),
    each: &(impl Fn(&mut P, usize, T) + Sync),
) -> Result<P, serde_json::Error>
where
    T: Deserialize<'a>,
{
    let mut p = part();
    for (j, r) in chunk.iter().enumerate() {
        let text = r.get();
        if nesting(text.as_bytes()) > MAX_NESTING {
            return Err(serde_json::Error::custom(
                "nested too deeply to parse apart",
            ));
        }
        each(&mut p, first + j, serde_json::from_str(text)?);
    }
    Ok(p)
}

/// A seed for an array (or `null`) whose elements are handed to rayon a chunk at a time as
/// serde_json skips them, so that splitting the array overlaps parsing it. Each chunk's elements
/// go through `each` into a part made by `part`, and the parts are folded by `fold` into `into`
/// in order as they are done ([`InOrder`]). Gives the number of elements, or the first element
/// that failed (the outer error is the array's own: not well-formed); after a failure `into` holds
/// the parts before it only, and the caller reads the document again.
pub(crate) struct Array<'o, N, E, F, T, O> {
    part: N,
    each: E,
    fold: F,
    into: &'o mut O,
    /// Whether `null` is refused, as `deserialize_seq` refuses it (else it reads as empty).
    array_only: bool,
    element: std::marker::PhantomData<fn() -> T>,
}

impl<'o, N, E, F, T, O> Array<'o, N, E, F, T, O> {
    /// An array, or `null` for none.
    pub(crate) fn new(part: N, each: E, into: &'o mut O, fold: F) -> Self {
        Array {
            part,
            each,
            fold,
            into,
            array_only: false,
            element: std::marker::PhantomData,
        }
    }

    /// An array only: `null` is an error.
    pub(crate) fn array_only(mut self) -> Self {
        self.array_only = true;
        self
    }
}

/// What [`Array`] gives: how many elements there were, or the first element that failed.
pub(crate) type Parsed = Result<usize, serde_json::Error>;

impl<'de, N, E, F, T, O, P> serde::de::DeserializeSeed<'de> for Array<'_, N, E, F, T, O>
where
    N: Fn() -> P + Sync,
    E: Fn(&mut P, usize, T) + Sync,
    F: Fn(&mut O, P) + Sync,
    T: Deserialize<'de>,
    O: Send,
    P: Send,
{
    type Value = Parsed;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Parsed, D::Error> {
        if self.array_only {
            d.deserialize_seq(self)
        } else {
            d.deserialize_any(self)
        }
    }
}

impl<'de, N, E, F, T, O, P> serde::de::Visitor<'de> for Array<'_, N, E, F, T, O>
where
    N: Fn() -> P + Sync,
    E: Fn(&mut P, usize, T) + Sync,
    F: Fn(&mut O, P) + Sync,
    T: Deserialize<'de>,
    O: Send,
    P: Send,
{
    type Value = Parsed;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an array")
    }
    fn visit_unit<X: serde::de::Error>(self) -> Result<Parsed, X> {
        Ok(Ok(0))
    }
    fn visit_none<X: serde::de::Error>(self) -> Result<Parsed, X> {
        Ok(Ok(0))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Parsed, A::Error> {
        let (part, each, fold) = (&self.part, &self.each, &self.fold);
        // The first failure, in order, stops the folding: what follows it is not kept.
        let mut failed: Option<serde_json::Error> = None;
        let mut into = (&mut *self.into, &mut failed);
        let done = InOrder::new(
            &mut into,
            |(into, failed): &mut (&mut O, &mut Option<serde_json::Error>),
             part: Result<P, serde_json::Error>| match part {
                Ok(part) if failed.is_none() => fold(into, part),
                Ok(_) => {}
                Err(e) => {
                    failed.get_or_insert(e);
                }
            },
        );
        let mut count = 0usize;
        // `in_place_scope`: this thread keeps reading the array (the reader is not `Send`)
        // while rayon's threads parse the chunks already read.
        let read: Result<(), A::Error> = rayon::in_place_scope(|s| {
            let mut chunk: Vec<&'de RawValue> = Vec::with_capacity(CHUNK);
            let mut k = 0usize;
            let send = |chunk: Vec<&'de RawValue>, k: usize| {
                let done = &done;
                s.spawn(move |_| done.push(k, parse_chunk(k * CHUNK, &chunk, part, each)));
            };
            while let Some(r) = seq.next_element::<&'de RawValue>()? {
                chunk.push(r);
                count += 1;
                if chunk.len() == CHUNK {
                    send(std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK)), k);
                    k += 1;
                }
            }
            if !chunk.is_empty() {
                send(chunk, k);
            }
            Ok(())
        });
        done.finish();
        read?;
        Ok(match failed {
            Some(e) => Err(e),
            None => Ok(count),
        })
    }
}

/// Where a document reader takes the value of the key it has just read: from `serde_json`'s map
/// (the sequential read, and [`Array`]'s split) or from a [`Cursor`] (the split in place), so
/// that one function reads the small top-level values for all of them.
pub(crate) trait Values<'de> {
    type Error: serde::de::Error;
    fn value<T: Deserialize<'de>>(&mut self) -> Result<T, Self::Error>;
}

impl<'de, A: serde::de::MapAccess<'de>> Values<'de> for A {
    type Error = A::Error;
    fn value<T: Deserialize<'de>>(&mut self) -> Result<T, A::Error> {
        self.next_value()
    }
}

/// A position in a JSON document in memory whose top level is walked here ([`object`]) rather
/// than by `serde_json`, so that its big arrays are split where they lie, on every core
/// ([`Cursor::array`]), instead of being skipped element by element on one thread first, as
/// [`Array`] has `serde_json` do (a fifth of the parse's work at 100,000 components, and the
/// step that kept more cores from helping: decision 25). Everything else is still parsed by
/// `serde_json`, one value at a time (`StreamDeserializer`, which says where the value ended).
///
/// A fast path like [`Array`]: any failure (a syntax error, a value nested deeper than the
/// sequential read takes, a layout it does not split) gives up, and the caller reads the
/// document another way, which reports the error with its line, column and JSON path.
pub(crate) struct Cursor<'de> {
    text: &'de str,
    pos: usize,
}

impl<'de> Values<'de> for Cursor<'de> {
    type Error = serde_json::Error;
    fn value<T: Deserialize<'de>>(&mut self) -> Result<T, serde_json::Error> {
        Cursor::value(self)
    }
}

/// Gives up the read in place (the message is never shown: the caller reads again).
fn give_up(why: &str) -> serde_json::Error {
    serde_json::Error::custom(why)
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

impl<'de> Cursor<'de> {
    /// Past any whitespace; the byte there.
    fn peek(&mut self) -> Option<u8> {
        let bytes = self.text.as_bytes();
        while self.pos < bytes.len() && is_space(bytes[self.pos]) {
            self.pos += 1;
        }
        bytes.get(self.pos).copied()
    }

    /// Past whitespace and then `byte`, which must be there.
    fn expect(&mut self, byte: u8) -> Result<(), serde_json::Error> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(give_up("unexpected byte"))
        }
    }

    /// Whether the value here is `null`.
    pub(crate) fn at_null(&mut self) -> bool {
        self.peek() == Some(b'n')
    }

    /// The value here, as a `T`; the cursor is moved past it.
    pub(crate) fn value<T: Deserialize<'de>>(&mut self) -> Result<T, serde_json::Error> {
        let (v, end) = value_at(self.text, self.pos)?;
        self.pos = end;
        Ok(v)
    }

    /// The array here (or `null`, no elements), its elements parsed on every core: each goes
    /// through `each` (with its index in the array) into a part made by `part`, and the parts
    /// are folded by `fold` into `into` in order as they are done ([`InOrder`]), as [`Array`]
    /// does. Gives the number of elements; after a failure `into` holds some of them, and the
    /// caller reads the document again.
    ///
    /// How the array is split without reading it first: the first two elements are parsed
    /// here, and what lies between them gives the separator every element boundary is expected
    /// to have ([`separator`]: `,\n    {` in a pretty-printed document, `,{"bom-ref"` in one on
    /// a single line), which cannot occur inside a string, so a SIMD search finds the
    /// boundaries on every core; rayon's threads then parse runs of [`CHUNK`] elements from
    /// them ([`phase`]). Every run checks what it crosses: each element must end exactly where
    /// the next match of the separator starts, and the last one at the array's `]`, so the parts
    /// kept were parsed from true element starts with their true indices. A run that meets a
    /// boundary the search missed, or a match inside an element, stops short there; the
    /// elements after it are read here one by one up to the next separator found, and the runs
    /// start again from it (at most [`MAX_PHASES`] times).
    pub(crate) fn array<T, P, O>(
        &mut self,
        part: impl Fn() -> P + Sync,
        each: impl Fn(&mut P, usize, T) + Sync,
        into: &mut O,
        fold: impl Fn(&mut O, P) + Sync,
    ) -> Result<usize, serde_json::Error>
    where
        T: Deserialize<'de>,
        P: Send,
        O: Send,
    {
        let text = self.text;
        match self.peek() {
            Some(b'[') => self.pos += 1,
            Some(b'n') => return self.value::<()>().map(|()| 0),
            _ => return Err(give_up("not an array")),
        }
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(0);
        }
        // The first element, and the bytes that end it.
        let (first, end) = value_at::<T>(text, self.pos)?;
        let mut p = part();
        each(&mut p, 0, first);
        fold(into, p);
        self.pos = end;
        match self.peek() {
            Some(b']') => {
                self.pos += 1;
                return Ok(1);
            }
            Some(b',') => self.pos += 1,
            _ => return Err(give_up("expected `,` or `]`")),
        }
        if self.peek().is_none() {
            return Err(give_up("end of document in an array"));
        }
        let (needle, skip) = separator(text.as_bytes(), end, self.pos)?;
        let matches = find_all(&text.as_bytes()[end..], needle, end);
        // Runs from separator `from` on, its element being element `count` of the array; after
        // a run that stops short (a boundary the search missed, an element that holds the
        // separator), the elements are read one by one from there to the next separator found,
        // and runs start again from it.
        let (mut from, mut count) = (0usize, 1usize);
        for _ in 0..MAX_PHASES {
            let (n, stopped) = phase(text, &matches, skip, from, count, &part, &each, into, &fold);
            count += n;
            let mut at = match stopped {
                Stopped::Ended(at) => {
                    self.pos = at;
                    return Ok(count);
                }
                Stopped::At(at) => at,
                Stopped::Failed => return Err(give_up("the array did not split")),
            };
            // At least one element before looking for a separator again, so that each pass
            // moves on.
            let mut p = part();
            loop {
                let mut c = Cursor { text, pos: at };
                match c.peek() {
                    Some(b',') => c.pos += 1,
                    Some(b']') => {
                        fold(into, p);
                        self.pos = c.pos + 1;
                        return Ok(count);
                    }
                    _ => return Err(give_up("expected `,` or `]`")),
                }
                let (v, end) = value_at::<T>(text, c.pos)?;
                each(&mut p, count, v);
                count += 1;
                at = end;
                if let Ok(m) = matches.binary_search(&end) {
                    from = m;
                    break;
                }
            }
            fold(into, p);
        }
        Err(give_up("too many boundaries the search missed"))
    }
}

/// Phases of runs an array may take (each after a boundary the search missed) before it is
/// read another way: elements that start with as many different keys are not worth splitting.
const MAX_PHASES: usize = 64;

/// Where a phase of runs stopped: the array's end (just past its `]`), or the end of the last
/// element read when a run stopped short (an element that does not parse stops it there too:
/// reading on one by one meets the error); `Failed` when the chain met a run not started, which
/// the order of the runs rules out.
enum Stopped {
    Ended(usize),
    At(usize),
    Failed,
}

/// Runs of [`CHUNK`] elements from separator `from` of `matches` on, parsed on rayon's threads
/// and folded into `into` in order while they are a chain from `from` ([`InOrder`]); the element
/// after separator `from` is element `count` of the array. Gives the number of elements folded
/// and where the chain stopped.
#[allow(clippy::too_many_arguments)]
fn phase<'de, T, P, O>(
    text: &'de str,
    matches: &[usize],
    skip: usize,
    from: usize,
    count: usize,
    part: &(impl Fn() -> P + Sync),
    each: &(impl Fn(&mut P, usize, T) + Sync),
    into: &mut O,
    fold: &(impl Fn(&mut O, P) + Sync),
) -> (usize, Stopped)
where
    T: Deserialize<'de>,
    P: Send,
    O: Send,
{
    let runs = (matches.len() - from).div_ceil(CHUNK);
    // The first run that ended the array or stopped short: the runs after it are not started.
    // Every run up to the one that ends the array is in the chain, so a run after one that
    // stopped is of no use either: the chain goes on from where that one stopped.
    let stop = std::sync::atomic::AtomicUsize::new(usize::MAX);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut state = Chain {
        into,
        expect: 0,
        elements: 0,
        stopped: None,
    };
    let done = InOrder::new(
        &mut state,
        |c: &mut Chain<'_, O>, (k, run): (usize, Run<P>)| {
            if k != c.expect {
                return;
            }
            match run {
                Run::Reached(p, n) => {
                    fold(c.into, p);
                    c.elements += n;
                    c.expect += 1;
                    return;
                }
                Run::Ended(p, n, at) => {
                    fold(c.into, p);
                    c.elements += n;
                    c.stopped = Some(Stopped::Ended(at));
                }
                Run::Short(p, n, at) => {
                    fold(c.into, p);
                    c.elements += n;
                    c.stopped = Some(Stopped::At(at));
                }
                Run::Skipped => c.stopped = Some(Stopped::Failed),
            }
            c.expect = usize::MAX;
        },
    );
    rayon::scope(|s| {
        for _ in 0..rayon::current_num_threads().min(runs) {
            s.spawn(|_| {
                use std::sync::atomic::Ordering::Relaxed;
                loop {
                    let k = next.fetch_add(1, Relaxed);
                    if k >= runs {
                        break;
                    }
                    let run = if k > stop.load(Relaxed) {
                        Run::Skipped
                    } else {
                        run::<T, P>(text, matches, skip, from, k, count, part, each)
                    };
                    if !matches!(run, Run::Reached(..)) {
                        stop.fetch_min(k, Relaxed);
                    }
                    done.push(k, (k, run));
                }
            });
        }
    });
    done.finish();
    (state.elements, state.stopped.unwrap_or(Stopped::Failed))
}

/// What marks the start of every element of an array whose first element ends at `end` and
/// whose second starts at `second`: the needle searched for, and where the element starts in it.
///
/// With a line break between the two (an element per line, or pretty-printed), the bytes from
/// `end` to the second element's first byte: a line break never occurs inside a string, and the
/// indentation tells this array's elements from deeper ones. Without one (a document on one
/// line, as syft writes them), the comma and spaces, then `{"` and the second element's first key
/// with its closing quote (`,{"bom-ref"`): in valid JSON a closing quote is followed only by
/// whitespace or one of `,:}]`, so with a key that starts with none of those the `"` after `{` opens
/// a string, and the needle never matches inside one;
/// it does match an inner array of objects with the same first key, and elements that start with
/// another key are not found; either fails a run's checks, and the array is read another way.
fn separator(bytes: &[u8], end: usize, second: usize) -> Result<(&[u8], usize), serde_json::Error> {
    let sep = &bytes[end..second];
    if sep.contains(&b'\n') {
        return Ok((&bytes[end..=second], sep.len()));
    }
    // `{"` and a key of plain bytes up to its closing quote.
    let key = bytes
        .get(second..second + 2)
        .filter(|b| *b == b"{\"")
        .and_then(|_| memchr::memchr2(b'"', b'\\', &bytes[second + 2..]))
        .filter(|&n| n > 0 && bytes[second + 2 + n] == b'"')
        .filter(|_| {
            !matches!(bytes[second + 2], b',' | b':' | b'}' | b']') && !is_space(bytes[second + 2])
        })
        .map(|n| second + 2 + n);
    match key {
        // A needle with one `,` does not overlap itself (`find_all`).
        Some(close) if !bytes[second..close].contains(&b',') => {
            Ok((&bytes[end..=close], sep.len()))
        }
        _ => Err(give_up("not split: no separator to search for")),
    }
}

/// What the runs of a phase found so far, folded in order.
struct Chain<'o, O> {
    into: &'o mut O,
    /// The run that starts where the last one folded stopped.
    expect: usize,
    elements: usize,
    /// Where the chain stopped, once a run in it did.
    stopped: Option<Stopped>,
}

/// What one run of elements made: its part and its number of elements, and whether it stopped
/// at the next run's start, at the array's end (just past the `]`), or short of the next run
/// (just past the last element it read: an element that did not parse, a boundary the search
/// missed, a separator inside an element); or a run not started.
enum Run<P> {
    Reached(P, usize),
    Ended(P, usize, usize),
    Short(P, usize, usize),
    Skipped,
}

/// Run `k` of the phase from separator `from`: the elements after separators `from + k * CHUNK`
/// to `from + (k + 1) * CHUNK - 1` of `matches` (the element after separator `from` is element
/// `count` of the array), parsed and checked as [`Cursor::array`] says.
#[allow(clippy::too_many_arguments)]
fn run<'de, T, P>(
    text: &'de str,
    matches: &[usize],
    skip: usize,
    from: usize,
    k: usize,
    count: usize,
    part: &(impl Fn() -> P + Sync),
    each: &(impl Fn(&mut P, usize, T) + Sync),
) -> Run<P>
where
    T: Deserialize<'de>,
{
    let mut p = part();
    let first = from + k * CHUNK;
    let mut m = first;
    loop {
        let Ok((v, end)) = value_at::<T>(text, matches[m] + skip) else {
            // The chain goes on from the end of the element before.
            return Run::Short(p, m - first, matches[m]);
        };
        each(&mut p, count + m - from, v);
        match matches.get(m + 1) {
            Some(&next) if next == end => {
                m += 1;
                if (m - from) % CHUNK == 0 {
                    return Run::Reached(p, m - first);
                }
                continue;
            }
            // A separator inside the element.
            Some(&next) if next < end => return Run::Short(p, m + 1 - first, end),
            _ => {}
        }
        // Not at a separator: the array's end, or a boundary the search did not find.
        let mut c = Cursor { text, pos: end };
        return match c.peek() {
            Some(b']') => Run::Ended(p, m + 1 - first, c.pos + 1),
            _ => Run::Short(p, m + 1 - first, end),
        };
    }
}

/// A value at byte `at` of `text` and the offset just past it. A value nested more deeply than
/// [`MAX_NESTING`] is refused: the sequential read meets it a few levels further down, and might
/// refuse it where this parse would take it.
fn value_at<'de, T: Deserialize<'de>>(
    text: &'de str,
    at: usize,
) -> Result<(T, usize), serde_json::Error> {
    let mut values = serde_json::Deserializer::from_str(&text[at..]).into_iter::<T>();
    let v = values
        .next()
        .unwrap_or_else(|| Err(give_up("end of document")))?;
    let end = at + values.byte_offset();
    if nesting(&text.as_bytes()[at..end]) > MAX_NESTING {
        return Err(give_up("nested too deeply to parse apart"));
    }
    Ok((v, end))
}

/// Every place `needle` starts in `bytes` (whose first byte is at `offset` in the document),
/// searched on every core in blocks when the text is large. A needle with a line break in it is
/// found by its line breaks (`memchr`, a byte that comes once per element here, where a search
/// for the whole needle, made of bytes JSON is full of, was several times slower) and the bytes
/// around each compared; one without (`,{"bom-ref"`) by `memmem`. The needle must not overlap
/// itself (a separator has one `,`), so that each match is found in one block.
fn find_all(bytes: &[u8], needle: &[u8], offset: usize) -> Vec<usize> {
    use rayon::prelude::*;
    let finder = memchr::memmem::Finder::new(needle);
    let nl = memchr::memchr(b'\n', needle);
    // Matches whose line break (else whose start) is in `bytes[start..end]`.
    let search = |start: usize, end: usize| -> Vec<usize> {
        match nl {
            Some(nl) => memchr::memchr_iter(b'\n', &bytes[start..end])
                .filter_map(|i| (start + i).checked_sub(nl))
                .filter(|&at| bytes[at..].starts_with(needle))
                .map(|at| offset + at)
                .collect(),
            None => {
                let reach = (end + needle.len() - 1).min(bytes.len());
                finder
                    .find_iter(&bytes[start..reach])
                    .map(|i| offset + start + i)
                    .collect()
            }
        }
    };
    if bytes.len() < PAR_BYTES || rayon::current_num_threads() < 2 {
        return search(0, bytes.len());
    }
    let blocks: Vec<Vec<usize>> = (0..bytes.len())
        .into_par_iter()
        .step_by(BLOCK)
        .map(|start| search(start, (start + BLOCK).min(bytes.len())))
        .collect();
    blocks.concat()
}

/// The top-level object of `text`, walked key by key: `entry` is given each key and the
/// cursor at its value, and must read that value (a [`Cursor::value`] or a [`Cursor::array`]).
/// Fails on anything that is not one well-formed object.
pub(crate) fn object<'de>(
    text: &'de str,
    mut entry: impl FnMut(std::borrow::Cow<'de, str>, &mut Cursor<'de>) -> Result<(), serde_json::Error>,
) -> Result<(), serde_json::Error> {
    let mut c = Cursor { text, pos: 0 };
    c.expect(b'{')?;
    if c.peek() == Some(b'}') {
        c.pos += 1;
    } else {
        loop {
            if c.peek() != Some(b'"') {
                return Err(give_up("expected a key"));
            }
            let key: std::borrow::Cow<'de, str> = c.value()?;
            c.expect(b':')?;
            entry(key, &mut c)?;
            match c.peek() {
                Some(b',') => c.pos += 1,
                Some(b'}') => {
                    c.pos += 1;
                    break;
                }
                _ => return Err(give_up("expected `,` or `}`")),
            }
        }
    }
    match c.peek() {
        None => Ok(()),
        Some(_) => Err(give_up("trailing characters")),
    }
}

/// Texts of at least this many bytes are searched on every core, in blocks of [`BLOCK`] bytes:
/// below it, handing blocks to rayon costs about what it saves.
const PAR_BYTES: usize = 8 << 20;

/// Bytes per block of a search made on every core.
const BLOCK: usize = 2 << 20;

/// How many times `needle` occurs in `bytes` (a SIMD search; to size vectors and to decide
/// whether a document is large enough to be read in parallel), a large text's blocks searched on
/// every core. Each block counts the matches that start in it, looking `needle.len() - 1` bytes
/// past its end. A needle that overlaps itself may be counted once more across a boundary than
/// a search of the whole counts: the count is a size, not a finding.
pub(crate) fn count(bytes: &[u8], needle: &[u8]) -> usize {
    use rayon::prelude::*;
    if bytes.len() < PAR_BYTES || rayon::current_num_threads() < 2 {
        return memchr::memmem::find_iter(bytes, needle).count();
    }
    let finder = memchr::memmem::Finder::new(needle);
    let reach = needle.len().saturating_sub(1);
    (0..bytes.len())
        .into_par_iter()
        .step_by(BLOCK)
        .map(|start| {
            let end = (start + BLOCK + reach).min(bytes.len());
            finder.find_iter(&bytes[start..end]).count()
        })
        .sum()
}

/// `bytes` as UTF-8 text: checked in blocks on every core when there are at least
/// [`PAR_BYTES`], else (and whenever a block is not UTF-8, for the offset of the first bad
/// byte) by one `simdutf8` pass, whose answer and error this gives.
///
/// The check was the first step of every read, on one thread while the others waited (~10 ms of
/// a 75 MB document).
///
/// Each block starts at a character's first byte (a byte that is not `10xxxxxx`; valid text has
/// at most three continuation bytes in a row, so the block starts at most three bytes late):
/// the blocks are then each UTF-8 exactly when the whole is, since UTF-8 strings joined are
/// UTF-8, and a block cut inside a character of invalid text starts with a continuation byte,
/// which no UTF-8 string does.
pub(crate) fn utf8(bytes: &[u8]) -> Result<&str, simdutf8::compat::Utf8Error> {
    if bytes.len() < PAR_BYTES || rayon::current_num_threads() < 2 {
        return simdutf8::compat::from_utf8(bytes);
    }
    utf8_in_blocks(bytes, BLOCK)
}

/// [`utf8`] in blocks of about `block` bytes, whatever the length.
fn utf8_in_blocks(bytes: &[u8], block: usize) -> Result<&str, simdutf8::compat::Utf8Error> {
    use rayon::prelude::*;
    // The first block starts at 0 whatever is there.
    let block_start = |at: usize| match at {
        0 => 0,
        at => char_start(bytes, at, bytes.len()),
    };
    let valid = (0..bytes.len())
        .into_par_iter()
        .step_by(block)
        .all(|start| {
            simdutf8::basic::from_utf8(&bytes[block_start(start)..block_start(start + block)])
                .is_ok()
        });
    if !valid {
        return simdutf8::compat::from_utf8(bytes);
    }
    // SAFETY: every byte of `bytes` is in exactly one block (block k ends where block k + 1
    // starts, the first starts at 0 and the last ends at the end), every block is UTF-8, and
    // UTF-8 strings joined are UTF-8. The tests check this against `std::str::from_utf8`.
    #[allow(unsafe_code)]
    Ok(unsafe { std::str::from_utf8_unchecked(bytes) })
}

/// The first byte of a character at or after `at` (at most three bytes on in valid text: past
/// continuation bytes `10xxxxxx`), and not past `end`: where a block of text checked for UTF-8
/// on its own starts ([`utf8`], [`utf8_segments`]).
fn char_start(bytes: &[u8], at: usize, end: usize) -> usize {
    let mut at = at.min(end);
    for _ in 0..3 {
        match bytes.get(at) {
            Some(b) if at < end && b & 0xC0 == 0x80 => at += 1,
            _ => break,
        }
    }
    at
}

/// Bytes per block of [`utf8_segments`]: small enough to stay in a core's cache between its
/// check and the caller's pass over it.
pub(crate) const CACHED_BLOCK: usize = 64 << 10;

/// `bytes` as UTF-8 text, checked on every core segment by segment, and a result per segment
/// made in the same pass: `bounds` are the segments (`(start, end)`, each starting where the one
/// before ends, the first at 0, the last ending at the end); each is checked in blocks of about
/// `block` bytes ([`CACHED_BLOCK`] but in tests), and `each(&mut result, start, end)` is called
/// with each block's place in `bytes` right after the block is checked, while it is in cache. A separate check of the
/// whole text and then the caller's own pass over it read the bytes from memory twice (tag-value
/// counts the lines and packages of its segments: ~10 ms of a 75 MB document on two cores,
/// decision 38).
///
/// `None` when a segment is not UTF-8 or `bounds` do not cover `bytes` as said; [`utf8`] then
/// gives the error. Blocks within a segment start at a character's first byte, as in
/// [`utf8`], so they are UTF-8 exactly when the segment is; a segment cut inside a character
/// starts with a continuation byte and is not.
pub(crate) fn utf8_segments<'a, A: Send>(
    bytes: &'a [u8],
    bounds: &[(usize, usize)],
    block: usize,
    init: impl Fn() -> A + Sync,
    each: impl Fn(&mut A, usize, usize) + Sync,
) -> Option<(&'a str, Vec<A>)> {
    use rayon::prelude::*;
    let covered = bounds.first().is_some_and(|b| b.0 == 0)
        && bounds.last().is_some_and(|b| b.1 == bytes.len())
        && bounds.windows(2).all(|w| w[0].1 == w[1].0)
        && bounds.iter().all(|b| b.0 <= b.1);
    if !covered {
        return None;
    }
    let results: Option<Vec<A>> = bounds
        .par_iter()
        .map(|&(start, end)| {
            let mut acc = init();
            let mut at = start;
            while at < end {
                let next = if end - at <= block {
                    end
                } else {
                    char_start(bytes, at + block, end)
                };
                simdutf8::basic::from_utf8(&bytes[at..next]).ok()?;
                each(&mut acc, at, next);
                at = next;
            }
            Some(acc)
        })
        .collect();
    let results = results?;
    // SAFETY: the segments cover `bytes` exactly once (checked above), every block of every
    // segment is UTF-8 and the blocks of a segment cover it exactly once; UTF-8 strings joined
    // are UTF-8. The tests check this against `std::str::from_utf8`.
    #[allow(unsafe_code)]
    Some((unsafe { std::str::from_utf8_unchecked(bytes) }, results))
}

/// How deep arrays and objects may nest in `json`: its number of `{` and `[` when
/// that bound is low, else the exact depth, counted outside strings.
fn nesting(json: &[u8]) -> usize {
    // A count the compiler vectorises (byte counters, 255 bytes at a time; `{` and `[` are the
    // only bytes that are `{` with bit 5 set): twice as fast as `memchr2_iter`, which stops at
    // each of the dozen brackets of a typical element (10 vs 19 ms over the 100k file).
    let bound: usize = json
        .chunks(255)
        .map(|c| c.iter().fold(0u8, |n, &b| n + u8::from(b | 0x20 == b'{')) as usize)
        .sum();
    if bound <= MAX_NESTING {
        return bound;
    }
    let (mut depth, mut max, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &b in json {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                max = max.max(depth);
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{read_bytes_with, IngestError, Limits};
    use bomvet_model::Sbom;
    use std::path::Path;

    /// Counts its drops, to show that every element written is dropped exactly once.
    struct Counted<'a>(usize, &'a std::sync::atomic::AtomicUsize);

    impl Drop for Counted<'_> {
        fn drop(&mut self) {
            self.1.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// Runs filled in place make the vector the runs would make appended in order; a run left
    /// short, or a fill that panics, leaves the vector as it was and drops every element
    /// written, once; a push past a run's end gives the element back.
    #[test]
    fn slots_filled_in_place_or_dropped() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let lens = [3, 0, 5, 1, 700, 2];
        let runs = || lens.iter().map(|&n| (n, n)).collect::<Vec<_>>();
        // Every run full.
        let drops = AtomicUsize::new(0);
        let mut v = vec![Counted(usize::MAX, &drops)];
        let (results, full) = pool.install(|| {
            fill_slots(&mut v, runs(), |k, n, slots| {
                for j in 0..n {
                    assert!(slots.push(Counted(k * 1000 + j, &drops)).is_ok());
                }
                let extra = slots.push(Counted(0, &drops));
                assert!(extra.is_err(), "a push past the end is refused");
                k
            })
        });
        assert!(full);
        assert_eq!(results, (0..lens.len()).collect::<Vec<_>>());
        let expected: Vec<usize> = std::iter::once(usize::MAX)
            .chain(
                lens.iter()
                    .enumerate()
                    .flat_map(|(k, &n)| (0..n).map(move |j| k * 1000 + j)),
            )
            .collect();
        assert_eq!(v.iter().map(|c| c.0).collect::<Vec<_>>(), expected);
        // The refused pushes were dropped as they were given back.
        assert_eq!(drops.load(Ordering::Relaxed), lens.len());
        drop(v);
        assert_eq!(drops.load(Ordering::Relaxed), lens.len() + expected.len());
        // One run short: nothing taken, every element written dropped once.
        let drops = AtomicUsize::new(0);
        let mut v: Vec<Counted<'_>> = Vec::new();
        let (_, full) = pool.install(|| {
            fill_slots(&mut v, runs(), |k, n, slots| {
                for j in 0..n - usize::from(k == 4) {
                    assert!(slots.push(Counted(j, &drops)).is_ok());
                }
            })
        });
        assert!(!full);
        assert!(v.is_empty() && v.capacity() >= 711);
        assert_eq!(drops.load(Ordering::Relaxed), 710);
        // A fill that panics: the panic goes on, the vector is as it was.
        let drops = AtomicUsize::new(0);
        let mut v: Vec<Counted<'_>> = Vec::new();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            pool.install(|| {
                fill_slots(&mut v, runs(), |k, n, slots| {
                    for j in 0..n {
                        let _ = slots.push(Counted(j, &drops));
                    }
                    assert!(k != 2, "a fill fails");
                })
            })
        }));
        assert!(caught.is_err());
        assert!(v.is_empty());
        assert_eq!(drops.load(Ordering::Relaxed), 711);
        // Parts appended in place, in order.
        let mut v = vec![0];
        let parts: Vec<Vec<usize>> = lens.iter().map(|&n| (0..n).collect()).collect();
        let expected: Vec<usize> = std::iter::once(0).chain(parts.concat()).collect();
        pool.install(|| append_in_place(&mut v, parts));
        assert_eq!(v, expected);
    }

    /// The document read with its arrays parsed in parallel (two threads) and sequentially.
    fn both(name: &str, json: &str) -> (Result<Sbom, IngestError>, Result<Sbom, IngestError>) {
        let read = |parallel_above| {
            let limits = Limits {
                parallel_above,
                ..Limits::default()
            };
            read_bytes_with(Path::new(name), json.as_bytes(), &limits)
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        pool.install(|| (read(0), read(usize::MAX)))
    }

    fn same(name: &str, json: &str) -> Sbom {
        match both(name, json) {
            (Ok(a), Ok(b)) => {
                assert_eq!(a, b);
                a
            }
            (a, b) => panic!("in parallel {a:?}, sequentially {b:?}"),
        }
    }

    fn same_error(name: &str, json: &str) -> String {
        match both(name, json) {
            (Err(a), Err(b)) => {
                assert_eq!(a.to_string(), b.to_string());
                a.to_string()
            }
            (a, b) => panic!("in parallel {a:?}, sequentially {b:?}"),
        }
    }

    /// Several chunks of components, with nested ones, `null`s, warnings (no name, unknown scope),
    /// `components` written twice and dependencies with `null` entries: the same model, with the
    /// same warnings in the same order.
    #[test]
    fn cyclonedx_in_parallel_is_the_sequential_read() {
        let mut comps = Vec::new();
        for i in 0..1500 {
            comps.push(match i % 50 {
                7 => "null".to_owned(),
                11 => format!(r#"{{"bom-ref": "c{i}", "scope": "sometimes"}}"#),
                13 => format!(
                    r#"{{"bom-ref": "c{i}", "name": "n{i}", "components": [{{"bom-ref": "c{i}.1", "name": "inner", "components": [null, {{"name": "deeper"}}]}}]}}"#
                ),
                _ => format!(
                    r#"{{"bom-ref": "c{i}", "name": "n{i}", "purl": "pkg:npm/n{i}@1", "supplier": {{"name": "S{i}", "url": ["https://s{i}.example"]}}, "externalReferences": [{{"type": "vcs", "url": "https://github.com/o/n{i}"}}]}}"#
                ),
            });
        }
        let (_, mut deps) = cdx_elements(1500, "\n");
        for i in (3..deps.len()).step_by(40) {
            deps[i] = "null".to_owned();
        }
        for i in (5..deps.len()).step_by(40) {
            deps[i] = r#"{"dependsOn": ["c1"]}"#.to_owned();
        }
        let json = format!(
            r#"{{"bomFormat": "CycloneDX", "specVersion": "1.6", "metadata": {{"component": {{"bom-ref": "root", "name": "root"}}}},
              "components": [{}], "dependencies": [{}], "components": [{{"bom-ref": "late", "name": "late"}}]}}"#,
            comps.join(",\n"),
            deps.join(",\n")
        );
        let sbom = same("big.cdx.json", &json);
        assert_eq!(sbom.components.len(), 1 + 1500 - 30 + 30 * 2 + 1);
        assert!(sbom.diagnostics.len() > 60, "{}", sbom.diagnostics.len());
    }

    #[test]
    fn spdx_in_parallel_is_the_sequential_read() {
        let packages: Vec<String> = (0..1200)
            .map(|i| match i % 30 {
                4 => "null".to_owned(),
                9 => format!(r#"{{"name": "no id {i}"}}"#),
                _ => format!(
                    r#"{{"SPDXID": "SPDXRef-p{i}", "name": "p{i}", "supplier": "Organization: S{i}", "hasFiles": ["SPDXRef-f{i}"], "externalRefs": [{{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:pypi/p{i}@1"}}]}}"#
                ),
            })
            .collect();
        let files: Vec<String> = (0..700)
            .map(|i| match i % 25 {
                2 => "null".to_owned(),
                _ => format!(r#"{{"SPDXID": "SPDXRef-f{i}", "fileName": "./f{i}"}}"#),
            })
            .collect();
        let rels: Vec<String> = (0..1300)
            .map(|i| match i % 35 {
                1 => "null".to_owned(),
                2 => r#"{"spdxElementId": "SPDXRef-p1"}"#.to_owned(),
                3 => r#"{"spdxElementId": "SPDXRef-p1", "relationshipType": "LIKES", "relatedSpdxElement": "SPDXRef-p2"}"#.to_owned(),
                _ => format!(
                    r#"{{"spdxElementId": "SPDXRef-p{i}", "relationshipType": "DEPENDS_ON", "relatedSpdxElement": "SPDXRef-p{}"}}"#,
                    i + 1
                ),
            })
            .collect();
        let json = format!(
            r#"{{"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "name": "big", "documentNamespace": "https://example.com/big",
              "packages": [{}], "relationships": [{}], "files": [{}], "documentDescribes": ["SPDXRef-p0"],
              "packages": [{{"name": "late, no id"}}]}}"#,
            packages.join(",\n"),
            rels.join(",\n"),
            files.join(",\n")
        );
        let sbom = same("big.spdx.json", &json);
        assert_eq!(sbom.components.len(), 1200 - 40 + 700 - 28 + 1);
        assert!(sbom.diagnostics.len() > 100, "{}", sbom.diagnostics.len());
    }

    /// SPDX 3: agents named before and after the packages that name them, an agent defined
    /// twice (the later one counts), two documents (the first name counts), roots through an
    /// SBOM element, relationships, non-objects in `@graph`: the same model in several chunks.
    #[test]
    fn spdx3_in_parallel_is_the_sequential_read() {
        let id = |s: &str| format!("https://example.com/x#{s}");
        let mut g: Vec<String> = vec![format!(
            r#"{{"type": "Organization", "spdxId": "{}", "name": "Early Org"}}"#,
            id("org")
        )];
        for i in 0..1500 {
            g.push(match i % 60 {
                5 => "7".to_owned(),
                6 => format!(
                    r#"{{"type": "Relationship", "spdxId": "{}", "from": "{}", "relationshipType": "dependsOn", "to": ["{}", "{}"]}}"#,
                    id(&format!("r{i}")),
                    id(&format!("p{}", i - 1)),
                    id(&format!("p{}", i + 1)),
                    id(&format!("p{}", i + 2))
                ),
                7 => format!(
                    r#"{{"type": "Person", "spdxId": "{}", "name": "Person {i}"}}"#,
                    id(&format!("a{i}"))
                ),
                _ => format!(
                    r#"{{"type": "software_Package", "spdxId": "{}", "name": "p{i}", "suppliedBy": "{}", "originatedBy": ["{}"]}}"#,
                    id(&format!("p{i}")),
                    id("org"),
                    id(&format!("a{}", i - i % 60 + 67))
                ),
            });
        }
        g.push(format!(
            r#"{{"type": "Organization", "spdxId": "{}", "name": "Late Org"}}"#,
            id("org")
        ));
        g.push(format!(
            r#"{{"type": "software_Sbom", "spdxId": "{}", "name": "the sbom", "rootElement": ["{}"]}}"#,
            id("sbom"),
            id("p0")
        ));
        g.push(format!(
            r#"{{"type": "SpdxDocument", "spdxId": "{}", "name": "first", "rootElement": ["{}"]}}"#,
            id("doc"),
            id("sbom")
        ));
        g.push(format!(
            r#"{{"type": "SpdxDocument", "spdxId": "{}", "name": "second"}}"#,
            id("doc2")
        ));
        let json = format!(
            r#"{{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": [{}]}}"#,
            g.join(",\n")
        );
        let sbom = same("big.spdx3.json", &json);
        assert_eq!(sbom.components.len(), 1500 - 3 * 25);
        assert!(sbom.components[1]
            .parties
            .iter()
            .any(|p| p.name.as_deref() == Some("Late Org")));
        assert_eq!(sbom.declared_roots.len(), 1);
    }

    /// A document that fails in parallel is read again sequentially: the error is the one the
    /// sequential read reports, with its line and column; one nested too deeply for the parallel
    /// path is read sequentially too.
    #[test]
    fn what_fails_in_parallel_is_read_sequentially() {
        let comps: Vec<String> = (0..1100)
            .map(|i| format!(r#"{{"bom-ref": "c{i}", "name": "n{i}"}}"#))
            .collect();
        let mut bad = comps.clone();
        bad[900] = r#"{"bom-ref": "x", "externalReferences": 5}"#.into();
        let doc = |c: &[String]| {
            format!(
                "{{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.6\", \"components\": [\n{}\n]}}",
                c.join(",\n")
            )
        };
        let err = same_error("bad.cdx.json", &doc(&bad));
        assert!(err.contains(":902:"), "{err}");
        let mut cut = doc(&comps);
        cut.truncate(cut.len() - 10);
        same_error("cut.cdx.json", &cut);

        let mut deep = comps;
        deep[600] = format!(
            r#"{{"bom-ref": "deep", "name": "deep", "x": {}{}}}"#,
            "[".repeat(110),
            "]".repeat(110)
        );
        let sbom = same("deep.cdx.json", &doc(&deep));
        assert_eq!(sbom.components.len(), 1100);
    }

    #[test]
    fn nesting_counts_levels_outside_strings() {
        assert_eq!(nesting(br#"{"a": 1}"#), 1);
        // Low counts are the bound itself: every `{` and `[`, four levels here.
        assert_eq!(nesting(br#"{"a": [{"b": []}, {}]}"#), 5);
        let deep = format!("{}{}", "[".repeat(150), "]".repeat(150));
        assert_eq!(nesting(deep.as_bytes()), 150);
        // Brackets in strings are text: the bound is high, the exact count is not.
        let text = format!(r#"{{"name": "{}"}}"#, "[{".repeat(80));
        assert_eq!(nesting(text.as_bytes()), 1);
        let escaped = format!(r#"{{"a": "\"{}", "b": [[]]}}"#, "[".repeat(120));
        assert_eq!(nesting(escaped.as_bytes()), 3);
    }

    /// A part that is a list appended to a list (the fold of these tests' reads).
    fn append_list<T>(into: &mut Vec<T>, mut part: Vec<T>) {
        into.append(&mut part);
    }

    /// The elements of `json` (an array) with their indices, through [`Array`] on four threads
    /// (so that chunks finish out of order), and how many there were.
    #[allow(clippy::type_complexity)]
    fn elements<'a, T: Deserialize<'a> + Send>(
        json: &'a str,
    ) -> Result<Result<(Vec<(usize, T)>, usize), serde_json::Error>, serde_json::Error> {
        // Outer: the array's own error; inner: an element's.
        use serde::de::DeserializeSeed;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap();
        let mut de = serde_json::Deserializer::from_str(json);
        let mut all: Vec<(usize, T)> = Vec::new();
        let n = pool.install(|| {
            Array::new(
                Vec::new,
                |p: &mut Vec<(usize, T)>, i, v: T| p.push((i, v)),
                &mut all,
                append_list,
            )
            .deserialize(&mut de)
        })?;
        Ok(n.map(|n| (all, n)))
    }

    #[test]
    fn parts_come_back_in_order_and_errors_stop_the_parse() {
        let doc: Vec<String> = (0..5000).map(|i| format!("{i}")).collect();
        let json = format!("[{}]", doc.join(","));
        let (all, n) = elements::<u32>(&json).unwrap().unwrap();
        assert_eq!(n, 5000);
        assert_eq!(all.len(), 5000);
        assert!(all
            .iter()
            .enumerate()
            .all(|(k, &(i, v))| k == i && i == v as usize));
        // An element of the wrong type: the inner error.
        let json = format!("[{}, \"x\"]", doc.join(","));
        assert!(elements::<u32>(&json).unwrap().is_err());
        // An array that is not well-formed: the outer error.
        let json = format!("[{}, ]", doc.join(","));
        assert!(elements::<u32>(&json).is_err());
        // Nested past what the parallel path takes: the inner error (the caller reads it again).
        let deep = format!("[{}{}]", "[".repeat(120), "]".repeat(120));
        assert!(elements::<serde::de::IgnoredAny>(&deep).unwrap().is_err());
        // `null` is no elements; refused where only an array will do.
        let (all, n) = elements::<u32>("null").unwrap().unwrap();
        assert_eq!((all.len(), n), (0, 0));
        let mut de = serde_json::Deserializer::from_str("null");
        let mut into: Vec<u32> = Vec::new();
        let only = Array::new(Vec::new, push::<u32>, &mut into, append_list).array_only();
        assert!(serde::de::DeserializeSeed::deserialize(only, &mut de).is_err());
    }

    /// Parts pushed from many threads in any order are folded in their order, each once.
    #[test]
    fn parts_are_folded_in_order_whatever_order_they_come_in() {
        let mut folded: Vec<usize> = Vec::new();
        let done = InOrder::new(&mut folded, |f: &mut Vec<usize>, k: usize| f.push(k));
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap();
        // Pushed in reverse within blocks of 7 and spread over the threads.
        let order: Vec<usize> = (0..700)
            .collect::<Vec<_>>()
            .chunks(7)
            .rev()
            .flat_map(|c| c.iter().rev().copied())
            .collect();
        pool.install(|| {
            use rayon::prelude::*;
            order.par_iter().for_each(|&k| done.push(k, k));
        });
        assert_eq!(done.finish(), 700);
        assert_eq!(folded, (0..700).collect::<Vec<_>>());
    }

    /// A CycloneDX document whose top-level arrays are laid out with `sep` between elements
    /// (`comps` and `deps` are the elements' texts).
    fn cdx_doc(comps: &[String], deps: &[String], sep: &str) -> String {
        format!(
            "{{\n  \"bomFormat\": \"CycloneDX\",\n  \"specVersion\": \"1.6\",\n  \"metadata\": {{\"component\": {{\"bom-ref\": \"root\", \"name\": \"root\"}}}},\n  \"components\": [{sep}{}\n  ],\n  \"dependencies\": [{sep}{}\n  ],\n  \"components\": [{{\"bom-ref\": \"late\", \"name\": \"late\"}}]\n}}\n",
            comps.join(&format!(",{sep}")),
            deps.join(&format!(",{sep}"))
        )
    }

    /// Components with nested ones, warnings (no name, unknown scope) and every evidence field,
    /// and dependencies, laid out as an element per line or pretty-printed.
    fn cdx_elements(n: usize, sep: &str) -> (Vec<String>, Vec<String>) {
        let inner = sep.replace('\n', "\n  ");
        let comps = (0..n)
            .map(|i| match i % 50 {
                11 => format!(r#"{{"bom-ref": "c{i}", "scope": "sometimes"}}"#),
                13 => format!(
                    r#"{{"bom-ref": "c{i}", "name": "n{i}", "components": [{inner}{{"bom-ref": "c{i}.1", "name": "inner"}},{inner}{{"name": "deeper"}}]}}"#
                ),
                _ => format!(
                    r#"{{"bom-ref": "c{i}", "name": "n{i}", "purl": "pkg:npm/n{i}@1", "supplier": {{"name": "S{i}", "url": ["https://s{i}.example"]}}, "externalReferences": [{{"type": "vcs", "url": "https://github.com/o/n{i}"}}]}}"#
                ),
            })
            .collect();
        let deps = (0..n)
            .map(|i| match i % 40 {
                5 => r#"{"ref": null, "dependsOn": ["c1"]}"#.to_owned(),
                _ => format!(
                    r#"{{"ref": "c{i}", "dependsOn": ["c{}", "c{}"]}}"#,
                    i + 1,
                    i + 2
                ),
            })
            .collect();
        (comps, deps)
    }

    /// The document read in place on four threads (so that runs finish out of order), if that
    /// goes through, and read sequentially.
    fn in_place(json: &str) -> (Option<Sbom>, Result<Sbom, IngestError>) {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap();
        let path = Path::new("big.cdx.json");
        let fast = pool.install(|| crate::cyclonedx_json::read_in_place(path, json, 0));
        let limits = Limits {
            parallel_above: usize::MAX,
            ..Limits::default()
        };
        let slow = read_bytes_with(path, json.as_bytes(), &limits);
        (fast.map(|c| c.sbom), slow)
    }

    /// Arrays split where they lie, one element per line, pretty-printed and on one line: the
    /// model of the sequential read, with its warnings in order, `components` written twice included.
    #[test]
    fn arrays_split_in_place_are_the_sequential_read() {
        for sep in ["\n", "\n    ", "\r\n\t", "", " "] {
            for n in [1, 2, CHUNK, CHUNK + 1, 3 * CHUNK + 7] {
                let (comps, deps) = cdx_elements(n, sep);
                let json = cdx_doc(&comps, &deps, sep);
                let (fast, slow) = in_place(&json);
                let fast = fast.unwrap_or_else(|| panic!("not read in place: {sep:?} {n}"));
                assert_eq!(fast, slow.unwrap(), "{sep:?} {n}");
                assert_eq!(
                    fast.components.len(),
                    2 + n + (n + 36) / 50 * 2,
                    "{sep:?} {n}"
                );
            }
        }
        // Empty and `null` arrays.
        let json = r#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [ ], "dependencies": null}"#;
        let (fast, slow) = in_place(json);
        assert_eq!(fast.unwrap(), slow.unwrap());
    }

    /// SPDX 2 JSON and SPDX 3 documents whose arrays are split in place (that read goes
    /// through) read as they do sequentially: packages, files and relationships written with
    /// `packages` twice; `@graph` with agents named before and after the packages that name them.
    #[test]
    fn spdx_arrays_split_in_place_are_the_sequential_read() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap();
        for sep in ["\n", "\n    "] {
            let join = |v: Vec<String>| v.join(&format!(",{sep}"));
            let n = 3 * CHUNK + 5;
            let packages = join(
                (0..n)
                    .map(|i| match i % 30 {
                        9 => format!(r#"{{"name": "no id {i}"}}"#),
                        _ => format!(
                            r#"{{"SPDXID": "SPDXRef-p{i}", "name": "p{i}", "supplier": "Organization: S{i}", "externalRefs": [{{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:pypi/p{i}@1"}}]}}"#
                        ),
                    })
                    .collect(),
            );
            let files = join(
                (0..700)
                    .map(|i| format!(r#"{{"SPDXID": "SPDXRef-f{i}", "fileName": "./f{i}"}}"#))
                    .collect(),
            );
            let rels = join(
                (0..n)
                    .map(|i| match i % 35 {
                        3 => r#"{"spdxElementId": "SPDXRef-p1", "relationshipType": "LIKES", "relatedSpdxElement": "SPDXRef-p2"}"#.to_owned(),
                        _ => format!(
                            r#"{{"spdxElementId": "SPDXRef-p{i}", "relationshipType": "DEPENDS_ON", "relatedSpdxElement": "SPDXRef-p{}"}}"#,
                            i + 1
                        ),
                    })
                    .collect(),
            );
            let json = format!(
                "{{\"spdxVersion\": \"SPDX-2.3\", \"SPDXID\": \"SPDXRef-DOCUMENT\", \"name\": \"big\", \"documentNamespace\": \"https://example.com/big\",\n\"packages\": [{sep}{packages}],\n\"relationships\": [{sep}{rels}],\n\"files\": [{sep}{files}], \"documentDescribes\": [\"SPDXRef-p0\"],\n\"packages\": [{{\"name\": \"late, no id\"}}]}}"
            );
            let path = Path::new("big.spdx.json");
            assert!(pool
                .install(|| crate::spdx_json::read_in_place(path, &json, 0))
                .is_some());
            let sbom = same("big.spdx.json", &json);
            assert_eq!(sbom.components.len(), n + 700 + 1);

            let id = |s: String| format!("https://example.com/x#{s}");
            let mut g = vec![format!(
                r#"{{"type": "Organization", "spdxId": "{}", "name": "Early Org"}}"#,
                id("org".into())
            )];
            g.extend((0..n).map(|i| {
                format!(
                    r#"{{"type": "software_Package", "spdxId": "{}", "name": "p{i}", "suppliedBy": "{}", "originatedBy": ["{}"]}}"#,
                    id(format!("p{i}")),
                    id("org".into()),
                    id(format!("a{}", i + 100))
                )
            }));
            g.extend((0..300).map(|i| {
                format!(
                    r#"{{"type": "Person", "spdxId": "{}", "name": "Person {i}"}}"#,
                    id(format!("a{i}"))
                )
            }));
            let json = format!(
                "{{\"@context\": \"https://spdx.org/rdf/3.0.1/spdx-context.jsonld\", \"@graph\": [{sep}{}]}}",
                join(g)
            );
            let path = Path::new("big.spdx3.json");
            assert!(pool
                .install(|| crate::spdx3::in_place(path, &json, 0))
                .is_some());
            let sbom = same("big.spdx3.json", &json);
            assert_eq!(sbom.components.len(), n);
            assert!(sbom.components[150]
                .parties
                .iter()
                .any(|p| p.name.as_deref() == Some("Person 250")));
        }
    }

    /// Boundaries the search misses or misreads are read one element at a time up to the next
    /// separator, and the runs start again from there, with the indices of the elements
    /// corrected: on one line, elements that start with another key (one, and one in every 100)
    /// and an inner array of objects written like the outer one; an element per line, two
    /// elements on one line, a `null` element, an element with the separator inside it. The
    /// model is the sequential read's.
    #[test]
    fn boundaries_the_search_misses_are_read_one_by_one() {
        let (comps, deps) = cdx_elements(3 * CHUNK, "\n");
        let mut other_key = comps.clone();
        other_key[CHUNK + 9] = r#"{"name": "n", "bom-ref": "other key first"}"#.into();
        let mut cases = vec![cdx_doc(&other_key, &deps, "")];
        let mut many = comps.clone();
        for i in (5..many.len()).step_by(100) {
            many[i] = format!(r#"{{"name": "n{i}", "bom-ref": "other{i}"}}"#);
        }
        cases.push(cdx_doc(&many, &deps, ""));
        let mut inner = comps.clone();
        inner[2 * CHUNK + 1] =
            r#"{"bom-ref": "x", "components": [{"bom-ref": "y"},{"bom-ref": "z"}]}"#.into();
        cases.push(cdx_doc(&inner, &deps, ""));
        let mut joined = comps.clone();
        joined[CHUNK + 3] = format!("{}, {}", joined[CHUNK + 3], joined[CHUNK + 4]);
        joined.remove(CHUNK + 4);
        cases.push(cdx_doc(&joined, &deps, "\n"));
        let mut nulls = comps.clone();
        nulls[2 * CHUNK] = "null".into();
        nulls[2 * CHUNK + 1] = "null".into();
        cases.push(cdx_doc(&nulls, &deps, "\n"));
        let mut inside = comps.clone();
        inside[700] = r#"{"bom-ref": "x", "name": "x", "components": [{"name": "a"},
{"name": "same layout"}]}"#
            .into();
        cases.push(cdx_doc(&inside, &deps, "\n"));
        for (k, json) in cases.iter().enumerate() {
            let (fast, slow) = in_place(json);
            let fast = fast.unwrap_or_else(|| panic!("case {k} not read in place"));
            assert_eq!(fast, slow.unwrap(), "case {k}");
        }
    }

    /// What the split in place does not take is left to the other reads, which give the
    /// sequential read's model or error: on one line, elements that start with a different key
    /// every few elements (more boundaries missed than are worth it); an element nested too
    /// deeply; a document cut short or followed by more text.
    #[test]
    fn what_the_split_in_place_does_not_take_is_read_another_way() {
        let (comps, deps) = cdx_elements(3 * CHUNK, "\n");
        let mut keys = comps.clone();
        for i in (1..keys.len()).step_by(3) {
            keys[i] = format!(r#"{{"name": "n{i}", "bom-ref": "other{i}"}}"#);
        }
        let mut cases = vec![cdx_doc(&keys, &deps, "")];
        let mut deep = comps.clone();
        deep[900] = format!(
            r#"{{"bom-ref": "deep", "name": "deep", "x": {}{}}}"#,
            "[".repeat(110),
            "]".repeat(110)
        );
        cases.push(cdx_doc(&deep, &deps, "\n"));
        for (k, json) in cases.iter().enumerate() {
            let (fast, _) = in_place(json);
            assert!(fast.is_none(), "case {k}");
            same("big.cdx.json", json);
        }
        let whole = cdx_doc(&comps, &deps, "\n");
        for bad in [&whole[..whole.len() / 2], &format!("{whole} {{}}")] {
            let (fast, _) = in_place(bad);
            assert!(fast.is_none());
            same_error("big.cdx.json", bad);
        }
    }

    /// Real CycloneDX JSON files (`fixtures/corpus`, from many tools): each one read in place,
    /// where that goes through, is its sequential read; and most of them do go through (the
    /// separator is found in the layouts tools write).
    #[test]
    fn real_documents_split_in_place_are_the_sequential_read() {
        fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    files(&p, out);
                } else if p.extension().is_some_and(|x| x == "json") {
                    out.push(p);
                }
            }
        }
        let mut all = Vec::new();
        let root =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/corpus/cyclonedx-json");
        files(&root, &mut all);
        all.sort();
        let mut split = 0;
        for path in &all {
            let bytes = std::fs::read(path).unwrap();
            let Ok(text) = std::str::from_utf8(&bytes) else {
                continue;
            };
            let text = text.trim_start_matches('\u{feff}');
            let (fast, slow) = in_place(text);
            match (fast, slow) {
                (fast, Ok(mut slow)) if slow.format == bomvet_model::Format::CyclonedxJson => {
                    // Added by the caller of both, after the document is read.
                    slow.diagnostics
                        .retain(|d| d.message != "`specVersion` is missing");
                    match fast {
                        Some(fast) => {
                            assert_eq!(fast, slow, "{}", path.display());
                            split += 1;
                        }
                        // Every document of several components on lines of their own is
                        // split (one on a single line, or with one component, need not be).
                        None => assert!(
                            text.lines().count() < 50 || slow.components.len() < 3,
                            "{} is not split in place",
                            path.display()
                        ),
                    }
                }
                (fast, Err(e @ IngestError::Parse { .. })) => {
                    assert!(fast.is_none(), "{}: {e}", path.display());
                }
                // Not CycloneDX (this reader is never called for it).
                _ => {}
            }
        }
        assert!(split >= 25, "{split} split in place");
    }

    /// Separators found block by block on several threads are those a search of the whole finds,
    /// with one cut by every block boundary.
    #[test]
    fn separators_found_on_every_core_agree_with_one_search() {
        let mut text = Vec::new();
        let mut i = 0usize;
        // Line breaks that are not separators too: no `,`, another indentation, another byte.
        let pieces: [&[u8]; 4] = [b",\n  {", b"\n  {", b",\n {", b",\n  n"];
        while text.len() < PAR_BYTES + 3 * BLOCK {
            text.extend_from_slice(&b"x".repeat(i % 13));
            text.extend_from_slice(pieces[i % 7 % 4]);
            i += 1;
        }
        for (k, at) in (BLOCK..text.len() - 8).step_by(BLOCK).enumerate() {
            let cut = at - (k % 5);
            text[cut - 1..cut + 5].copy_from_slice(b"x,\n  {");
        }
        let expected: Vec<usize> = memchr::memmem::find_iter(&text, b",\n  {")
            .map(|i| i + 7)
            .collect();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        assert_eq!(pool.install(|| find_all(&text, b",\n  {", 7)), expected);
    }

    /// A large text's needle count, made block by block on several threads, is the count of a
    /// search of the whole, with matches across every block boundary.
    #[test]
    fn counts_on_every_core_agree_with_one_search() {
        let mut text = Vec::new();
        let mut i = 0usize;
        while text.len() < PAR_BYTES + 3 * BLOCK {
            text.extend_from_slice(&b"x".repeat(i % 11));
            text.extend_from_slice(b"\"bom-ref\"");
            i += 1;
        }
        // A match cut by each block boundary, at every offset of the needle (between `x`s, so
        // that it shares no quote with another: see `count` on needles that overlap).
        for (k, at) in (BLOCK..text.len()).step_by(BLOCK).enumerate() {
            let cut = at - (k % 9);
            text[cut - 1..cut + 10].copy_from_slice(b"x\"bom-ref\"x");
        }
        let expected = memchr::memmem::find_iter(&text, b"\"bom-ref\"").count();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        assert_eq!(pool.install(|| count(&text, b"\"bom-ref\"")), expected);
        assert_eq!(
            count(&text[..1000], b"\"bom-ref\""),
            memchr::memmem::find_iter(&text[..1000], b"\"bom-ref\"").count()
        );
    }

    /// A pool of two threads, for the work split between them.
    fn two_threads() -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap()
    }

    /// Text with characters of every UTF-8 length, the extremes of each included.
    fn mixed_utf8() -> Vec<u8> {
        "aé€😀 x\u{7ff}\u{800}\u{ffff}\u{10000}\u{10ffff}é😀"
            .as_bytes()
            .to_vec()
    }

    /// Text checked for UTF-8 in blocks on several threads gets the answer of one check, and
    /// the same error (offset, length of the bad sequence): blocks of 1 to 9 bytes cut every
    /// character of 1 to 4 bytes at every place, in valid text, in text with a byte dropped,
    /// changed or added, and at either end.
    #[test]
    fn utf8_checked_in_blocks_is_one_check() {
        let (pool, valid) = (two_threads(), mixed_utf8());
        let mut texts = vec![valid.clone(), Vec::new(), vec![0x80], vec![0xF0, 0x9F]];
        for at in 0..valid.len() {
            let mut dropped = valid.clone();
            dropped.remove(at);
            let mut changed = valid.clone();
            changed[at] ^= 0x40;
            let mut added = valid.clone();
            added.insert(at, 0x80);
            texts.extend([dropped, changed, added]);
        }
        let mut errors = 0;
        for text in &texts {
            let expected = std::str::from_utf8(text);
            errors += usize::from(expected.is_err());
            for block in 1..10 {
                let got = pool.install(|| utf8_in_blocks(text, block));
                match (&got, &expected) {
                    (Ok(a), Ok(b)) => assert_eq!(a, b),
                    (Err(a), Err(b)) => {
                        assert_eq!(a.valid_up_to(), b.valid_up_to(), "{text:?} in {block}");
                        assert_eq!(a.error_len(), b.error_len(), "{text:?} in {block}");
                    }
                    _ => panic!("{text:?} in blocks of {block}: {got:?}, one check: {expected:?}"),
                }
            }
        }
        assert!(errors > 2 * valid.len() && errors < texts.len());
    }

    /// Text checked segment by segment in blocks ([`utf8_segments`]) is UTF-8 exactly when one
    /// check says so, whatever the segments and blocks (two segments cut at every place, blocks
    /// of 1 to 6 bytes), and the caller sees every byte of each segment once, in order; bounds
    /// that do not cover the text are refused.
    #[test]
    fn utf8_checked_in_segments_is_one_check() {
        let (pool, valid) = (two_threads(), mixed_utf8());
        let mut texts = vec![valid.clone(), vec![0x80], vec![0xF0, 0x9F]];
        for at in 0..valid.len() {
            let mut changed = valid.clone();
            changed[at] ^= 0x40;
            let mut added = valid.clone();
            added.insert(at, 0x80);
            texts.extend([changed, added]);
        }
        for text in &texts {
            let expected = std::str::from_utf8(text).is_ok();
            for cut in 0..=text.len() {
                let bounds = [(0, cut), (cut, text.len())];
                for block in 1..7 {
                    let got = pool.install(|| {
                        utf8_segments(text, &bounds, block, Vec::new, |v, a, b| {
                            v.push((a, b));
                        })
                    });
                    let segments_valid = std::str::from_utf8(&text[..cut]).is_ok()
                        && std::str::from_utf8(&text[cut..]).is_ok();
                    assert_eq!(
                        got.is_some(),
                        segments_valid,
                        "{text:?} cut at {cut}, {block}"
                    );
                    if segments_valid {
                        assert!(expected);
                    }
                    if let Some((t, seen)) = got {
                        assert_eq!(t.as_bytes(), &text[..]);
                        for (&(start, end), blocks) in bounds.iter().zip(&seen) {
                            let mut at = start;
                            for &(a, b) in blocks {
                                assert!(a == at && b > a, "{blocks:?} of {start}..{end}");
                                at = b;
                            }
                            assert_eq!(at, end, "{blocks:?}");
                        }
                    }
                }
            }
        }
        let text = valid.as_slice();
        let n = text.len();
        let refuse = |bounds: &[(usize, usize)]| {
            utf8_segments(text, bounds, 4, || (), |(), _, _| {}).is_none()
        };
        assert!(refuse(&[]));
        assert!(refuse(&[(0, n - 1)]));
        assert!(refuse(&[(1, n)]));
        assert!(refuse(&[(0, 3), (4, n)]));
        assert!(refuse(&[(0, 5), (3, n)]));
        assert!(refuse(&[(0, 5), (5, 3), (3, n)]));
        assert!(!refuse(&[(0, n)]));
    }

    /// A list kept in pieces (pushed one at a time, pieces added and lists appended) is the list
    /// pushed to one vector: its length, and its slices of any size in order, each with the
    /// index of its first element.
    #[test]
    fn pieces_are_the_list_in_order() {
        let mut pieces = Pieces::default();
        let mut flat = Vec::new();
        for i in 0..3 * CHUNK + 5 {
            pieces.push(i);
            flat.push(i);
        }
        pieces.push_piece(Vec::new());
        pieces.push_piece((10_000..10_007).collect());
        flat.extend(10_000..10_007);
        let mut more = Pieces::from((20_000..20_003).collect::<Vec<_>>());
        more.push(20_003);
        pieces.append(more);
        flat.extend(20_000..20_004);
        pieces.push(30_000);
        flat.push(30_000);
        assert_eq!(pieces.len(), flat.len());
        for max in [1, 2, 7, CHUNK, usize::MAX] {
            let slices = pieces.slices_mut(max);
            assert!(slices.iter().all(|(_, s)| !s.is_empty() && s.len() <= max));
            for (first, slice) in &slices {
                assert_eq!(&slice[..], &flat[*first..first + slice.len()], "{max}");
            }
            let joined: Vec<usize> = slices.iter().flat_map(|(_, s)| s.iter().copied()).collect();
            assert_eq!(joined, flat, "{max}");
        }
    }
}
