//! Service URLs fit for logs and `Debug` output.

/// The URL with its password hidden: `scheme://user:***@host/path`. A URL without
/// credentials is returned as is; one that does not parse is hidden whole. A
/// comma-separated list (a cluster's seeds) has each of its URLs redacted.
pub(crate) fn redacted(url: &str) -> String {
    if url.contains(',') {
        return url.split(',').map(redacted).collect::<Vec<_>>().join(",");
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return "***".to_owned();
    };
    match rest.rsplit_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redacted;

    #[test]
    fn passwords_are_hidden_and_the_rest_is_kept() {
        assert_eq!(
            redacted("postgres://app:s3cret@db:5432/live"),
            "postgres://app:***@db:5432/live"
        );
        assert_eq!(
            redacted("redis://:hunter2@cache:6379/0"),
            "redis://:***@cache:6379/0"
        );
        assert_eq!(
            redacted("postgres://localhost/db"),
            "postgres://localhost/db"
        );
        assert_eq!(redacted("not a url"), "***");
        assert_eq!(
            redacted("redis://:a1@n1:7001,rediss://:b2@n2:7002"),
            "redis://:***@n1:7001,rediss://:***@n2:7002"
        );
    }
}
