//! Key names, and the hash tags that place them in a Redis Cluster.
//!
//! A script call may only touch keys of one slot in a cluster (`CROSSSLOT` otherwise), and
//! the batched calls (`script_batch`) touch many keys at once. If every key hashed on its
//! own, a batch of 128 calls would fall into about 128 slots and batching would be lost.
//! So every key carries one of [`TAGS`] hash tags, `{prefix}{tag}:kind:rest`, picked by
//! hashing the rest of the key: a batch falls into at most `TAGS` slots, one script call
//! each. The tags themselves are chosen so their slots sit evenly across the 16,384 (one
//! per 1,024-slot stretch): the contiguous, equal slot ranges `redis-cli --cluster create`
//! hands out then give each primary its share of the tags, up to 16 primaries.
//!
//! A single Redis ignores the tags; the layout is the same either way.

use std::sync::{Arc, LazyLock};

use livedrop_core::{Error, Result};

/// How many hash tags the keys are spread over.
pub(crate) const TAGS: usize = 16;

/// Slots in a Redis Cluster.
const SLOTS: u16 = 16_384;

/// One tag per `SLOTS / TAGS` stretch of slots, the shortest decimal numbers that land there.
static TAG_NAMES: LazyLock<[String; TAGS]> = LazyLock::new(|| {
    let stretch = SLOTS / TAGS as u16;
    // Every stretch holds a number within a few thousand: CRC16 spreads them evenly.
    std::array::from_fn(|i| {
        let mut n = 0u32;
        loop {
            let tag = n.to_string();
            if usize::from(slot(tag.as_bytes()) / stretch) == i {
                break tag;
            }
            n += 1;
        }
    })
});

/// The keys of one deployment (its prefix).
#[derive(Clone, Debug)]
pub(crate) struct KeySpace {
    prefix: Arc<str>,
}

impl KeySpace {
    /// # Errors
    /// `Internal` when `prefix` holds a brace: Redis would take the hash tag from it, and
    /// every key of the deployment would land in one slot.
    pub(crate) fn new(prefix: &str) -> Result<Self> {
        if prefix.contains(['{', '}']) {
            return Err(Error::internal(
                "redis",
                format!("the key prefix {prefix:?} must not contain '{{' or '}}'"),
            ));
        }
        Ok(Self {
            prefix: Arc::from(prefix),
        })
    }

    /// `{prefix}{tag}:{kind}:{rest}`, the tag picked by `rest`.
    pub(crate) fn key(&self, kind: &str, rest: &str) -> String {
        let tag = &TAG_NAMES[tag_index(rest)];
        format!("{}{{{tag}}}:{kind}:{rest}", self.prefix)
    }
}

/// FNV-1a of `rest`, folded onto the tags: cheap, stable across processes and versions
/// (every instance must pick the same tag for a key), and even enough for this.
fn tag_index(rest: &str) -> usize {
    let hash = rest.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    // The remainder is below TAGS, so it fits.
    (hash % TAGS as u64) as usize
}

/// The cluster slot of a key without braces: CRC16 (XMODEM) modulo the slot count.
fn slot(key: &[u8]) -> u16 {
    let crc = key.iter().fold(0u16, |crc, &byte| {
        (0..8).fold(crc ^ (u16::from(byte) << 8), |crc, _| {
            if crc & 0x8000 == 0 {
                crc << 1
            } else {
                (crc << 1) ^ 0x1021
            }
        })
    });
    crc % SLOTS
}

#[cfg(test)]
mod tests {
    use ::redis::cluster_routing::Slot;

    use super::*;

    #[test]
    fn slots_agree_with_the_redis_client() {
        for key in ["", "0", "123456789", "livedrop:idem:user:key"] {
            assert_eq!(
                Slot::new(slot(key.as_bytes())),
                Some(Slot::for_key(key)),
                "{key}"
            );
        }
        // Redis's own documented example: CRC16("123456789") is 0x31C3.
        assert_eq!(slot(b"123456789"), 0x31C3 % SLOTS);
    }

    #[test]
    fn each_tag_sits_in_its_own_stretch_of_slots() {
        let stretch = SLOTS / TAGS as u16;
        for (i, tag) in TAG_NAMES.iter().enumerate() {
            assert_eq!(usize::from(slot(tag.as_bytes()) / stretch), i, "tag {tag}");
        }
    }

    #[test]
    fn a_key_hashes_on_its_tag_alone() {
        let keys = KeySpace::new("livedrop:").unwrap();
        let key = keys.key("idem", "user-1:key-1");
        assert!(key.starts_with("livedrop:{"), "{key}");
        assert!(key.ends_with("}:idem:user-1:key-1"), "{key}");
        // Redis Cluster hashes the text between the first braces only.
        let tag = &key[key.find('{').unwrap()..=key.find('}').unwrap()];
        let bare = tag.trim_matches(|c| c == '{' || c == '}');
        assert_eq!(Slot::for_key(&key), Slot::for_key(bare));
    }

    #[test]
    fn keys_spread_over_every_tag() {
        let keys = KeySpace::new("p:").unwrap();
        let tags: std::collections::HashSet<_> = (0..1_000)
            .map(|n| {
                let key = keys.key("cache", &format!("drop:{n}"));
                key[..key.find('}').unwrap()].to_owned()
            })
            .collect();
        assert_eq!(tags.len(), TAGS);
    }

    #[test]
    fn a_prefix_with_a_brace_is_refused() {
        assert!(KeySpace::new("app{1}:").is_err());
        assert!(KeySpace::new("app}").is_err());
    }
}
