//! Any bytes, as a feed file, through the reader's whole feed path (charset detection and
//! transcoding, the tokenizer, the item parser): no panic, every item the parser counts comes out
//! as a document or a rejection, and their byte ranges tile the file in order.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsmill::config::ItemsWithoutText;
use newsmill::stages::source::feed::parse_feed;
use newsmill::stages::source::reader::{Emit, Limits, read_feed_bytes};

fuzz_target!(|data: &[u8]| {
    let counted = parse_feed(data).map_or(0, |(items, info)| {
        assert_eq!(items.len(), info.items);
        info.items
    });
    let limits = Limits { max_document_bytes: 4096, excerpt_bytes: 64, items_without_text: ItemsWithoutText::Reject };
    let (mut at, mut items, mut file_level) = (0u64, 0usize, 0usize);
    let next = read_feed_bytes(std::path::Path::new("fuzz.rss"), data.to_vec(), limits, &mut |ev| {
        let ticket = match &ev {
            Emit::Doc(d) => *d.prov.ticket.file().expect("a file's document has a file ticket"),
            Emit::Reject(r) => r.ticket.and_then(|t| t.file().copied()).expect("a feed's rejections have file tickets"),
        };
        if ticket.item == 0 {
            file_level += 1;
        } else {
            items += 1;
            assert_eq!(ticket.start, at, "items tile the file");
            assert!(ticket.end > ticket.start && ticket.end <= data.len() as u64);
            at = ticket.end;
        }
        true
    });
    assert!(items == counted || data.is_empty(), "{items} of {counted} items accounted for");
    assert!(file_level <= 1);
    assert_eq!(next, data.len() as u64);
});
