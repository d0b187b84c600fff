//! HMAC-SHA256 upload grants: what a signed upload URL's query carries and how it is
//! checked. Shared by every backend whose uploads the server accepts itself (memory and the
//! local directory), so a URL one of them signs means the same to all.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, KeyInit, Mac};
use livedrop_core::ports::{MediaKey, UploadGrant};
use sha2::Sha256;

/// Signs and verifies [`UploadGrant`]s with one secret.
#[derive(Clone)]
pub struct UploadSigner {
    secret: Vec<u8>,
}

impl std::fmt::Debug for UploadSigner {
    // Never the secret: states get logged.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadSigner").finish_non_exhaustive()
    }
}

impl UploadSigner {
    /// A signer over `secret` (any length; instances that accept each other's URLs need
    /// the same one).
    pub fn new(secret: Vec<u8>) -> Self {
        Self { secret }
    }

    /// A signer with a random secret: URLs die with the process.
    pub fn random() -> Self {
        Self::new(
            [uuid::Uuid::new_v4(), uuid::Uuid::new_v4()]
                .iter()
                .flat_map(|u| u.into_bytes())
                .collect(),
        )
    }

    fn mac(&self, key: &MediaKey, max_bytes: u64, expires: i64) -> Hmac<Sha256> {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.secret)
            .unwrap_or_else(|_| <Hmac<Sha256> as KeyInit>::new(&Default::default()));
        // Newline-separated: a key never contains one, so no two grants sign the same text.
        mac.update(format!("PUT\n{key}\n{max_bytes}\n{expires}").as_bytes());
        mac
    }

    /// The grant for one object: `key`, at most `max_bytes`, until `expires` (Unix s).
    pub fn sign(&self, key: &MediaKey, max_bytes: u64, expires: i64) -> UploadGrant {
        let signature =
            URL_SAFE_NO_PAD.encode(self.mac(key, max_bytes, expires).finalize().into_bytes());
        UploadGrant {
            key: key.clone(),
            max_bytes,
            expires,
            signature,
        }
    }

    /// Whether `grant` was signed with this secret (in constant time).
    pub fn verify(&self, grant: &UploadGrant) -> bool {
        URL_SAFE_NO_PAD
            .decode(&grant.signature)
            .is_ok_and(|signature| {
                self.mac(&grant.key, grant.max_bytes, grant.expires)
                    .verify_slice(&signature)
                    .is_ok()
            })
    }
}

#[cfg(test)]
mod tests {
    use livedrop_core::ids::ProductId;
    use livedrop_core::ports::ImageType;

    use super::*;

    #[test]
    fn a_grant_verifies_only_unchanged_and_under_its_secret() {
        let signer = UploadSigner::random();
        let key = MediaKey::product_image(ProductId::new(), ImageType::Png);
        let grant = signer.sign(&key, 1024, 1_900_000_000);
        assert!(signer.verify(&grant));
        assert!(!UploadSigner::random().verify(&grant));
        for tampered in [
            UploadGrant {
                max_bytes: 1025,
                ..grant.clone()
            },
            UploadGrant {
                expires: 1_900_000_001,
                ..grant.clone()
            },
            UploadGrant {
                key: MediaKey::product_image(ProductId::new(), ImageType::Png),
                ..grant.clone()
            },
            UploadGrant {
                signature: "not base64!".to_owned(),
                ..grant.clone()
            },
        ] {
            assert!(!signer.verify(&tampered), "{tampered:?}");
        }
    }
}
