//! Page cursors come back from clients in `?cursor=`: any text either decodes to a cursor
//! that prints back to one decoding the same, or is refused; never a panic.
#![no_main]

use std::str::FromStr;

use libfuzzer_sys::fuzz_target;
use livedrop_core::pagination::Cursor;

fuzz_target!(|text: &str| {
    if let Ok(cursor) = Cursor::from_str(text) {
        let printed = cursor.to_string();
        assert_eq!(
            Cursor::from_str(&printed).ok(),
            Some(cursor),
            "{text:?} -> {printed:?}"
        );
    }
});
