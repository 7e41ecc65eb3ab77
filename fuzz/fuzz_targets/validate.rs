//! `bomvet validate` on arbitrary bytes: the JSON Schemas and the CycloneDX XSDs (through
//! `xsd-schema`) give a result or an error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = bomvet_validate::validate(std::path::Path::new("fuzz.bom"), data);
});
