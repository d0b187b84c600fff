//! `Idempotency-Key` headers: a key is accepted exactly when it is 1 to 255 visible ASCII
//! characters, and kept byte for byte.
#![no_main]

use libfuzzer_sys::fuzz_target;
use livedrop_core::domain::IdempotencyKey;

fuzz_target!(|text: &str| {
    let valid = !text.is_empty()
        && text.len() <= IdempotencyKey::MAX_LEN
        && text.bytes().all(|b| b.is_ascii_graphic());
    match IdempotencyKey::try_from(text) {
        Ok(key) => {
            assert!(valid, "accepted {text:?}");
            assert_eq!(key.as_str(), text);
        }
        Err(_) => assert!(!valid, "refused {text:?}"),
    }
});
