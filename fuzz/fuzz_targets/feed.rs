//! Any bytes, as a feed file: parsing must not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = newsmill::stages::source::feed::parse_feed(data);
});
