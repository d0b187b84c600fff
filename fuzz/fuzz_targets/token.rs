//! Bearer and realtime tokens: whatever a client sends, checking it never panics, and the
//! only token accepted is one the server signed. The input is spliced into a real token
//! (a span of it replaced by the fuzzer's bytes), so the fuzzer works on headers, claims
//! and signatures near valid ones rather than on random text the JWT parser stops at once.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use livedrop_core::ids::{FamilyId, UserId};
use livedrop_server::auth::{JwtSecret, TokenKeys, TokenKind};

struct Signed {
    keys: TokenKeys,
    user: UserId,
    token: String,
}

static SIGNED: LazyLock<Signed> = LazyLock::new(|| {
    let keys = TokenKeys::new(&JwtSecret::random());
    let user = UserId::new();
    let token = keys
        .issue(TokenKind::Access, user, FamilyId::new())
        .expect("a token")
        .token;
    Signed { keys, user, token }
});

fuzz_target!(|input: (u16, u16, &str)| {
    let (from, to, splice) = input;
    let signed = &*SIGNED;
    let len = signed.token.len();
    let (from, to) = (usize::from(from) % (len + 1), usize::from(to) % (len + 1));
    let (from, to) = (from.min(to), from.max(to));
    let token = format!("{}{splice}{}", &signed.token[..from], &signed.token[to..]);
    for kind in [TokenKind::Access, TokenKind::Realtime] {
        if let Ok(user) = signed.keys.verify(kind, &token) {
            // Only the signed token itself (or a spelling of it the decoder reads the same:
            // its claims, header and signature unchanged) may pass, and only as an access
            // token.
            assert_eq!(kind, TokenKind::Access, "{token:?} passed as realtime");
            assert_eq!(user, signed.user, "{token:?} named another user");
            let claims = signed
                .keys
                .verify_claims(kind, &token)
                .expect("verified once");
            let original = signed
                .keys
                .verify_claims(kind, &signed.token)
                .expect("the signed token verifies");
            assert_eq!(claims, original, "{token:?} changed the claims");
        }
    }
});
