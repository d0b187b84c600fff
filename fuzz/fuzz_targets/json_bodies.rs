//! Request bodies, decoded as the server decodes them and then validated as its services
//! validate them: any bytes are refused or accepted without a panic, and an accepted body
//! encodes and decodes back to itself. The first byte picks the body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use livedrop_core::domain::{Email, Password, PersonName};
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
    match which % 10 {
        0 => {
            if let Some(body) = round_trip::<wire::RegisterBody>(bytes) {
                let _ = Email::try_from(body.email.as_str());
                let _ = PersonName::try_from(body.name.as_str());
            }
        }
        9 => {
            if let Some(body) = round_trip::<wire::ConfirmRegistrationBody>(bytes)
                && let Ok(password) = Password::try_from(body.password)
            {
                let _ = password.check_strength(&[body.token.as_str(), "livedrop"]);
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
