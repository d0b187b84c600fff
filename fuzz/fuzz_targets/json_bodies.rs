//! Request bodies, decoded as the server decodes them and then validated as its services
//! validate them: any bytes are refused or accepted without a panic, and an accepted body
//! encodes and decodes back to itself. The first byte picks the body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use livedrop_core::domain::{DisplayName, Email, Password};
use livedrop_core::wire;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Decodes `bytes` as a `T`; if it decodes, its encoding decodes to the same value.
fn round_trip<T>(bytes: &[u8]) -> Option<T>
where
    T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug,
{
    let body = serde_json::from_slice::<T>(bytes).ok()?;
    let encoded = serde_json::to_vec(&body).expect("a decoded body encodes");
    let again: T = serde_json::from_slice(&encoded).expect("its encoding decodes");
    assert_eq!(again, body);
    Some(body)
}

fuzz_target!(|input: (u8, &[u8])| {
    let (which, bytes) = input;
    match which % 9 {
        0 => {
            if let Some(body) = round_trip::<wire::RegisterBody>(bytes) {
                let email = Email::try_from(body.email.as_str());
                let _ = DisplayName::try_from(body.name.as_str());
                if let (Ok(email), Ok(password)) = (email, Password::try_from(body.password)) {
                    let _ = password.check_strength(&[email.as_str(), &body.name]);
                }
            }
        }
        1 => drop(round_trip::<wire::LoginBody>(bytes)),
        2 => drop(round_trip::<wire::RefreshBody>(bytes)),
        3 => drop(round_trip::<wire::CreateCreatorBody>(bytes)),
        4 => drop(round_trip::<wire::CreateProductBody>(bytes)),
        5 => {
            if let Some(body) = round_trip::<wire::CreateDropBody>(bytes) {
                let _ = body.validate();
            }
        }
        6 => drop(round_trip::<wire::PlaceOrderBody>(bytes)),
        7 => drop(round_trip::<wire::FollowBody>(bytes)),
        _ => drop(round_trip::<wire::MarkReadBody>(bytes)),
    }
});
