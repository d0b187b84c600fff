//! Events as the relay reads them from the outbox and consumers from the bus: any bytes
//! either decode to an event that encodes and decodes back to itself, or are refused;
//! never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use livedrop_core::domain::Event;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(event) = serde_json::from_slice::<Event>(bytes) {
        let encoded = serde_json::to_vec(&event).expect("an event encodes");
        let decoded: Event = serde_json::from_slice(&encoded).expect("its encoding decodes");
        assert_eq!(decoded, event);
    }
});
