//! The SPDX 3 JSON-LD reader on arbitrary bytes: an error or an SBOM, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = bomvet_ingest::read_as(
        std::path::Path::new("fuzz.spdx3.json"),
        data,
        bomvet_model::Format::Spdx3JsonLd,
    );
});
