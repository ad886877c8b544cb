//! Any bytes, as a NATS message's payload of any format: reading must not panic, and every
//! document or rejection it gives covers only the payload.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsmill::config::SourceConfig;
use newsmill::record::Format;
use newsmill::stages::source::reader::{Emit, Limits, read_message};

fuzz_target!(|data: &[u8]| {
    let Some((&which, payload)) = data.split_first() else { return };
    let format = [Format::Text, Format::Html, Format::Feed, Format::Jsonl][usize::from(which % 4)];
    let limits = Limits::new(&SourceConfig::default(), 512);
    let mut n = 0usize;
    read_message(std::path::Path::new("nats://IN/1"), "IN-1", format, payload.to_vec(), limits, &mut |e| {
        n += 1;
        if let Emit::Reject(r) = &e {
            assert!(r.excerpt.len() <= 512 + 4, "excerpt over its bound");
        }
        true
    });
    assert!(n >= 1 || payload.is_empty(), "a message gives a document or a rejection");
});
