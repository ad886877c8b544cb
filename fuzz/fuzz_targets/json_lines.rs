//! Any bytes, as a JSON-lines file: reading must not panic, and the documents and rejections it
//! makes must tile the bytes it consumed, in order, without gaps or overlaps (the checkpoint logic
//! relies on that).
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsmill::config::ItemsWithoutText;
use newsmill::stages::source::reader::{Emit, Limits, read_json_lines};

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_document_bytes: 4096, excerpt_bytes: 64, items_without_text: ItemsWithoutText::Reject };
    for final_read in [false, true] {
        let mut at = 0u64;
        let next = read_json_lines(std::path::Path::new("fuzz.jsonl"), data, final_read, limits, &mut |ev| {
            let ticket = match &ev {
                Emit::Doc(d) => *d.prov.ticket.file().expect("a file's document has a file ticket"),
                Emit::Reject(r) => r.ticket.and_then(|t| t.file().copied()).expect("a line's rejection has a file ticket"),
            };
            assert_eq!(ticket.start, at, "documents tile the file");
            assert!(ticket.end > ticket.start && ticket.end <= data.len() as u64);
            at = ticket.end;
            true
        });
        assert!(next >= at && next <= data.len() as u64, "next {next}, last end {at}");
    }
});
