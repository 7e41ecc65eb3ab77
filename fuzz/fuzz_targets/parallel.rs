//! Reading a document on every core (`Limits::parallel_above`, decision 22: the big arrays of a
//! JSON document, the children of CycloneDX XML's components and dependencies, tag-value packages
//! converted while scanned) agrees with reading it sequentially: the same model, or the same error.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = std::path::Path::new("fuzz.json");
    let read = |parallel_above| {
        let limits = bomvet_ingest::Limits {
            parallel_above,
            ..bomvet_ingest::Limits::default()
        };
        bomvet_ingest::read_bytes_with(path, data, &limits)
    };
    // Two threads, so that the parallel path is taken on any machine.
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    let (parallel, sequential) = pool.install(|| (read(0), read(usize::MAX)));
    match (parallel, sequential) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        (a, b) => panic!("in parallel {a:?}, sequentially {b:?}"),
    }
});
