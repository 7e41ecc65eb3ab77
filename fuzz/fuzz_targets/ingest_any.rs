//! Format recognition, byte-order marks, UTF-16 and gzip, then whichever reader applies, with
//! small limits so a gzip bomb in the corpus stays cheap.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = bomvet_ingest::Limits {
        max_decompressed: 1 << 20,
        max_components: 10_000,
        max_depth: 32,
        // Large arrays parsed in parallel whatever their size (`par`).
        parallel_above: 0,
    };
    let _ = bomvet_ingest::is_candidate(data);
    let _ = bomvet_ingest::ref_lines(data, |_| true);
    let _ = bomvet_ingest::read_bytes_with(std::path::Path::new("fuzz.json"), data, &limits);
});
