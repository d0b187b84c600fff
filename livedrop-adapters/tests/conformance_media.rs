//! The media cases of the conformance suite against every media backend (memory's runs
//! in `conformance_memory`): a local directory, and S3 (feature `s3`,
//! `LIVEDROP_TEST_S3_ENDPOINT`).

mod support;

mod local_dir {
    use super::support;

    livedrop_core::conformance_suite!(media: support::media::local_dir_ports);
}

#[cfg(feature = "s3")]
mod s3 {
    use super::support;

    livedrop_core::conformance_suite!(media: optional support::media::s3::ports);
}
